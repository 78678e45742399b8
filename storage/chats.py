"""Chats, their language and their ward subscriptions."""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterable

from storage.db import Database
from storage.records import Chat


def _chat(row: sqlite3.Row) -> Chat:
    return Chat(row["id"], row["type"], row["title"], row["language"], bool(row["active"]))


async def upsert_chat(db: Database, chat_id: int, chat_type: str, title: str | None) -> None:
    """Record a chat we heard from; a chat that comes back is active again."""
    now = time.time()
    async with db.write() as conn:
        await conn.execute(
            "INSERT INTO chats (id, type, title, created_at, updated_at) VALUES (?, ?, ?, ?, ?)"
            " ON CONFLICT (id) DO UPDATE SET type = excluded.type, title = excluded.title,"
            " active = 1, deactivated_reason = NULL, updated_at = excluded.updated_at",
            (chat_id, chat_type, title, now, now),
        )


async def get_chat(db: Database, chat_id: int) -> Chat | None:
    row = await db.fetchone("SELECT * FROM chats WHERE id = ?", (chat_id,))
    return None if row is None else _chat(row)


async def set_language(db: Database, chat_id: int, language: str) -> None:
    async with db.write() as conn:
        await conn.execute(
            "UPDATE chats SET language = ?, updated_at = ? WHERE id = ?",
            (language, time.time(), chat_id),
        )


async def subscribe(db: Database, chat_id: int, ward_codes: Iterable[str]) -> list[str]:
    """Add wards to a chat; returns the codes that were new."""
    added = []
    async with db.write() as conn:
        for code in ward_codes:
            cursor = await conn.execute(
                "INSERT INTO subscriptions (chat_id, ward_code, created_at) VALUES (?, ?, ?)"
                " ON CONFLICT DO NOTHING",
                (chat_id, code, time.time()),
            )
            if cursor.rowcount:
                added.append(code)
    return added


async def unsubscribe(db: Database, chat_id: int, ward_codes: Iterable[str]) -> list[str]:
    """Remove wards from a chat; returns the codes that were removed."""
    removed = []
    async with db.write() as conn:
        for code in ward_codes:
            cursor = await conn.execute(
                "DELETE FROM subscriptions WHERE chat_id = ? AND ward_code = ?", (chat_id, code)
            )
            if cursor.rowcount:
                removed.append(code)
    return removed


async def chat_wards(db: Database, chat_id: int) -> list[str]:
    rows = await db.fetchall(
        "SELECT ward_code FROM subscriptions WHERE chat_id = ? ORDER BY created_at, ward_code",
        (chat_id,),
    )
    return [row[0] for row in rows]


async def forget_chat(db: Database, chat_id: int) -> None:
    """/stop: unsubscribe from everything, drop what is queued, forget the chat."""
    async with db.write() as conn:
        await conn.execute(
            "UPDATE outbox SET status = 'dropped', error = 'chat stopped'"
            " WHERE chat_id = ? AND status IN ('pending', 'sending')",
            (chat_id,),
        )
        await conn.execute("DELETE FROM subscriptions WHERE chat_id = ?", (chat_id,))
        await conn.execute(
            "UPDATE chats SET active = 0, language = NULL, deactivated_reason = 'stopped',"
            " updated_at = ? WHERE id = ?",
            (time.time(), chat_id),
        )


async def deactivate_chat(db: Database, chat_id: int, reason: str) -> int:
    """The bot was blocked or removed: unsubscribe and drop pending rows.

    Returns how many pending deliveries were dropped.
    """
    async with db.write() as conn:
        return await deactivate_in(conn, chat_id, reason)


async def deactivate_in(conn, chat_id: int, reason: str) -> int:
    """`deactivate_chat` inside a transaction the caller holds."""
    cursor = await conn.execute(
        "UPDATE outbox SET status = 'dropped', error = ?"
        " WHERE chat_id = ? AND status IN ('pending', 'sending')",
        (reason, chat_id),
    )
    await conn.execute("DELETE FROM subscriptions WHERE chat_id = ?", (chat_id,))
    await conn.execute(
        "UPDATE chats SET active = 0, deactivated_reason = ?, updated_at = ? WHERE id = ?",
        (reason, time.time(), chat_id),
    )
    return cursor.rowcount


async def migrate_chat(db: Database, old_id: int, new_id: int) -> None:
    """A group became a supergroup: move the chat, its wards and its queue."""
    async with db.write() as conn:
        exists = await conn.execute_fetchall("SELECT 1 FROM chats WHERE id = ?", (new_id,))
        if exists:
            await conn.execute(
                "INSERT OR IGNORE INTO subscriptions (chat_id, ward_code, created_at)"
                " SELECT ?, ward_code, created_at FROM subscriptions WHERE chat_id = ?",
                (new_id, old_id),
            )
            await conn.execute(
                "UPDATE OR IGNORE outbox SET chat_id = ? WHERE chat_id = ?", (new_id, old_id)
            )
            await deactivate_in(conn, old_id, "migrated")
            return
        await conn.execute(
            "UPDATE chats SET id = ?, type = 'supergroup', updated_at = ? WHERE id = ?",
            (new_id, time.time(), old_id),
        )


async def count_subscribers_by_ward(db: Database) -> dict[str, int]:
    rows = await db.fetchall(
        "SELECT s.ward_code, count(*) FROM subscriptions s JOIN chats c ON c.id = s.chat_id"
        " WHERE c.active = 1 GROUP BY s.ward_code"
    )
    return {row[0]: row[1] for row in rows}


async def count_audience(db: Database, ward_codes: Iterable[str] | None) -> int:
    """Active chats subscribed to any of these wards (all active chats with wards if None)."""
    codes = list(ward_codes or [])
    if not codes:
        return await db.scalar(
            "SELECT count(DISTINCT s.chat_id) FROM subscriptions s"
            " JOIN chats c ON c.id = s.chat_id WHERE c.active = 1"
        )
    marks = ",".join("?" * len(codes))
    return await db.scalar(
        "SELECT count(DISTINCT s.chat_id) FROM subscriptions s JOIN chats c ON c.id = s.chat_id"
        f" WHERE c.active = 1 AND s.ward_code IN ({marks})",
        codes,
    )


async def count_chats(db: Database) -> tuple[int, int]:
    """(active chats, deactivated chats that blocked or removed the bot)."""
    row = await db.fetchone(
        "SELECT sum(active = 1), sum(active = 0 AND deactivated_reason != 'stopped') FROM chats"
    )
    return (row[0] or 0, row[1] or 0)
