"""Peak memory of the bot process while it delivers, on a big database.

    python -m bench.memory [--items 1000000] [--chats 100000] [--seconds 45]
                           [--db PATH] [--fix NAME ...]

Builds the database of bench.queries (1,000,000 items, 100,000 chats; kept
with --db), queues one new item for every chat (100,000 outbox rows, as
`outbox.enqueue_item` does for an item tagged with every ward), then starts
the real bot as `python -m bot run --config ...` in a process of its own
against the Bot API emulator (another process, 1,000 msg/s, 1 s per chat).
The bot recovers the outbox, loads up to 50,000 rows into its lanes and
delivers; its resident set (VmRSS) is sampled every 0.2 s and its peak
(VmHWM) read before it is stopped with SIGTERM after `--seconds` of
delivery (or when everything is delivered).

With --fix, the bot runs through bench.botproc, which applies the proposed
fixes of bench/fixes.py before `bot.cli.main`.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import signal
import sqlite3
import sys
import tempfile
import time
from pathlib import Path

from bench.common import REPO, TOKEN, Child, Report, machine_line, peak_rss_mb, rerun_line, rss_mb
from bench.dataset import build
from bench.fixes import FIXES

GOAL_MB = 150.0


def queue_item_for_everyone(path: Path) -> int:
    """One new item, queued for every active chat subscribed to any ward."""
    conn = sqlite3.connect(path, isolation_level=None)
    try:
        now = time.time()
        conn.execute("BEGIN IMMEDIATE")
        item_id = conn.execute("SELECT max(id) FROM items").fetchone()[0]
        cursor = conn.execute(
            "INSERT OR IGNORE INTO outbox (chat_id, item_id, batch, next_attempt_at, created_at)"
            " SELECT DISTINCT s.chat_id, ?, ?, ?, ? FROM subscriptions s"
            " JOIN chats c ON c.id = s.chat_id AND c.active = 1",
            (item_id, int(now * 1000), now, now),
        )
        conn.execute("COMMIT")
        return cursor.rowcount
    finally:
        conn.close()


def write_config(tmp: Path, db_path: Path, ready: dict) -> Path:
    path = tmp / "config.toml"
    path.write_text(
        f"""
