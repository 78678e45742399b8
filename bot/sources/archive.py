"""Archive sources: portals without RSS, read from category listings and article pages.

`parse_listing` and `parse_article` are pure (HTML text in, records out, `now`
passed in); `collect_archive` is the one async orchestrator: it pages through
a category until a page holds nothing new (article ids are not in date order,
so only the seen set can tell), then fetches the unseen articles with
bounded concurrency. A failing article is an error in the result, not a
failed poll; a failing or empty first listing page raises.
"""

from __future__ import annotations

import asyncio
import dataclasses
import inspect
import logging
import re
from collections.abc import Awaitable, Callable, Collection, Iterator
from datetime import datetime
from urllib.parse import urljoin, urlsplit

from selectolax.lexbor import LexborHTMLParser, LexborNode

from bot.news.dates import date_from_article_id, parse_date
from bot.news.summary import find_byline
from bot.news.text import clean_paragraphs, clean_text, fold
from bot.sources.canonical import canonical_url
from bot.sources.fetch import Fetcher
from bot.sources.item import ArchiveResult, ListingEntry, ParseError, RawItem, SourceError
from bot.sources.page import article_lines, body_text, node_text, outermost_longest
from bot.sources.profiles import ArchiveProfile, detect_profile, is_auto

log = logging.getLogger(__name__)

_META_DATES = (
    "meta[property='article:published_time']",
    "meta[itemprop=datePublished]",
    "time[datetime]",
)
_DATE_LABEL = re.compile(r"^(?:ngay dang|dang ngay|ngay xuat ban|cap nhat ngay)\b")
_RELATIVE = re.compile(r"\b(?:truoc|ago|hom nay|hom qua|hom kia|vua xong|vua moi|today)\b")
_AUTHOR_LABEL = re.compile(r"^\s*tác giả\s*:\s*", re.IGNORECASE)

# Which article URLs are stored already: an async function given the links of
# one listing page that returns those stored (the poller asks SQLite), a
# function of one URL, or a collection of URLs.
SeenLinks = Callable[[list[str]], Awaitable[Collection[str]]]
Seen = SeenLinks | Callable[[str], bool] | Collection[str]


def resolve_profile(profile: ArchiveProfile, tree: LexborHTMLParser, url: str) -> ArchiveProfile:
    """`profile` itself, or for "auto" the built-in profile the page's markup shows."""
    if not is_auto(profile):
        return profile
    found = detect_profile(tree)
    if found is None:
        raise ParseError(
            f"{url}: no known portal layout (liferay, hanoi-cms): name a profile or selectors",
            url=url,
        )
    return found


def parse_listing(html: str, page_url: str, profile: ArchiveProfile) -> list[ListingEntry]:
    """The article links of a listing page, absolute and canonical, once each, in page order."""
    tree = LexborHTMLParser(html)
    profile = resolve_profile(profile, tree, page_url)
    base = _base_url(tree, page_url)
    entries: dict[str, ListingEntry] = {}
    canonical: dict[str, str] = {}  # href → URL: a listing often links an article twice
    for anchor, item in _anchors(tree, profile):
        entry = _entry(anchor, item, base, page_url, profile, canonical)
        if entry is None:
            continue
        known = entries.get(entry.url)
        if known is None:
            entries[entry.url] = entry
        elif not known.title and entry.title:  # an image link came first
            entries[entry.url] = dataclasses.replace(known, title=entry.title)
    return list(entries.values())


def _anchors(
    tree: LexborHTMLParser, profile: ArchiveProfile
) -> Iterator[tuple[LexborNode, LexborNode | None]]:
    if not profile.item:
        for anchor in tree.css(profile.link):
            yield anchor, None
        return
    for item in tree.css(profile.item):
        anchor = item.css_first(profile.link)
        if anchor is not None:
            yield anchor, item


def _entry(
    anchor: LexborNode,
    item: LexborNode | None,
    base: str,
    page_url: str,
    profile: ArchiveProfile,
    canonical: dict[str, str],
) -> ListingEntry | None:
    href = (anchor.attributes.get("href") or "").strip()
    if not href or href.startswith(("#", "javascript:", "mailto:")):
        return None
    url = canonical.get(href)
    if url is None:
        url = canonical[href] = canonical_url(href, base)
    if not url.startswith(("http://", "https://")):
        return None
    if profile.link_pattern is not None and not profile.link_pattern.search(url):
        return None
    if item is None and urlsplit(url).hostname != urlsplit(page_url).hostname:
        return None  # a page-wide scan keeps to the portal's own articles
    title = (
        _item_text(item, profile.title)
        or node_text(anchor)
        or clean_text(anchor.attributes.get("title") or "")
    )
    date_text = _item_text(item, profile.date) or None
    return ListingEntry(url, title, date_text, _item_text(item, profile.summary))


