"""The Bot API facts the emulator relies on: checking requests, building answers.

The facts come from bot/data/botapi.json, derived from the official specification by
scripts/build_botapi.py and shipped inside the package.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Mapping
from dataclasses import dataclass
from importlib import resources
from typing import Any

from bot.emulator.errors import bad_request

SCALAR_DEFAULTS: dict[str, Any] = {
    "Integer": 0,
    "Float": 0.0,
    "Boolean": False,
    "True": True,
    "String": "",
    "InputFile": "",
}
MAX_DEPTH = 8


@dataclass(frozen=True, slots=True)
class MethodSpec:
    """One Bot API method: its fields' types, which are required, what it returns."""

    name: str
    fields: Mapping[str, tuple[str, ...]]
    required: frozenset[str]
    returns: tuple[str, ...]


def decode_value(types: tuple[str, ...], value: Any) -> Any:
    """JSON-decode a form value unless the field is a plain String.

    Form bodies carry structured values (keyboards, lists, numbers, booleans) as JSON
    text; a value that does not parse is kept as sent (a file id, a URL, "@channel").
    """
    if not isinstance(value, str) or types == ("String",):
        return value
    try:
        return json.loads(value)
    except ValueError:
        return value


class Spec:
    """Lookup of methods and types, request checking and answer skeletons."""

    def __init__(self, facts: Mapping[str, Any]) -> None:
        self.version: str = facts.get("version", "")
        self._methods = {
            name.lower(): MethodSpec(
                name=name,
                fields={f: tuple(t) for f, t in m["fields"].items()},
                required=frozenset(m["required"]),
                returns=tuple(m["returns"]),
            )
            for name, m in facts["methods"].items()
        }
        self._types: dict[str, Any] = dict(facts["types"])

    @classmethod
    @functools.cache
    def load(cls) -> Spec:
        """The shipped facts (read once per process)."""
        text = resources.files("bot").joinpath("data/botapi.json").read_text(encoding="utf-8")
        return cls(json.loads(text))

    def method(self, name: str) -> MethodSpec | None:
        """The method called `name` (Telegram matches method names case-insensitively)."""
        return self._methods.get(name.lower())

    @property
    def method_names(self) -> list[str]:
        return sorted(m.name for m in self._methods.values())

    def check(
        self, method: MethodSpec, raw: Mapping[str, Any], attachments: frozenset[str]
    ) -> dict[str, Any]:
        """Decoded parameters, or ApiError 400 for an unknown or missing field.

        `attachments` are names of uploaded file parts; they may be referenced as
        "attach://<name>" and are not fields of the method.
        """
        params: dict[str, Any] = {}
        for name, value in raw.items():
            types = method.fields.get(name)
            if types is None:
                if name in attachments:
                    continue
                raise bad_request(f'unknown parameter "{name}" for method {method.name}')
            params[name] = decode_value(types, value)
        for name in sorted(method.required):
            if params.get(name) is None:
                detail = "message text is empty" if name == "text" else f"{name} is empty"
                raise bad_request(detail)
        return params

    def required_fields(self, type_name: str) -> dict[str, list[str]]:
        """The required fields of a type, name → type expressions."""
        return dict(self._types[type_name]["required"])

    def build(self, type_name: str, values: Mapping[str, Any] | None = None) -> dict[str, Any]:
        """An object of `type_name`: `values` plus a default for every missing required field."""
        return self._build(type_name, values or {}, 0)

    def answer(self, method: MethodSpec) -> Any:
        """A plausible result for a method without its own behaviour."""
        expr = method.returns[0] if method.returns else "Boolean"
        if expr == "Boolean":
            return True
        return self._default(expr, 0)

    def _build(self, type_name: str, values: Mapping[str, Any], depth: int) -> dict[str, Any]:
        info = self._types[type_name]
        built = {
            field: self._default(types[0], depth + 1)
            for field, types in info["required"].items()
            if field not in values
        }
        built.update(values)
        return built

    def _default(self, expr: str, depth: int) -> Any:
        if expr.startswith("Array of "):
            return []
        if expr in SCALAR_DEFAULTS:
            return SCALAR_DEFAULTS[expr]
        if expr not in self._types or depth > MAX_DEPTH:
            return {}
        subtypes = [t for t in self._types[expr].get("subtypes", []) if t in self._types]
        return self._build(subtypes[0] if subtypes else expr, {}, depth)
