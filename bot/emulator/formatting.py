"""Telegram's text rules: HTML parse mode to plain text + entities, and length limits.

The HTML parser is stricter than Telegram's in one way, on purpose: a bare "<", ">"
or "&" outside a tag is refused, as the official formatting options require, so a
formatter that forgets to escape fails in tests rather than by chance in production.
Errors read like Telegram's: "Bad Request: can't parse entities: <detail>".
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from bot.emulator.errors import bad_request

TEXT_LIMIT = 4096
CAPTION_LIMIT = 1024

ENTITY_OF_TAG = {
    "b": "bold",
    "strong": "bold",
    "i": "italic",
    "em": "italic",
    "u": "underline",
    "ins": "underline",
    "s": "strikethrough",
    "strike": "strikethrough",
    "del": "strikethrough",
    "span": "spoiler",
    "tg-spoiler": "spoiler",
    "a": "text_link",
    "tg-emoji": "custom_emoji",
    "tg-time": "date_time",
    "code": "code",
    "pre": "pre",
    "blockquote": "blockquote",
}
NAMED_ENTITIES = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}
ENTITY_RE = re.compile(r"&(#[0-9]{1,8}|#[xX][0-9a-fA-F]{1,8}|[a-zA-Z][a-zA-Z0-9]*);")
TAG_NAME_RE = re.compile(r"[a-zA-Z][a-zA-Z0-9-]*")
ATTR_RE = re.compile(
    r"""\s*([a-zA-Z][a-zA-Z0-9_-]*)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'>]+)))?"""
)
TIME_FORMAT_RE = re.compile(r"r|w?[dD]?[tT]?")


def utf16_len(text: str) -> int:
    """Length in UTF-16 code units, the unit of Telegram's limits and entity offsets."""
    return len(text.encode("utf-16-le")) // 2


class HtmlError(ValueError):
    """Text that Telegram's HTML parse mode would refuse."""


@dataclass(slots=True)
class _Open:
    tag: str
    start: int
    attrs: dict[str, str]
    language: str | None = None


@dataclass(slots=True)
class _Parser:
    source: str
    pos: int = 0
    chars: list[str] = field(default_factory=list)
    length16: int = 0
    stack: list[_Open] = field(default_factory=list)
    entities: list[dict[str, Any]] = field(default_factory=list)

    def fail(self, detail: str, at: int | None = None, then: str = "") -> HtmlError:
        """The error `detail` at byte offset `at` (the current position by default)."""
        offset = len(self.source[: self.pos if at is None else at].encode("utf-8"))
        return HtmlError(f"{detail} at byte offset {offset}{then}")

    def emit(self, text: str) -> None:
        self.chars.append(text)
        self.length16 += utf16_len(text)

    def run(self) -> tuple[str, list[dict[str, Any]]]:
        src = self.source
        while self.pos < len(src):
            char = src[self.pos]
            if char == "<":
                self.tag()
            elif char == "&":
                self.entity()
            elif char == ">":
                raise self.fail('Character ">" is reserved and must be escaped as "&gt;"')
            else:
                self.emit(char)
                self.pos += 1
        if self.stack:
            raise HtmlError(f"Can't find end tag corresponding to start tag {self.stack[-1].tag}")
        self.entities.sort(key=lambda e: (e["offset"], -e["length"]))
        return "".join(self.chars), self.entities

    def entity(self) -> None:
        match = ENTITY_RE.match(self.source, self.pos)
        if match is None:
            raise self.fail('Character "&" is reserved and must be escaped as "&amp;"')
        name = match.group(1)
        if name.startswith("#"):
            code = _code_point(name[1:])
            if code is None:
                raise self.fail(f'Invalid HTML entity "{match.group(0)}"')
            self.emit(chr(code))
        elif name in NAMED_ENTITIES:
            self.emit(NAMED_ENTITIES[name])
        else:
            raise self.fail(f'Unsupported HTML entity "{match.group(0)}"')
        self.pos = match.end()

    def tag(self) -> None:
        src = self.source
        if src.startswith("</", self.pos):
            self.end_tag()
            return
        name_match = TAG_NAME_RE.match(src, self.pos + 1)
        if name_match is None:
            raise self.fail('Character "<" is reserved and must be escaped as "&lt;"')
        name = name_match.group(0).lower()
        if name not in ENTITY_OF_TAG:
            raise self.fail(f'Unsupported start tag "{name}"')
        attrs, end = self.attributes(name, name_match.end())
        self.stack.append(_Open(name, self.length16, attrs))
        self.check_start(self.stack[-1])
        self.pos = end

    def attributes(self, tag: str, at: int) -> tuple[dict[str, str], int]:
        src, attrs = self.source, {}
        while True:
            while at < len(src) and src[at].isspace():
                at += 1
            if at >= len(src):
                raise self.fail(f'Unclosed start tag "{tag}"')
            if src[at] == ">":
                return attrs, at + 1
            match = ATTR_RE.match(src, at)
            if match is None or match.end() == at:
                raise self.fail(f'Unexpected character in start tag "{tag}"', at)
            value = next((v for v in match.group(2, 3, 4) if v is not None), "")
            attrs[match.group(1).lower()] = _unescape_attribute(value)
            at = match.end()

    def check_start(self, opened: _Open) -> None:
        attrs = opened.attrs
        if opened.tag == "span" and attrs.get("class") != "tg-spoiler":
            raise self.fail('Tag "span" must have class "tg-spoiler"')
        if opened.tag == "tg-emoji" and not attrs.get("emoji-id", "").isdigit():
            raise self.fail('Tag "tg-emoji" must have attribute "emoji-id"')
        if opened.tag == "tg-time":
            if not attrs.get("unix", "").lstrip("-").isdigit():
                raise self.fail('Tag "tg-time" must have attribute "unix"')
            if not TIME_FORMAT_RE.fullmatch(attrs.get("format", "")):
                raise self.fail('Invalid date-time format in tag "tg-time"')

    def end_tag(self) -> None:
        close = self.source.find(">", self.pos)
        if close < 0:
            raise self.fail("Unclosed end tag")
        name = self.source[self.pos + 2 : close].strip().lower()
        if not self.stack:
            raise self.fail("Unexpected end tag")
        opened = self.stack[-1]
        if name != opened.tag:
            then = f', expected "</{opened.tag}>", found "</{name}>"'
            raise self.fail("Unmatched end tag", then=then)
        self.stack.pop()
        self.pos = close + 1
        self.close_entity(opened)

    def close_entity(self, opened: _Open) -> None:
        length = self.length16 - opened.start
        language = _code_language(opened)
        parent = self.stack[-1] if self.stack else None
        nested_in_pre = parent is not None and parent.tag == "pre" and parent.start == opened.start
        if language and nested_in_pre:
            parent.language = language
            return
        entity = _entity(opened, length)
        if entity is not None:
            self.entities.append(entity)


