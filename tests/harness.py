"""End-to-end harness: the real Application, the Bot API emulator, a real SQLite file.

async with running_bot(tmp_path) as bot:
    bot.emu.add_user(1, "Lan")
    bot.emu.send_text(1, "/start")
    message = await bot.emu.wait_for_message(1)
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from telegram.ext import Application

from bot.app import build_application, start_bot, stop_bot
from bot.config import Config, parse_config
from bot.emulator import BotApiEmulator
from bot.services import SERVICES_KEY, Services

TOKEN = "123456789:AAH-test-token-that-is-not-real-0000000"

CUSTOM_WARDS = [
    {"name": "Văn Miếu - Quốc Tử Giám", "aliases": ["Thổ Quan", "Văn Chương"]},
    {"name": "Ô Chợ Dừa", "aliases": []},
    {"name": "Kim Liên", "aliases": []},
]


def make_config(
    tmp_path: Path, emu: BotApiEmulator | None = None, **sections: Mapping[str, Any]
) -> Config:
    """A config with custom wards and fast polling; sections override or add tables."""
    data: dict[str, Any] = {
        "telegram": {"token": TOKEN, "admins": [900]},
        "storage": {"path": str(tmp_path / "wardnews.db")},
        "polling": {"interval": 3600, "timeout": 5},
        "delivery": {"global_per_second": 30, "per_chat_interval": 1.0},
        "wards": {"custom": CUSTOM_WARDS},
    }
    if emu is not None:
        data["telegram"]["api_url"] = emu.base_url
        data["telegram"]["file_url"] = emu.base_file_url
    for name, section in sections.items():
        if isinstance(section, Mapping) and isinstance(data.get(name), dict):
            data[name] = {**data[name], **section}
        else:
            data[name] = section
    return parse_config(data, env={})


@dataclass
class RunningBot:
    emu: BotApiEmulator
    app: Application
    config: Config

    @property
    def svc(self) -> Services:
        return self.app.bot_data[SERVICES_KEY]


@asynccontextmanager
async def running_bot(
    tmp_path: Path,
    emu: BotApiEmulator | None = None,
    **sections: Mapping[str, Any],
) -> AsyncIterator[RunningBot]:
    """Start the real bot against an emulator (a fresh one unless given)."""
    own = emu is None
    if own:
        emu = BotApiEmulator(
            TOKEN, per_chat_interval=None, global_per_second=None, group_per_minute=None
        )
        await emu.start()
    config = make_config(tmp_path, emu, **sections)
    app = build_application(config)
    await start_bot(app)
    try:
        yield RunningBot(emu, app, config)
    finally:
        await stop_bot(app)
        if own:
            await emu.stop()


async def eventually(check, timeout: float = 10.0, what: str = "a condition") -> Any:
    """Poll an async check until it returns something truthy, or fail after `timeout`."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        result = await check()
        if result:
            return result
        if loop.time() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what}")
        await asyncio.sleep(0.02)
