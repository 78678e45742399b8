"""Shared pieces of the reliability tests: a bot in a subprocess, a live feed, SQLite checks."""

from __future__ import annotations

import asyncio
import os
import sqlite3
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterable
from pathlib import Path

from aiohttp import web

from bot.config import DeliveryConfig
from bot.emulator import BotApiEmulator
from tests.harness import TOKEN
from tests.test_ingest_e2e import rss

REPO = Path(__file__).resolve().parents[2]
IN_FLIGHT_WINDOW = DeliveryConfig().in_flight  # the default window: the most a crash may repeat
ADMIN = 900


def quiet_emulator() -> BotApiEmulator:
    """An emulator with its flood caps off: these tests are about faults, not pacing."""
    return BotApiEmulator(
        TOKEN, global_per_second=None, per_chat_interval=None, group_per_minute=None
    )


async def wait_exit(process: subprocess.Popen, timeout: float) -> int:
    """Wait for a process without blocking the loop (the emulator serves on it)."""
    deadline = time.monotonic() + timeout
    while process.poll() is None:
        if time.monotonic() > deadline:
            process.kill()
            raise AssertionError(f"bot did not exit within {timeout} s")
        await asyncio.sleep(0.05)
    return process.returncode


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


class LiveFeed:
    """An RSS feed the test publishes to; counts how often the bot fetched it.

    While `hold` is an unset event, requests are counted, then wait for it
    before the answer goes out (a poll caught in the middle of its fetch).
    """

    def __init__(self, entries: Iterable[tuple[str, str, str]]) -> None:
        self.entries = list(entries)
        self.served = 0
        self.hold: asyncio.Event | None = None

    def publish(self, guid: str, title: str, text: str) -> None:
        self.entries.insert(0, (guid, title, text))

    async def handle(self, request: web.Request) -> web.StreamResponse:
        body = rss(self.entries)
        self.served += 1
        if self.hold is not None:
            await self.hold.wait()
        return web.Response(body=body, content_type="application/rss+xml", charset="utf-8")


class CallTimes:
    """When the emulator answered each call (its records carry no time): watch and stamp."""

    def __init__(self, emu: BotApiEmulator) -> None:
        self.emu = emu
        self.times: list[float] = []
        self._task: asyncio.Task | None = None

    async def __aenter__(self) -> CallTimes:
        self.times = [time.monotonic()] * len(self.emu.calls)
        self._task = asyncio.create_task(self._watch())
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        assert self._task is not None
        self._task.cancel()
        await asyncio.gather(self._task, return_exceptions=True)

    async def _watch(self) -> None:
        while True:
            await self.emu.wait_for(lambda: len(self.emu.calls) > len(self.times), 3600)
            now = time.monotonic()
            self.times.extend([now] * (len(self.emu.calls) - len(self.times)))

    def sends(self, chat_id: int, method: str = "sendMessage") -> list[tuple[float, int]]:
        """(time, HTTP status) of each `method` call to `chat_id`, oldest first."""
        calls = self.emu.calls[: len(self.times)]
        return [
            (at, call.status)
            for at, call in zip(self.times, calls, strict=True)
            if call.method == method and call.params.get("chat_id") == chat_id
        ]


def write_config(
    tmp_path: Path,
    emu: BotApiEmulator,
    sources: Iterable[tuple[str, str]] = (),
    *,
    db_name: str = "bot.db",
    per_second: int = 100,
) -> Path:
    """A config.toml for `wardnews run`: one ward, (name, url) RSS sources, ADMIN."""
    blocks = "".join(
        f'\n[[sources]]\nname = "{name}"\nkind = "rss"\nurl = "{url}"\n' for name, url in sources
    )
    path = tmp_path / "config.toml"
    path.write_text(
        f"""
[telegram]
token = "{TOKEN}"
api_url = "{emu.base_url}"
file_url = "{emu.base_file_url}"
admins = [{ADMIN}]
[storage]
path = "{tmp_path / db_name}"
[polling]
interval = 3600
timeout = 5
[delivery]
global_per_second = {per_second}
per_chat_interval = 1.0
[[wards.custom]]
name = "Kim Liên"
{blocks}""",
        encoding="utf-8",
    )
    return path


def query(db_path: Path, sql: str, params: tuple = ()) -> list[tuple]:
    """One read of the bot's database from outside (WAL lets it run beside the bot)."""
    connection = sqlite3.connect(db_path, timeout=5)
    try:
        return connection.execute(sql, params).fetchall()
    finally:
        connection.close()


def integrity(db_path: Path) -> str:
    if not db_path.exists():
        return "ok"
    return query(db_path, "PRAGMA integrity_check")[0][0]


def repeats(counts: Counter) -> int:
    return sum(n - 1 for n in counts.values() if n > 1)
