"""News items: one write path that de-duplicates, the FTS index, and reads."""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime

import aiosqlite

from bot.news.text import fold
from storage.db import Database
from storage.records import NewItem, StoredItem

# Same folded title within this many seconds of each other: one article
# seen on two sources.
SAME_TITLE_WINDOW = 36 * 3600
FTS_TOKEN = re.compile(r"[0-9a-z]+")


def _stored(row: sqlite3.Row, wards: tuple[str, ...]) -> StoredItem:
    return StoredItem(
        id=row["id"],
        source=row["source"],
        url=row["url"],
        title=row["title"],
        summary=row["summary"],
        author=row["author"],
        published_at=datetime.fromtimestamp(row["published_at"], UTC),
        date_guessed=bool(row["date_guessed"]),
        wards=wards,
    )


async def find_duplicate(conn: aiosqlite.Connection, item: NewItem) -> sqlite3.Row | None:
    """The stored row that is the same article: by URL, source key, GUID, or title and date."""
    checks = [
        ("SELECT id, content_hash, title, body FROM items WHERE url = ?", (item.url,)),
        (
            "SELECT id, content_hash, title, body FROM items WHERE source = ? AND key = ?",
            (item.source, item.key),
        ),
    ]
    if item.guid:
        checks.append(
            (
                "SELECT id, content_hash, title, body FROM items WHERE guid = ? AND source = ?",
                (item.guid, item.source),
            )
        )
    published = int(item.published_at.timestamp())
    checks.append(
        (
            "SELECT id, content_hash, title, body FROM items WHERE title_key = ?"
            " AND published_at BETWEEN ? AND ? LIMIT 1",
            (item.title_key, published - SAME_TITLE_WINDOW, published + SAME_TITLE_WINDOW),
        )
    )
    for sql, params in checks:
        rows = await conn.execute_fetchall(sql, params)
        if rows:
            return rows[0]
    return None


async def all_new(conn: aiosqlite.Connection, items: Sequence[NewItem]) -> bool:
    """Whether `find_duplicate` would find nothing for any of these items, each stored
    in turn: no stored row and no earlier item of theirs is the same article.

    A handful of queries for the whole batch, on the writer inside the
    transaction, instead of up to four per item.
    """
    urls: set[str] = set()
    keys: set[tuple[str, str]] = set()
    guids: set[tuple[str, str]] = set()
    titles: dict[str, list[int]] = {}
    for item in items:
        published = int(item.published_at.timestamp())
        if item.url in urls or (item.source, item.key) in keys:
            return False
        if item.guid and (item.guid, item.source) in guids:
            return False
        if _near(published, titles.get(item.title_key, ())):
            return False
        urls.add(item.url)
        keys.add((item.source, item.key))
        if item.guid:
            guids.add((item.guid, item.source))
        titles.setdefault(item.title_key, []).append(published)
    checks: list[tuple[str, list[str], list[str]]] = [("url IN", [], sorted(urls))]
    for source in sorted({source for source, _ in keys}):
        mine = [key for other, key in keys if other == source]
        checks.append(("source = ? AND key IN", [source], sorted(mine)))
        mine = [guid for guid, other in guids if other == source]
        checks.append(("source = ? AND guid IN", [source], sorted(mine)))
    for where, params, values in checks:
        for start in range(0, len(values), 400):
            chunk = values[start : start + 400]
            marks = ",".join("?" * len(chunk))
            sql = f"SELECT 1 FROM items WHERE {where} ({marks}) LIMIT 1"
            if await conn.execute_fetchall(sql, [*params, *chunk]):
                return False
    title_keys = sorted(titles)
    for start in range(0, len(title_keys), 400):
        chunk = title_keys[start : start + 400]
        marks = ",".join("?" * len(chunk))
        rows = await conn.execute_fetchall(
            f"SELECT title_key, published_at FROM items WHERE title_key IN ({marks})", chunk
        )
        if any(_near(stored, titles[title_key]) for title_key, stored in rows):
            return False
    return True


def _near(published: int, others: Iterable[int]) -> bool:
    """Within the same-title window of one of `others` (find_duplicate's BETWEEN)."""
    return any(abs(published - other) <= SAME_TITLE_WINDOW for other in others)


async def unchanged_urls(db: Database, pairs: Sequence[tuple[str, str]]) -> set[str]:
    """Of these (url, content hash) pairs, the URLs stored with that very hash."""
    unchanged: set[str] = set()
    for start in range(0, len(pairs), 400):
        chunk = pairs[start : start + 400]
        marks = ",".join("?" * len(chunk))
        rows = await db.fetchall(
            f"SELECT url, content_hash FROM items WHERE url IN ({marks})", [u for u, _ in chunk]
        )
        stored = {row[0]: row[1] for row in rows}
        unchanged.update(url for url, digest in chunk if stored.get(url) == digest)
    return unchanged


