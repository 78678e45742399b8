"""store_items: a batch written at once leaves the database as storing item by item did."""

from __future__ import annotations

import sqlite3
import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

import aiosqlite
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.ingest import StoreResult, store_items
from bot.news.text import fold
from storage import chats, items, outbox
from storage.db import Database
from storage.records import NewItem

START = datetime(2026, 11, 20, 3, 0, tzinfo=UTC)


async def store_one_by_one(
    db: Database, prepared: list[NewItem], push: set[str], batch: int
) -> StoreResult:
    """store_items as it was: every item checked against what is stored by then."""
    new = updated = queued = 0
    new_ids = []
    unchanged = await items.unchanged_urls(db, [(i.url, i.content_hash) for i in prepared])
    async with db.write() as conn:
        for item in prepared:
            if item.url in unchanged:
                continue
            existing = await items.find_duplicate(conn, item)
            if existing is not None:
                if existing["content_hash"] != item.content_hash:
                    await items.update_item(conn, existing, item, 0)
                    updated += 1
                continue
            item_id = await items.insert_item(conn, item, 0)
            new += 1
            new_ids.append(item_id)
            if item.url in push:
                queued += await outbox.enqueue_item(conn, item_id, item.wards, batch, 0)
    return StoreResult(new, updated, queued, tuple(new_ids))


def item(url: str, guid: str | None, title: str, hours: int, body: str, wards, source: str):
    return NewItem(
        source=source,
        key=guid or url,
        url=f"https://a.vn/{url}",
        guid=guid,
        title=title,
        title_key=fold(title),
        summary=body[:20],
        body=body,
        author=None,
        published_at=START + timedelta(hours=hours),
        date_guessed=False,
        wards=wards,
        content_hash=f"{title}|{body}",
    )


items_strategy = st.builds(
    item,
    url=st.sampled_from(["u1", "u2", "u3", "u4", "u5"]),
    guid=st.sampled_from([None, None, "g1", "g2"]),
    title=st.sampled_from(["Phường họp dân", "Phường ra quân", "Tin mới"]),
    hours=st.sampled_from([0, 10, 30, 40, 80]),
    body=st.sampled_from(["Sáng nay họp.", "Chiều nay ra quân dọn ngõ."]),
    wards=st.sampled_from([(), ("w1",), ("w1", "w2")]),
    source=st.sampled_from(["s1", "s1", "s2"]),
)


async def open_db(path: Path) -> Database:
    db = await Database.open(path)
    async with db.write() as conn:
        for name in ("s1", "s2"):
            await conn.execute(
                "INSERT INTO sources (name, kind, url) VALUES (?, 'rss', 'x')", (name,)
            )
        for code in ("w1", "w2"):
            await conn.execute(
                "INSERT INTO wards (code, name, kind) VALUES (?, ?, 'phường')", (code, code)
            )
    await chats.upsert_chat(db, 7, "private", None)
    await chats.subscribe(db, 7, ["w1"])
    return db


def contents(path: Path) -> list:
    with sqlite3.connect(path) as conn:
        return [
            conn.execute(
                "SELECT id, source, key, url, guid, title, title_key, summary, body, author,"
                " published_at, date_guessed, updated_at IS NULL, content_hash"
                " FROM items ORDER BY id"
            ).fetchall(),
            conn.execute("SELECT * FROM item_wards ORDER BY item_id, ward_code").fetchall(),
            conn.execute("SELECT * FROM items_fts_docsize ORDER BY id").fetchall(),
            conn.execute(
                "SELECT rowid FROM items_fts WHERE items_fts MATCH 'quan OR hop' ORDER BY rowid"
            ).fetchall(),
            conn.execute("SELECT chat_id, item_id, batch FROM outbox ORDER BY id").fetchall(),
        ]


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    stored=st.lists(items_strategy, max_size=3),
    batch=st.lists(items_strategy, min_size=1, max_size=6),
    push=st.sets(st.sampled_from(["u1", "u2", "u3", "u4", "u5"])),
)
async def test_a_batch_is_stored_as_item_by_item(
    tmp_path: Path, stored: list[NewItem], batch: list[NewItem], push: set[str]
) -> None:
    pushed = {f"https://a.vn/{url}" for url in push}
    results = []
    for name, store in (("batch", store_items), ("one", store_one_by_one)):
        path = Path(tempfile.mkdtemp(dir=tmp_path)) / f"{name}.db"  # fresh per example
        db = await open_db(path)
        try:
            await store_one_by_one(db, stored, set(), 1)
            result = await store(db, batch, pushed, 2)
        finally:
            await db.close()
        results.append((result, contents(path)))
    assert results[0] == results[1]


async def test_new_items_are_written_in_a_few_statements(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    db = await open_db(tmp_path / "w.db")
    batch = [
        item(f"u{n}", f"g{n}", f"Tin số {n}", n, "Sáng nay họp.", ("w1",), "s1") for n in range(30)
    ]
    calls = []
    for name in ("execute", "execute_fetchall", "executemany"):
        method = getattr(aiosqlite.Connection, name)

        def counted(self, *args, _method=method, _name=name, **kwargs):
            calls.append(_name)
            return _method(self, *args, **kwargs)

        monkeypatch.setattr(aiosqlite.Connection, name, counted)
    try:
        result = await store_items(db, batch, {batch[0].url}, 1)
    finally:
        monkeypatch.undo()
        await db.close()
    assert (result.new, result.queued) == (30, 1)
    assert len(calls) < 15, calls  # item by item: 7 per item
