"""Delivery end to end: outbox → worker → emulator, within limits, exactly once."""

from __future__ import annotations

import time
from datetime import UTC, datetime

from bot.config import SourceConfig
from bot.emulator import BotApiEmulator
from bot.ingest import store_items
from bot.news.text import fold
from storage import chats, outbox
from storage.records import NewItem
from storage.sources import sync_sources
from tests.harness import TOKEN, eventually, running_bot

SOURCE = SourceConfig(name="test-source", kind="rss", url="http://127.0.0.1/feed")


def news(n: int, ward: str, title: str | None = None) -> NewItem:
    title = title or f"Tin số {n}"
    return NewItem(
        source=SOURCE.name,
        key=f"k{n}",
        url=f"https://example.gov.vn/tin/{n}",
        guid=None,
        title=title,
        title_key=fold(title),
        summary=f"Tóm tắt tin {n}.",
        body=f"Nội dung {n}.",
        author=None,
        published_at=datetime(2026, 11, 20, 2, n % 60, tzinfo=UTC),
        date_guessed=False,
        wards=(ward,),
        content_hash=f"h{n}",
    )


async def publish(bot, items: list[NewItem]) -> int:
    svc = bot.svc
    await sync_sources(svc.db, [(SOURCE.name, SOURCE.kind, SOURCE.url)])
    stored = await store_items(svc.db, items, {i.url for i in items}, batch=int(time.time()))
    svc.delivery.wake()
    return stored.queued


async def subscribe_chats(bot, chat_ids, ward_code: str) -> None:
    for chat_id in chat_ids:
        kind = "private" if chat_id > 0 else "supergroup"
        await chats.upsert_chat(bot.svc.db, chat_id, kind, None)
        await chats.subscribe(bot.svc.db, chat_id, [ward_code])


def code_of(bot, name: str) -> str:
    return bot.svc.resolve(name).ward.code


async def test_new_item_reaches_every_subscriber_once_and_nobody_else(tmp_path):
    async with running_bot(tmp_path) as bot:
        kim_lien, o_cho_dua = code_of(bot, "Kim Liên"), code_of(bot, "Ô Chợ Dừa")
        await subscribe_chats(bot, [1, 2, 3], kim_lien)
        await subscribe_chats(bot, [4], o_cho_dua)
        assert await publish(bot, [news(1, kim_lien, "Ra quân làm sạch ngõ phố")]) == 3
        await bot.emu.wait_for(lambda: all(bot.emu.sent(c) for c in (1, 2, 3)), what="3 pushes")
        for chat_id in (1, 2, 3):
            (message,) = bot.emu.sent(chat_id)
            assert message.text.startswith("Ra quân làm sạch ngõ phố")
            assert "phường Kim Liên" in message.text
        assert bot.emu.sent(4) == []

        async def all_sent():
            return await outbox.status_counts(bot.svc.db) == {"sent": 3}

        await eventually(all_sent, what="3 rows marked sent")


async def test_many_items_in_one_poll_arrive_as_one_digest(tmp_path):
    async with running_bot(tmp_path) as bot:
        ward = code_of(bot, "Kim Liên")
        await subscribe_chats(bot, [1], ward)
        await publish(bot, [news(n, ward) for n in range(5)])
        message = await bot.emu.wait_for_message(1)
        assert "5 tin mới" in message.text

        async def settled():
            return await outbox.status_counts(bot.svc.db) == {"sent": 5}

        await eventually(settled, what="5 rows sent in one digest")
        assert len(bot.emu.sent(1)) == 1


async def test_500_chats_at_the_cap_with_no_429(tmp_path):
    emu = BotApiEmulator(TOKEN, global_per_second=100, per_chat_interval=1.0)
    async with emu:
        delivery = {"global_per_second": 100, "per_chat_interval": 1.0}
        async with running_bot(tmp_path, emu, delivery=delivery) as bot:
            ward = code_of(bot, "Kim Liên")
            chat_ids = list(range(1000, 1500))
            await subscribe_chats(bot, chat_ids, ward)
            started = time.monotonic()
            await publish(bot, [news(1, ward)])
            await emu.wait_for(lambda: len(emu.sent()) >= 500, timeout=30, what="500 deliveries")
            elapsed = time.monotonic() - started
            assert emu.stats.rate_limited == 0
            assert sorted(m.chat_id for m in emu.sent()) == chat_ids
            assert elapsed <= 5.5, f"500 messages at 100/s took {elapsed:.2f} s"


