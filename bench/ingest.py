"""A full poll of 1,000 ward sources on one local portal: cold, then when nothing changed.

    python -m bench.ingest [--sources 1000] [--items 30] [--archive-share 0.5]
                           [--no-unvalidated]

The portal (bench.portal_proc: PortalServer with generated pages) runs in a
process of its own; this process runs the bot's news flow without Telegram:
`Services` + `Poller` (the real fetch, parse, prepare, store and bookkeeping),
`Poller.poll_now()` over every source, `polling.concurrency` at once (8).

Half the sources (by default) are archive sources, alternately Liferay and
hanoi-cms: a listing of 30 links and 30 article pages each (Liferay also pages
once to an empty page 2); the others are RSS feeds of 30 items with the whole
text. Every answer has an ETag and a Last-Modified.

Figures: the cold poll (empty database: every item new), the warm poll (every
source unchanged: every source answers 304, archive listings included),
items parsed per second, and where the time goes. Sync stages (listing and
article parsing, prepare) block the event loop, so their sums are loop time;
the async ones (fetch, store, the feed parse in a worker thread) are summed
per call and overlap.

`collect_archive` sends the stored validators with the listing's page 1, so a
portal that answers 304 costs an archive source one request. Many portals send
no ETag or Last-Modified on listings (Liferay pages are dynamic): unless
--no-unvalidated, the warm poll is measured again after the portal stops
sending validators on archive listings, so every archive source refetches and
parses its page 1 and finds nothing new.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import functools
import logging
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bench.common import Child, Report, machine_line, rerun_line

COLD_GOAL = 10.0
WARM_GOAL = 2.0


class Stages:
    """Seconds and calls per stage, summed over every call of the wrapped functions."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = defaultdict(float)
        self.calls: dict[str, int] = defaultdict(int)
        self._undo: list[Callable[[], None]] = []

    def reset(self) -> None:
        self.seconds.clear()
        self.calls.clear()

    def wrap(self, owner: Any, name: str, stage: str) -> None:
        original = getattr(owner, name)
        if asyncio.iscoroutinefunction(original):

            @functools.wraps(original)
            async def timed_async(*args, **kwargs):
                started = time.perf_counter()
                try:
                    return await original(*args, **kwargs)
                finally:
                    self.seconds[stage] += time.perf_counter() - started
                    self.calls[stage] += 1

            setattr(owner, name, timed_async)
        else:

            @functools.wraps(original)
            def timed(*args, **kwargs):
                started = time.perf_counter()
                try:
                    return original(*args, **kwargs)
                finally:
                    self.seconds[stage] += time.perf_counter() - started
                    self.calls[stage] += 1

            setattr(owner, name, timed)
        self._undo.append(lambda: setattr(owner, name, original))

    def install(self) -> None:
        import bot.ingest
        import bot.poller
        import bot.sources.archive
        from bot.sources.fetch import Fetcher

        self.wrap(Fetcher, "fetch", "fetch (HTTP GET + decode), async")
        self.wrap(bot.ingest, "parse_feed", "parse RSS (feedparser, worker thread)")
        self.wrap(bot.sources.archive, "parse_listing", "parse archive listing, loop")
        self.wrap(bot.sources.archive, "parse_article", "parse archive article, loop")
        self.wrap(bot.poller, "prepare", "prepare (clean, tag, summarise), loop")
        self.wrap(bot.poller, "store_items", "store (SQLite transaction), async")

    def uninstall(self) -> None:
        for undo in reversed(self._undo):
            undo()
        self._undo.clear()


def ingest_config(tmp: Path, port: int, args: argparse.Namespace):
    from bench.portal_proc import source_kind, source_path
    from bot.config import parse_config

    sources = []
    for index in range(args.sources):
        kind = source_kind(index, args.archive_share)
        entry: dict[str, Any] = {
            "name": f"src-{index:04d}",
            "kind": "rss" if kind == "rss" else "archive",
            "url": f"http://127.0.0.1:{port}{source_path(index, kind)}",
        }
        if kind != "rss":
            entry["profile"] = kind
        sources.append(entry)
    data = {
        "telegram": {"token": "1:bench", "admins": []},
        "storage": {"path": str(tmp / "ingest.db")},
        "polling": {"interval": 600, "timeout": 20},
        "wards": {"province": "Hà Nội"},
        "sources": sources,
    }
    return parse_config(data, env={})


