"""The ward picker for a whole province (Hà Nội, 126 units), end to end."""

from __future__ import annotations

from storage import chats
from tests.harness import running_bot
from tests.test_resident_e2e import ask

LAN = 101
HANOI = {"province": "Hà Nội", "custom": []}


def data_of(message, text: str) -> str:
    for row in message.reply_markup:
        for button in row:
            if button["text"] == text:
                return button["callback_data"]
    raise AssertionError(f"no button {text!r} in {message.buttons}")


async def press(bot, message, label: str):
    """Press a button and wait until the message has been edited."""
    edits = len(bot.emu.last(LAN).edits) if bot.emu.last(LAN) else 0
    bot.emu.press_button(LAN, message.message_id, data_of(message, label))
    await bot.emu.wait_for(
        lambda: len(bot.emu.sent(LAN)[-1].edits) > edits, what=f"edit after {label!r}"
    )
    return bot.emu.sent(LAN)[-1]


async def test_page_forward_and_back_choose_and_confirm(tmp_path):
    async with running_bot(tmp_path, wards=HANOI) as bot:
        assert len(bot.svc.registry.all()) == 126
        bot.emu.add_user(LAN, "Lan")
        picker = await ask(bot, LAN, "/start")
        first_page = picker.buttons
        assert len([b for b in first_page if "›" not in b and "‹" not in b]) <= 14
        page2 = await press(bot, picker, "Sau ›")
        assert "2/" in page2.text
        assert page2.buttons != first_page
        page1 = await press(bot, page2, "‹ Trước")
        assert "1/" in page1.text
        letters = await press(bot, page1, "A–Z")
        letter_v = await press(bot, letters, "V")
        chosen = await press(bot, letter_v, "Văn Miếu - Quốc Tử Giám")
        assert "Đã đăng ký" in chosen.text
        assert "✓ Văn Miếu - Quốc Tử Giám" in chosen.buttons
        done = await press(bot, chosen, "Xong")
        assert "phường Văn Miếu - Quốc Tử Giám" in done.text
        codes = await chats.chat_wards(bot.svc.db, LAN)
        assert codes == [bot.svc.resolve("Văn Miếu - Quốc Tử Giám").ward.code]


async def test_former_ward_name_says_where_it_went(tmp_path):
    async with running_bot(tmp_path, wards=HANOI) as bot:
        bot.emu.add_user(LAN, "Lan")
        answer = await ask(bot, LAN, "/subscribe P. Thổ Quan")
        assert "Phường Thổ Quan (cũ) nay thuộc phường Văn Miếu - Quốc Tử Giám" in answer.text
        assert "Đã đăng ký" in answer.text


async def test_split_former_ward_offers_the_choice(tmp_path):
    async with running_bot(tmp_path, wards=HANOI) as bot:
        bot.emu.add_user(LAN, "Lan")
        answer = await ask(bot, LAN, "/subscribe hang bot")
        assert "nhiều phường" in answer.text
        labels = " ".join(answer.buttons)
        assert "Ô Chợ Dừa" in labels and "Văn Miếu - Quốc Tử Giám" in labels


async def test_typo_gets_suggestions(tmp_path):
    async with running_bot(tmp_path, wards=HANOI) as bot:
        bot.emu.add_user(LAN, "Lan")
        typo = await ask(bot, LAN, "/ward Kim Lein")
        assert "Có phải bạn muốn tìm" in typo.text
        assert "phường Kim Liên" in typo.buttons