async def test_faults_still_give_exactly_one_copy_and_blocked_chat_is_dropped(tmp_path):
    emu = BotApiEmulator(
        TOKEN, global_per_second=None, per_chat_interval=None, group_per_minute=None
    )
    async with (
        emu,
        running_bot(tmp_path, emu, delivery={"max_attempts": 20, "retry_delay": 0.05}) as bot,
    ):
        ward = code_of(bot, "Kim Liên")
        chat_ids = list(range(2000, 2040))
        await subscribe_chats(bot, chat_ids, ward)
        emu.block(2005)
        emu.fail_share(0.3, seed=7)
        emu.inject_429(count=3, retry_after=1)
        await publish(bot, [news(1, ward)])
        others = [c for c in chat_ids if c != 2005]
        await emu.wait_for(
            lambda: all(emu.sent(c) for c in others), timeout=60, what="every other chat"
        )
        for chat_id in others:
            assert len(emu.sent(chat_id)) == 1, chat_id

        async def deactivated():
            chat = await chats.get_chat(bot.svc.db, 2005)
            return chat is not None and not chat.active

        await eventually(deactivated, what="blocked chat deactivated")
        attempts = [c for c in emu.calls_to("sendMessage") if c.params["chat_id"] == 2005]
        assert len(attempts) == 1


async def test_html_telegram_cannot_parse_is_resent_once_as_plain_text(tmp_path, caplog):
    from bot.messages import Rendered

    async with running_bot(tmp_path) as bot:
        await subscribe_chats(bot, [7], code_of(bot, "Kim Liên"))
        sender = bot.svc.delivery.sender
        message_id = await sender.send_html(7, Rendered("<b>Tin <i>lỗi</b>", "Tin lỗi"))
        (message,) = bot.emu.sent(7)
        assert message.message_id == message_id
        assert message.text == "Tin lỗi" and message.parse_mode is None
        assert any("BUG" in r.getMessage() for r in caplog.records)


async def test_send_html_posts_raw_json_with_preview_and_keyboard_and_no_ptb_warning(
    tmp_path, monkeypatch
):
    """Sends skip telegram.Message (only its id is needed) and PTB's advice to build one."""
    import warnings

    import telegram
    from telegram import InlineKeyboardButton, InlineKeyboardMarkup
    from telegram.warnings import PTBUserWarning

    from bot import sender as sender_module
    from bot.messages import Rendered

    def no_message(*args, **kwargs):
        raise AssertionError("a telegram.Message was built for a delivery send")

    async with running_bot(tmp_path) as bot:
        await subscribe_chats(bot, [7], code_of(bot, "Kim Liên"))
        keyboard = InlineKeyboardMarkup([[InlineKeyboardButton("Xem", callback_data="x:1")]])
        with warnings.catch_warnings(record=True) as seen:
            warnings.simplefilter("always")
            sender_module.quiet_raw_send_warning()
            monkeypatch.setattr(telegram.Message, "de_json", no_message)
            message_id = await bot.svc.delivery.sender.send_html(
                7, Rendered("<b>Tin</b> mới", "Tin mới"), keyboard
            )
            monkeypatch.undo()
        (message,) = bot.emu.sent(7)
        assert message.message_id == message_id
        assert message.text == "Tin mới" and message.parse_mode == "HTML"
        assert message.buttons == ["Xem"] and message.callback_data == ["x:1"]
        (call,) = [c for c in bot.emu.calls_to("sendMessage") if c.params["chat_id"] == 7]
        assert call.params["link_preview_options"] == {"is_disabled": True}
        assert not [w for w in seen if issubclass(w.category, PTBUserWarning)]


