"""Admins end to end: broadcasts with preview and report, officers, refusals, /stats."""

from __future__ import annotations

from storage import broadcasts, chats
from tests.harness import eventually, running_bot
from tests.test_resident_e2e import ask

ADMIN = 900  # telegram.admins in tests.harness
OFFICER = 901
RESIDENT = 301

OFFICERS = [{"user_id": OFFICER, "wards": ["Kim Liên"]}]


async def subscribe(bot, chat_ids, name: str) -> None:
    code = bot.svc.resolve(name).ward.code
    for chat_id in chat_ids:
        await chats.upsert_chat(bot.svc.db, chat_id, "private", None)
        await chats.subscribe(bot.svc.db, chat_id, [code])


def button(message, prefix: str) -> str:
    return next(d for d in message.callback_data if d.startswith(prefix))


async def test_broadcast_preview_confirm_delivers_once_and_reports(tmp_path):
    async with running_bot(tmp_path, admins=OFFICERS) as bot:
        bot.emu.add_user(ADMIN, "Cán bộ")
        await subscribe(bot, [11, 12, 13], "Kim Liên")
        await subscribe(bot, [14], "Ô Chợ Dừa")
        preview = await ask(bot, ADMIN, "/broadcast Kim Liên Lịch cắt nước <ngày mai> & sáng")
        assert "3 người nhận" in preview.text
        assert "Lịch cắt nước <ngày mai> & sáng" in preview.text
        bot.emu.press_button(ADMIN, preview.message_id, button(preview, "bc:ok:"))
        await bot.emu.wait_for(
            lambda: all(bot.emu.sent(c) for c in (11, 12, 13)), what="3 chats got it"
        )
        for chat_id in (11, 12, 13):
            (message,) = bot.emu.sent(chat_id)
            assert "Lịch cắt nước <ngày mai> & sáng" in message.text
        assert bot.emu.sent(14) == []

        def reported():
            message = bot.emu.last(ADMIN)
            return message is not None and "gửi được 3" in message.text

        await bot.emu.wait_for(reported, what="final report")
        record = await broadcasts.get_broadcast(bot.svc.db, 1)
        assert record.status == "done" and record.author_id == ADMIN


async def test_cancel_sends_nothing(tmp_path):
    async with running_bot(tmp_path) as bot:
        bot.emu.add_user(ADMIN, "Cán bộ")
        await subscribe(bot, [11], "Kim Liên")
        preview = await ask(bot, ADMIN, "/broadcast Thông báo họp tổ dân phố")
        bot.emu.press_button(ADMIN, preview.message_id, button(preview, "bc:no:"))
        await bot.emu.wait_for(lambda: "Đã hủy" in bot.emu.last(ADMIN).text, what="cancelled")

        async def cancelled():
            record = await broadcasts.get_broadcast(bot.svc.db, 1)
            return record.status == "cancelled"

        await eventually(cancelled, what="cancelled in storage")
        assert bot.emu.sent(11) == []


async def test_officer_cannot_target_another_ward(tmp_path):
    async with running_bot(tmp_path, admins=OFFICERS) as bot:
        bot.emu.add_user(OFFICER, "Cán bộ phường")
        refused = await ask(bot, OFFICER, "/broadcast Ô Chợ Dừa Thông báo")
        assert "Kim Liên" in refused.text
        assert not refused.callback_data
        allowed = await ask(bot, OFFICER, "/broadcast Thông báo của phường")
        assert "phường Kim Liên" in allowed.text
        assert any(d.startswith("bc:ok:") for d in allowed.callback_data)


async def test_non_admin_is_refused_politely_and_audited(tmp_path):
    async with running_bot(tmp_path) as bot:
        bot.emu.add_user(RESIDENT, "Dân")
        for command in ("/broadcast xin chào", "/sources", "/poll", "/stats"):
            answer = await ask(bot, RESIDENT, command)
            assert "chỉ dành cho cán bộ" in answer.text
        refused = await bot.svc.db.scalar("SELECT count(*) FROM audit WHERE action = 'refused'")
        assert refused == 4


async def test_stats_counts_subscribers_per_ward(tmp_path):
    async with running_bot(tmp_path) as bot:
        bot.emu.add_user(ADMIN, "Cán bộ")
        await subscribe(bot, [11, 12], "Kim Liên")
        answer = await ask(bot, ADMIN, "/stats")
        assert "phường Kim Liên: 2" in answer.text


async def test_broadcast_as_reply_copies_the_message(tmp_path):
    async with running_bot(tmp_path) as bot:
        bot.emu.add_user(ADMIN, "Cán bộ")
        await subscribe(bot, [11], "Kim Liên")
        original = bot.emu.send_text(ADMIN, "Ảnh lịch tiêm chủng tuần này")
        bot.emu.push_update(
            {
                "message": {
                    "message_id": original + 1000,
                    "date": 0,
                    "chat": {"id": ADMIN, "type": "private", "first_name": "Cán bộ"},
                    "from": {"id": ADMIN, "is_bot": False, "first_name": "Cán bộ"},
                    "text": "/broadcast",
                    "entities": [{"type": "bot_command", "offset": 0, "length": 10}],
                    "reply_to_message": {
                        "message_id": original,
                        "date": 0,
                        "chat": {"id": ADMIN, "type": "private", "first_name": "Cán bộ"},
                        "text": "Ảnh lịch tiêm chủng tuần này",
                    },
                }
            }
        )
        preview = await bot.emu.wait_for_message(ADMIN, contains="người nhận")
        bot.emu.press_button(ADMIN, preview.message_id, button(preview, "bc:ok:"))
        copied = await bot.emu.wait_for_message(11)
        assert copied.kind == "copy"
        assert copied.copied_from == (ADMIN, original)
