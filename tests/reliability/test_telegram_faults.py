"""Telegram misbehaving: 429 storms, 5xx bursts, timeouts, 409, migrations, removals.

Each test drives the real bot against the emulator with one fault switched
on, and checks the guarantee that matters: every chat gets its message
once (timeouts: at most one repeat per send Telegram took but answered too
late), the bot waits as long as Telegram asks and backs off otherwise, and
it ends up in the right state (chat moved, chat deactivated, process
stopped).
"""

from __future__ import annotations

import itertools
import signal
from collections import Counter

import pytest

import bot.app
from bot.telegram_http import AiohttpRequest
from storage import chats, outbox
from tests.harness import eventually, running_bot
from tests.reliability.support import (
    ADMIN,
    CallTimes,
    quiet_emulator,
    start_bot,
    wait_exit,
    write_config,
)
from tests.test_delivery_e2e import code_of, news, publish, subscribe_chats

CHATS = list(range(8000, 8020))
FAST_RETRIES = {"max_attempts": 20, "retry_delay": 0.05}
STORM = 6
SLACK = 0.05  # the stamps of CallTimes are taken when the emulator answers


def once_each(emu, chat_ids) -> bool:
    counts = Counter(m.chat_id for m in emu.sent())
    return all(counts[c] >= 1 for c in chat_ids)


async def all_sent(bot, total: int) -> None:
    async def settled():
        return await outbox.status_counts(bot.svc.db) == {"sent": total}

    await eventually(settled, what=f"{total} rows marked sent")


async def test_429_storm_waits_as_told_and_loses_nothing(tmp_path):
    emu = quiet_emulator()
    async with emu, running_bot(tmp_path, emu, delivery=FAST_RETRIES) as bot, CallTimes(emu) as at:
        await subscribe_chats(bot, CHATS, code_of(bot, "Kim Liên"))
        emu.inject_429(count=STORM, retry_after=2)
        await publish(bot, [news(1, code_of(bot, "Kim Liên"))])
        await emu.wait_for(lambda: once_each(emu, CHATS), timeout=20, what="every chat")
        await all_sent(bot, len(CHATS))
        assert Counter(m.chat_id for m in emu.sent()) == Counter(CHATS)
        assert emu.stats.rate_limited == STORM
        # No tight loop: one call per 429 and one per message, nothing more.
        assert len(emu.calls_to("sendMessage")) == len(CHATS) + STORM
        for chat_id in CHATS:
            sends = at.sends(chat_id)
            for (when, status), (after, _) in itertools.pairwise(sends):
                if status == 429:
                    assert after - when >= 2 - SLACK, (chat_id, sends)


async def test_a_long_429_for_one_chat_does_not_hold_up_the_others(tmp_path):
    emu = quiet_emulator()
    async with emu, running_bot(tmp_path, emu, delivery=FAST_RETRIES) as bot, CallTimes(emu) as at:
        slow = CHATS[0]
        await subscribe_chats(bot, CHATS, code_of(bot, "Kim Liên"))
        emu.inject_429(count=1, retry_after=2, chat_id=slow)
        await publish(bot, [news(1, code_of(bot, "Kim Liên"))])
        others = CHATS[1:]
        await emu.wait_for(lambda: once_each(emu, others), timeout=2, what="the other chats")
        assert emu.sent(slow) == []
        await emu.wait_for(lambda: bool(emu.sent(slow)), timeout=10, what="the slow chat")
        (first, status), (second, _) = at.sends(slow)
        assert status == 429 and second - first >= 2 - SLACK
        await all_sent(bot, len(CHATS))


async def test_5xx_burst_is_retried_with_backoff_until_it_passes(tmp_path):
    emu = quiet_emulator()
    # No interval per chat, so that only the back-off spaces the retries.
    delivery = {**FAST_RETRIES, "per_chat_interval": 0}
    async with emu, running_bot(tmp_path, emu, delivery=delivery) as bot, CallTimes(emu) as at:
        await subscribe_chats(bot, CHATS, code_of(bot, "Kim Liên"))
        emu.fail_share(1.0)
        await publish(bot, [news(1, code_of(bot, "Kim Liên"))])
        errors = lambda: sum(emu.stats.server_errors.values())  # noqa: E731
        await emu.wait_for(lambda: errors() >= 40, timeout=10, what="a burst of 5xx")
        emu.fail_share(0.0)
        await emu.wait_for(lambda: once_each(emu, CHATS), timeout=20, what="every chat")
        await all_sent(bot, len(CHATS))
        assert Counter(m.chat_id for m in emu.sent()) == Counter(CHATS)
        for chat_id in CHATS:  # each retry waits about twice as long as the one before
            times = [when for when, _ in at.sends(chat_id)]
            for tries, (before, after) in enumerate(itertools.pairwise(times), 1):
                wanted = FAST_RETRIES["retry_delay"] * 2 ** (tries - 1) * 0.8
                assert after - before >= wanted - SLACK, (chat_id, tries, times)


