"""Resident commands end to end: the real Application, the emulator, a real SQLite file."""

from __future__ import annotations

from bot.emulator import BotApiEmulator
from tests.harness import TOKEN, running_bot

LAN = 101
GROUP = -100500
ADMIN = 201
MEMBER = 202


def ward_button(message, name: str) -> str:
    for row in message.reply_markup:
        for button in row:
            if name in button["text"]:
                return button["callback_data"]
    raise AssertionError(f"no button {name!r} in {message.buttons}")


async def ask(bot, user: int, text: str, *, chat_id: int | None = None, contains=None):
    """Send text and wait for the next bot message in that chat."""
    chat = chat_id or user
    before = len(bot.emu.sent(chat))
    bot.emu.send_text(user, text, chat_id=chat_id)
    return await bot.emu.wait_for_message(chat, count=before + 1, contains=contains)


async def test_start_pick_list_and_unsubscribe(tmp_path):
    async with running_bot(tmp_path) as bot:
        bot.emu.add_user(LAN, "Lan")
        greeting = await ask(bot, LAN, "/start")
        assert "Xin chào" in greeting.text
        data = ward_button(greeting, "Kim Liên")
        bot.emu.press_button(LAN, greeting.message_id, data)
        await bot.emu.wait_for(
            lambda: "Đã đăng ký" in (bot.emu.last(LAN).text or ""), what="subscribe confirmation"
        )
        listing = await ask(bot, LAN, "/ward")
        assert "phường Kim Liên" in listing.text
        removed = await ask(bot, LAN, "/unsubscribe kim lien")
        assert "Đã hủy" in removed.text
        listing = await ask(bot, LAN, "/ward")
        assert "chưa đăng ký" in listing.text


async def test_ward_query_finds_ward_by_alias(tmp_path):
    async with running_bot(tmp_path) as bot:
        bot.emu.add_user(LAN, "Lan")
        card = await ask(bot, LAN, "/ward tho quan")
        assert "Văn Miếu - Quốc Tử Giám" in card.text
        assert any("sub:" in data for data in card.callback_data)


async def test_group_member_who_is_not_admin_is_refused(tmp_path):
    async with running_bot(tmp_path) as bot:
        bot.emu.add_user(ADMIN, "Admin")
        bot.emu.add_user(MEMBER, "Member")
        bot.emu.add_group(GROUP, "Tổ dân phố 5", admins=[ADMIN], members=[MEMBER])
        refused = await ask(bot, MEMBER, "/subscribe Kim Liên", chat_id=GROUP)
        assert "quản trị viên" in refused.text
        accepted = await ask(bot, ADMIN, "/subscribe Kim Liên", chat_id=GROUP)
        assert "Đã đăng ký" in accepted.text


async def test_subscriptions_survive_a_restart(tmp_path):
    emu = BotApiEmulator(
        TOKEN, per_chat_interval=None, global_per_second=None, group_per_minute=None
    )
    async with emu:
        emu.add_user(LAN, "Lan")
        async with running_bot(tmp_path, emu) as bot:
            reply = await ask(bot, LAN, "/subscribe Ô Chợ Dừa")
            assert "Đã đăng ký" in reply.text
        async with running_bot(tmp_path, emu) as bot:
            listing = await ask(bot, LAN, "/ward")
            assert "phường Ô Chợ Dừa" in listing.text


async def test_language_switch_to_english(tmp_path):
    async with running_bot(tmp_path) as bot:
        bot.emu.add_user(LAN, "Lan")
        switched = await ask(bot, LAN, "/lang en")
        assert "English" in switched.text
        help_text = await ask(bot, LAN, "/help")
        assert "Commands" in help_text.text


async def test_unknown_command_gets_a_polite_answer(tmp_path):
    async with running_bot(tmp_path) as bot:
        bot.emu.add_user(LAN, "Lan")
        answer = await ask(bot, LAN, "/frobnicate")
        assert "/help" in answer.text


async def test_command_menus_are_set_in_both_languages(tmp_path):
    async with running_bot(tmp_path) as bot:
        scope = {"type": "all_private_chats"}
        vietnamese = bot.emu.commands_for(scope, "")
        english = bot.emu.commands_for(scope, "en")
        assert {c["command"] for c in vietnamese} >= {"start", "ward", "latest", "search"}
        assert vietnamese[0]["description"] != english[0]["description"]


async def test_typing_a_ward_name_in_private_shows_that_ward(tmp_path):
    async with running_bot(tmp_path) as bot:
        bot.emu.add_user(LAN, "Lan")
        card = await ask(bot, LAN, "van chuong")
        assert "Văn Miếu - Quốc Tử Giám" in card.text
        assert any(d.startswith("sub:") for d in card.callback_data)
        unknown = await ask(bot, LAN, "xin chào bot")
        assert "Không tìm thấy" in unknown.text or "/help" in unknown.text
