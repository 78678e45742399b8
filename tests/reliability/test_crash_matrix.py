"""kill -9 of `wardnews run` at random moments, restart after each: nothing lost.

One bot, one database, one emulated Telegram and one live portal for the
whole run; the bot is killed seven times: while the database is created and
migrated, somewhere in its start-up, during a poll of the portal (and the
fan-out that follows it), during the delivery of news, during a broadcast,
and twice in a row right after a restart with a backlog. After each kill the
database passes `PRAGMA integrity_check`; at the end every published item is
stored, every chat got every item and the broadcast, every outbox row is
sent, and no delivery was repeated more often than the sends in flight at
the kills during it. The seed of the random moments is printed and can be
replayed with WARDNEWS_CRASH_SEED.
"""

from __future__ import annotations

import asyncio
import os
import random
import signal
import subprocess
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from bot.emulator import BotApiEmulator
from bot.portal_server import PortalServer, Route
from storage import chats
from storage.db import Database
from tests.harness import TOKEN, eventually, running_bot
from tests.reliability.support import (
    ADMIN,
    IN_FLIGHT_WINDOW,
    LiveFeed,
    integrity,
    query,
    quiet_emulator,
    repeats,
    start_bot,
    wait_exit,
    write_config,
)
from tests.test_ingest_e2e import subscribe

CHATS = list(range(7000, 7080))
SOURCE = "kimlien-rss"
OLD = [
    ("old-1", "Phường Kim Liên ra quân tổng vệ sinh", "Sáng nay phường Kim Liên ra quân."),
    ("old-2", "Họp tổ dân phố phường Kim Liên", "Các tổ dân phố phường Kim Liên họp."),
]
BROADCAST = "Thông báo lịch cắt nước ngày mai"


@dataclass
class Run:
    """The bot under test, restarted after each kill."""

    tmp_path: Path
    emu: BotApiEmulator
    feed: LiveFeed
    rng: random.Random
    seed: int
    config: Path
    log: Path
    db: Path
    process: subprocess.Popen | None = None
    kills: list[str] = field(default_factory=list)

    def start(self) -> subprocess.Popen:
        self.process = start_bot(self.config, self.log)
        return self.process

    async def kill(self, moment: str) -> None:
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL)
        await wait_exit(self.process, 10)
        self.process = None
        self.kills.append(moment)
        verdict = integrity(self.db)
        assert verdict == "ok", f"{self.context()}: integrity after kill {moment!r}: {verdict}"

    async def start_ready(self) -> None:
        """Start, and return once the bot starts polling Telegram for updates.

        The updater's deleteWebhook comes right after post_init; getUpdates calls are
        recorded only when they end, which a long poll does late.
        """
        before = len(self.emu.calls_to("deleteWebhook"))
        process = self.start()
        await self.emu.wait_for(
            lambda: len(self.emu.calls_to("deleteWebhook")) > before or process.poll() is not None,
            timeout=30,
            what="the bot polling Telegram",
        )
        assert process.poll() is None, f"{self.context()}: bot exited: {self.tail()}"

    async def pause(self, low: float, high: float) -> None:
        """Let the bot run for a random moment before the next kill."""
        await asyncio.sleep(self.rng.uniform(low, high))

    def context(self) -> str:
        return f"seed {self.seed}, kills so far {self.kills}"

    def tail(self) -> str:
        return self.log.read_text("utf-8", errors="replace")[-3000:]

    def received(self, text: str) -> Counter:
        """How many messages holding `text` each resident chat got."""
        wanted = set(CHATS)
        return Counter(m.chat_id for m in self.emu.sent() if m.chat_id in wanted and text in m.text)

    async def all_received(self, text: str, timeout: float = 30) -> None:
        await self.emu.wait_for(
            lambda: set(self.received(text)) >= set(CHATS),
            timeout=timeout,
            what=f"every chat served {text!r} ({self.context()})",
        )

    def command(self, text: str) -> None:
        self.emu.send_text(ADMIN, text)


def seed_from_env() -> int:
    return int(os.environ.get("WARDNEWS_CRASH_SEED") or time.time_ns() % 1_000_000)