@pytest.fixture
def short_api_timeout(monkeypatch):
    """Telegram calls (not the long poll) give up after 0.3 s instead of 10."""

    def request(**kwargs):
        if (kwargs.get("read_timeout") or 0) < 30:
            kwargs["read_timeout"] = 0.3
        return AiohttpRequest(**kwargs)

    monkeypatch.setattr(bot.app, "AiohttpRequest", request)


@pytest.mark.parametrize("answered", [False, True], ids=["unanswered", "answered-late"])
async def test_timeouts_are_retried_and_repeat_only_what_telegram_took(
    tmp_path, short_api_timeout, answered
):
    emu = quiet_emulator()
    async with emu, running_bot(tmp_path, emu, delivery=FAST_RETRIES) as bot:
        await subscribe_chats(bot, CHATS, code_of(bot, "Kim Liên"))
        emu.delay(1.0, "sendMessage", after=answered, count=5)
        await publish(bot, [news(1, code_of(bot, "Kim Liên"))])
        await emu.wait_for(lambda: once_each(emu, CHATS), timeout=20, what="every chat")
        await all_sent(bot, len(CHATS))
        counts = Counter(m.chat_id for m in emu.sent())
        repeated = sum(n - 1 for n in counts.values())
        retried = await bot.svc.db.scalar("SELECT count(*) FROM outbox WHERE attempts > 1")
        assert retried == 5  # the five slow sends timed out and went again
        # Telegram has no idempotency key: a send it took but answered too late is
        # sent again. One that never reached it is not.
        assert repeated == (5 if answered else 0)
        assert set(counts) == set(CHATS)


async def test_another_instance_polling_stops_the_bot_with_one_clear_line(tmp_path):
    async with quiet_emulator() as emu:
        config = write_config(tmp_path, emu)
        log = tmp_path / "bot.log"
        process = start_bot(config, log)
        try:
            await emu.wait_for(lambda: emu.polling, timeout=30, what="the bot polling")
            emu.conflict(True)
            code = await wait_exit(process, 40)
        finally:
            if process.poll() is None:
                process.send_signal(signal.SIGKILL)
                await wait_exit(process, 10)
        stderr = log.read_text("utf-8")
        assert code != 0
        last = stderr.strip().splitlines()[-1]
        assert last == (
            "wardnews: another instance of this bot is polling Telegram (409 Conflict); stopped"
        )
        assert "Traceback" not in stderr


async def test_a_group_migrated_to_a_supergroup_keeps_getting_its_news(tmp_path):
    old, new = -500, -100500
    emu = quiet_emulator()
    async with emu, running_bot(tmp_path, emu) as bot:
        emu.add_group(old, "Tổ dân phố 5", admins=[ADMIN], kind="group")
        ward = code_of(bot, "Kim Liên")
        await subscribe_chats(bot, [old], ward)
        emu.migrate(old, new)
        await publish(bot, [news(1, ward, "Tin số một")])
        first = await emu.wait_for_message(new)
        assert first.text.startswith("Tin số một")
        assert await chats.chat_wards(bot.svc.db, new) == [ward]
        await publish(bot, [news(2, ward, "Tin số hai")])
        second = await emu.wait_for_message(new, count=2)
        assert second.text.startswith("Tin số hai")
        to_old = [c for c in emu.calls_to("sendMessage") if c.params["chat_id"] == old]
        assert len(to_old) == 1  # the one answer that said where the group went
        await all_sent(bot, 2)


async def test_bot_removed_from_a_group_mid_broadcast_is_counted_in_the_report(tmp_path):
    group = -100900
    residents = CHATS[:10]
    emu = quiet_emulator()
    async with emu, running_bot(tmp_path, emu) as bot:
        emu.add_user(ADMIN, "Cán bộ")
        emu.add_group(group, "Tổ dân phố 9", admins=[ADMIN])
        await subscribe_chats(bot, [*residents, group], code_of(bot, "Kim Liên"))
        # The group's copy waits behind a 429; the bot is removed while it waits.
        emu.inject_429(count=1, retry_after=1, chat_id=group)
        emu.send_text(ADMIN, "/broadcast Lịch tiêm chủng tuần này")
        preview = await emu.wait_for_message(ADMIN)
        confirm = next(d for d in preview.callback_data if d.startswith("bc:ok:"))
        emu.press_button(ADMIN, preview.message_id, confirm)
        await emu.wait_for(lambda: emu.stats.rate_limited == 1, what="the group's 429")
        emu.remove_bot_from_group(group, by_user=ADMIN)

        def reported() -> bool:
            (progress,) = [m for m in emu.sent(ADMIN) if m.message_id == preview.message_id]
            return "gửi được" in progress.text

        await emu.wait_for(reported, timeout=10, what="the broadcast report")
        (progress,) = [m for m in emu.sent(ADMIN) if m.message_id == preview.message_id]
        assert "gửi được 10, bị chặn 1, lỗi 0" in progress.text
        assert emu.sent(group) == []
        chat = await chats.get_chat(bot.svc.db, group)
        assert chat is not None and not chat.active