class NoBot:
    """Alerts must not reach Telegram here; a failing source would show in the reports."""

    async def send_message(self, *args: Any, **kwargs: Any) -> None:
        return None


async def poll_all(poller, stages: Stages, portal: Child) -> dict[str, Any]:
    from bench.common import thread_cpu

    stages.reset()
    await portal.ask("stats")  # start counting from here
    threads_before = thread_cpu()
    cpu_before = time.process_time()
    started = time.perf_counter()
    reports = await poller.poll_now()
    seconds = time.perf_counter() - started
    cpu = time.process_time() - cpu_before
    threads = {k: v - threads_before.get(k, 0.0) for k, v in thread_cpu().items()}
    served = await portal.ask("stats")
    errors = [r for r in reports if r.error]
    return {
        "seconds": seconds,
        "cpu": cpu,
        "threads": {k: v for k, v in threads.items() if v > 0.005},
        "found": sum(r.found for r in reports),
        "new": sum(r.new for r in reports),
        "not_modified": sum(1 for r in reports if r.not_modified),
        "errors": errors,
        "requests": served["requests"],
        "conditional": served["conditional"],
        "portal_cpu": served["cpu_seconds"],
        "stages": dict(stages.seconds),
        "calls": dict(stages.calls),
    }


async def run(args: argparse.Namespace, tmp: Path) -> dict[str, Any]:
    from bot.alerts import Alerts
    from bot.app import build_registry
    from bot.poller import Poller
    from bot.ratelimit import SendGovernor
    from bot.services import Services
    from storage.db import Database
    from storage.wards import sync_wards

    portal = Child(
        "bench.portal_proc",
        [
            "--sources",
            str(args.sources),
            "--items",
            str(args.items),
            "--archive-share",
            str(args.archive_share),
        ],
    )
    ready = await portal.start(timeout=180)
    print(
        f"  portal ready: {ready['routes']:,} pages, {ready['bytes'] / 1e6:.1f} MB, "
        f"port {ready['port']}"
    )
    stages = Stages()
    stages.install()
    results: dict[str, Any] = {}
    try:
        config = ingest_config(tmp, ready["port"], args)
        registry = build_registry(config)
        db = await Database.open(config.storage.path)
        await sync_wards(db, registry.all())
        svc = Services(config, db, registry, SendGovernor(25, 1.0, 20))
        poller = Poller(svc, Alerts(svc, NoBot()))
        await poller.prepare()
        try:
            results["cold"] = await poll_all(poller, stages, portal)
            print(f"  cold poll: {results['cold']['seconds']:.1f} s")
            results["warm"] = await poll_all(poller, stages, portal)
            print(f"  warm poll: {results['warm']['seconds']:.2f} s")
            if not args.no_unvalidated:
                stripped = await portal.ask("strip_validators")
                # The first poll after the change stores validators of None; the second
                # is the steady state of a portal that sends no validators.
                await poll_all(poller, stages, portal)
                results["unvalidated"] = await poll_all(poller, stages, portal)
                results["stripped"] = stripped["stripped"]
                print(
                    f"  warm poll, archive listings without validators: "
                    f"{results['unvalidated']['seconds']:.2f} s"
                )
            results["items"] = await db.scalar("SELECT count(*) FROM items")
            # One stat() after the polls: nothing else runs on the loop by then.
            results["db_bytes"] = Path(config.storage.path).stat().st_size  # noqa: ASYNC240
        finally:
            await poller.stop()
            await db.close()
    finally:
        stages.uninstall()
        await portal.close()
    return results