async def subscribe_chats(db_path: Path) -> None:
    """Residents, written beside the running bot (WAL, busy timeout)."""
    db = await Database.open(db_path)
    try:
        code = (await db.fetchone("SELECT code FROM wards"))[0]
        for chat_id in CHATS:
            await chats.upsert_chat(db, chat_id, "private", None)
            await chats.subscribe(db, chat_id, [code])
    finally:
        await db.close()


async def kill_while_migrating(run: Run) -> None:
    """Kill the moment the database file appears: creation and migration under way."""
    process = run.start()
    deadline = time.monotonic() + 30
    while not run.db.exists() and process.poll() is None:
        assert time.monotonic() < deadline, "no database file after 30 s"
        await asyncio.sleep(0.002)
    await run.pause(0.0, 0.03)
    await run.kill("while creating and migrating the database")
    if run.db.exists():
        tables = query(run.db, "SELECT name FROM sqlite_master WHERE name = 'migrations'")
        applied = len(query(run.db, "SELECT number FROM migrations")) if tables else 0
        run.kills[-1] += f" ({applied} migrations applied)"


async def kill_during_poll(run: Run, number: int) -> str:
    title = f"Tin số {number}: phường Kim Liên thông báo"
    run.feed.publish(f"n{number}", title, f"Phường Kim Liên có tin số {number}. Mời bà con.")
    served = run.feed.served
    mid_fetch = run.rng.random() < 0.5
    run.feed.hold = asyncio.Event() if mid_fetch else None
    run.command(f"/poll {SOURCE}")
    await run.emu.wait_for(lambda: run.feed.served > served, timeout=10, what="the poll")
    if not mid_fetch:
        await run.pause(0.0, 0.04)
    await run.kill("during a poll of the portal" + (" (mid-fetch)" if mid_fetch else ""))
    if run.feed.hold is not None:
        run.feed.hold.set()
        run.feed.hold = None
    rows = query(
        run.db,
        "SELECT count(*) FROM outbox JOIN items ON items.id = item_id WHERE items.title = ?",
        (title,),
    )
    run.kills[-1] += f" ({rows[0][0]} rows fanned out)"
    await run.start_ready()
    run.command(f"/poll {SOURCE}")  # a poll cut short is simply done again
    return title


