"""kill -9 during a delivery, then restart: nothing lost, repeats within the in-flight window."""

from __future__ import annotations

import asyncio
import signal
import sqlite3
import subprocess
import sys
from collections import Counter
from pathlib import Path

from bot.app import build_registry
from bot.config import load_config
from bot.emulator import BotApiEmulator
from bot.ingest import store_items
from storage import chats
from storage.db import Database
from storage.sources import sync_sources
from storage.wards import sync_wards
from tests.harness import TOKEN
from tests.reliability.support import (
    IN_FLIGHT_WINDOW,
    REPO,
    quiet_emulator,
    start_bot,
    wait_exit,
    write_config,
)
from tests.test_delivery_e2e import SOURCE, news

CHATS = list(range(5000, 5200))


async def prepare_database(config_path: Path) -> None:
    config = load_config(config_path, env={})
    registry = build_registry(config)
    db = await Database.open(config.storage.path)
    try:
        await sync_wards(db, registry.all())
        await sync_sources(db, [(SOURCE.name, SOURCE.kind, SOURCE.url)])
        code = registry.all()[0].code
        for chat_id in CHATS:
            await chats.upsert_chat(db, chat_id, "private", None)
            await chats.subscribe(db, chat_id, [code])
        item = news(1, code)
        stored = await store_items(db, [item], {item.url}, batch=1)
        assert stored.queued == len(CHATS)
    finally:
        await db.close()


async def stop_then_restart(
    tmp_path: Path, emu: BotApiEmulator, stop: signal.Signals, after: int
) -> tuple[Counter[int], int, str]:
    """Run the bot until `after` sends, stop it with `stop`, restart it until every
    chat was served, stop it cleanly. Returns messages per chat, sends before the
    stop, and the log."""
    config_path = write_config(tmp_path, emu, db_name="crash.db", per_second=60)
    await prepare_database(config_path)
    log = tmp_path / "bot.log"
    first = start_bot(config_path, log)
    try:
        await emu.wait_for(lambda: len(emu.sent()) >= after, timeout=30, what=f"{after} sends")
    finally:
        first.send_signal(stop)
        code = await wait_exit(first, 40)
    if stop == signal.SIGTERM:
        assert code == 0, log.read_text("utf-8")[-2000:]
    sent_before = len(emu.sent())
    assert sent_before < len(CHATS), "the stop came too late to test anything"
    second = start_bot(config_path, log)
    try:
        await emu.wait_for(
            lambda: {m.chat_id for m in emu.sent()} >= set(CHATS),
            timeout=60,
            what="every chat served after the restart",
        )
    finally:
        second.send_signal(signal.SIGTERM)
        code = await wait_exit(second, 40)
    assert code == 0, log.read_text("utf-8")[-2000:]
    return Counter(m.chat_id for m in emu.sent()), sent_before, log.read_text("utf-8")


async def test_kill_9_mid_delivery_loses_nothing(tmp_path):
    async with quiet_emulator() as emu:
        received, sent_before, log = await stop_then_restart(tmp_path, emu, signal.SIGKILL, 60)
    repeats = sum(n - 1 for n in received.values())
    assert [c for c in CHATS if received[c] == 0] == []
    assert repeats <= IN_FLIGHT_WINDOW, f"{repeats} repeats"
    assert TOKEN not in log
    print(f"kill -9 after {sent_before} sends: 0 lost, {repeats} repeated")


async def test_sigterm_mid_delivery_then_restart_loses_and_repeats_nothing(tmp_path):
    async with quiet_emulator() as emu:
        received, _, _ = await stop_then_restart(tmp_path, emu, signal.SIGTERM, 40)
    assert [c for c in CHATS if received[c] == 0] == []
    assert sum(n - 1 for n in received.values()) == 0


async def test_backup_while_delivering_is_consistent(tmp_path):
    async with quiet_emulator() as emu:
        config_path = write_config(tmp_path, emu, db_name="crash.db", per_second=60)
        await prepare_database(config_path)
        log = tmp_path / "bot.log"
        bot = start_bot(config_path, log)
        try:
            await emu.wait_for(lambda: len(emu.sent()) >= 20, timeout=30, what="deliveries")
            copy = tmp_path / "backups" / "copy.db"
            backup = await asyncio.create_subprocess_exec(
                sys.executable,
                "-m",
                "bot",
                "backup",
                "--config",
                str(config_path),
                str(copy),
                cwd=REPO,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
            )
            _, err = await backup.communicate()
            assert backup.returncode == 0, err.decode()
        finally:
            bot.send_signal(signal.SIGTERM)
            await wait_exit(bot, 40)
        connection = sqlite3.connect(copy)
        try:
            assert connection.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
            assert connection.execute("SELECT count(*) FROM chats").fetchone()[0] == len(CHATS)
            assert connection.execute("SELECT count(*) FROM outbox").fetchone()[0] == len(CHATS)
        finally:
            connection.close()
