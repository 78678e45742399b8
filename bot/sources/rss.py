"""RSS and Atom feeds: fetched bytes in, `RawItem`s out, with feedparser.

`parse_feed` is pure and CPU-bound: feedparser needs ~0.3 ms an entry, so a
caller with a big feed runs it in `asyncio.to_thread` to keep the event loop
free (ward feeds of 10-50 items take 5-15 ms).

feedparser is told not to sanitize HTML nor resolve relative links: both
re-serialize every HTML field (40% of feedparser's time on full-text feeds),
and neither changes what we keep. We take only the text of a field
(`html_lines` skips script, style and the like, and reads no link), and
Telegram gets it escaped by `bot.messages`. Over feedparser's own ~2,100 test
feeds the items come out the same either way (tests/test_rss.py checks a
hostile sample).

It is always given bytes and the response headers: a `str` would be taken for
a URL and fetched without a timeout. Broken feeds that still hold entries give
their entries; a body that is no feed at all raises `ParseError`; a valid
empty feed gives [].
"""

from __future__ import annotations

import logging
import time
import xml.sax
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

import feedparser

from bot.news.dates import VN_TZ, parse_date, register_feedparser_date_handler
from bot.news.text import clean_paragraphs, clean_text
from bot.sources.canonical import canonical_url
from bot.sources.item import ParseError, RawItem
from bot.sources.page import body_text, html_lines

log = logging.getLogger(__name__)

register_feedparser_date_handler()

_HTML_TYPES = frozenset({"text/html", "application/xhtml+xml"})
# feedparser sees these as the feed's own: a decompressed body must not be
# taken for gzip again, and a stale length means nothing to a parser.
_DROPPED_HEADERS = frozenset({"content-encoding", "content-length", "transfer-encoding"})


def parse_feed(
    body: bytes, headers: Mapping[str, str], base_url: str, now: datetime
) -> list[RawItem]:
    """The entries of a feed body as `RawItem`s, in feed order.

    `headers` are the response headers (any case); `base_url` is the feed's
    URL, for relative links. Entries without an http(s) link are skipped.
    """
    fields = {key.lower(): value for key, value in headers.items()}
    fields = {key: value for key, value in fields.items() if key not in _DROPPED_HEADERS}
    fields.setdefault("content-location", base_url)
    try:
        parsed = feedparser.parse(
            body, response_headers=fields, sanitize_html=False, resolve_relative_uris=False
        )
    except Exception as exc:  # feedparser's own bugs on hostile input
        raise ParseError(f"{base_url}: feed parser failed: {exc!r}", url=base_url) from exc
    entries = parsed.get("entries") or []
    if not entries:
        _check_empty(parsed, base_url)
        return []
    items = [_item(entry, base_url, now) for entry in entries]
    return [item for item in items if item is not None]


def _check_empty(parsed: Any, base_url: str) -> None:
    """An empty but valid feed is fine; a body that is not a feed is a ParseError."""
    problem = parsed.get("bozo_exception") if parsed.get("bozo") else None
    if not parsed.get("version"):
        detail = f": {problem}" if problem else ""
        raise ParseError(f"{base_url}: not an RSS or Atom feed{detail}", url=base_url)
    if isinstance(problem, xml.sax.SAXException):
        raise ParseError(f"{base_url}: broken feed with no entries: {problem}", url=base_url)


def _item(entry: Any, base_url: str, now: datetime) -> RawItem | None:
    link = _link(entry, base_url)
    if link is None:
        log.debug("feed %s: entry without a link skipped", base_url)
        return None
    content = _longest_content(entry)
    summary, summary_author = _lines(entry.get("summary"), entry.get("summary_detail"))
    paragraphs, tail_author, lead = summary, summary_author, ""
    if content is not None:
        paragraphs, tail_author = _lines(content.get("value"), content)
        lead = " ".join(summary) if _is_separate_lead(summary, paragraphs) else ""
    author = _author(entry) or tail_author
    published, guessed = _published(entry, now)
    return RawItem(
        url=link,
        guid=(entry.get("id") or "").strip() or None,
        title=_title(entry) or _title_from(paragraphs),
        published_at=published,
        date_guessed=guessed,
        body="\n".join(body_text(paragraphs, author)),
        lead=lead,
        author=author,
        source_url=base_url,
    )


def _link(entry: Any, base_url: str) -> str | None:
    candidates = [entry.get("link")]
    candidates += [link.get("href") for link in entry.get("links") or []]
    if entry.get("guidislink"):
        candidates.append(entry.get("id"))
    for candidate in candidates:
        if not candidate or not isinstance(candidate, str):
            continue
        url = canonical_url(candidate, base_url)
        if url.startswith(("http://", "https://")):
            return url
    return None


def _lines(value: Any, detail: Any) -> tuple[list[str], str | None]:
    """Cleaned paragraphs of a feed text field, and an author found at its tail."""
    if not value or not isinstance(value, str):
        return [], None
    kind = (detail or {}).get("type") or "text/html"
    if kind in _HTML_TYPES:
        lines, author = html_lines(value)
        return clean_paragraphs("\n".join(lines)), author
    return clean_paragraphs(value), None


def _title(entry: Any) -> str:
    lines, _ = _lines(entry.get("title"), entry.get("title_detail"))
    return " ".join(" ".join(lines).split())


def _title_from(paragraphs: list[str], limit: int = 120) -> str:
    """A title for an untitled entry: its first paragraph, cut at a word boundary."""
    first = paragraphs[0] if paragraphs else ""
    if len(first) <= limit:
        return first
    cut = first.rfind(" ", 0, limit)
    return first[: cut if cut > 0 else limit].rstrip(" ,;:") + "…"


def _longest_content(entry: Any) -> Any:
    contents = [part for part in entry.get("content") or [] if part.get("value")]
    return max(contents, key=lambda part: len(part["value"]), default=None)


def _is_separate_lead(summary: list[str], body: list[str]) -> bool:
    """A summary that the content does not simply begin with is the article's sapo."""
    text = " ".join(summary).rstrip(".… ")
    return bool(text) and not " ".join(body).startswith(text)


def _author(entry: Any) -> str | None:
    detail = entry.get("author_detail") or {}
    name = detail.get("name") or entry.get("author") or ""
    if not isinstance(name, str):
        return None
    return clean_text(name) or None


def _published(entry: Any, now: datetime) -> tuple[datetime | None, bool]:
    """The entry's date in Asia/Ho_Chi_Minh, or None; feeds state their dates."""
    for key in ("published_parsed", "updated_parsed", "created_parsed"):
        moment = _from_struct(entry.get(key))
        if moment is not None:
            return moment, False
    for key in ("published", "updated", "created", "date"):
        raw = entry.get(key)
        moment = parse_date(raw, now) if isinstance(raw, str) and raw else None
        if moment is not None:
            return moment, False
    return None, False


def _from_struct(value: Any) -> datetime | None:
    if not isinstance(value, time.struct_time):
        return None
    try:
        return datetime(*value[:6], tzinfo=UTC).astimezone(VN_TZ)
    except (ValueError, OverflowError):
        return None