async def kill_during_delivery(run: Run, number: int) -> str:
    title = f"Tin số {number}: phường Kim Liên thông báo"
    run.feed.publish(f"n{number}", title, f"Phường Kim Liên có tin số {number}. Mời bà con.")
    run.command(f"/poll {SOURCE}")
    some = run.rng.randint(1, len(CHATS) // 2)
    await run.emu.wait_for(
        lambda: sum(run.received(title).values()) >= some, timeout=20, what=f"{some} pushes"
    )
    await run.kill(f"during news delivery, after {some} pushes")
    await run.start_ready()
    return title


async def kill_during_broadcast(run: Run) -> int:
    before = sum("người nhận" in m.text for m in run.emu.sent(ADMIN))
    run.command(f"/broadcast {BROADCAST}")
    preview = await run.emu.wait_for_message(ADMIN, count=before + 1, contains="người nhận")
    confirm = next(d for d in preview.callback_data if d.startswith("bc:ok:"))
    run.emu.press_button(ADMIN, preview.message_id, confirm)
    some = run.rng.randint(1, len(CHATS) // 2)
    await run.emu.wait_for(
        lambda: sum(run.received(BROADCAST).values()) >= some, timeout=20, what="copies"
    )
    await run.kill(f"during a broadcast, after {some} copies")
    await run.start_ready()
    return preview.message_id


async def kill_twice_on_restart(run: Run, number: int) -> str:
    title = f"Tin số {number}: phường Kim Liên thông báo"
    run.feed.publish(f"n{number}", title, f"Phường Kim Liên có tin số {number}. Mời bà con.")
    run.command(f"/poll {SOURCE}")
    await run.emu.wait_for(lambda: bool(run.received(title)), timeout=20, what="a first push")
    await run.kill("during news delivery, right after the first push")
    run.start()
    await run.pause(0.05, 0.8)
    await run.kill("early in the restart, with a backlog to recover")
    await run.start_ready()
    return title


async def play(run: Run) -> tuple[dict[str, str], int]:
    """Every kill of the matrix; returns the titles pushed per phase and the report's id."""
    await kill_while_migrating(run)
    run.start()
    await run.pause(0.05, 0.6)
    await run.kill("at a random moment of the start-up")
    await run.start_ready()

    async def first_polled() -> bool:
        rows = query(run.db, "SELECT first_polled_at FROM sources WHERE name = ?", (SOURCE,))
        return bool(rows and rows[0][0])

    await eventually(first_polled, timeout=20, what="the first poll")
    await subscribe_chats(run.db)

    titles = {}
    titles["poll"] = await kill_during_poll(run, 1)
    await run.all_received(titles["poll"])
    titles["delivery"] = await kill_during_delivery(run, 2)
    await run.all_received(titles["delivery"])
    progress = await kill_during_broadcast(run)
    await run.all_received(BROADCAST)
    titles["restart"] = await kill_twice_on_restart(run, 3)
    await run.all_received(titles["restart"])
    return titles, progress


async def test_kill_9_at_random_moments_loses_nothing(tmp_path):
    seed = seed_from_env()
    feed = LiveFeed(OLD)
    async with (
        PortalServer({"/rss": Route(handler=feed.handle)}) as portal,
        quiet_emulator() as emu,
    ):
        emu.add_user(ADMIN, "Cán bộ")
        config = write_config(tmp_path, emu, [(SOURCE, portal.url("/rss"))])
        log, db = tmp_path / "bot.log", tmp_path / "bot.db"
        run = Run(tmp_path, emu, feed, random.Random(seed), seed, config, log, db)
        try:
            titles, progress = await play(run)

            def reported() -> bool:
                (message,) = [m for m in emu.sent(ADMIN) if m.message_id == progress]
                return f"gửi được {len(CHATS)}" in message.text

            await emu.wait_for(reported, timeout=20, what=f"the report ({run.context()})")
            assert run.process is not None
            run.process.send_signal(signal.SIGTERM)
            assert await wait_exit(run.process, 40) == 0, run.tail()
        finally:
            if run.process is not None and run.process.poll() is None:
                run.process.kill()
                await wait_exit(run.process, 10)

    context = run.context()
    assert len(run.kills) >= 5, context
    assert integrity(run.db) == "ok", context
    stored = {row[0] for row in query(run.db, "SELECT title FROM items")}
    assert stored == {title for _, title, _ in feed.entries}, context
    statuses = dict(query(run.db, "SELECT status, count(*) FROM outbox GROUP BY status"))
    assert statuses == {"sent": 4 * len(CHATS)}, f"{context}: {statuses}"
    assert query(run.db, "SELECT status FROM broadcasts") == [("done",)], context
    allowed = {"poll": 1, "delivery": 1, "restart": 2}
    for phase, title in titles.items():
        counts = run.received(title)
        assert repeats(counts) <= allowed[phase] * IN_FLIGHT_WINDOW, f"{context}: {phase}"
    assert repeats(run.received(BROADCAST)) <= IN_FLIGHT_WINDOW, context
    for _, title, _ in OLD:  # on the source before its first poll: stored, not pushed
        assert not run.received(title), context
    assert TOKEN not in run.log.read_text("utf-8", errors="replace")
    print(f"crash matrix, {context}: 0 lost")


async def test_first_poll_cut_off_before_it_was_recorded_still_pushes_what_is_new(tmp_path):
    """A kill between storing a first poll's items and recording the poll."""
    feed = LiveFeed(OLD)
    async with PortalServer({"/rss": Route(handler=feed.handle)}) as portal:
        sources = [{"name": SOURCE, "kind": "rss", "url": portal.url("/rss")}]
        async with running_bot(tmp_path, sources=sources) as bot:
            await subscribe(bot, 7001, "Kim Liên")
            (first,) = await bot.svc.poller.poll_now(SOURCE)
            assert (first.new, first.queued) == (2, 0)
            async with bot.svc.db.write() as conn:  # what that kill leaves behind
                await conn.execute("UPDATE sources SET first_polled_at = NULL")
            feed.publish("n9", "Tin số 9: phường Kim Liên thông báo", "Phường Kim Liên có tin.")
            (second,) = await bot.svc.poller.poll_now(SOURCE)
            assert (second.new, second.queued) == (1, 1)
            message = await bot.emu.wait_for_message(7001)
            assert message.text.startswith("Tin số 9")
