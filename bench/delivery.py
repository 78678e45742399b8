"""Delivery at Telegram's paid-broadcast tier: one new item to 10,000 chats at 1,000 msg/s.

    python -m bench.delivery [--chats 10000] [--cap 1000] [--window N] [--no-baseline]

The Bot API emulator runs in a process of its own (bench.emulator_proc) with
Telegram's caps: `--cap` messages per second over all chats, 1 s between two
messages to one chat. This process runs the real bot (`build_application`,
`start_bot`), a local portal with one RSS feed, and 10,000 chats subscribed to
phường Kim Liên. The bot polls the feed once (stored, not pushed), the feed
gains one item, the bot polls again: that poll's commit queues 10,000 rows and
the delivery worker sends them.

Figures:
- achieved rate / cap: (N - cap) / (arrival of message N - cap + 1 - arrival of
  message 1), at the emulator. Telegram's window is a sliding second, so a
  sender may send `cap` messages at once and then `cap` a second; leaving out
  the last second's worth measures the sustained rate fairly for both a
  smooth and a bursting sender.
- 429s the emulator answered, CPU seconds of this process per delivered
  message (commit to last send), and the time from the poll's commit to the
  first message's arrival at the emulator (both processes read CLOCK_MONOTONIC).

Beside it, the baseline a developer would write: python-telegram-bot's
`AIORateLimiter(overall_max_rate=cap)` and a `send_message` loop over the chats,
awaited one by one ("loop"), and with asyncio.gather ("gather", at most 64 at
once: unbounded, 10,000 sends stall in httpcore's connection pool), each against
a fresh emulator. `--fix` measures a fix of bench/fixes.py still only proposed
(monkeypatched); the ones measured before are in the bot now.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench.common import TOKEN, Child, Report, machine_line, rerun_line, thread_cpu
from bench.fixes import FIXES
from bench.fixes import apply as apply_fixes
from bench.pages import make_articles, now_utc, rss_feed

WARD = "Kim Liên"
FEED_PATH = "/kimlien/rss"
SOURCE = "kimlien-rss"
FIRST_CHAT = 10_000_000
GATHER_LIMIT = 64  # the baseline's connection pool size
DEADLINE = 150.0  # seconds: a run that has not finished by then is reported as such


@dataclass(slots=True)
class Run:
    """What one sender achieved against one emulator."""

    label: str
    sent: int
    rate_limited: int
    other_errors: int
    rate: float | None  # sustained messages per second at the emulator
    total_seconds: float | None  # first arrival to last arrival
    cpu_per_message_ms: float | None
    first_send_latency: float | None = None
    all_done_seconds: float | None = None
    emulator_cpu: float | None = None
    finished: bool = True
    max_window: int = 0  # most accepted sends in any 1 s at the emulator
    lost: int | None = None  # baseline only: messages that never arrived
    threads: dict[str, float] = field(default_factory=dict)  # CPU seconds per thread


def sustained_rate(arrivals: list[float], cap: int) -> float | None:
    """Messages per second over all but the last `cap` arrivals (see the module doc)."""
    if len(arrivals) <= cap + 1:
        if len(arrivals) < 2:
            return None
        span = arrivals[-1] - arrivals[0]
        return (len(arrivals) - 1) / span if span > 0 else None
    end = len(arrivals) - cap
    span = arrivals[end] - arrivals[0]
    return end / span if span > 0 else None


def max_in_window(arrivals: list[float], width: float = 1.0) -> int:
    """The most arrivals in any window of `width` seconds."""
    best = start = 0
    for end, moment in enumerate(arrivals):
        while moment - arrivals[start] >= width:
            start += 1
        best = max(best, end - start + 1)
    return best


async def start_emulator(cap: int, rtt: float = 0.0) -> Child:
    emu = Child(
        "bench.emulator_proc",
        ["--global-per-second", str(cap), "--per-chat-interval", "1.0", "--rtt", str(rtt)],
    )
    await emu.start()
    return emu


# --- the bot ---------------------------------------------------------------------


def bot_config(tmp: Path, ready: dict[str, Any], portal_url: str, cap: int):
    from bot.config import parse_config

    data = {
        "telegram": {
            "token": TOKEN,
            "admins": [],
            "api_url": ready["base_url"],
            "file_url": ready["file_url"],
        },
        "storage": {"path": str(tmp / "delivery.db")},
        "polling": {"interval": 3600, "timeout": 10},
        "delivery": {"global_per_second": cap, "per_chat_interval": 1.0},
        "wards": {"province": "Hà Nội"},
        "sources": [{"name": SOURCE, "kind": "rss", "url": portal_url}],
    }
    return parse_config(data, env={})


async def add_chats(db, ward_code: str, count: int) -> list[int]:
    """`count` private chats subscribed to one ward, in one transaction."""
    now = time.time()
    ids = list(range(FIRST_CHAT, FIRST_CHAT + count))
    async with db.write() as conn:
        await conn.executemany(
            "INSERT INTO chats (id, type, language, created_at, updated_at)"
            " VALUES (?, 'private', 'vi', ?, ?)",
            [(i, now, now) for i in ids],
        )
        await conn.executemany(
            "INSERT INTO subscriptions (chat_id, ward_code, created_at) VALUES (?, ?, ?)",
            [(i, ward_code, now) for i in ids],
        )
    return ids


def capture_commits(marks: dict[str, float]) -> Callable[[], None]:
    """Wrap the poller's store_items to note when its transaction committed."""
    import bot.poller as poller_module

    original = poller_module.store_items

    async def store_items(*args, **kwargs):
        result = await original(*args, **kwargs)
        if result.queued:
            marks.setdefault("commit", time.monotonic())
            marks.setdefault("commit_cpu", time.process_time())
            marks.setdefault("threads", thread_cpu())
        return result

    poller_module.store_items = store_items

    def undo() -> None:
        poller_module.store_items = original

    return undo


