"""Sources' state: conditional-GET validators, schedule, health and alerts."""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterable

from storage.db import Database
from storage.records import SourceState, to_datetime


def _state(row: sqlite3.Row) -> SourceState:
    return SourceState(
        name=row["name"],
        kind=row["kind"],
        url=row["url"],
        etag=row["etag"],
        last_modified=row["last_modified"],
        first_polled_at=to_datetime(row["first_polled_at"]),
        last_polled_at=to_datetime(row["last_polled_at"]),
        last_ok_at=to_datetime(row["last_ok_at"]),
        last_error=row["last_error"],
        error_count=row["error_count"],
        consecutive_failures=row["consecutive_failures"],
        empty_polls=row["empty_polls"],
        next_poll_at=to_datetime(row["next_poll_at"]),
        items_total=row["items_total"],
        last_new_items=row["last_new_items"],
        alert=row["alert"],
        stopped=bool(row["stopped"]),
    )


async def sync_sources(db: Database, configured: Iterable[tuple[str, str, str]]) -> None:
    """Make a row for every configured (name, kind, url); a changed URL starts afresh."""
    async with db.write() as conn:
        for name, kind, url in configured:
            await conn.execute(
                "INSERT INTO sources (name, kind, url) VALUES (?, ?, ?)"
                " ON CONFLICT (name) DO UPDATE SET kind = excluded.kind, url = excluded.url,"
                " etag = CASE WHEN url = excluded.url THEN etag END,"
                " last_modified = CASE WHEN url = excluded.url THEN last_modified END,"
                " stopped = CASE WHEN url = excluded.url THEN stopped ELSE 0 END",
                (name, kind, url),
            )


async def get_source(db: Database, name: str) -> SourceState | None:
    row = await db.fetchone("SELECT * FROM sources WHERE name = ?", (name,))
    return None if row is None else _state(row)


async def due_sources(db: Database, now: float) -> list[str]:
    """Names of the sources not stopped whose next poll is due by `now`, by name.

    The poller asks every second: one column of the due rows, not every row whole.
    """
    rows = await db.fetchall(
        "SELECT name FROM sources WHERE stopped = 0 AND next_poll_at <= ? ORDER BY name", (now,)
    )
    return [row[0] for row in rows]


async def list_sources(db: Database) -> list[SourceState]:
    rows = await db.fetchall("SELECT * FROM sources ORDER BY name")
    return [_state(row) for row in rows]


async def record_success(
    db: Database,
    name: str,
    *,
    etag: str | None,
    last_modified: str | None,
    found: int,
    new: int,
    empty: bool,
    next_poll_at: float,
) -> int:
    """A poll that worked; returns how many polls in a row found no items at all.

    `found` is how many items the source showed (0 on a 304); `empty` says the
    poll found none and was not a 304 either. One statement, so no BEGIN and
    COMMIT of its own: an unchanged source costs one write, not two.
    """
    now = time.time()
    async with db.autocommit() as conn:
        rows = await conn.execute_fetchall(
            "UPDATE sources SET etag = ?, last_modified = ?, last_polled_at = ?,"
            " last_ok_at = ?, first_polled_at = coalesce(first_polled_at, ?),"
            " consecutive_failures = 0, next_poll_at = ?, items_total = items_total + ?,"
            " last_new_items = ?, empty_polls = CASE WHEN ? THEN empty_polls + 1 ELSE 0 END"
            " WHERE name = ? RETURNING empty_polls",
            (etag, last_modified, now, now, now, next_poll_at, new, new, int(empty), name),
        )
    return rows[0][0] if rows else 0


async def record_failure(db: Database, name: str, error: str, next_poll_at: float) -> int:
    """A failed poll; returns the number of failures in a row."""
    now = time.time()
    async with db.write() as conn:
        rows = await conn.execute_fetchall(
            "UPDATE sources SET last_polled_at = ?, last_error = ?, last_error_at = ?,"
            " error_count = error_count + 1, consecutive_failures = consecutive_failures + 1,"
            " next_poll_at = ? WHERE name = ? RETURNING consecutive_failures",
            (now, error[:500], now, next_poll_at, name),
        )
    return rows[0][0] if rows else 0


async def set_alert(db: Database, name: str, alert: str | None) -> None:
    async with db.write() as conn:
        await conn.execute("UPDATE sources SET alert = ? WHERE name = ?", (alert, name))


async def set_stopped(db: Database, name: str, stopped: bool) -> None:
    async with db.write() as conn:
        await conn.execute("UPDATE sources SET stopped = ? WHERE name = ?", (int(stopped), name))


async def has_items(db: Database, name: str) -> bool:
    return bool(await db.scalar("SELECT 1 FROM items WHERE source = ? LIMIT 1", (name,)))
