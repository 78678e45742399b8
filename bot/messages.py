"""Items and broadcasts as Telegram HTML, always valid and within Telegram's limits.

Every dynamic string is escaped; lengths are counted in UTF-16 code units,
as Telegram counts them, on the text left after the tags are parsed.
"""

from __future__ import annotations

import html
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from bot.catalogue import Catalogue
from bot.news.dates import format_local
from storage.records import StoredItem

TEXT_LIMIT = 4096
CAPTION_LIMIT = 1024
TITLE_LIMIT = 300
SUMMARY_LIMIT = 700
LIST_TITLE_LIMIT = 160
URL_LIMIT = 2048

WardNamer = Callable[[str], str]


@dataclass(frozen=True, slots=True)
class Rendered:
    """A message ready for sendMessage."""

    html: str
    plain: str


def utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def one_line(text: str) -> str:
    return " ".join(text.split())


def clip(text: str, limit: int) -> str:
    """At most `limit` UTF-16 units, cut at a word boundary, with an ellipsis."""
    if utf16_len(text) <= limit:
        return text
    cut = text[: max(limit - 1, 0)]
    while utf16_len(cut) > limit - 1:
        cut = cut[:-1]
    space = cut.rfind(" ")
    if space > limit // 2:
        cut = cut[:space]
    return cut.rstrip(" ,;:-") + "…"


def safe_url(url: str) -> str | None:
    """The URL if it may go into an href: http(s), sane length, no spaces."""
    url = url.strip()
    if not url.lower().startswith(("http://", "https://")) or len(url) > URL_LIMIT:
        return None
    if any(ch.isspace() or ord(ch) < 32 for ch in url):
        return None
    return url


def _e(text: str) -> str:
    return html.escape(text, quote=False)


def _link(url: str, label: str) -> str:
    target = safe_url(url)
    if target is None:
        return _e(label)
    return f'<a href="{html.escape(target, quote=True)}">{_e(label)}</a>'


def ward_names(codes: Sequence[str], namer: WardNamer, t: Catalogue) -> str:
    if not codes:
        return t("news.district_wide")
    return ", ".join(namer(code) for code in codes)


def _dateline(item: StoredItem, namer: WardNamer, t: Catalogue) -> str:
    when = format_local(item.published_at)
    if item.date_guessed:
        when = t("news.date_guessed", date=when)
    return f"{ward_names(item.wards, namer, t)} · {when}"


def render_item(item: StoredItem, namer: WardNamer, t: Catalogue) -> Rendered:
    """One pushed news message: bold title, wards and date, summary, link."""
    title = clip(one_line(item.title), TITLE_LIMIT)
    summary = clip(one_line(item.summary), SUMMARY_LIMIT)
    dateline = clip(one_line(_dateline(item, namer, t)), 400)
    parts = [f"<b>{_e(title)}</b>", f"<i>{_e(dateline)}</i>"]
    plain = [title, dateline]
    if summary:
        parts.append(_e(summary))
        plain.append(summary)
    parts.append(_link(item.url, t("news.read_more")))
    plain.append(t("news.read_more"))
    return Rendered("\n\n".join(parts), "\n\n".join(plain))


def render_list(
    header: str, items: Sequence[StoredItem], namer: WardNamer, t: Catalogue, start: int = 1
) -> Rendered:
    """A numbered list of items (digest, /latest, /search), cut to fit one message."""
    header = clip(one_line(header), 300)
    lines = [f"<b>{_e(header)}</b>"]
    plain = [header]
    used = utf16_len(header)
    for number, item in enumerate(items, start):
        title = clip(one_line(item.title), LIST_TITLE_LIMIT)
        tail = clip(one_line(_dateline(item, namer, t)), 200)
        text_line = f"{number}. {title}\n   {tail}"
        if used + utf16_len(text_line) + 2 > TEXT_LIMIT - 10:
            lines.append("…")
            plain.append("…")
            break
        used += utf16_len(text_line) + 2
        lines.append(f"{number}. {_link(item.url, title)}\n   <i>{_e(tail)}</i>")
        plain.append(text_line)
    return Rendered("\n\n".join(lines), "\n\n".join(plain))


def render_text(text: str, header: str | None = None) -> Rendered:
    """Free text (a broadcast) escaped whole, with an optional bold header."""
    header = clip(one_line(header), 200) if header else None
    limit = TEXT_LIMIT - (utf16_len(header) + 2 if header else 0)
    body = clip(text.strip(), limit) or "…"
    if header is None:
        return Rendered(_e(body), body)
    return Rendered(f"<b>{_e(header)}</b>\n\n{_e(body)}", f"{header}\n\n{body}")
