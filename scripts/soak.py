"""Soak test: `wardnews run` under mixed load and injected faults for a long while.

    python scripts/soak.py              # 30 minutes
    python scripts/soak.py --minutes 2  # a quick check

The bot runs as a subprocess against a local Telegram Bot API emulator (with
Telegram's flood caps on) and a local ward portal, both in this process.
During the run: three ward feeds publish new items, a fourth feed fails in
turns (500, hang), 5,000 residents (and a group) are subscribed, an admin
broadcasts to everyone, residents send commands, and Telegram misbehaves in
cycles (5xx share, 429 bursts, blocked chats, sends that time out, a group
migrated to a supergroup). Afterwards the queue is drained and the report
compares what every chat should have received with what it got (lost,
repeated), checks no flood cap was crossed, and shows the bot's memory (RSS),
open file descriptors and connections at the start and the end: the goal is
flat, and 0 lost.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import re
import shutil
import signal
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import format_datetime
from pathlib import Path
from xml.sax.saxutils import escape

from aiohttp import web

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from bot.emulator import BotApiEmulator  # noqa: E402
from bot.portal_server import PortalServer, Route  # noqa: E402

TOKEN = "123456789:AAH-soak-token-that-is-not-real-00000000"
ADMIN = 900
GROUP, SUPERGROUP = -4_000_001, -1_004_000_001
PROBES = list(range(60_001, 60_021))  # residents who only talk to the bot
WARDS = ("Kim Liên", "Ô Chợ Dừa", "Văn Miếu - Quốc Tử Giám")
FEEDS = ("kimlien", "ochodua", "vanmieu")
FEED_SIZE = 20
MARK = re.compile(r"\[([TB]\d+)\]")
COMMANDS = ("/latest", "/ward Kim Liên", "/help", "/search thông báo", "/ward", "/latest 3")
CYCLE = 300.0  # seconds: faults come round again this often


# --- the portal ------------------------------------------------------------------------


@dataclass
class Feed:
    """One ward's RSS feed: the newest FEED_SIZE items, newest first."""

    name: str
    entries: list[tuple[str, str, str, datetime]] = field(default_factory=list)
    served: int = 0

    def publish(self, guid: str, title: str, text: str) -> None:
        self.entries.insert(0, (guid, title, text, datetime.now(UTC)))
        del self.entries[FEED_SIZE:]

    def body(self) -> bytes:
        items = "".join(
            f"<item><title>{escape(title)}</title>"
            f"<link>https://{self.name}.example.vn/tin/{guid}</link><guid>{guid}</guid>"
            f"<pubDate>{format_datetime(when)}</pubDate>"
            f"<description>{escape(text)}</description></item>"
            for guid, title, text, when in self.entries
        )
        return (
            '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel>'
            f"<title>{self.name}</title><link>https://{self.name}.example.vn/</link>"
            f"{items}</channel></rss>"
        ).encode()

    async def handle(self, request: web.Request) -> web.Response:
        self.served += 1
        return web.Response(body=self.body(), content_type="application/rss+xml")


class FlakyFeed(Feed):
    """Works, answers 500, or hangs past the poll timeout, in turns."""

    mode = "ok"

    async def handle(self, request: web.Request) -> web.Response:
        self.served += 1
        if self.mode == "500":
            return web.Response(status=500, text="portal down")
        if self.mode == "hang":
            await asyncio.sleep(8)
        return web.Response(body=self.body(), content_type="application/rss+xml")


# --- the bot process -------------------------------------------------------------------


def write_config(folder: Path, emu: BotApiEmulator, portal: PortalServer, rate: int) -> Path:
    sources = "".join(
        f'[[sources]]\nname = "{name}"\nkind = "rss"\nurl = "{portal.url("/" + name)}"\n'
        f'ward = "{ward}"\ninterval = 5\n\n'
        for name, ward in zip(FEEDS, WARDS, strict=True)
    )
    sources += f'[[sources]]\nname = "flaky"\nkind = "rss"\nurl = "{portal.url("/flaky")}"\n'
    wards = "".join(f'[[wards.custom]]\nname = "{ward}"\n\n' for ward in WARDS)
    path = folder / "config.toml"
    path.write_text(
        f"""[telegram]
token = "{TOKEN}"
api_url = "{emu.base_url}"
file_url = "{emu.base_file_url}"
admins = [{ADMIN}]

[storage]
path = "{folder / "soak.db"}"

[polling]
interval = 10
timeout = 3
max_backoff = 30

[delivery]
global_per_second = {rate}
per_chat_interval = 1.0
group_per_minute = 20
max_attempts = 30
retry_delay = 1.0

{wards}{sources}""",
        encoding="utf-8",
    )
    return path