async def run_bot(args: argparse.Namespace, tmp: Path) -> tuple[Run, str, list[int]]:
    """The real bot delivers one new item to every chat; returns the run and the text."""
    from bot.app import build_application, start_bot, stop_bot
    from bot.catalogue import catalogue
    from bot.messages import render_item
    from bot.portal_server import PortalServer, Route
    from bot.services import SERVICES_KEY
    from storage import items as item_store

    emu = await start_emulator(args.cap, args.rtt)
    newest = now_utc()
    old = make_articles(1, WARD, "phường", 5, newest.replace(year=newest.year - 1))
    new = make_articles(2, WARD, "phường", 1, newest)
    headers = {"Content-Type": "application/rss+xml; charset=utf-8"}
    marks: dict[str, float] = {}
    undo = capture_commits(marks)
    try:
        async with PortalServer() as portal:
            base = portal.url("/kimlien")
            portal.add(FEED_PATH, Route(rss_feed(base, old), headers=headers))
            config = bot_config(tmp, emu.ready, portal.url(FEED_PATH), args.cap)
            app = build_application(config)
            await start_bot(app)
            try:
                svc = app.bot_data[SERVICES_KEY]
                worker = svc.delivery
                if args.window is not None:
                    worker.window = args.window
                    worker._slots = asyncio.Semaphore(args.window)
                    worker._answers.cap = args.window
                window = worker.window
                code = svc.resolve(WARD).ward.code
                chat_ids = await add_chats(svc.db, code, args.chats)
                (first,) = await svc.poller.poll_now(SOURCE)
                assert first.error is None and first.queued == 0, first
                portal.add(FEED_PATH, Route(rss_feed(base, new + old), headers=headers))
                (second,) = await svc.poller.poll_now(SOURCE)
                assert second.queued == args.chats, second
                deadline = time.monotonic() + DEADLINE
                # The worker's counter has no event to wait on; 20 ms is far below the figures.
                while worker.sent < args.chats and time.monotonic() < deadline:  # noqa: ASYNC110
                    await asyncio.sleep(0.02)
                done = time.monotonic()
                cpu = time.process_time() - marks["commit_cpu"]
                per_thread = thread_cpu()
                split = {k: v - marks["threads"].get(k, 0.0) for k, v in per_thread.items()}
                (stored,) = await item_store.get_items(svc.db, [await newest_item_id(svc.db)])
                text = render_item(stored, svc.ward_name, catalogue("vi")).html
                sent = worker.sent
            finally:
                await stop_bot(app)
    finally:
        undo()
        stats = await emu.close(timeout=30, arrivals=True)
    arrivals = stats.get("arrivals", [])
    run = Run(
        label=f"wardnews DeliveryWorker (window {window})",
        sent=sent,
        rate_limited=stats.get("rate_limited", 0),
        other_errors=_other_errors(stats),
        rate=sustained_rate(arrivals, args.cap),
        total_seconds=(arrivals[-1] - arrivals[0]) if len(arrivals) > 1 else None,
        cpu_per_message_ms=cpu / max(1, sent) * 1000,
        first_send_latency=(arrivals[0] - marks["commit"]) if arrivals else None,
        all_done_seconds=done - marks["commit"],
        emulator_cpu=stats.get("cpu_seconds"),
        finished=sent >= args.chats,
    )
    run.max_window = max_in_window(arrivals)
    run.threads = {k: v for k, v in split.items() if v > 0}
    return run, text, chat_ids


