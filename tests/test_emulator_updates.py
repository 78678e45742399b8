"""getUpdates of the emulator: long polling, offset, limit, filters, shutdown."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator

import pytest
import telegram

from bot.emulator import BotApiEmulator
from tests.test_emulator import TOKEN, USER


@pytest.fixture
async def emu() -> AsyncIterator[BotApiEmulator]:
    async with BotApiEmulator(TOKEN) as emulator:
        emulator.add_user(USER, "Lan")
        yield emulator


@pytest.fixture
async def bot(emu: BotApiEmulator) -> AsyncIterator[telegram.Bot]:
    async with telegram.Bot(TOKEN, base_url=emu.base_url) as the_bot:
        yield the_bot


async def test_long_poll_returns_promptly_when_an_update_arrives(
    emu: BotApiEmulator, bot: telegram.Bot
) -> None:
    asyncio.get_running_loop().call_later(0.1, emu.send_text, USER, "chào")
    started = time.monotonic()
    updates = await bot.get_updates(timeout=5)
    assert time.monotonic() - started < 1.0
    assert [u.message.text for u in updates if u.message] == ["chào"]


async def test_long_poll_without_updates_waits_for_its_timeout(bot: telegram.Bot) -> None:
    started = time.monotonic()
    assert await bot.get_updates(timeout=1) == ()
    assert 0.9 <= time.monotonic() - started < 2.0


async def test_offset_confirms_updates_and_limit_caps_the_batch(
    emu: BotApiEmulator, bot: telegram.Bot
) -> None:
    for text in ("1", "2", "3"):
        emu.send_text(USER, text)
    first = await bot.get_updates(limit=2)
    assert [u.message.text for u in first] == ["1", "2"]
    again = await bot.get_updates(offset=first[-1].update_id + 1)
    assert [u.message.text for u in again] == ["3"]
    assert await bot.get_updates(offset=again[-1].update_id + 1) == ()
    assert emu.pending_updates == []


async def test_allowed_updates_filters_what_is_returned(
    emu: BotApiEmulator, bot: telegram.Bot
) -> None:
    emu.add_group(-100, "Nhóm", admins=[USER], bot_status="left")
    emu.send_text(USER, "hi")
    emu.add_bot_to_group(-100, by_user=USER)
    updates = await bot.get_updates(allowed_updates=["my_chat_member"])
    assert [u.my_chat_member.new_chat_member.status for u in updates if u.my_chat_member] == [
        "member"
    ]
    assert len(updates) == 1


async def test_stop_releases_a_waiting_long_poll() -> None:
    emulator = await BotApiEmulator(TOKEN).start()
    async with telegram.Bot(TOKEN, base_url=emulator.base_url) as the_bot:
        poll = asyncio.create_task(the_bot.get_updates(timeout=30))
        await emulator.wait_for(lambda: emulator.polling, what="a waiting getUpdates")
        started = time.monotonic()
        await emulator.stop()
        assert await poll == ()
        assert time.monotonic() - started < 2.0


async def test_wait_for_names_what_it_waited_for(emu: BotApiEmulator) -> None:
    with pytest.raises(AssertionError, match="the moon"):
        await emu.wait_for(lambda: False, timeout=0.1, what="the moon")


async def test_a_newer_get_updates_ends_a_waiting_one_with_409(
    emu: BotApiEmulator, bot: telegram.Bot
) -> None:
    first = asyncio.create_task(bot.get_updates(timeout=5))
    await emu.wait_for(lambda: emu.polling, what="the first getUpdates waiting")
    async with telegram.Bot(TOKEN, base_url=emu.base_url) as second_instance:
        assert await second_instance.get_updates() == ()
    with pytest.raises(telegram.error.Conflict, match="terminated by other getUpdates"):
        await first


async def test_get_updates_is_refused_while_a_webhook_is_set(bot: telegram.Bot) -> None:
    await bot.set_webhook("https://example.vn/hook")
    with pytest.raises(telegram.error.Conflict, match="webhook is active"):
        await bot.get_updates()
    await bot.delete_webhook()
    assert await bot.get_updates() == ()
