"""Injected failures of the emulator, as a bot meets them."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
import telegram
from telegram.error import BadRequest, ChatMigrated, Conflict, Forbidden, NetworkError, RetryAfter

from bot.emulator import BotApiEmulator
from tests.test_emulator import TOKEN, USER, RawApi

# PTB 22's own RetryAfter constructor reads its deprecated int `retry_after`.
pytestmark = pytest.mark.filterwarnings(
    "ignore:.*retry_after.*:telegram.warnings.PTBDeprecationWarning"
)


@pytest.fixture
async def emu() -> AsyncIterator[BotApiEmulator]:
    async with BotApiEmulator(TOKEN) as emulator:
        emulator.add_user(USER, "Lan")
        yield emulator


@pytest.fixture
async def bot(emu: BotApiEmulator) -> AsyncIterator[telegram.Bot]:
    async with telegram.Bot(TOKEN, base_url=emu.base_url) as the_bot:
        yield the_bot


@pytest.fixture
async def api(emu: BotApiEmulator) -> AsyncIterator[RawApi]:
    async with httpx.AsyncClient(base_url=f"{emu.base_url}{TOKEN}/", timeout=10) as client:
        yield RawApi(client)


async def test_blocked_chat_answers_403(emu: BotApiEmulator, bot: telegram.Bot) -> None:
    emu.block(USER)
    with pytest.raises(Forbidden, match="bot was blocked by the user"):
        await bot.send_message(USER, "x")
    emu.add_user(43)
    emu.deactivate(43)
    with pytest.raises(Forbidden, match="user is deactivated"):
        await bot.send_message(43, "x")


async def test_chat_not_found_answers_400(emu: BotApiEmulator, bot: telegram.Bot) -> None:
    emu.chat_not_found(USER)
    with pytest.raises(BadRequest, match="Chat not found"):
        await bot.send_message(USER, "x")


async def test_share_of_sends_fail_with_5xx(emu: BotApiEmulator, api: RawApi) -> None:
    emu.fail_share(0.5, seed=7)
    statuses = [(await api("sendMessage", chat_id=3000 + i, text="x"))[0] for i in range(20)]
    assert {500, 502, 200} == set(statuses)
    assert emu.stats.server_errors["sendMessage"] == sum(s >= 500 for s in statuses)
    assert len(emu.sent()) == statuses.count(200)


async def test_server_errors_reach_ptb_as_network_errors(
    emu: BotApiEmulator, bot: telegram.Bot
) -> None:
    emu.fail_share(1.0)
    with pytest.raises(NetworkError):
        await bot.send_message(USER, "x")


async def test_injected_429_hits_the_next_matching_send_only(
    emu: BotApiEmulator, bot: telegram.Bot, api: RawApi
) -> None:
    emu.add_user(43)
    emu.inject_429(count=2, retry_after=7, chat_id=43)
    await bot.send_message(USER, "x")
    with pytest.raises(RetryAfter):
        await bot.send_message(43, "x")
    status, body = await api("sendMessage", chat_id=43, text="x")
    assert (status, body["parameters"]) == (429, {"retry_after": 7})
    await bot.send_message(43, "x")
    assert emu.stats.rate_limited == 2


async def test_migrated_group_answers_with_the_new_chat_id(
    emu: BotApiEmulator, bot: telegram.Bot
) -> None:
    emu.add_group(-5, "Nhóm cũ", admins=[USER], kind="group")
    emu.migrate(-5, -1005)
    with pytest.raises(ChatMigrated) as caught:
        await bot.send_message(-5, "x")
    assert caught.value.new_chat_id == -1005
    await bot.send_message(-1005, "x")
    assert (await bot.get_chat(-1005)).title == "Nhóm cũ"


async def test_conflict_answers_409_to_get_updates(emu: BotApiEmulator, bot: telegram.Bot) -> None:
    emu.conflict()
    with pytest.raises(Conflict, match="terminated by other getUpdates request"):
        await bot.get_updates()
    emu.conflict(False)
    assert await bot.get_updates() == ()


async def test_delay_provokes_a_client_timeout(emu: BotApiEmulator, bot: telegram.Bot) -> None:
    emu.delay(2.0, "sendMessage", count=1)
    with pytest.raises(telegram.error.TimedOut):
        await bot.send_message(USER, "x", read_timeout=0.2)
    emu.add_user(43)
    await bot.send_message(43, "y", read_timeout=2)


async def test_delay_after_handling_stores_the_message_the_client_gave_up_on(
    emu: BotApiEmulator, bot: telegram.Bot
) -> None:
    emu.delay(2.0, "sendMessage", after=True, count=1)
    with pytest.raises(telegram.error.TimedOut):
        await bot.send_message(USER, "in flight", read_timeout=0.2)
    assert [m.text for m in emu.sent(USER)] == ["in flight"]