async def newest_item_id(db) -> int:
    return await db.scalar("SELECT id FROM items ORDER BY published_at DESC, id DESC LIMIT 1")


def _other_errors(stats: dict[str, Any]) -> int:
    return sum(n for s, n in stats.get("statuses", {}).items() if s not in ("200", "429"))


# --- the baseline ----------------------------------------------------------------


async def run_baseline(args: argparse.Namespace, text: str, chats: list[int], mode: str) -> Run:
    """AIORateLimiter + send_message over the chats: awaited in turn, or gathered."""
    from telegram.error import RetryAfter, TelegramError
    from telegram.ext import AIORateLimiter, ExtBot
    from telegram.request import HTTPXRequest

    emu = await start_emulator(args.cap, args.rtt)
    limiter = AIORateLimiter(overall_max_rate=args.cap, overall_time_period=1)
    bot = ExtBot(
        TOKEN,
        base_url=emu.ready["base_url"],
        base_file_url=emu.ready["file_url"],
        request=HTTPXRequest(connection_pool_size=64, read_timeout=30, pool_timeout=60),
        rate_limiter=limiter,
    )
    counts = {"sent": 0, "429": 0, "error": 0}

    async def send(chat_id: int) -> None:
        try:
            await bot.send_message(chat_id, text, parse_mode="HTML")
            counts["sent"] += 1
        except RetryAfter:
            counts["429"] += 1
        except TelegramError:
            counts["error"] += 1

    await bot.initialize()
    cpu0 = time.process_time()
    try:
        if mode == "loop":
            deadline = time.monotonic() + DEADLINE
            for chat_id in chats:
                await send(chat_id)
                if time.monotonic() > deadline:
                    break
        else:
            # Bounded by the connection pool: an unbounded gather of 10,000 sends stalls
            # in httpcore's pool, whose bookkeeping is quadratic in the requests waiting.
            gate = asyncio.Semaphore(GATHER_LIMIT)

            async def gated(chat_id: int) -> None:
                async with gate:
                    await send(chat_id)

            await asyncio.wait_for(asyncio.gather(*(gated(c) for c in chats)), DEADLINE)
    except TimeoutError:
        pass
    cpu = time.process_time() - cpu0
    await bot.shutdown()
    stats = await emu.close(timeout=30, arrivals=True)
    arrivals = stats.get("arrivals", [])
    run = Run(
        label=f"baseline: AIORateLimiter({args.cap}/s) + send_message {mode}"
        + (f" (at most {GATHER_LIMIT} at once)" if mode == "gather" else ""),
        sent=counts["sent"],
        rate_limited=stats.get("rate_limited", 0),
        other_errors=_other_errors(stats),
        rate=sustained_rate(arrivals, args.cap),
        total_seconds=(arrivals[-1] - arrivals[0]) if len(arrivals) > 1 else None,
        cpu_per_message_ms=cpu / max(1, counts["sent"]) * 1000,
        emulator_cpu=stats.get("cpu_seconds"),
        finished=counts["sent"] + counts["429"] + counts["error"] >= len(chats),
    )
    run.max_window = max_in_window(arrivals)
    run.lost = len(chats) - counts["sent"]
    return run


# --- report ----------------------------------------------------------------------