def _code_point(digits: str) -> int | None:
    """The character a numeric entity names, or None if it names none."""
    code = int(digits[1:], 16) if digits[:1] in "xX" else int(digits)
    if code <= 0 or code > 0x10FFFF or 0xD800 <= code <= 0xDFFF:
        return None
    return code


def _unescape_attribute(value: str) -> str:
    """Attribute values may use entities; a bare "&" (common in URLs) stays as it is."""

    def replace(match: re.Match[str]) -> str:
        name = match.group(1)
        if not name.startswith("#"):
            return NAMED_ENTITIES.get(name, match.group(0))
        code = _code_point(name[1:])
        return chr(code) if code else match.group(0)

    return ENTITY_RE.sub(replace, value)


def _code_language(opened: _Open) -> str | None:
    css = opened.attrs.get("class", "")
    if opened.tag != "code" or not css.startswith("language-"):
        return None
    return css.removeprefix("language-") or None


def _entity(opened: _Open, length: int) -> dict[str, Any] | None:
    if length <= 0:
        return None
    kind = ENTITY_OF_TAG[opened.tag]
    entity: dict[str, Any] = {"type": kind, "offset": opened.start, "length": length}
    attrs = opened.attrs
    if kind == "text_link":
        if not attrs.get("href"):
            return None
        entity["url"] = attrs["href"]
    elif kind == "custom_emoji":
        entity["custom_emoji_id"] = attrs["emoji-id"]
    elif kind == "date_time":
        entity["unix_time"] = int(attrs["unix"])
        if attrs.get("format"):
            entity["date_time_format"] = attrs["format"]
    elif kind == "pre" and opened.language:
        entity["language"] = opened.language
    elif kind == "blockquote" and "expandable" in attrs:
        entity["type"] = "expandable_blockquote"
    return entity


def parse_html(source: str) -> tuple[str, list[dict[str, Any]]]:
    """Plain text and entities (UTF-16 offsets) of Telegram HTML, or HtmlError."""
    return _Parser(source).run()


@dataclass(frozen=True, slots=True)
class RenderedText:
    """A message text or caption as Telegram stores it."""

    text: str
    entities: list[dict[str, Any]]


def render(
    raw: str, parse_mode: str | None, entities: Any, *, caption: bool = False
) -> RenderedText:
    """Apply parse_mode and the length limits, or raise ApiError 400 as Telegram would."""
    if not isinstance(raw, str):
        raw = str(raw)
    mode = (parse_mode or "").lower()
    if mode == "html":
        try:
            text, parsed = parse_html(raw)
        except HtmlError as exc:
            raise bad_request(f"can't parse entities: {exc}") from exc
    elif mode in ("", "markdown", "markdownv2"):
        # Markdown modes are accepted unvalidated; their raw length is counted.
        text, parsed = raw, list(entities) if isinstance(entities, list) else []
    else:
        raise bad_request(f"unsupported parse_mode {parse_mode!r}")
    check_length(text, caption=caption)
    return RenderedText(text, parsed)


def check_length(text: str, *, caption: bool) -> None:
    """Telegram's limits, in UTF-16 code units after entity parsing."""
    size = utf16_len(text)
    if caption:
        if size > CAPTION_LIMIT:
            raise bad_request("message caption is too long")
        return
    if not text.strip():
        raise bad_request("message text is empty")
    if size > TEXT_LIMIT:
        raise bad_request("message is too long")


__all__ = [
    "CAPTION_LIMIT",
    "TEXT_LIMIT",
    "HtmlError",
    "RenderedText",
    "check_length",
    "parse_html",
    "render",
    "utf16_len",
]
