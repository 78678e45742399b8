"""The SQLite connection owner: set-up, migrations and the one write path.

One writer connection serialised by a lock (every write is a `BEGIN
IMMEDIATE` transaction, rolled back on any exception, cancellation included)
and one reader connection, so reads never see a half-done write and never
wait behind the writer (WAL).
"""

from __future__ import annotations

import asyncio
import logging
import re
import sqlite3
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Sequence
from contextlib import asynccontextmanager
from importlib import resources
from pathlib import Path
from typing import Any

import aiosqlite

log = logging.getLogger(__name__)

MIGRATION_NAME = re.compile(r"^(\d{3})_[a-z0-9_]+\.sql$")
BUSY_TIMEOUT_MS = 5000


class StorageError(Exception):
    """The database cannot be opened, migrated or written."""


def split_statements(script: str) -> list[str]:
    """Split an SQL script into complete statements (no executescript: it commits)."""
    statements: list[str] = []
    current: list[str] = []
    for line in script.splitlines(keepends=True):
        if not current and (not line.strip() or line.lstrip().startswith("--")):
            continue
        current.append(line)
        candidate = "".join(current)
        if sqlite3.complete_statement(candidate):
            statements.append(candidate.strip())
            current = []
    if "".join(current).strip():
        raise StorageError("migration ends inside an unfinished statement")
    return statements


def migration_files() -> list[tuple[int, str, str]]:
    """(number, name, text) of every shipped migration, in order."""
    found = []
    for entry in resources.files("storage.migrations").iterdir():
        match = MIGRATION_NAME.match(entry.name)
        if match:
            found.append((int(match.group(1)), entry.name, entry.read_text("utf-8")))
    found.sort()
    numbers = [number for number, _, _ in found]
    if numbers != list(range(1, len(found) + 1)):
        raise StorageError(f"migrations are not numbered 001.. without gaps: {numbers}")
    return found


def _probe(path: Path) -> None:
    probe = sqlite3.connect(path)
    try:
        probe.execute("PRAGMA schema_version").fetchone()
    finally:
        probe.close()


async def _connect(path: Path) -> aiosqlite.Connection:
    conn = await aiosqlite.connect(path, isolation_level=None)
    await conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    await conn.execute("PRAGMA journal_mode = WAL")
    await conn.execute("PRAGMA synchronous = NORMAL")
    await conn.execute("PRAGMA foreign_keys = ON")
    conn.row_factory = sqlite3.Row
    return conn


class GroupCommit:
    """Concurrent small writes of one kind share a transaction; each caller gets its
    own result, and only once that transaction is committed.

    The delivery worker claims and marks one outbox row per send, with several
    sends in flight: one transaction each was a third of its CPU per message
    (bench/delivery.py). Grouped, what a crash can repeat stays the same.

    With `one_statement`, `run` issues a single statement, atomic on its own, and
    runs outside BEGIN/COMMIT: one trip to the writer thread instead of three.
    With `delay`, the first caller waits that long for others to join (unless one
    comes in a hurry): at 1,000 sends a second, one per millisecond, a commit each
    cost more than the rest of the bookkeeping (~60 us of CPU per commit, ~5 us per
    row in groups of 10).
    """

    def __init__(
        self,
        db: Database,
        run: Callable[[Any, list[Any]], Awaitable[list[Any]]],
        one_statement: bool = False,
        delay: float = 0.0,
    ):
        self.db = db
        self.run = run
        self.one_statement = one_statement
        self.delay = delay
        self.pending: list[tuple[Any, asyncio.Future]] = []
        self.flusher: asyncio.Task | None = None
        self.gathering: asyncio.Future | None = None  # done when the flusher may go

    async def submit(self, payload: Any, *, hurry: bool = False) -> Any:
        """`payload`'s result once committed; `hurry`: commit without waiting for others."""
        loop = asyncio.get_running_loop()
        future = loop.create_future()
        self.pending.append((payload, future))
        if self.flusher is None:
            self.gathering = loop.create_future() if self.delay > 0 else None
            self.flusher = asyncio.create_task(self._flush())
        if hurry and self.gathering is not None and not self.gathering.done():
            self.gathering.set_result(None)
        return await future

    async def _flush(self) -> None:
        try:
            if self.gathering is None:
                await asyncio.sleep(0)  # let the callers of this turn of the loop join
            else:
                timer = asyncio.get_running_loop().call_later(self.delay, _settle, self.gathering)
                try:
                    await self.gathering
                finally:
                    timer.cancel()
            while self.pending:
                batch, self.pending = self.pending, []
                scope = self.db.autocommit() if self.one_statement else self.db.write()
                try:
                    async with scope as conn:
                        results = await self.run(conn, [payload for payload, _ in batch])
                except BaseException as exc:
                    for _, future in batch:
                        if not future.done():
                            future.set_exception(exc)
                    if isinstance(exc, asyncio.CancelledError):
                        raise
                    continue
                for (_, future), result in zip(batch, results, strict=True):
                    if not future.done():
                        future.set_result(result)
        finally:
            self.flusher = None