[telegram]
token = "{TOKEN}"
api_url = "{ready["base_url"]}"
file_url = "{ready["file_url"]}"
[storage]
path = "{db_path}"
[polling]
interval = 3600
[delivery]
global_per_second = 1000
per_chat_interval = 1.0
[wards]
province = "Hà Nội"
""",
        encoding="utf-8",
    )
    return path


async def deliver(args: argparse.Namespace, db_path: Path, tmp: Path) -> dict:
    emu = Child("bench.emulator_proc", ["--global-per-second", "1000", "--per-chat-interval", "1"])
    ready = await emu.start()
    config = write_config(tmp, db_path, ready)
    fixes = [part for name in args.fix for part in ("--fix", name)]
    module = ["bench.botproc", *fixes] if args.fix else ["bot"]
    # Opened once before the bot starts, closed after it exits: the child writes to it.
    log = open(tmp / "bot.log", "wb")  # noqa: ASYNC230, SIM115
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    started = time.monotonic()
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        *module,
        "run",
        "--config",
        str(config),
        "--log-level",
        "WARNING",
        stdout=log,
        stderr=log,
        cwd=REPO,
        env=env,
    )
    samples: list[tuple[float, float]] = []
    delivered = 0
    first_send = None
    peak = 0.0
    try:
        deadline = started + args.seconds + 30  # start-up and loading have 30 s
        while time.monotonic() < deadline and process.returncode is None:
            await asyncio.sleep(0.2)
            with contextlib.suppress(FileNotFoundError, ProcessLookupError):
                samples.append((time.monotonic() - started, rss_mb(process.pid)))
                peak = max(peak, peak_rss_mb(process.pid))
            stats = await emu.ask("stats")
            delivered = stats["accepted_sends"]
            if delivered and first_send is None:
                first_send = time.monotonic()
                deadline = min(deadline, first_send + args.seconds)
            if delivered >= args.queued:
                break
        with contextlib.suppress(FileNotFoundError, ProcessLookupError):
            peak = max(peak, peak_rss_mb(process.pid))
    finally:
        if process.returncode is None:
            process.send_signal(signal.SIGTERM)
            try:
                await asyncio.wait_for(process.wait(), 30)
            except TimeoutError:
                process.kill()
                await process.wait()
        log.close()
        final = await emu.close()
    return {
        "peak_mb": peak,
        "samples": samples,
        "delivered": final.get("accepted_sends", delivered),
        "rate_limited": final.get("rate_limited", 0),
        "startup_to_first_send": (first_send - started) if first_send else None,
        "exit_code": process.returncode,
        "log_tail": (tmp / "bot.log").read_text(errors="replace")[-600:],
    }


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description="peak RSS of the bot while delivering")
    parser.add_argument("--items", type=int, default=1_000_000)
    parser.add_argument("--chats", type=int, default=100_000)
    parser.add_argument("--seconds", type=float, default=45.0, help="delivery time sampled")
    parser.add_argument("--db", type=Path, help="database file: built once and kept (copied)")
    parser.add_argument("--fix", action="append", default=[], choices=list(FIXES))
    args = parser.parse_args(argv)
    print(
        f"bench.memory: the bot process delivering one item to {args.chats:,} chats,"
        f" {args.items:,} items stored"
    )
    print(machine_line())
    if args.fix:
        print(f"bot run with fixes (monkeypatched, see bench/fixes.py): {', '.join(args.fix)}")
    with tempfile.TemporaryDirectory(prefix="wardnews-bench-") as tmp_name:
        tmp = Path(tmp_name)
        db_path = tmp / "memory.db"
        if args.db is not None and args.db.exists():
            print(f"  copying {args.db} ...", flush=True)
            _copy_database(args.db, db_path)
        else:
            print("  building the database...", flush=True)
            built = asyncio.run(build(db_path, items=args.items, chats=args.chats))
            print(f"  built in {built.seconds:.1f} s", flush=True)
            if args.db is not None:
                _copy_database(db_path, args.db)
        args.queued = queue_item_for_everyone(db_path)
        print(f"  queued {args.queued:,} deliveries; starting the bot", flush=True)
        result = asyncio.run(deliver(args, db_path, tmp))
    samples = result["samples"]
    report = Report(f"memory: bot process, {args.items:,} items, {args.chats:,} chats")
    report.add(
        "peak RSS of the bot process while delivering (VmHWM)",
        result["peak_mb"],
        "MB",
        goal=f"< {GOAL_MB:g} MB",
        check=lambda v: v < GOAL_MB,
        digits=1,
    )
    if samples:
        report.add("RSS at the end of the sampled delivery", samples[-1][1], "MB", digits=1)
    report.add("messages delivered while sampled", result["delivered"], digits=0)
    report.add("429 answers", result["rate_limited"], goal="0", check=lambda v: v == 0, digits=0)
    report.add("bot start to first send", result["startup_to_first_send"], "s")
    steps = [f"{t:.0f} s {mb:.0f} MB" for t, mb in samples[:: max(1, len(samples) // 10)]]
    report.note("RSS over time: " + ", ".join(steps))
    report.note(f"bot exit code after SIGTERM: {result['exit_code']}")
    if result["exit_code"] not in (0, -signal.SIGTERM):
        report.note("bot log tail: " + result["log_tail"].replace("\n", " | "))
    report.print()
    print(rerun_line("bench.memory", argv))
    return 0


def _copy_database(source: Path, target: Path) -> None:
    """A consistent copy (SQLite backup API)."""
    with sqlite3.connect(source) as src, sqlite3.connect(target) as dst:
        src.backup(dst)


if __name__ == "__main__":
    with contextlib.suppress(KeyboardInterrupt):
        sys.exit(main(sys.argv[1:]))