async def stored_urls(db: Database, source: str, urls: Sequence[str]) -> set[str]:
    """Of these article URLs, those stored for this source (an archive poll skips them).

    Asked with the links of one listing page: what is stored for a source
    grows without bound, a listing page does not.
    """
    stored: set[str] = set()
    for start in range(0, len(urls), 400):
        chunk = list(urls[start : start + 400])
        marks = ",".join("?" * len(chunk))
        rows = await db.fetchall(
            f"SELECT url FROM items WHERE url IN ({marks}) AND source = ?", [*chunk, source]
        )
        stored.update(row[0] for row in rows)
    return stored


def _item_row(item: NewItem, now: float) -> tuple:
    """The values of an `items` row, in the order of the INSERTs below."""
    return (
        item.source,
        item.key,
        item.url,
        item.guid,
        item.title,
        item.title_key,
        item.summary,
        item.body,
        item.author,
        int(item.published_at.timestamp()),
        int(item.date_guessed),
        int(now),
        item.content_hash,
    )


async def insert_item(conn: aiosqlite.Connection, item: NewItem, now: float) -> int:
    """Store a new item with its wards and index entry; returns its id."""
    published = int(item.published_at.timestamp())
    cursor = await conn.execute(
        "INSERT INTO items (source, key, url, guid, title, title_key, summary, body, author,"
        " published_at, date_guessed, first_seen_at, content_hash)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        _item_row(item, now),
    )
    item_id = cursor.lastrowid
    await _set_wards(conn, item_id, item.wards, published)
    await conn.execute(
        "INSERT INTO items_fts (rowid, title, body) VALUES (?, ?, ?)",
        (item_id, fold(item.title), fold(item.body or item.summary)),
    )
    return item_id


async def insert_items(
    conn: aiosqlite.Connection, items: Sequence[NewItem], now: float
) -> list[int]:
    """Store new items (see `all_new`) as `insert_item` does one by one; their ids, in order.

    Three statements for the whole batch (items, wards, index entries)
    instead of three per item.
    """
    ids: list[int] = []
    for start in range(0, len(items), 200):
        chunk = items[start : start + 200]
        rows = [_item_row(item, now) for item in chunk]
        values = ",".join(["(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"] * len(rows))
        returned = await conn.execute_fetchall(
            "INSERT INTO items (source, key, url, guid, title, title_key, summary, body, author,"
            " published_at, date_guessed, first_seen_at, content_hash)"
            f" VALUES {values} RETURNING id, url",
            [value for row in rows for value in row],
        )
        by_url = {url: item_id for item_id, url in returned}
        ids.extend(by_url[item.url] for item in chunk)
    await conn.executemany(
        "INSERT OR IGNORE INTO item_wards (item_id, ward_code, published_at) VALUES (?, ?, ?)",
        [
            (item_id, code, int(item.published_at.timestamp()))
            for item, item_id in zip(items, ids, strict=True)
            for code in item.wards
        ],
    )
    await conn.executemany(
        "INSERT INTO items_fts (rowid, title, body) VALUES (?, ?, ?)",
        [
            (item_id, fold(item.title), fold(item.body or item.summary))
            for item, item_id in zip(items, ids, strict=True)
        ],
    )
    return ids


async def update_item(conn: aiosqlite.Connection, old: sqlite3.Row, item: NewItem, now: float):
    """An edited article: new text in place, index refreshed; never pushed again."""
    item_id = old["id"]
    await conn.execute(
        "INSERT INTO items_fts (items_fts, rowid, title, body) VALUES ('delete', ?, ?, ?)",
        (item_id, fold(old["title"]), fold(old["body"])),
    )
    await conn.execute(
        "UPDATE items SET title = ?, title_key = ?, summary = ?, body = ?, author = ?,"
        " updated_at = ?, content_hash = ? WHERE id = ?",
        (
            item.title,
            item.title_key,
            item.summary,
            item.body,
            item.author,
            int(now),
            item.content_hash,
            item_id,
        ),
    )
    await conn.execute(
        "INSERT INTO items_fts (rowid, title, body) VALUES (?, ?, ?)",
        (item_id, fold(item.title), fold(item.body or item.summary)),
    )