def _settle(future: asyncio.Future) -> None:
    if not future.done():
        future.set_result(None)


class Database:
    """Owns the connections to one SQLite file."""

    def __init__(self, path: Path, writer: aiosqlite.Connection, reader: aiosqlite.Connection):
        self.path = path
        self._writer = writer
        self._reader = reader
        self._lock = asyncio.Lock()
        self._groups: dict[str, GroupCommit] = {}

    @classmethod
    async def open(cls, path: str | Path) -> Database:
        """Open (creating if needed) and migrate the database at `path`."""
        path = Path(path)
        try:
            if path.parent and not path.parent.exists():
                path.parent.mkdir(parents=True, exist_ok=True)
            # Probe synchronously first: a failed aiosqlite connect leaves its thread to
            # report to an event loop that may be gone by then.
            await asyncio.to_thread(_probe, path)
            writer = await _connect(path)
        except (sqlite3.Error, OSError) as exc:
            raise StorageError(f"{path}: cannot open database ({exc})") from exc
        try:
            await _migrate(writer)
            reader = await _connect(path)
        except (sqlite3.Error, StorageError) as exc:
            await writer.close()
            raise StorageError(f"{path}: cannot open database ({exc})") from exc
        return cls(path, writer, reader)

    async def close(self) -> None:
        async with self._lock:
            await self._reader.close()
            await self._writer.close()

    @asynccontextmanager
    async def write(self) -> AsyncIterator[aiosqlite.Connection]:
        """One write transaction; commits on success, rolls back on anything else."""
        async with self._lock:
            await self._writer.execute("BEGIN IMMEDIATE")
            try:
                yield self._writer
            except BaseException:
                await asyncio.shield(self._writer.rollback())
                raise
            await asyncio.shield(self._writer.commit())

    @asynccontextmanager
    async def autocommit(self) -> AsyncIterator[aiosqlite.Connection]:
        """The writer outside any transaction, for ONE statement: SQLite makes a lone
        statement atomic and commits it, without a BEGIN and a COMMIT of our own."""
        async with self._lock:
            yield self._writer

    async def grouped(
        self,
        name: str,
        run: Callable[[Any, list[Any]], Awaitable[list[Any]]],
        payload: Any,
        *,
        one_statement: bool = False,
        delay: float = 0.0,
        hurry: bool = False,
    ) -> Any:
        """`run(conn, payloads)` for this payload and any submitted meanwhile under `name`."""
        group = self._groups.get(name)
        if group is None:
            group = self._groups[name] = GroupCommit(self, run, one_statement, delay)
        return await group.submit(payload, hurry=hurry)

    async def fetchall(self, sql: str, params: Sequence[Any] = ()) -> list[sqlite3.Row]:
        rows = await self._reader.execute_fetchall(sql, params)
        return list(rows)

    async def fetchone(self, sql: str, params: Sequence[Any] = ()) -> Any:
        rows = await self._reader.execute_fetchall(sql, params)
        return rows[0] if rows else None

    async def scalar(self, sql: str, params: Sequence[Any] = ()) -> Any:
        row = await self.fetchone(sql, params)
        return None if row is None else row[0]

    async def backup(self, target: str | Path) -> None:
        """A consistent copy of the live database (SQLite online backup API)."""
        async with aiosqlite.connect(target) as dest:
            await self._reader.backup(dest)


async def _migrate(conn: aiosqlite.Connection) -> None:
    await conn.execute(
        "CREATE TABLE IF NOT EXISTS migrations ("
        " number INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)"
    )
    rows = await conn.execute_fetchall("SELECT number FROM migrations")
    applied = {row[0] for row in rows}
    for number, name, text in migration_files():
        if number in applied:
            continue
        await _apply(conn, number, name, split_statements(text))


async def _apply(conn: aiosqlite.Connection, number: int, name: str, statements: Iterable[str]):
    await conn.execute("BEGIN IMMEDIATE")
    try:
        for statement in statements:
            await conn.execute(statement)
        await conn.execute(
            "INSERT INTO migrations (number, name, applied_at) VALUES (?, ?, datetime('now'))",
            (number, name),
        )
    except BaseException:
        await asyncio.shield(conn.rollback())
        raise
    await conn.commit()
    log.info("applied migration %s", name)
