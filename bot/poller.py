"""The schedule of the news flow: which source to poll when, and its health.

The schedule is data (`sources.next_poll_at` in SQLite), so it survives a
restart; one short APScheduler job ticks every second and starts the polls
that are due, each in its own task, at most `polling.concurrency` at once and
never two of one source. A failing source backs off exponentially (capped at
`polling.max_backoff`) and recovers on success; admins hear of a source that
keeps failing or goes empty once, and once again when it recovers.
"""

from __future__ import annotations

import asyncio
import logging
import random
import time
from dataclasses import dataclass
from datetime import UTC, datetime

from apscheduler.schedulers.asyncio import AsyncIOScheduler

from bot.alerts import Alerts
from bot.config import SourceConfig
from bot.ingest import StoreResult, prepare, pushable, read_source, store_items
from bot.services import Services
from bot.sources.archive import Seen
from bot.sources.fetch import Fetcher
from bot.sources.item import FetchError, SourceError
from storage import items as item_store
from storage import sources as source_store
from storage.records import SourceState

log = logging.getLogger(__name__)

TICK_SECONDS = 1.0
JITTER = 0.1
FAILING_AFTER = 3
EMPTY_AFTER = 2


@dataclass(frozen=True, slots=True)
class PollReport:
    source: str
    found: int = 0
    new: int = 0
    updated: int = 0
    queued: int = 0
    not_modified: bool = False
    error: str | None = None
    seconds: float = 0.0


