"""The outbox: one row per message owed to a chat, and every change of its state.

A row goes pending → sending → sent, or back to pending (retry), or to failed
/ dropped. Each change is committed on its own, so after a crash only rows
left in `sending` (the sends in flight) can be sent twice.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterable, Sequence

import aiosqlite

from storage.db import Database
from storage.records import Delivery

# Marks of sends in flight gather this long into one statement: at 1,000 msg/s answers
# come one a millisecond, and a commit each cost more than the rest of the bookkeeping.
# Claims need no wait: the worker takes the sends due within a few ms in one turn of
# the loop (bot/delivery.py DISPATCH_SPAN), and claims them a little ahead of their turn.
MARK_DELAY = 0.01


def _delivery(row: sqlite3.Row) -> Delivery:
    return Delivery(
        id=row["id"],
        chat_id=row["chat_id"],
        chat_type=row["type"],
        language=row["language"],
        item_id=row["item_id"],
        broadcast_id=row["broadcast_id"],
        batch=row["batch"],
        attempts=row["attempts"],
    )


async def enqueue_item(
    conn: aiosqlite.Connection, item_id: int, ward_codes: Sequence[str], batch: int, now: float
) -> int:
    """Fan a new item out to every active chat subscribed to one of its wards."""
    if not ward_codes:
        return 0
    marks = ",".join("?" * len(ward_codes))
    cursor = await conn.execute(
        "INSERT OR IGNORE INTO outbox (chat_id, item_id, batch, next_attempt_at, created_at)"
        " SELECT DISTINCT s.chat_id, ?, ?, ?, ? FROM subscriptions s"
        " JOIN chats c ON c.id = s.chat_id AND c.active = 1"
        f" WHERE s.ward_code IN ({marks})",
        (item_id, batch, now, now, *ward_codes),
    )
    return cursor.rowcount


async def enqueue_broadcast(
    conn: aiosqlite.Connection, broadcast_id: int, ward_codes: Sequence[str], now: float
) -> int:
    """Queue a broadcast for every active chat of those wards (every chat with wards if none)."""
    where = ""
    if ward_codes:
        where = f" WHERE s.ward_code IN ({','.join('?' * len(ward_codes))})"
    cursor = await conn.execute(
        "INSERT OR IGNORE INTO outbox (chat_id, broadcast_id, next_attempt_at, created_at)"
        " SELECT DISTINCT s.chat_id, ?, ?, ? FROM subscriptions s"
        " JOIN chats c ON c.id = s.chat_id AND c.active = 1" + where,
        (broadcast_id, now, now, *ward_codes),
    )
    return cursor.rowcount


async def recover_in_flight(db: Database) -> int:
    """On start: rows a crash left in `sending` go back to pending."""
    async with db.write() as conn:
        cursor = await conn.execute("UPDATE outbox SET status = 'pending' WHERE status = 'sending'")
        return cursor.rowcount


KIND_FILTERS = {
    "news": "o.item_id IS NOT NULL",
    "broadcast": "o.broadcast_id IS NOT NULL",
    "all": "1",
}


async def due_deliveries(
    db: Database, kind: str, limit: int, after_id: int = 0
) -> list[tuple[Delivery, float]]:
    """Pending rows of a kind ("news", "broadcast", "all") after `after_id`, in id order,
    with the time each is due."""
    rows = await db.fetchall(
        "SELECT o.id, o.chat_id, c.type, c.language, o.item_id, o.broadcast_id, o.batch,"
        " o.attempts, o.next_attempt_at FROM outbox o JOIN chats c ON c.id = o.chat_id"
        f" WHERE o.status = 'pending' AND o.id > ? AND {KIND_FILTERS[kind]}"
        " ORDER BY o.id LIMIT ?",
        (after_id, limit),
    )
    return [(_delivery(row), row["next_attempt_at"]) for row in rows]


async def claim(db: Database, ids: Sequence[int]) -> list[int]:
    """Mark rows as being sent; returns those that were still pending."""
    return await db.grouped("claim", _claim_many, list(ids), one_statement=True)


async def _claim_many(conn: aiosqlite.Connection, id_lists: list[list[int]]) -> list[list[int]]:
    """One UPDATE for every caller's rows (no transaction of its own: see GroupCommit)."""
    every = [row_id for ids in id_lists for row_id in ids]
    marks = ",".join("?" * len(every))
    rows = await conn.execute_fetchall(
        "UPDATE outbox SET status = 'sending', attempts = attempts + 1"
        f" WHERE id IN ({marks}) AND status = 'pending' RETURNING id",
        every,
    )
    claimed = {row[0] for row in rows}
    result = []
    for ids in id_lists:  # a row asked for twice in one group goes to the first caller
        mine = [row_id for row_id in ids if row_id in claimed]
        claimed.difference_update(mine)
        result.append(mine)
    return result


async def mark_sent(
    db: Database, results: Iterable[tuple[int, int | None]], *, hurry: bool = False
) -> None:
    """(row id, Telegram message id) pairs that reached the chat; `hurry`: the caller
    cannot wait MARK_DELAY for others (the worker's window is full)."""
    await db.grouped(
        "mark_sent",
        _mark_sent_many,
        list(results),
        one_statement=True,
        delay=MARK_DELAY,
        hurry=hurry,
    )


async def _mark_sent_many(conn: aiosqlite.Connection, batches: list[list[tuple]]) -> list[None]:
    """One UPDATE for every caller's rows (no transaction of its own: see GroupCommit)."""
    pairs = [value for results in batches for result in results for value in result]
    if pairs:
        values = ",".join(["(?, ?)"] * (len(pairs) // 2))
        await conn.execute(
            "UPDATE outbox SET status = 'sent', sent_at = ?, message_id = v.column2, error = NULL"
            f" FROM (VALUES {values}) AS v WHERE outbox.id = v.column1",
            (time.time(), *pairs),
        )
    return [None] * len(batches)


async def release(
    db: Database, ids: Sequence[int], next_attempt_at: float, error: str, *, count: bool
) -> None:
    """Back to pending for a later try; `count=False` gives the attempt back (429)."""
    marks = ",".join("?" * len(ids))
    undo = ", attempts = attempts - 1" if not count else ""
    async with db.write() as conn:
        await conn.execute(
            f"UPDATE outbox SET status = 'pending', next_attempt_at = ?, error = ?{undo}"
            f" WHERE id IN ({marks}) AND status = 'sending'",
            (next_attempt_at, error, *ids),
        )


async def mark_failed(db: Database, ids: Sequence[int], error: str) -> None:
    marks = ",".join("?" * len(ids))
    async with db.write() as conn:
        await conn.execute(
            f"UPDATE outbox SET status = 'failed', error = ? WHERE id IN ({marks})",
            (error, *ids),
        )


async def queue_depth(db: Database) -> int:
    return await db.scalar("SELECT count(*) FROM outbox WHERE status IN ('pending', 'sending')")


async def count_sent_since(db: Database, since: float) -> int:
    return await db.scalar(
        "SELECT count(*) FROM outbox WHERE status = 'sent' AND sent_at >= ?", (since,)
    )


async def status_counts(db: Database) -> dict[str, int]:
    rows = await db.fetchall("SELECT status, count(*) FROM outbox GROUP BY status")
    return {row[0]: row[1] for row in rows}