async def prepare_database(config_path: Path, chats: int) -> dict[int, str]:
    """Residents subscribed before the start: chat id → ward name (one ward each)."""
    from bot.app import build_registry
    from bot.config import load_config
    from bot.news.wards import resolve
    from storage import chats as chat_store
    from storage.db import Database
    from storage.wards import sync_wards

    config = load_config(config_path, env={})
    registry = build_registry(config)
    db = await Database.open(config.storage.path)
    plan: dict[int, str] = {}
    try:
        await sync_wards(db, registry.all())
        codes = {ward: resolve(ward, registry).wards[0].code for ward in WARDS}
        async with db.write() as conn:
            now = time.time()
            rows = []
            for index in range(chats):
                chat_id = 10_000_000 + index
                plan[chat_id] = WARDS[index % len(WARDS)]
                rows.append((chat_id, codes[plan[chat_id]]))
            await conn.executemany(
                "INSERT INTO chats (id, type, title, created_at, updated_at)"
                " VALUES (?, 'private', NULL, ?, ?)",
                [(chat_id, now, now) for chat_id, _ in rows],
            )
            await conn.executemany(
                "INSERT INTO subscriptions (chat_id, ward_code, created_at) VALUES (?, ?, ?)",
                [(chat_id, code, now) for chat_id, code in rows],
            )
        await chat_store.upsert_chat(db, GROUP, "group", "Tổ dân phố 5")
        await chat_store.subscribe(db, GROUP, [codes[WARDS[0]]])
        plan[GROUP] = WARDS[0]
    finally:
        await db.close()
    return plan


def start_bot(config_path: Path, log: Path) -> subprocess.Popen:
    env = {**os.environ, "WARDNEWS_TOKEN": TOKEN}
    with log.open("ab") as sink:
        return subprocess.Popen(
            [sys.executable, "-m", "bot", "run", "--config", str(config_path)],
            cwd=REPO,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=sink,
        )


@dataclass(frozen=True)
class Sample:
    at: float
    rss_mb: float
    fds: int
    sockets: int
    tcp: int
    queue: int
    sent: int


def process_sample(pid: int, db_path: Path, started: float, sent: int) -> Sample:
    status = Path(f"/proc/{pid}/status").read_text()
    rss_kb = int(re.search(r"VmRSS:\s+(\d+)", status).group(1))
    fd_dir = Path(f"/proc/{pid}/fd")
    inodes = set()
    fds = 0
    for entry in fd_dir.iterdir():
        fds += 1
        try:
            target = os.readlink(entry)
        except OSError:
            continue
        if target.startswith("socket:["):
            inodes.add(target[8:-1])
    tcp = 0
    for table in ("tcp", "tcp6"):
        path = Path(f"/proc/{pid}/net/{table}")
        if not path.exists():
            continue
        for line in path.read_text().splitlines()[1:]:
            fields = line.split()
            if len(fields) > 9 and fields[3] == "01" and fields[9] in inodes:
                tcp += 1
    return Sample(
        time.monotonic() - started, rss_kb / 1024, fds, len(inodes), tcp, queue(db_path), sent
    )


def queue(db_path: Path) -> int:
    connection = sqlite3.connect(db_path, timeout=5)
    try:
        row = connection.execute(
            "SELECT count(*) FROM outbox WHERE status IN ('pending', 'sending')"
        ).fetchone()
        return row[0]
    finally:
        connection.close()


# --- the run ---------------------------------------------------------------------------


