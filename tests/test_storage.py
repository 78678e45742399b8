"""Storage: migrations, the write path, item identity, search, the outbox states."""

from __future__ import annotations

import asyncio
import sqlite3
from datetime import UTC, datetime

import pytest

from bot.news.text import fold
from storage import chats, items, outbox
from storage.db import Database, StorageError, migration_files, split_statements
from storage.records import NewItem


def new_item(url: str, title: str, *, wards=("w1",), body="", guid=None, source="s1") -> NewItem:
    return NewItem(
        source=source,
        key=guid or url,
        url=url,
        guid=guid,
        title=title,
        title_key=fold(title),
        summary=body[:100],
        body=body,
        author=None,
        published_at=datetime(2026, 11, 20, 3, 0, tzinfo=UTC),
        date_guessed=False,
        wards=tuple(wards),
        content_hash=str(hash((title, body))),
    )


@pytest.fixture
async def db(tmp_path):
    database = await Database.open(tmp_path / "w.db")
    async with database.write() as conn:
        await conn.execute("INSERT INTO sources (name, kind, url) VALUES ('s1', 'rss', 'x')")
        await conn.execute("INSERT INTO sources (name, kind, url) VALUES ('s2', 'rss', 'y')")
        for code in ("w1", "w2"):
            await conn.execute(
                "INSERT INTO wards (code, name, kind) VALUES (?, ?, 'phường')", (code, code)
            )
    yield database
    await database.close()


async def store(db, item: NewItem) -> int | None:
    async with db.write() as conn:
        if await items.find_duplicate(conn, item) is not None:
            return None
        return await items.insert_item(conn, item, 0)


def test_migrations_are_numbered_and_split():
    files = migration_files()
    assert files[0][1] == "001_initial.sql"
    statements = split_statements(files[0][2])
    assert all(
        sqlite3.complete_statement(s + ";" if not s.endswith(";") else s) for s in statements
    )
    assert any("items_fts" in s for s in statements)


async def test_migrations_apply_once_and_are_recorded(tmp_path):
    first = await Database.open(tmp_path / "m.db")
    await first.close()
    again = await Database.open(tmp_path / "m.db")
    assert await again.scalar("SELECT count(*) FROM migrations") == len(migration_files())
    assert await again.scalar("PRAGMA journal_mode") == "wal"
    await again.close()


async def test_unopenable_database_is_a_storage_error(tmp_path):
    with pytest.raises(StorageError):
        await Database.open(tmp_path)  # a folder, not a file


async def test_write_rolls_back_on_error(db):
    with pytest.raises(RuntimeError):
        async with db.write() as conn:
            await conn.execute(
                "INSERT INTO chats (id, type, created_at, updated_at) VALUES (1, 'private', 0, 0)"
            )
            raise RuntimeError("boom")
    assert await chats.get_chat(db, 1) is None


async def test_write_rolls_back_on_cancellation(db):
    started = asyncio.Event()

    async def writer():
        async with db.write() as conn:
            await conn.execute(
                "INSERT INTO chats (id, type, created_at, updated_at) VALUES (2, 'private', 0, 0)"
            )
            started.set()
            await asyncio.Event().wait()

    task = asyncio.create_task(writer())
    await started.wait()
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert await chats.get_chat(db, 2) is None
    await chats.upsert_chat(db, 3, "private", None)  # the write path still works
    assert await chats.get_chat(db, 3) is not None


async def test_same_url_is_one_item(db):
    assert await store(db, new_item("https://a/1", "Tin một")) is not None
    assert await store(db, new_item("https://a/1", "Tin một (sửa)")) is None


async def test_same_title_and_date_on_another_source_is_one_item(db):
    assert await store(db, new_item("https://a/1", "Họp tổ dân phố")) is not None
    other = new_item("https://b/99", "HỌP TỔ DÂN PHỐ", source="s2")
    assert await store(db, other) is None