def _item_text(item: LexborNode | None, selector: str | None) -> str:
    if item is None or not selector:
        return ""
    node = item.css_first(selector)
    return node_text(node) if node is not None else ""


def _base_url(tree: LexborHTMLParser, page_url: str) -> str:
    base = tree.css_first("base[href]")
    href = (base.attributes.get("href") or "") if base is not None else ""
    return urljoin(page_url, href.strip()) if href.strip() else page_url


def next_page_url(page_url: str, page_number: int, profile: ArchiveProfile) -> str | None:
    """The URL of listing page `page_number` (1-based), or None when the profile cannot page."""
    if page_number <= 1:
        return page_url
    if profile.next_page is None:
        return None
    return profile.next_page(page_url, page_number)


def parse_article(
    html: str,
    url: str,
    profile: ArchiveProfile,
    now: datetime,
    listing: ListingEntry | None = None,
    *,
    source_url: str | None = None,
) -> RawItem:
    """One article page as a `RawItem`; raises ParseError when it has no body or title."""
    tree = LexborHTMLParser(html)
    profile = resolve_profile(profile, tree, url)
    body = outermost_longest(tree, profile.body)
    if body is None:
        raise ParseError(f"{url}: no article body ({' | '.join(profile.body)})", url=url)
    title = _first_text(tree, profile.article_title) or (listing.title if listing else "")
    title = title or _first_text(tree, ("h1", "title"))
    if not title:
        raise ParseError(f"{url}: article has no title", url=url)
    lead = _first_text(tree, profile.lead)
    lines, tail_author = article_lines(body)
    paragraphs = clean_paragraphs("\n".join(lines))
    author = _first_text(tree, profile.author) or tail_author or _author(paragraphs)
    text = [line for line in body_text(paragraphs, author) if not _AUTHOR_LABEL.match(line)]
    if lead and text and fold(text[0]) == fold(lead):
        text = text[1:]
    published, guessed = _article_date(tree, profile, url, now, listing)
    return RawItem(
        url=_item_url(tree, url, profile, listing),
        guid=_article_guid(url, profile),
        title=title,
        published_at=published,
        date_guessed=guessed,
        body="\n".join(text),
        lead=lead,
        author=author,
        source_url=source_url or url,
    )


def _first_text(tree: LexborHTMLParser, selectors: Collection[str]) -> str:
    for selector in selectors:
        for node in tree.css(selector):
            text = node_text(node)
            if text:
                return text
    return ""


def _author(paragraphs: list[str]) -> str | None:
    for line in paragraphs[-3:]:
        if _AUTHOR_LABEL.match(line):
            return _AUTHOR_LABEL.sub("", line).strip() or None
    return find_byline(paragraphs, cleaned=True)


def _date_texts(
    tree: LexborHTMLParser, profile: ArchiveProfile, listing: ListingEntry | None
) -> Iterator[str]:
    """Candidate date texts, most trusted first."""
    for selector in (*profile.article_date, *_META_DATES):
        node = tree.css_first(selector)
        if node is not None:
            yield node.attributes.get("datetime") or node_text(node)
    if listing is not None and listing.date_text:
        yield listing.date_text
    for node in tree.css("div, span, p, time, li"):
        text = node_text(node)
        if len(text) <= 120 and _DATE_LABEL.match(fold(text)):
            yield text
            return


def _article_date(
    tree: LexborHTMLParser,
    profile: ArchiveProfile,
    url: str,
    now: datetime,
    listing: ListingEntry | None,
) -> tuple[datetime | None, bool]:
    """The publication time and whether it was inferred rather than stated.

    A stated absolute date wins; then the time embedded in a 19-digit id;
    then a relative one ("17 giờ trước"), which is only as good as `now`.
    """
    relative: datetime | None = None
    for text in _date_texts(tree, profile, listing):
        moment = parse_date(text, now)
        if moment is None:
            continue
        if not _RELATIVE.search(fold(text)):
            return moment, False
        relative = relative or moment
    article_id = _article_id(url, profile)
    from_id = date_from_article_id(article_id) if article_id else None
    if from_id is not None and from_id <= now:
        return from_id, True
    return relative, relative is not None