def describe(run: Run, cap: int) -> list[str]:
    rate = f"{run.rate:,.0f}/s ({run.rate / cap:.3f} of cap)" if run.rate else "n/a"
    lines = [
        f"{run.label}: {run.sent:,} delivered, sustained {rate}, "
        f"{run.rate_limited:,} x 429, {run.other_errors} other errors, "
        f"max {run.max_window:,} in any 1 s at the emulator",
        f"    first to last send {run.total_seconds or 0:.2f} s; bot CPU "
        f"{run.cpu_per_message_ms or 0:.3f} ms/message; emulator CPU {run.emulator_cpu or 0:.1f} s",
    ]
    if run.threads:
        busy = sorted(run.threads.items(), key=lambda kv: -kv[1])
        lines.append("    bot CPU by thread: " + ", ".join(f"{k} {v:.2f} s" for k, v in busy))
    if run.lost is not None:
        lines[-1] += f"; not delivered: {run.lost:,}"
    return lines


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description="one item to many chats at the paid tier")
    parser.add_argument("--chats", type=int, default=10_000)
    parser.add_argument("--cap", type=int, default=1000, help="emulator and bot msg/s")
    parser.add_argument("--window", type=int, default=None, help="override worker.window")
    parser.add_argument(
        "--rtt", type=float, default=0.0, help="emulator answers sends this many seconds late"
    )
    parser.add_argument("--no-baseline", action="store_true")
    parser.add_argument(
        "--baseline", choices=["loop", "gather", "both"], default="both", help="which baseline"
    )
    parser.add_argument(
        "--fix",
        action="append",
        default=[],
        choices=list(FIXES),
        help="measure a proposed fix, monkeypatched (see bench/fixes.py); repeatable",
    )
    args = parser.parse_args(argv)
    apply_fixes(args.fix)
    return asyncio.run(run_all(args, argv))


async def run_all(args: argparse.Namespace, argv: list[str]) -> int:
    logging.basicConfig(level=logging.ERROR)
    for name in ("httpx", "telegram", "apscheduler", "bot", "storage"):
        logging.getLogger(name).setLevel(logging.ERROR)
    print(f"bench.delivery: one new item to {args.chats:,} chats, cap {args.cap}/s, 1 s per chat")
    print(machine_line())
    if args.fix:
        print(f"fixes applied (monkeypatched, see bench/fixes.py): {', '.join(args.fix)}")
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="wardnews-bench-") as tmp:
        bot_run, text, chats = await run_bot(args, Path(tmp))
    print(f"  ({time.monotonic() - started:.1f} s) bot run done")
    baselines: list[Run] = []
    if not args.no_baseline:
        modes = ["loop", "gather"] if args.baseline == "both" else [args.baseline]
        for mode in modes:
            baselines.append(await run_baseline(args, text, chats, mode))
            print(f"  ({time.monotonic() - started:.1f} s) baseline {mode} done")

    title = "as is" if not args.fix else "with " + "+".join(args.fix)
    report = Report(f"delivery ({title}): {args.chats:,} chats, cap {args.cap} msg/s")
    add_figures(report, bot_run, args)
    for run in [bot_run, *baselines]:
        for line in describe(run, args.cap):
            report.note(line)
    for run in baselines:
        if run.rate and bot_run.rate:
            versus = run.label.split(" + ")[-1]
            report.note(
                f"wardnews / {versus}: throughput x{bot_run.rate / run.rate:.2f},"
                f" 429s {bot_run.rate_limited} vs {run.rate_limited}"
            )
    report.print()
    print(rerun_line("bench.delivery", argv))
    return 0


def add_figures(report: Report, run: Run, args: argparse.Namespace) -> None:
    ratio = run.rate / args.cap if run.rate else None
    report.add("achieved rate / cap", ratio, goal=">= 0.97", check=lambda v: v >= 0.97, digits=3)
    report.add("429 answers received", run.rate_limited, goal="0", check=lambda v: v == 0, digits=0)
    report.add(
        "bot CPU per delivered message",
        run.cpu_per_message_ms,
        "ms",
        goal="<= 0.3 ms",
        check=lambda v: v <= 0.3,
        digits=3,
    )
    report.add(
        "poll commit -> first send",
        run.first_send_latency,
        "s",
        goal="<= 1 s",
        check=lambda v: v <= 1.0,
        digits=3,
    )
    report.add("poll commit -> last send (all delivered)", run.all_done_seconds, "s")
    report.add(
        "delivered", run.sent, goal=f"{args.chats:,}", check=lambda v: v >= args.chats, digits=0
    )


if __name__ == "__main__":
    with contextlib.suppress(KeyboardInterrupt):
        sys.exit(main(sys.argv[1:]))
