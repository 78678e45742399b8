"""Derive bot/data/botapi.json, the emulator's compact Bot API fact file, from api.json.

api.json is the scraped Bot API specification kept in ../shared/telegram-bot-api
(PaulSonOfLars/telegram-bot-api-spec). The emulator ships inside the package and must
not read ../shared at run time, so this script keeps only what it checks requests
against and builds answers from:

- every method: its fields (name → types), the names of the required ones, and its
  return types;
- the types an answer can hold (every method's return types, the objects updates
  carry, and whatever their required fields refer to): their required fields
  (name → types) and, for union types such as ChatMember, their subtypes.

Descriptions and links are dropped; keys are sorted and each method or type takes one
line, so a new Bot API version shows up as a readable diff.

Usage: python scripts/build_botapi.py [API_JSON] [--output PATH] [--check]
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parents[1]
DEFAULT_SOURCE = REPO_ROOT.parent / "shared" / "telegram-bot-api" / "api.json"
DEFAULT_OUTPUT = REPO_ROOT / "bot" / "data" / "botapi.json"

# Objects the emulator puts into updates and answers beyond the methods' return types.
ANSWER_ROOTS = (
    "Update",
    "Message",
    "MessageEntity",
    "CallbackQuery",
    "ChatMemberUpdated",
    "InlineKeyboardMarkup",
    "InlineKeyboardButton",
    "PhotoSize",
    "Document",
)


def derive_method(method: dict[str, Any]) -> dict[str, Any]:
    """One method's fields (name → types), its required field names and return types."""
    fields = method.get("fields", [])
    return {
        "fields": {field["name"]: list(field["types"]) for field in fields},
        "required": sorted(field["name"] for field in fields if field["required"]),
        "returns": list(method.get("returns", [])),
    }


def derive_type(type_: dict[str, Any]) -> dict[str, Any]:
    """One type's required fields and, for a union, its subtypes."""
    required = {
        field["name"]: list(field["types"])
        for field in type_.get("fields", [])
        if field["required"]
    }
    derived: dict[str, Any] = {"required": required}
    if type_.get("subtypes"):
        derived["subtypes"] = list(type_["subtypes"])
    return derived


def _type_names(expr: str, known: dict[str, Any]) -> list[str]:
    """The type names inside a type expression such as "Array of Array of PhotoSize"."""
    bare = re.sub(r"^(Array of )+", "", expr)
    return [word for word in bare.split() if word in known]


def answer_types(api: dict[str, Any]) -> set[str]:
    """Every type reachable from the answer roots through required fields and subtypes."""
    known = api["types"]
    pending = list(ANSWER_ROOTS)
    for method in api["methods"].values():
        for expr in method.get("returns", []):
            pending += _type_names(expr, known)
    reached: set[str] = set()
    while pending:
        name = pending.pop()
        if name in reached:
            continue
        reached.add(name)
        for field in known[name].get("fields", []):
            if field["required"]:
                pending += [t for expr in field["types"] for t in _type_names(expr, known)]
        pending += [t for t in known[name].get("subtypes") or [] if t in known]
    return reached


def derive(api: dict[str, Any]) -> dict[str, Any]:
    """The whole fact file as a dict."""
    types = api["types"]
    return {
        "methods": {name: derive_method(m) for name, m in api["methods"].items()},
        "types": {name: derive_type(types[name]) for name in answer_types(api)},
        "version": api.get("version", ""),
    }


def _section(name: str, entries: dict[str, Any], last: bool) -> list[str]:
    lines = [f" {json.dumps(name)}: {{"]
    names = sorted(entries)
    for index, key in enumerate(names):
        comma = "," if index < len(names) - 1 else ""
        body = json.dumps(entries[key], sort_keys=True, ensure_ascii=False)
        lines.append(f"  {json.dumps(key)}: {body}{comma}")
    lines.append(" }" if last else " },")
    return lines


def render(facts: dict[str, Any]) -> str:
    """Serialise with one method or type per line, keys sorted."""
    lines = ["{"]
    lines += _section("methods", facts["methods"], last=False)
    lines += _section("types", facts["types"], last=False)
    lines.append(f' "version": {json.dumps(facts["version"])}')
    lines.append("}")
    return "\n".join(lines) + "\n"


def build(source: Path) -> str:
    """The text of botapi.json derived from the api.json at `source`."""
    api = json.loads(source.read_text(encoding="utf-8"))
    return render(derive(api))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("source", nargs="?", type=Path, default=DEFAULT_SOURCE)
    parser.add_argument("--output", type=Path, default=DEFAULT_OUTPUT)
    parser.add_argument(
        "--check", action="store_true", help="exit 1 if the output file is not up to date"
    )
    args = parser.parse_args(argv)
    if not args.source.is_file():
        print(f"error: {args.source} not found", file=sys.stderr)
        return 2
    text = build(args.source)
    if args.check:
        current = args.output.read_text(encoding="utf-8") if args.output.is_file() else ""
        if current != text:
            print(f"error: {args.output} is out of date; rerun this script", file=sys.stderr)
            return 1
        return 0
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