async def _set_wards(
    conn: aiosqlite.Connection, item_id: int, wards: Iterable[str], published: int
) -> None:
    await conn.executemany(
        "INSERT OR IGNORE INTO item_wards (item_id, ward_code, published_at) VALUES (?, ?, ?)",
        [(item_id, code, published) for code in wards],
    )


async def _with_wards(db: Database, rows: Sequence[sqlite3.Row]) -> list[StoredItem]:
    if not rows:
        return []
    ids = [row["id"] for row in rows]
    marks = ",".join("?" * len(ids))
    ward_rows = await db.fetchall(
        f"SELECT item_id, ward_code FROM item_wards WHERE item_id IN ({marks})", ids
    )
    wards: dict[int, list[str]] = {}
    for row in ward_rows:
        wards.setdefault(row[0], []).append(row[1])
    return [_stored(row, tuple(sorted(wards.get(row["id"], [])))) for row in rows]


ITEM_COLUMNS = "i.id, i.source, i.url, i.title, i.summary, i.author, i.published_at, i.date_guessed"


async def latest_items(
    db: Database, ward_codes: Sequence[str] | None, limit: int, offset: int = 0
) -> list[StoredItem]:
    """Newest first, for these wards (every item if None or empty)."""
    if not ward_codes:
        rows = await db.fetchall(
            f"SELECT {ITEM_COLUMNS} FROM items i"
            " ORDER BY i.published_at DESC, i.id DESC LIMIT ? OFFSET ?",
            (limit, offset),
        )
        return await _with_wards(db, rows)
    marks = ",".join("?" * len(ward_codes))
    rows = await db.fetchall(
        f"SELECT {ITEM_COLUMNS} FROM items i WHERE i.id IN ("
        f" SELECT item_id FROM item_wards WHERE ward_code IN ({marks})"
        "  ORDER BY published_at DESC, item_id DESC LIMIT ?)"
        " ORDER BY i.published_at DESC, i.id DESC LIMIT ? OFFSET ?",
        # An item tagged with several of these wards appears once per ward inside.
        (*ward_codes, (limit + offset) * len(ward_codes), limit, offset),
    )
    return await _with_wards(db, rows)


def fts_query(words: str) -> str | None:
    """A safe FTS5 MATCH expression from user words: folded tokens, all required."""
    tokens = FTS_TOKEN.findall(fold(words))
    if not tokens:
        return None
    return " ".join(f'"{token}"' for token in tokens[:12])


SEARCH_CAP = 1000


async def search_items(
    db: Database, words: str, limit: int, offset: int = 0
) -> tuple[list[StoredItem], int]:
    """Items whose title or text hold every word, and how many match (at most SEARCH_CAP).

    Newest first, and among the newest SEARCH_CAP matches those with the words in
    the title before the rest. Scoring every match with bm25 read each word's
    whole index: about a second for "phường" over a million items (bench/queries).
    FTS5 walks matches in rowid order, so `ORDER BY rowid DESC LIMIT n` stops early.
    """
    query = fts_query(words)
    if query is None:
        return [], 0
    wanted = limit + offset
    recent = [
        row[0]
        for row in await db.fetchall(
            "SELECT rowid FROM items_fts WHERE items_fts MATCH ? ORDER BY rowid DESC LIMIT ?",
            (query, SEARCH_CAP),
        )
    ]
    if not recent:
        return [], 0
    # The rowid bound keeps FTS5 from walking the whole index when the words are
    # rare in titles; SQLite 3.40 honours it only in ascending order, so sort here.
    in_title = await db.fetchall(
        "SELECT rowid FROM items_fts WHERE items_fts MATCH ? AND rowid >= ?",
        (f"title : ({query})", recent[-1]),
    )
    titled = sorted((row[0] for row in in_title), reverse=True)[:wanted]
    ids = list(dict.fromkeys(titled + recent[:wanted]))[offset:wanted]
    found = await get_items(db, ids)
    position = {item_id: index for index, item_id in enumerate(ids)}
    return sorted(found, key=lambda item: position[item.id]), len(recent)


async def get_items(db: Database, item_ids: Sequence[int]) -> list[StoredItem]:
    if not item_ids:
        return []
    marks = ",".join("?" * len(item_ids))
    rows = await db.fetchall(
        f"SELECT {ITEM_COLUMNS} FROM items i WHERE i.id IN ({marks})"
        " ORDER BY i.published_at DESC, i.id DESC",
        list(item_ids),
    )
    return await _with_wards(db, rows)


async def count_items(db: Database) -> int:
    return await db.scalar("SELECT count(*) FROM items")