@dataclass
class Ledger:
    """What each chat should get and what it got, counted as messages arrive."""

    plan: dict[int, str]
    expected: dict[str, set[int]] = field(default_factory=dict)
    received: Counter = field(default_factory=Counter)
    blocked: set[int] = field(default_factory=set)
    migrated: dict[int, int] = field(default_factory=dict)
    sent: int = 0
    rate_limited: int = 0
    server_errors: int = 0
    calls_seen: int = 0

    def expect_item(self, mark: str, ward: str) -> None:
        self.expected[mark] = {c for c, w in self.plan.items() if w == ward}

    def expect_broadcast(self, mark: str) -> None:
        self.expected[mark] = set(self.plan)

    def absorb(self, emu: BotApiEmulator) -> None:
        """Count new messages and calls, then drop them from the emulator's memory.

        The emulator keeps every message and call; over half an hour at 100 messages
        a second that is this process's memory, not the bot's. Messages to the admin
        and the probes stay (buttons are pressed on them).
        """
        world, calls = emu._world, emu._dispatcher.calls  # private: our own tooling
        keep = {ADMIN, *PROBES}
        moved_from = {new: old for old, new in self.migrated.items()}
        for key in [k for k, m in world.sent.items() if m.chat_id not in keep]:
            message = world.sent.pop(key)
            self.sent += 1
            chat = moved_from.get(message.chat_id, message.chat_id)
            for mark in set(MARK.findall(message.text)):
                self.received[(chat, mark)] += 1
        for call in calls:
            self.rate_limited += call.status == 429
            self.server_errors += call.status >= 500
        self.calls_seen += len(calls)
        calls.clear()
        world.transcript.clear()

    def missing(self) -> list[tuple[int, str]]:
        return [
            (chat, mark)
            for mark, chats in self.expected.items()
            for chat in chats
            if chat not in self.blocked and self.received[(chat, mark)] == 0
        ]

    def repeated(self) -> int:
        return sum(n - 1 for n in self.received.values() if n > 1)


@dataclass
class Faults:
    """What was injected, for the report."""

    injected_429: int = 0
    timeouts: int = 0
    fail_seconds: float = 0.0
    blocked: int = 0
    migrations: int = 0
    portal: Counter = field(default_factory=Counter)