class Poller:
    def __init__(self, svc: Services, alerts: Alerts | None = None) -> None:
        self.svc = svc
        self.config = svc.config
        self.alerts = alerts
        self.sources = {s.name: s for s in svc.config.sources}
        self.fetcher = Fetcher(
            timeout=svc.config.polling.timeout, max_bytes=svc.config.polling.max_bytes
        )
        self._gate = asyncio.Semaphore(svc.config.polling.concurrency)
        self._running: dict[str, asyncio.Task] = {}
        self._scheduler: AsyncIOScheduler | None = None

    # --- lifecycle ------------------------------------------------------

    async def prepare(self) -> None:
        configured = [(s.name, s.kind, s.url) for s in self.config.sources]
        await source_store.sync_sources(self.svc.db, configured)

    def start(self) -> None:
        self._scheduler = AsyncIOScheduler(timezone=UTC)
        self._scheduler.add_job(
            self.tick,
            "interval",
            seconds=TICK_SECONDS,
            coalesce=True,
            max_instances=1,
            misfire_grace_time=60,
            next_run_time=datetime.now(UTC),
        )
        self._scheduler.start()

    async def stop(self) -> None:
        if self._scheduler is not None:
            self._scheduler.shutdown(wait=False)
            self._scheduler = None
        tasks = list(self._running.values())
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        await self.fetcher.aclose()

    # --- scheduling -----------------------------------------------------

    async def tick(self) -> None:
        """Start every due source that is not already being polled."""
        for name in await source_store.due_sources(self.svc.db, time.time()):
            source = self.sources.get(name)
            if source is not None and name not in self._running:
                self._spawn(source)

    def _spawn(self, source: SourceConfig) -> asyncio.Task:
        task = asyncio.create_task(self._guarded(source), name=f"poll:{source.name}")
        self._running[source.name] = task
        task.add_done_callback(lambda _: self._running.pop(source.name, None))
        return task

    async def poll_now(self, name: str | None = None) -> list[PollReport]:
        """/poll: poll one source (or all) now and wait for the reports."""
        chosen = [self.sources[name]] if name else list(self.sources.values())
        tasks = [self._running.get(s.name) or self._spawn(s) for s in chosen]
        return list(await asyncio.gather(*tasks))

    async def _guarded(self, source: SourceConfig) -> PollReport:
        async with self._gate:
            try:
                return await self.poll(source)
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                log.exception("poll of %s failed unexpectedly", source.name)
                return PollReport(source.name, error=f"internal error: {exc!r}")

    def interval(self, source: SourceConfig) -> float:
        return source.interval or self.config.polling.interval

    def next_after_success(self, source: SourceConfig) -> float:
        return time.time() + self.interval(source) * random.uniform(1 - JITTER, 1 + JITTER)

    def next_after_failure(self, source: SourceConfig, failures: int) -> float:
        delay = self.interval(source) * 2 ** max(0, failures - 1)
        return time.time() + min(delay, self.config.polling.max_backoff)

    # --- one poll -------------------------------------------------------

    async def poll(self, source: SourceConfig) -> PollReport:
        started = time.monotonic()
        db = self.svc.db
        state = await source_store.get_source(db, source.name)
        first_poll = state is None or state.first_polled_at is None
        if first_poll and await source_store.has_items(db, source.name):
            # A first poll stored its items, then the bot stopped before recording it:
            # what is new since must be pushed, not taken for the backlog.
            first_poll = False
        now = datetime.now(UTC)
        try:
            read = await read_source(
                self.fetcher,
                source,
                self.config.polling,
                etag=state.etag if state else None,
                last_modified=state.last_modified if state else None,
                seen=self._stored_among(source),
                now=now,
            )
        except SourceError as exc:
            return await self._failed(source, state, exc, started)
        prepared = [prepare(raw, source, self.svc.registry, now) for raw in read.items]
        push = pushable(prepared, first_poll, self.config.polling.backfill)
        stored = StoreResult(0, 0, 0)
        if prepared:  # a 304 or an empty feed: no write transaction
            stored = await store_items(db, prepared, push, batch=int(time.time() * 1000))
        if stored.queued and self.svc.delivery is not None:
            self.svc.delivery.wake()
        yielded = read.not_modified or bool(read.items)
        empty_polls = await source_store.record_success(
            db,
            source.name,
            etag=read.etag,
            last_modified=read.last_modified,
            found=len(read.items),
            new=stored.new,
            empty=not yielded,
            next_poll_at=self.next_after_success(source),
        )
        if state is not None:  # no row, no alert state (as Alerts would find)
            await self._alert_after_success(source, state.alert, empty_polls, yielded)
        report = PollReport(
            source.name,
            len(read.items),
            stored.new,
            stored.updated,
            stored.queued,
            read.not_modified,
            None,
            time.monotonic() - started,
        )
        log.info(
            "polled %s: %d found, %d new, %d queued",
            source.name,
            report.found,
            report.new,
            report.queued,
        )
        return report

    def _stored_among(self, source: SourceConfig) -> Seen:
        """Archive sources: which of a listing page's links are stored, asked per page."""
        if source.kind == "rss":
            return ()
        db = self.svc.db

        async def stored_among(links: list[str]) -> set[str]:
            return await item_store.stored_urls(db, source.name, links)

        return stored_among

    async def _failed(
        self, source: SourceConfig, state: SourceState | None, exc: SourceError, started: float
    ) -> PollReport:
        """`state` is the source's row as this poll began: only this poll changes it."""
        db = self.svc.db
        failures = (state.consecutive_failures if state else 0) + 1
        gone = isinstance(exc, FetchError) and exc.status == 410
        await source_store.record_failure(
            db, source.name, str(exc), self.next_after_failure(source, failures)
        )
        log.warning("poll of %s failed (%d in a row): %s", source.name, failures, exc)
        if gone:
            await source_store.set_stopped(db, source.name, True)
        if self.alerts is not None and state is not None and (gone or failures >= FAILING_AFTER):
            await self.alerts.source_failing(
                source, str(exc), failures, stopped=gone, current=state.alert
            )
        return PollReport(source.name, error=str(exc), seconds=time.monotonic() - started)

    async def _alert_after_success(
        self, source: SourceConfig, alert: str | None, empty_polls: int, yielded: bool
    ) -> None:
        """Tell admins of a source gone empty, back from empty or back from failing.

        `alert` is the source's alert as this poll began (only a poll of this
        source changes it, and never two run at once): no need to read it again.
        """
        if self.alerts is None:
            return
        db = self.svc.db
        if empty_polls >= EMPTY_AFTER:
            # A source that gave items before and now gives none: the layout changed.
            if alert != "empty" and await source_store.has_items(db, source.name):
                await self.alerts.source_empty(source, current=alert)
                alert = "empty"
        elif yielded and alert == "empty":
            await self.alerts.source_not_empty(source, current=alert)
            alert = None
        if alert == "failing":
            await self.alerts.source_recovered(source, current=alert)
