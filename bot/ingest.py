"""One poll of one source, start to store: fetch → parse → clean → tag → summarise → store.

`read_source` does the network part and returns raw items (also used by
`wardnews check`, which stores nothing); `prepare` is pure; `store_items`
writes new and edited items and their outbox rows in one transaction.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime

from bot.config import PollingConfig, SourceConfig
from bot.news.dates import VN_TZ
from bot.news.summary import summarise
from bot.news.text import clean_again, clean_text, fold
from bot.news.wards import WardRegistry, tag
from bot.sources.archive import Seen, collect_archive
from bot.sources.canonical import canonical_url
from bot.sources.fetch import Fetcher
from bot.sources.item import RawItem
from bot.sources.profiles import get_profile
from bot.sources.rss import parse_feed
from storage import items as item_store
from storage import outbox
from storage.db import Database
from storage.records import NewItem

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class SourceRead:
    """What one fetch of a source gave: items (none on a 304) and the validators."""

    items: list[RawItem]
    not_modified: bool = False
    etag: str | None = None
    last_modified: str | None = None
    errors: list[str] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class StoreResult:
    new: int
    updated: int
    queued: int
    new_ids: tuple[int, ...] = ()


async def read_source(
    fetcher: Fetcher,
    source: SourceConfig,
    polling: PollingConfig,
    *,
    etag: str | None,
    last_modified: str | None,
    seen: Seen,
    now: datetime,
) -> SourceRead:
    """Fetch and parse a source. Raises `SourceError` (fetch or parse) on failure.

    `seen` (archive sources) tells which article URLs are stored already.
    """
    if source.kind == "rss":
        result = await fetcher.fetch(source.url, etag=etag, last_modified=last_modified)
        if result.not_modified:
            return SourceRead([], True, etag, last_modified)
        # feedparser blocks; a big feed must not stall the bot's loop.
        raws = await asyncio.to_thread(parse_feed, result.body, result.headers, result.url, now)
        return SourceRead(raws, False, result.etag, result.last_modified)
    profile = get_profile(source.profile, source.selectors)
    # Later polls page on only while pages hold unseen links (collect_archive stops).
    pages = source.max_pages or polling.max_pages
    found = await collect_archive(
        fetcher,
        source.url,
        profile,
        seen=seen,
        max_pages=pages,
        now=now,
        etag=etag,
        last_modified=last_modified,
    )
    return SourceRead(
        found.items, found.not_modified, found.etag, found.last_modified, found.errors
    )


def prepare(raw: RawItem, source: SourceConfig, registry: WardRegistry, now: datetime) -> NewItem:
    """A raw item cleaned, dated, tagged with wards and summarised (pure).

    The parsers hand on clean body lines (see `RawItem`): `clean_again` gives
    what cleaning them again would, without redoing it for every line.
    """
    lead = clean_text(raw.lead)
    title = clean_text(raw.title) or lead[:120] or raw.url
    paragraphs = [p for p in (clean_again(line) for line in raw.body.split("\n")) if p]
    summary = summarise([lead, *paragraphs] if lead else paragraphs, cleaned=True)
    published = raw.published_at or now
    if published.tzinfo is None:
        published = published.replace(tzinfo=VN_TZ)
    body = "\n".join(paragraphs)
    pinned = None if source.ward == "auto" else source.ward
    wards = tag(title, f"{lead}\n{body}", registry, pinned=pinned)
    url = canonical_url(raw.url)
    digest = hashlib.sha1(f"{title}\n{summary}\n{body}".encode()).hexdigest()
    return NewItem(
        source=source.name,
        key=raw.guid or url,
        url=url,
        guid=raw.guid,
        title=title,
        title_key=fold(title),
        summary=summary,
        body=body,
        author=raw.author,
        published_at=published.astimezone(UTC),
        date_guessed=raw.date_guessed or raw.published_at is None,
        wards=tuple(wards),
        content_hash=digest,
    )


def pushable(prepared: Sequence[NewItem], first_poll: bool, backfill: int) -> set[str]:
    """URLs of the items to push: all on later polls, the newest `backfill` on the first."""
    if not first_poll:
        return {item.url for item in prepared}
    newest = sorted(prepared, key=lambda item: item.published_at, reverse=True)
    return {item.url for item in newest[:backfill]}


async def store_items(
    db: Database, prepared: Sequence[NewItem], push: set[str], batch: int
) -> StoreResult:
    """Store new items (queueing those in `push`), update edited ones; one transaction.

    When no item is a duplicate of a stored one or of another (a first poll,
    or new items only), they are written in a few statements for the whole
    batch; otherwise one by one, each checked against what is stored by then.
    """
    new = updated = queued = 0
    new_ids = []
    now = time.time()
    unchanged = await item_store.unchanged_urls(db, [(i.url, i.content_hash) for i in prepared])
    fresh = [item for item in prepared if item.url not in unchanged]
    async with db.write() as conn:
        if fresh and await item_store.all_new(conn, fresh):
            new_ids = await item_store.insert_items(conn, fresh, now)
            for item, item_id in zip(fresh, new_ids, strict=True):
                if item.url in push:
                    queued += await outbox.enqueue_item(conn, item_id, item.wards, batch, now)
            return StoreResult(len(fresh), 0, queued, tuple(new_ids))
        for item in fresh:
            existing = await item_store.find_duplicate(conn, item)
            if existing is not None:
                if existing["content_hash"] != item.content_hash:
                    await item_store.update_item(conn, existing, item, now)
                    updated += 1
                continue
            item_id = await item_store.insert_item(conn, item, now)
            new += 1
            new_ids.append(item_id)
            if item.url in push:
                queued += await outbox.enqueue_item(conn, item_id, item.wards, batch, now)
    return StoreResult(new, updated, queued, tuple(new_ids))