def _article_id(url: str, profile: ArchiveProfile) -> str | None:
    match = profile.id_pattern.search(url) if profile.id_pattern else None
    return match.group(1) if match else None


def _article_guid(url: str, profile: ArchiveProfile) -> str | None:
    """The portal's own article id, so a changed slug or category stays one item."""
    article_id = _article_id(url, profile)
    return f"{urlsplit(url).hostname}/{article_id}" if article_id else None


def _item_url(
    tree: LexborHTMLParser, url: str, profile: ArchiveProfile, listing: ListingEntry | None
) -> str:
    """The listing's link (what the seen set knows), else the page's own canonical link."""
    if listing is not None:
        return listing.url
    node = tree.css_first(profile.canonical) if profile.canonical else None
    declared = canonical_url(node.attributes.get("href") or "", url) if node is not None else ""
    if declared and _article_id(declared, profile) == _article_id(url, profile):
        return declared
    return canonical_url(url)


async def collect_archive(
    fetcher: Fetcher,
    url: str,
    profile: ArchiveProfile,
    *,
    seen: Seen,
    max_pages: int,
    now: datetime,
    concurrency: int = 4,
    etag: str | None = None,
    last_modified: str | None = None,
) -> ArchiveResult:
    """Poll one archive source: new listing entries from up to `max_pages` pages, then articles.

    `seen` tells which canonical article URLs are already stored (see `Seen`);
    an async `seen` is asked once per listing page, about that page's links.
    Paging stops at the first page without an unseen link. Raises FetchError
    or ParseError when page 1 fails or shows no links at all.
    """
    stored_among = _stored_among(seen)
    first = await fetcher.fetch(url, etag=etag, last_modified=last_modified)
    if first.not_modified:
        return ArchiveResult([], [], 1, etag, last_modified, not_modified=True)
    if is_auto(profile):  # else parse_listing needs no tree of its own here
        profile = resolve_profile(profile, LexborHTMLParser(first.text), url)
    entries = parse_listing(first.text, first.url, profile)
    if not entries:
        raise ParseError(f"{url}: no items found: layout changed?", url=url)
    wanted: dict[str, ListingEntry] = {}
    errors: list[str] = []
    pages = 1
    while await _take_unseen(entries, stored_among, wanted) and pages < max_pages:
        page_url = next_page_url(url, pages + 1, profile)
        if page_url is None:
            break
        try:
            result = await fetcher.fetch(page_url)
            entries = parse_listing(result.text, result.url, profile)
        except SourceError as exc:
            errors.append(str(exc))
            break
        pages += 1
    items = await _articles(fetcher, list(wanted.values()), profile, now, concurrency, url, errors)
    return ArchiveResult(items, errors, pages, first.etag, first.last_modified)


def _stored_among(seen: Seen) -> SeenLinks:
    """`seen` as one question per listing page: which of these links are stored."""
    if inspect.iscoroutinefunction(seen):
        return seen
    is_seen = seen if callable(seen) else seen.__contains__

    async def among(links: list[str]) -> list[str]:
        return [link for link in links if is_seen(link)]

    return among


async def _take_unseen(
    entries: list[ListingEntry],
    stored_among: SeenLinks,
    wanted: dict[str, ListingEntry],
) -> bool:
    """Add the entries neither stored nor already wanted; whether there were any."""
    candidates = [entry for entry in entries if entry.url not in wanted]
    if not candidates:
        return False
    stored = set(await stored_among([entry.url for entry in candidates]))
    fresh = [entry for entry in candidates if entry.url not in stored]
    wanted.update((entry.url, entry) for entry in fresh)
    return bool(fresh)


async def _articles(
    fetcher: Fetcher,
    entries: list[ListingEntry],
    profile: ArchiveProfile,
    now: datetime,
    concurrency: int,
    source_url: str,
    errors: list[str],
) -> list[RawItem]:
    gate = asyncio.Semaphore(max(1, concurrency))

    async def one(entry: ListingEntry) -> RawItem | None:
        async with gate:
            try:
                page = await fetcher.fetch(entry.url)
                return parse_article(
                    page.text, entry.url, profile, now, entry, source_url=source_url
                )
            except SourceError as exc:
                errors.append(str(exc))
            except Exception as exc:  # one odd page must not sink the whole poll
                log.warning("article %s: unexpected error", entry.url, exc_info=True)
                errors.append(f"{entry.url}: unexpected error: {exc!r}")
        return None

    found = await asyncio.gather(*(one(entry) for entry in entries))
    return [item for item in found if item is not None]