async def test_same_guid_on_a_source_is_one_item(db):
    assert await store(db, new_item("https://a/1?x=1", "A", guid="g-1")) is not None
    assert await store(db, new_item("https://a/1?x=2", "B", guid="g-1")) is None


async def test_search_ignores_diacritics_and_folds_d(db):
    await store(db, new_item("https://a/1", "Sửa đường Thổ Quan", body="Thông báo sửa đường"))
    await store(db, new_item("https://a/2", "Tiêm chủng", body="Lịch tiêm tại trạm y tế"))
    found, total = await items.search_items(db, "duong", 5)
    assert total == 1 and found[0].url == "https://a/1"
    found, _ = await items.search_items(db, "tho quan", 5)
    assert [i.url for i in found] == ["https://a/1"]
    found, _ = await items.search_items(db, "TIÊM", 5)
    assert [i.url for i in found] == ["https://a/2"]


@pytest.mark.parametrize("words", ['"', "AND OR NOT", "*", "(", "a' OR 1=1 --", "NEAR(", ""])
async def test_search_survives_fts_syntax_in_user_words(db, words):
    await items.search_items(db, words, 5)


async def test_latest_items_by_ward_newest_first(db):
    await store(db, new_item("https://a/1", "One", wards=("w1",)))
    await store(db, new_item("https://a/2", "Two", wards=("w2",)))
    await store(db, new_item("https://a/3", "Three", wards=("w1", "w2")))
    w1 = await items.latest_items(db, ["w1"], 10)
    assert [i.title for i in w1] == ["Three", "One"]
    both = await items.latest_items(db, ["w1", "w2"], 10)
    assert len(both) == 3


async def test_fan_out_reaches_each_subscribed_chat_once(db):
    for chat_id in (1, 2, 3):
        await chats.upsert_chat(db, chat_id, "private", None)
    await chats.subscribe(db, 1, ["w1", "w2"])
    await chats.subscribe(db, 2, ["w2"])
    item_id = await store(db, new_item("https://a/1", "X", wards=("w1", "w2")))
    async with db.write() as conn:
        assert await outbox.enqueue_item(conn, item_id, ["w1", "w2"], 1, 0) == 2
        assert await outbox.enqueue_item(conn, item_id, ["w1", "w2"], 1, 0) == 0
    due = await outbox.due_deliveries(db, "all", 100)
    assert sorted(d.chat_id for d, _ in due) == [1, 2]


async def test_claim_mark_and_recover(db):
    await chats.upsert_chat(db, 1, "private", None)
    await chats.subscribe(db, 1, ["w1"])
    item_id = await store(db, new_item("https://a/1", "X"))
    async with db.write() as conn:
        await outbox.enqueue_item(conn, item_id, ["w1"], 1, 0)
    ((row, _),) = await outbox.due_deliveries(db, "all", 10)
    assert await outbox.claim(db, [row.id]) == [row.id]
    assert await outbox.claim(db, [row.id]) == []  # already being sent
    assert await outbox.recover_in_flight(db) == 1
    assert await outbox.claim(db, [row.id]) == [row.id]
    await outbox.mark_sent(db, [(row.id, 77)])
    assert await outbox.status_counts(db) == {"sent": 1}


async def test_concurrent_claims_and_marks_share_one_statement_each(db):
    """Ten sends in flight claim and mark their rows in one UPDATE each, committed,
    with no BEGIN/COMMIT round trips, and each caller gets its own rows back."""
    for chat_id in range(1, 11):
        await chats.upsert_chat(db, chat_id, "private", None)
        await chats.subscribe(db, chat_id, ["w1"])
    item_id = await store(db, new_item("https://a/1", "X"))
    async with db.write() as conn:
        await outbox.enqueue_item(conn, item_id, ["w1"], 1, 0)
    ids = [d.id for d, _ in await outbox.due_deliveries(db, "all", 100)]
    statements: list[str] = []
    await db._writer.set_trace_callback(statements.append)
    claimed = await asyncio.gather(*(outbox.claim(db, [i]) for i in [*ids, ids[0]]))
    assert sorted(claimed[:-1]) == [[i] for i in sorted(ids)]
    assert claimed[-1] == []  # the same row twice in one group: claimed once
    await asyncio.gather(*(outbox.mark_sent(db, [(i, 1000 + i)]) for i in ids))
    await db._writer.set_trace_callback(None)
    assert len(statements) == 2, statements
    assert not any(s.upper().startswith(("BEGIN", "COMMIT")) for s in statements)
    with sqlite3.connect(db.path) as other:  # committed: another connection sees it
        rows = other.execute("SELECT id, status, message_id FROM outbox").fetchall()
    assert sorted(rows) == [(i, "sent", 1000 + i) for i in sorted(ids)]


