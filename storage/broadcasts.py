"""Broadcasts of ward officers: drafts, confirmation, progress counts; and the audit log."""

from __future__ import annotations

import json
import sqlite3
import time
from collections.abc import Sequence

from storage.db import Database
from storage.outbox import enqueue_broadcast
from storage.records import Broadcast, BroadcastCounts, to_datetime


def _broadcast(row: sqlite3.Row) -> Broadcast:
    return Broadcast(
        id=row["id"],
        author_id=row["author_id"],
        origin_chat_id=row["origin_chat_id"],
        text=row["text"],
        copy_chat_id=row["copy_chat_id"],
        copy_message_id=row["copy_message_id"],
        wards=tuple(json.loads(row["wards"])),
        status=row["status"],
        audience=row["audience"],
        progress_message_id=row["progress_message_id"],
        created_at=to_datetime(row["created_at"]),
    )


async def create_draft(
    db: Database,
    author_id: int,
    origin_chat_id: int,
    text: str,
    wards: Sequence[str],
    audience: int,
    copy_of: tuple[int, int] | None = None,
) -> int:
    copy_chat, copy_message = copy_of or (None, None)
    async with db.write() as conn:
        cursor = await conn.execute(
            "INSERT INTO broadcasts (author_id, origin_chat_id, text, copy_chat_id,"
            " copy_message_id, wards, audience, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (
                author_id,
                origin_chat_id,
                text,
                copy_chat,
                copy_message,
                json.dumps(list(wards)),
                audience,
                time.time(),
            ),
        )
        return cursor.lastrowid


async def get_broadcast(db: Database, broadcast_id: int) -> Broadcast | None:
    row = await db.fetchone("SELECT * FROM broadcasts WHERE id = ?", (broadcast_id,))
    return None if row is None else _broadcast(row)


async def confirm(db: Database, broadcast_id: int, progress_message_id: int | None) -> int | None:
    """Draft → sending, with one outbox row per targeted chat; None if not a draft."""
    now = time.time()
    async with db.write() as conn:
        rows = await conn.execute_fetchall(
            "UPDATE broadcasts SET status = 'sending', confirmed_at = ?, progress_message_id = ?"
            " WHERE id = ? AND status = 'draft' RETURNING wards",
            (now, progress_message_id, broadcast_id),
        )
        if not rows:
            return None
        wards = json.loads(rows[0][0])
        queued = await enqueue_broadcast(conn, broadcast_id, wards, now)
        await conn.execute(
            "UPDATE broadcasts SET audience = ? WHERE id = ?", (queued, broadcast_id)
        )
        return queued


async def cancel(db: Database, broadcast_id: int) -> bool:
    async with db.write() as conn:
        cursor = await conn.execute(
            "UPDATE broadcasts SET status = 'cancelled', finished_at = ?"
            " WHERE id = ? AND status = 'draft'",
            (time.time(), broadcast_id),
        )
        return cursor.rowcount > 0


async def counts(db: Database, broadcast_id: int) -> BroadcastCounts:
    rows = await db.fetchall(
        "SELECT status, error, count(*) FROM outbox WHERE broadcast_id = ? GROUP BY status, error",
        (broadcast_id,),
    )
    pending = sent = blocked = failed = 0
    for status, _error, number in rows:
        if status in ("pending", "sending"):
            pending += number
        elif status == "sent":
            sent += number
        elif status == "dropped":
            blocked += number
        else:
            failed += number
    return BroadcastCounts(pending=pending, sent=sent, blocked=blocked, failed=failed)


async def finish(db: Database, broadcast_id: int) -> bool:
    """Mark done once; False if it was already."""
    async with db.write() as conn:
        cursor = await conn.execute(
            "UPDATE broadcasts SET status = 'done', finished_at = ?"
            " WHERE id = ? AND status = 'sending'",
            (time.time(), broadcast_id),
        )
        return cursor.rowcount > 0


async def unfinished(db: Database) -> list[Broadcast]:
    rows = await db.fetchall("SELECT * FROM broadcasts WHERE status = 'sending'")
    return [_broadcast(row) for row in rows]


async def record_audit(
    db: Database, user_id: int | None, chat_id: int | None, action: str, detail: str = ""
) -> None:
    async with db.write() as conn:
        await conn.execute(
            "INSERT INTO audit (at, user_id, chat_id, action, detail) VALUES (?, ?, ?, ?, ?)",
            (time.time(), user_id, chat_id, action, detail[:2000]),
        )