def stage_lines(result: dict[str, Any]) -> list[str]:
    lines = []
    for stage, seconds in sorted(result["stages"].items(), key=lambda kv: -kv[1]):
        calls = result["calls"].get(stage, 0)
        per = seconds / calls * 1000 if calls else 0
        lines.append(f"    {stage:<44} {seconds:7.2f} s over {calls:6,} calls ({per:.2f} ms each)")
    threads = ", ".join(
        f"{k} {v:.2f} s" for k, v in sorted(result["threads"].items(), key=lambda kv: -kv[1])
    )
    lines.append(f"    CPU of this process {result['cpu']:.2f} s ({threads})")
    lines.append(
        f"    portal process CPU {result['portal_cpu']:.2f} s for {result['requests']:,} requests"
        f" ({result['conditional']:,} conditional)"
    )
    return lines


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description="a full poll of many sources")
    parser.add_argument("--sources", type=int, default=1000)
    parser.add_argument("--items", type=int, default=30)
    parser.add_argument("--archive-share", type=float, default=0.5)
    parser.add_argument(
        "--no-unvalidated",
        action="store_true",
        help="skip the warm poll with archive listings that send no ETag/Last-Modified",
    )
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.ERROR)
    for name in ("aiohttp", "bot", "storage", "apscheduler"):
        logging.getLogger(name).setLevel(logging.CRITICAL)
    archive = sum(1 for i in range(args.sources) if _kind(i, args.archive_share) != "rss")
    print(
        f"bench.ingest: {args.sources:,} sources ({args.sources - archive} RSS, {archive} archive:"
        f" Liferay and hanoi-cms), {args.items} items each, one local portal"
    )
    print(machine_line())
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="wardnews-bench-") as tmp:
        results = asyncio.run(run(args, Path(tmp)))
    print(f"  ({time.monotonic() - started:.1f} s in all)")
    cold, warm = results["cold"], results["warm"]
    report = Report(f"ingest: {args.sources:,} sources x {args.items} items")
    report.add(
        "full poll, cold (every item new)",
        cold["seconds"],
        "s",
        goal=f"< {COLD_GOAL:g} s",
        check=lambda v: v < COLD_GOAL,
    )
    report.add(
        "full poll, nothing changed (every source 304)",
        warm["seconds"],
        "s",
        goal=f"< {WARM_GOAL:g} s",
        check=lambda v: v < WARM_GOAL,
    )
    report.add(
        "items parsed per second (cold: found / wall time)",
        cold["found"] / cold["seconds"],
        "items/s",
        digits=0,
    )
    report.add("items stored (cold)", cold["new"], digits=0)
    report.add(
        "sources failed (cold + warm)",
        len(cold["errors"]) + len(warm["errors"]),
        goal="0",
        check=lambda v: v == 0,
        digits=0,
    )
    if "unvalidated" in results:
        report.add(
            "  same, archive listings without ETag/Last-Modified",
            results["unvalidated"]["seconds"],
            "s",
            goal=f"< {WARM_GOAL:g} s",
            check=lambda v: v < WARM_GOAL,
        )
    report.add("database size after the cold poll", results["db_bytes"] / 1e6, "MB", digits=1)
    report.note(
        f"cold: {cold['found']:,} items found, {cold['new']:,} new, {cold['requests']:,} requests;"
        " where the time goes:"
    )
    for line in stage_lines(cold):
        report.note(line)
    report.note(
        f"nothing changed: {warm['not_modified']} sources answered 304, {warm['requests']:,}"
        " requests; where the time goes:"
    )
    for line in stage_lines(warm):
        report.note(line)
    if "unvalidated" in results:
        bare = results["unvalidated"]
        report.note(
            f"nothing changed, {results['stripped']} archive listings without validators:"
            f" {bare['not_modified']} sources answered 304, {bare['requests']:,} requests:"
        )
        for line in stage_lines(bare):
            report.note(line)
    for label, result in (("cold", cold), ("warm", warm)):
        for failed in result["errors"][:3]:
            report.note(f"{label} error: {failed.source}: {failed.error}")
    report.print()
    print(rerun_line("bench.ingest", argv))
    return 0


def _kind(index: int, share: float) -> str:
    from bench.portal_proc import source_kind

    return source_kind(index, share)


if __name__ == "__main__":
    with contextlib.suppress(KeyboardInterrupt):
        sys.exit(main(sys.argv[1:]))