async def test_a_mark_in_a_hurry_takes_the_waiting_ones_along_at_once(db, monkeypatch):
    """Marks wait MARK_DELAY for others to join, unless one cannot wait."""
    monkeypatch.setattr(outbox, "MARK_DELAY", 3600.0)
    for chat_id in (1, 2):
        await chats.upsert_chat(db, chat_id, "private", None)
        await chats.subscribe(db, chat_id, ["w1"])
    item_id = await store(db, new_item("https://a/1", "X"))
    async with db.write() as conn:
        await outbox.enqueue_item(conn, item_id, ["w1"], 1, 0)
    first, second = [d.id for d, _ in await outbox.due_deliveries(db, "all", 10)]
    assert await outbox.claim(db, [first, second]) == [first, second]
    waiting = asyncio.create_task(outbox.mark_sent(db, [(first, 11)]))
    await asyncio.sleep(0)  # the first mark is gathering others
    assert not waiting.done()
    await asyncio.wait_for(outbox.mark_sent(db, [(second, 12)], hurry=True), timeout=10)
    await asyncio.wait_for(waiting, timeout=10)
    assert await outbox.status_counts(db) == {"sent": 2}


async def test_blocked_chat_is_deactivated_and_its_rows_dropped(db):
    await chats.upsert_chat(db, 1, "private", None)
    await chats.subscribe(db, 1, ["w1"])
    item_id = await store(db, new_item("https://a/1", "X"))
    async with db.write() as conn:
        await outbox.enqueue_item(conn, item_id, ["w1"], 1, 0)
    assert await chats.deactivate_chat(db, 1, "blocked") == 1
    assert await chats.chat_wards(db, 1) == []
    assert (await chats.get_chat(db, 1)).active is False


async def test_migrated_chat_keeps_wards_and_queue(db):
    await chats.upsert_chat(db, -5, "group", "G")
    await chats.subscribe(db, -5, ["w1"])
    item_id = await store(db, new_item("https://a/1", "X"))
    async with db.write() as conn:
        await outbox.enqueue_item(conn, item_id, ["w1"], 1, 0)
    await chats.migrate_chat(db, -5, -1005)
    assert await chats.chat_wards(db, -1005) == ["w1"]
    due = await outbox.due_deliveries(db, "all", 10)
    assert [d.chat_id for d, _ in due] == [-1005]


async def test_backup_is_a_consistent_copy(db, tmp_path):
    await chats.upsert_chat(db, 1, "private", None)
    await db.backup(tmp_path / "copy.db")
    copy = sqlite3.connect(tmp_path / "copy.db")
    assert copy.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert copy.execute("SELECT count(*) FROM chats").fetchone()[0] == 1
    copy.close()


async def test_search_puts_title_matches_first_then_newest(db):
    await store(db, new_item("https://a/1", "Lịch tiêm chủng", body="Tiêm tại trạm"))
    await store(db, new_item("https://a/2", "Thông báo", body="Lịch tiêm chủng mới"))
    await store(db, new_item("https://a/3", "Họp dân", body="Không liên quan"))
    found, total = await items.search_items(db, "tiem chung", 5)
    assert total == 2
    assert [i.url for i in found] == ["https://a/1", "https://a/2"]
    page_two, _ = await items.search_items(db, "tiem chung", 1, offset=1)
    assert [i.url for i in page_two] == ["https://a/2"]