class Soak:
    def __init__(self, args: argparse.Namespace, folder: Path) -> None:
        self.args = args
        self.folder = folder
        self.rng = random.Random(args.seed)
        self.feeds = {name: Feed(name) for name in FEEDS}
        self.flaky = FlakyFeed("flaky")
        self.faults = Faults()
        self.latencies: list[tuple[float, float]] = []
        self.samples: list[Sample] = []
        self.items = 0
        self.broadcasts = 0
        self.reports_ok = 0
        self.fail_started = 0.0
        self.watchers: set[asyncio.Task] = set()
        self.ledger = Ledger({})

    async def run(self) -> int:
        args = self.args
        emu = BotApiEmulator(
            TOKEN,
            global_per_second=args.rate,
            per_chat_interval=1.0,
            group_per_minute=20,
            tolerance=0.05,
        )
        routes = {f"/{name}": Route(handler=feed.handle) for name, feed in self.feeds.items()}
        routes["/flaky"] = Route(handler=self.flaky.handle)
        for feed in (*self.feeds.values(), self.flaky):
            for n in range(3):
                feed.publish(f"{feed.name}-old-{n}", f"Tin cũ {n} của {feed.name}", "Tin cũ.")
        async with emu, PortalServer(routes) as portal:
            emu.add_user(ADMIN, "Cán bộ")
            for probe in PROBES:
                emu.add_user(probe, "Dân")
            emu.add_group(GROUP, "Tổ dân phố 5", admins=[ADMIN], kind="group")
            config = write_config(self.folder, emu, portal, args.rate)
            plan = await prepare_database(config, args.chats)
            self.ledger = Ledger(plan)
            log = self.folder / "bot.log"
            bot = start_bot(config, log)
            try:
                return await self.drive(emu, bot, log)
            finally:
                if bot.poll() is None:
                    bot.kill()
                    bot.wait()

    async def drive(self, emu: BotApiEmulator, bot: subprocess.Popen, log: Path) -> int:
        db_path = self.folder / "soak.db"
        await emu.wait_for(lambda: emu.polling or bot.poll() is not None, 60, "the bot polling")
        if bot.poll() is not None:
            print(tail(log), file=sys.stderr)
            return 1
        await self.wait_first_polls(db_path)
        started = time.monotonic()
        load_seconds = self.args.minutes * 60
        self.samples.append(process_sample(bot.pid, db_path, started, self.ledger.sent))
        tasks = [
            asyncio.create_task(self.publish(load_seconds)),
            asyncio.create_task(self.chatter(emu, load_seconds)),
            asyncio.create_task(self.broadcast(emu, load_seconds)),
            asyncio.create_task(self.inject(emu, load_seconds)),
        ]
        sampler = asyncio.create_task(self.sample(emu, bot.pid, db_path, started))
        await asyncio.gather(*tasks)
        drained = await self.drain(emu, db_path)
        self.ledger.absorb(emu)
        self.samples.append(process_sample(bot.pid, db_path, started, self.ledger.sent))
        sampler.cancel()
        await asyncio.gather(sampler, return_exceptions=True)
        bot.send_signal(signal.SIGTERM)
        code = await wait_exit(bot, 30)
        self.report(time.monotonic() - started, drained, code, log)
        return 0 if drained and not self.ledger.missing() and code == 0 else 1

    async def wait_first_polls(self, db_path: Path) -> None:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            connection = sqlite3.connect(db_path, timeout=5)
            try:
                done = connection.execute(
                    "SELECT count(*) FROM sources WHERE first_polled_at IS NOT NULL"
                    " AND name != 'flaky'"
                ).fetchone()[0]
            finally:
                connection.close()
            if done == len(FEEDS):
                return
            await asyncio.sleep(0.2)
        raise SystemExit("soak: the first polls did not happen within 60 s")

    # --- load ----------------------------------------------------------------------

    async def publish(self, seconds: float) -> None:
        """A new item on a random ward feed every few seconds."""
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            self.items += 1
            mark = f"T{self.items}"
            index = self.rng.randrange(len(FEEDS))
            ward = WARDS[index]
            title = f"Thông báo số {self.items} của phường {ward} [{mark}]"
            text = f"Phường {ward} có thông báo số {self.items}. Mời bà con theo dõi."
            self.ledger.expect_item(mark, ward)
            self.feeds[FEEDS[index]].publish(f"item-{self.items}", title, text)
            await asyncio.sleep(self.args.publish_every * self.rng.uniform(0.5, 1.5))

    async def chatter(self, emu: BotApiEmulator, seconds: float) -> None:
        """Residents ask the bot things; how long the answers take is measured."""
        started = time.monotonic()
        while time.monotonic() - started < seconds:
            probe = self.rng.choice(PROBES)
            before = len(emu.sent(probe))
            asked = time.monotonic()
            emu.send_text(probe, self.rng.choice(COMMANDS))
            try:
                await emu.wait_for(lambda p=probe, b=before: len(emu.sent(p)) > b, 30, "a reply")
                self.latencies.append((asked - started, time.monotonic() - asked))
            except AssertionError:
                self.latencies.append((asked - started, float("inf")))
            await asyncio.sleep(self.rng.uniform(0.5, 1.5))

    async def broadcast(self, emu: BotApiEmulator, seconds: float) -> None:
        """An admin broadcast to everyone, every CYCLE seconds (once in a short run)."""
        started = time.monotonic()
        offset = min(seconds * 0.2, 60.0)
        while time.monotonic() - started + offset < seconds:
            await asyncio.sleep(offset)
            offset = CYCLE
            self.broadcasts += 1
            mark = f"B{self.broadcasts}"
            before = sum("người nhận" in m.text for m in emu.sent(ADMIN))
            emu.send_text(ADMIN, f"/broadcast [{mark}] Lịch tiêm chủng và cắt nước tuần này")
            try:
                preview = await emu.wait_for_message(
                    ADMIN, count=before + 1, contains="người nhận", timeout=60
                )
            except AssertionError:
                print(f"soak: no preview for broadcast {mark}", file=sys.stderr)
                continue
            self.ledger.expect_broadcast(mark)
            confirm = next(d for d in preview.callback_data if d.startswith("bc:ok:"))
            emu.press_button(ADMIN, preview.message_id, confirm)
            waiting = asyncio.create_task(self.await_report(emu, preview.message_id))
            self.watchers.add(waiting)
            waiting.add_done_callback(self.watchers.discard)

    async def await_report(self, emu: BotApiEmulator, message_id: int) -> None:
        def reported() -> bool:
            found = [m for m in emu.sent(ADMIN) if m.message_id == message_id]
            return bool(found) and "gửi được" in found[0].text

        try:
            await emu.wait_for(reported, 3600, "a broadcast report")
            self.reports_ok += 1
        except AssertionError:
            pass

    async def inject(self, emu: BotApiEmulator, seconds: float) -> None:
        """Telegram's and the portal's faults, in cycles of CYCLE seconds."""
        started = time.monotonic()
        period = min(CYCLE, seconds)
        cycle = 0
        plan = [
            (0.10, self.fail_share_on),
            (0.20, self.fail_share_off),
            (0.25, self.burst_429),
            (0.30, self.block_some),
            (0.35, self.timeouts),
            (0.40, self.flaky_500),
            (0.55, self.flaky_hang),
            (0.70, self.flaky_ok),
            (0.75, self.migrate_group),
        ]
        while True:
            for fraction, action in plan:
                at = started + cycle * period + fraction * period
                if at - started >= seconds:
                    return
                await asyncio.sleep(max(0.0, at - time.monotonic()))
                action(emu)
            cycle += 1

    def fail_share_on(self, emu: BotApiEmulator) -> None:
        emu.fail_share(0.05, seed=self.rng.randrange(1000))
        self.fail_started = time.monotonic()

    def fail_share_off(self, emu: BotApiEmulator) -> None:
        emu.fail_share(0.0)
        self.faults.fail_seconds += time.monotonic() - self.fail_started

    def burst_429(self, emu: BotApiEmulator) -> None:
        emu.inject_429(count=10, retry_after=3)
        self.faults.injected_429 += 10

    def block_some(self, emu: BotApiEmulator) -> None:
        chosen = self.rng.sample(
            [c for c in self.ledger.plan if c > 0 and c not in self.ledger.blocked], 25
        )
        for chat_id in chosen:
            emu.block(chat_id)
            self.ledger.blocked.add(chat_id)
        self.faults.blocked += len(chosen)

    def timeouts(self, emu: BotApiEmulator) -> None:
        # Longer than the bot's 10 s read timeout: answered late, or never.
        emu.delay(12.0, "sendMessage", after=self.rng.random() < 0.5, count=3)
        self.faults.timeouts += 3

    def flaky_500(self, emu: BotApiEmulator) -> None:
        self.flaky.mode = "500"
        self.faults.portal["500"] += 1

    def flaky_hang(self, emu: BotApiEmulator) -> None:
        self.flaky.mode = "hang"
        self.faults.portal["hang"] += 1

    def flaky_ok(self, emu: BotApiEmulator) -> None:
        self.flaky.mode = "ok"

    def migrate_group(self, emu: BotApiEmulator) -> None:
        if GROUP in self.ledger.migrated:
            return
        emu.migrate(GROUP, SUPERGROUP)
        self.ledger.migrated[GROUP] = SUPERGROUP
        self.faults.migrations += 1

    # --- measuring -------------------------------------------------------------------

    async def sample(self, emu: BotApiEmulator, pid: int, db_path: Path, started: float) -> None:
        every = max(5.0, self.args.minutes * 60 / 30)
        while True:
            # Often and in small pieces: this loop also serves the emulator, whose
            # flood limits time requests as they arrive.
            await asyncio.sleep(0.5)
            self.ledger.absorb(emu)
            if time.monotonic() - started >= len(self.samples) * every:
                self.samples.append(process_sample(pid, db_path, started, self.ledger.sent))

    async def drain(self, emu: BotApiEmulator, db_path: Path) -> bool:
        """After the load: wait until every chat got what it should, and the queue is empty."""
        deadline = time.monotonic() + self.args.drain
        while time.monotonic() < deadline:
            self.ledger.absorb(emu)
            if queue(db_path) == 0 and not self.ledger.missing():
                return True
            await asyncio.sleep(1.0)
        return False

    def report(self, seconds: float, drained: bool, code: int, log: Path) -> None:
        ledger, faults, args = self.ledger, self.faults, self.args
        expected = sum(len(chats - ledger.blocked) for chats in ledger.expected.values())
        missing = ledger.missing()
        stderr = log.read_text("utf-8", errors="replace")
        first, last = self.samples[0], self.samples[-1]
        peak = max(self.samples, key=lambda s: s.rss_mb)
        half = seconds / 2
        early = [lat for at, lat in self.latencies if at < half]
        late = [lat for at, lat in self.latencies if at >= half]
        violations = ledger.rate_limited - faults.injected_429
        print(
            f"wardnews soak: {args.minutes:g} min of load, {seconds:.0f} s in all, seed {args.seed}"
        )
        print(
            f"  load: {len(ledger.plan)} chats ({args.chats} residents + 1 group), "
            f"{self.items} items on {len(FEEDS)} feeds + 1 flaky feed, "
            f"{self.broadcasts} broadcasts ({self.reports_ok} reports), "
            f"{len(self.latencies)} resident commands, rate cap {args.rate}/s"
        )
        print(
            f"  faults: 5xx share 5% for {faults.fail_seconds:.0f} s, "
            f"{faults.injected_429} injected 429s (retry_after 3), {faults.blocked} chats blocked, "
            f"{faults.timeouts} sends timing out, {faults.migrations} group migrated, "
            f"portal 500 x{faults.portal['500']} and hang x{faults.portal['hang']}"
        )
        print(
            f"  deliveries: {expected} expected, {ledger.sent} messages seen, "
            f"lost {len(missing)}, repeated {ledger.repeated()} "
            f"(sends answered too late may repeat: at most {faults.timeouts})"
        )
        print(
            f"  Telegram: {ledger.calls_seen} calls, {ledger.rate_limited} answered 429 "
            f"({violations} beyond the injected ones: flood caps crossed), "
            f"{ledger.server_errors} answered 5xx"
        )
        print("  bot process        start      end    delta   (peak)")
        print(
            f"    RSS MB        {first.rss_mb:8.1f} {last.rss_mb:8.1f} "
            f"{last.rss_mb - first.rss_mb:+8.1f}   ({peak.rss_mb:.1f} at {peak.at:.0f} s)"
        )
        for label, attr in (("open fds", "fds"), ("sockets", "sockets"), ("TCP conns", "tcp")):
            a, b = getattr(first, attr), getattr(last, attr)
            top = max(getattr(s, attr) for s in self.samples)
            print(f"    {label:<13} {a:8d} {b:8d} {b - a:+8d}   ({top} max)")
        print("  samples (s, RSS MB, fds, sockets, queue, messages):")
        for sample in self.samples:
            print(
                f"    {sample.at:6.0f} {sample.rss_mb:7.1f} {sample.fds:4d} {sample.sockets:4d}"
                f" {sample.queue:7d} {sample.sent:8d}"
            )
        print(
            f"  reply latency p50/p95 ms: first half {percentiles(early)}, "
            f"second half {percentiles(late)}"
        )
        tracebacks = stderr.count("Traceback")
        print(
            f"  drained: {'yes' if drained else 'NO'}; exit code on SIGTERM: {code}; "
            f"tracebacks in the log: {tracebacks}; token in the log: {TOKEN in stderr}"
        )
        if missing:
            print(f"  first missing (chat, item): {missing[:10]}")
        verdict = "PASS" if drained and not missing and code == 0 and violations <= 0 else "FAIL"
        print(f"  verdict: {verdict}")