async def test_a_full_window_does_not_wait_to_gather_marks(tmp_path, monkeypatch):
    """With every slot taken, a send's mark goes at once: the next send waits for it."""
    monkeypatch.setattr(outbox, "MARK_DELAY", 3600.0)
    async with running_bot(tmp_path, delivery={"in_flight": 1}) as bot:
        ward = code_of(bot, "Kim Liên")
        await subscribe_chats(bot, [1, 2, 3], ward)
        await publish(bot, [news(1, ward)])

        async def all_sent():
            return await outbox.status_counts(bot.svc.db) == {"sent": 3}

        await eventually(all_sent, what="3 rows marked sent")


async def test_requests_out_are_bounded_by_the_round_trip(tmp_path):
    """The worker times Telegram's answers and bounds the requests out by them."""
    async with running_bot(tmp_path, delivery={"in_flight": 32}) as bot:
        ward = code_of(bot, "Kim Liên")
        await subscribe_chats(bot, list(range(1, 6)), ward)
        await publish(bot, [news(1, ward)])

        async def all_sent():
            return await outbox.status_counts(bot.svc.db) == {"sent": 5}

        await eventually(all_sent, what="5 rows marked sent")
        answers = bot.svc.delivery._answers
        assert answers.round_trip is not None and answers.count == 0
        assert answers.limit < 32  # a local emulator answers in milliseconds


async def test_a_lane_of_one_row_stays_small(tmp_path):
    """The worker holds up to 50,000 lanes, mostly of one row: ~1.1 KB each with a deque
    (an empty one takes 760 bytes), ~0.4 KB with a list."""
    import tracemalloc

    from storage.records import Delivery

    rows = [Delivery(10**6 + i, 10**7 + i, "private", "vi", 1, None, 1, 0) for i in range(2000)]
    async with running_bot(tmp_path) as bot:
        worker = bot.svc.delivery
        later = worker.clock() + 3600  # not due during the test
        tracemalloc.start()
        try:
            before = tracemalloc.get_traced_memory()[0]
            for row in rows:
                worker._add(row, later)
            per_lane = (tracemalloc.get_traced_memory()[0] - before) / len(rows)
        finally:
            tracemalloc.stop()
        assert len(worker._lanes) >= len(rows)
        assert per_lane < 600, f"{per_lane:.0f} bytes per lane"


async def test_bot_removed_from_group_deactivates_it(tmp_path):
    async with running_bot(tmp_path) as bot:
        bot.emu.add_user(55, "Hoa")
        bot.emu.add_group(-4242, "Tổ 3", admins=[55])
        await subscribe_chats(bot, [-4242], code_of(bot, "Kim Liên"))
        bot.emu.remove_bot_from_group(-4242, by_user=55)

        async def deactivated():
            chat = await chats.get_chat(bot.svc.db, -4242)
            return chat is not None and not chat.active

        await eventually(deactivated, what="group deactivated")
        assert await chats.chat_wards(bot.svc.db, -4242) == []


async def test_news_is_not_starved_by_a_long_broadcast(tmp_path):
    from storage import broadcasts

    async with running_bot(tmp_path, delivery={"global_per_second": 20}) as bot:
        kim_lien, o_cho_dua = code_of(bot, "Kim Liên"), code_of(bot, "Ô Chợ Dừa")
        crowd = list(range(3000, 3080))
        await subscribe_chats(bot, crowd, kim_lien)
        await subscribe_chats(bot, [999], o_cho_dua)
        draft = await broadcasts.create_draft(bot.svc.db, 900, 900, "Họp dân", [kim_lien], 80)
        assert await broadcasts.confirm(bot.svc.db, draft, None) == 80
        bot.svc.delivery.wake()
        await bot.emu.wait_for(lambda: len(bot.emu.sent()) >= 5, what="broadcast under way")
        await publish(bot, [news(1, o_cho_dua)])
        await bot.emu.wait_for(lambda: bool(bot.emu.sent(999)), what="the news item")
        broadcast_sent = len([m for m in bot.emu.sent() if m.chat_id != 999])
        assert broadcast_sent < 40, f"news waited for {broadcast_sent} broadcast messages"