def tail(log: Path) -> str:
    return log.read_text("utf-8", errors="replace")[-3000:]


def percentiles(values: list[float]) -> str:
    finite = sorted(v for v in values if v != float("inf"))
    if not finite:
        return "n/a"
    p95 = finite[min(len(finite) - 1, int(len(finite) * 0.95))]
    lost = len(values) - len(finite)
    text = f"{statistics.median(finite) * 1000:.0f}/{p95 * 1000:.0f}"
    return text + (f" ({lost} unanswered)" if lost else "")


async def wait_exit(process: subprocess.Popen, timeout: float) -> int:
    deadline = time.monotonic() + timeout
    while process.poll() is None:
        if time.monotonic() > deadline:
            process.kill()
            return -9
        await asyncio.sleep(0.1)
    return process.returncode


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--minutes", type=float, default=30.0, help="load duration (30)")
    parser.add_argument("--chats", type=int, default=5000, help="subscribed residents (5000)")
    parser.add_argument("--rate", type=int, default=100, help="global messages/s cap (100)")
    parser.add_argument(
        "--publish-every", type=float, default=30.0, help="mean seconds between items (30)"
    )
    parser.add_argument("--drain", type=float, default=300.0, help="max seconds to drain (300)")
    parser.add_argument("--seed", type=int, default=None, help="random seed")
    parser.add_argument("--keep", action="store_true", help="keep the database and log")
    args = parser.parse_args(argv)
    if args.seed is None:
        args.seed = random.randrange(1_000_000)
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    folder = Path(tempfile.mkdtemp(prefix="wardnews-soak-"))
    try:
        return asyncio.run(Soak(args, folder).run())
    finally:
        if args.keep:
            print(f"  kept: {folder}")
        else:
            shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
