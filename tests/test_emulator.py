"""The Bot API emulator over real HTTP: request checks, Telegram's rules, updates, faults.

Raw calls go through httpx the way PTB sends them (form fields, structured values as
JSON text); the rules a bot meets are also driven through a real telegram.Bot.
"""

from __future__ import annotations

import json
import logging
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
import telegram
from telegram.error import BadRequest, RetryAfter

from bot.emulator import BotApiEmulator

# PTB 22's own RetryAfter constructor reads its deprecated int `retry_after`.
pytestmark = pytest.mark.filterwarnings(
    "ignore:.*retry_after.*:telegram.warnings.PTBDeprecationWarning"
)

TOKEN = "123456:TEST-token"
USER = 42


class RawApi:
    """Calls like PTB makes them: a form whose non-string values are JSON text."""

    def __init__(self, client: httpx.AsyncClient) -> None:
        self.client = client

    async def __call__(self, method: str, **params: Any) -> tuple[int, dict[str, Any]]:
        form = {k: v if isinstance(v, str) else json.dumps(v) for k, v in params.items()}
        response = await self.client.post(method, data=form)
        return response.status_code, response.json()

    async def json(self, method: str, **params: Any) -> tuple[int, dict[str, Any]]:
        response = await self.client.post(method, json=params)
        return response.status_code, response.json()


@pytest.fixture
async def emu() -> AsyncIterator[BotApiEmulator]:
    async with BotApiEmulator(TOKEN) as emulator:
        emulator.add_user(USER, "Lan")
        yield emulator


@pytest.fixture
async def api(emu: BotApiEmulator) -> AsyncIterator[RawApi]:
    async with httpx.AsyncClient(base_url=f"{emu.base_url}{TOKEN}/", timeout=10) as client:
        yield RawApi(client)


@pytest.fixture
async def bot(emu: BotApiEmulator) -> AsyncIterator[telegram.Bot]:
    async with telegram.Bot(TOKEN, base_url=emu.base_url) as the_bot:
        yield the_bot


def _button(data: str, text: str = "Chọn") -> telegram.InlineKeyboardMarkup:
    return telegram.InlineKeyboardMarkup(
        [[telegram.InlineKeyboardButton(text, callback_data=data)]]
    )


# -- requests checked against the specification ---------------------------------------


async def test_unknown_method_answers_404(api: RawApi) -> None:
    status, body = await api("sendMesage", chat_id=USER, text="x")
    assert (status, body) == (
        404,
        {"ok": False, "error_code": 404, "description": "Not Found: method not found"},
    )


async def test_unknown_field_is_refused(api: RawApi) -> None:
    status, body = await api("sendMessage", chat_id=USER, text="x", colour="red")
    assert status == 400
    assert body["description"].startswith('Bad Request: unknown parameter "colour"')


@pytest.mark.parametrize(
    ("params", "description"),
    [
        ({"text": "x"}, "Bad Request: chat_id is empty"),
        ({"chat_id": USER}, "Bad Request: message text is empty"),
    ],
)
async def test_missing_required_field_is_refused(
    api: RawApi, params: dict[str, Any], description: str
) -> None:
    assert await api("sendMessage", **params) == (
        400,
        {"ok": False, "error_code": 400, "description": description},
    )


async def test_wrong_token_is_unauthorized(emu: BotApiEmulator) -> None:
    other = telegram.Bot("999:other", base_url=emu.base_url)
    with pytest.raises(telegram.error.InvalidToken):
        await other.initialize()
    await other.shutdown()
    assert emu.calls[-1] == ("getMe", {}, 401)


async def test_json_bodies_are_accepted(emu: BotApiEmulator, api: RawApi) -> None:
    markup = {"inline_keyboard": [[{"text": "A", "callback_data": "a"}]]}
    status, body = await api.json("sendMessage", chat_id=USER, text="hi", reply_markup=markup)
    assert status == 200 and body["result"]["reply_markup"] == markup
    assert emu.last(USER) is not None and emu.last(USER).callback_data == ["a"]


async def test_numeric_string_chat_ids_in_json_bodies_are_accepted(api: RawApi) -> None:
    status, body = await api.json("sendMessage", chat_id=str(USER), text="hi")
    assert status == 200 and body["result"]["chat"]["id"] == USER


async def test_the_token_is_never_logged(
    emu: BotApiEmulator, bot: telegram.Bot, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="bot.emulator")
    caplog.set_level(logging.DEBUG, logger="aiohttp")
    await bot.send_message(USER, "x")
    with pytest.raises(telegram.error.TelegramError):
        await bot.send_message(USER, "<b>", parse_mode="HTML")
    assert any("sendMessage" in r.getMessage() for r in caplog.records)
    assert not [r for r in caplog.records if TOKEN in r.getMessage()]


async def test_methods_without_behaviour_answer_per_their_return_type(bot: telegram.Bot) -> None:
    assert await bot.send_chat_action(USER, "typing") is True
    assert (await bot.get_webhook_info()).url == ""


# -- Telegram's text rules ---------------------------------------------------------------


async def test_text_of_4096_utf16_units_passes_and_4097_is_refused(
    emu: BotApiEmulator, bot: telegram.Bot
) -> None:
    emu.add_user(43)
    await bot.send_message(USER, "😀" * 2048)
    with pytest.raises(BadRequest, match="Message is too long"):
        await bot.send_message(43, "😀" * 2048 + "a")


@pytest.mark.parametrize("text", ["", "  \n "])
async def test_empty_text_is_refused(bot: telegram.Bot, text: str) -> None:
    with pytest.raises(BadRequest, match="Message text is empty"):
        await bot.send_message(USER, text)


@pytest.mark.parametrize(
    ("text", "detail"),
    [
        ("<b>Tin mới", "Can't find end tag corresponding to start tag b"),
        ("<script>alert(1)</script>", 'Unsupported start tag "script" at byte offset 0'),
        ("Điện & nước", 'Character "&" is reserved'),
        ("<b><i>x</b></i>", "Unmatched end tag"),
        ("x</i>", "Unexpected end tag"),
    ],
)
async def test_bad_html_is_refused(
    emu: BotApiEmulator, bot: telegram.Bot, text: str, detail: str
) -> None:
    with pytest.raises(BadRequest, match="Can't parse entities") as caught:
        await bot.send_message(USER, text, parse_mode="HTML")
    # PTB lowercases all but the first letter of the description
    assert detail.lower() in caught.value.message.lower()
    assert emu.sent(USER) == []


async def test_valid_nested_html_and_numeric_entities_are_accepted(
    emu: BotApiEmulator, bot: telegram.Bot
) -> None:
    html = '<b>Phường <i>Văn Miếu</i></b> &#8212; <a href="https://x.vn/?a=1&amp;b=2">đọc</a>'
    message = await bot.send_message(USER, html, parse_mode="HTML")
    assert message.text == "Phường Văn Miếu — đọc"
    sent = emu.last(USER)
    assert sent is not None and sent.html == html and sent.parse_mode == "HTML"
    assert [e["type"] for e in sent.entities] == ["bold", "italic", "text_link"]


async def test_caption_over_1024_is_refused_and_photo_is_recorded(
    emu: BotApiEmulator, bot: telegram.Bot
) -> None:
    with pytest.raises(BadRequest, match="caption is too long"):
        await bot.send_photo(USER, b"\x89PNG fake", caption="a" * 1025)
    await bot.send_photo(USER, b"\x89PNG fake", caption="<b>Ảnh</b>", parse_mode="HTML")
    sent = emu.last(USER)
    assert sent is not None and (sent.kind, sent.text) == ("photo", "Ảnh")


async def test_callback_data_over_64_bytes_is_refused(bot: telegram.Bot) -> None:
    await bot.send_message(USER, "ok", reply_markup=_button("đ" * 32))
    with pytest.raises(BadRequest, match="Button_data_invalid"):
        await bot.send_message(USER + 1, "x", reply_markup=_button("đ" * 32 + "x"))


async def test_empty_button_text_is_refused(api: RawApi) -> None:
    markup = {"inline_keyboard": [[{"text": "", "callback_data": "a"}]]}
    status, body = await api("sendMessage", chat_id=USER, text="x", reply_markup=markup)
    assert status == 400 and body["description"] == "Bad Request: BUTTON_TEXT_INVALID"


# -- flood limits ----------------------------------------------------------------------


async def test_second_message_to_a_private_chat_within_a_second_is_429(
    emu: BotApiEmulator, bot: telegram.Bot, api: RawApi
) -> None:
    await bot.send_message(USER, "một")
    with pytest.raises(RetryAfter):
        await bot.send_message(USER, "hai")
    status, body = await api("sendMessage", chat_id=USER, text="ba")
    assert (status, body["parameters"]) == (429, {"retry_after": 1})
    assert emu.stats.rate_limited == 2
    assert [m.text for m in emu.sent(USER)] == ["một"]


async def test_thirty_first_message_in_a_second_is_429() -> None:
    # A stopped clock: every send falls in the same second however slow the machine.
    async with (
        BotApiEmulator(TOKEN, clock=lambda: 1000.0) as emulator,
        httpx.AsyncClient(base_url=f"{emulator.base_url}{TOKEN}/") as client,
    ):
        api = RawApi(client)
        for chat_id in range(1000, 1030):
            assert (await api("sendMessage", chat_id=chat_id, text="x"))[0] == 200
        status, body = await api("sendMessage", chat_id=2000, text="x")
    assert status == 429 and body["parameters"] == {"retry_after": 1}
    assert emulator.stats.rate_limited == 1


async def test_twenty_first_group_message_in_a_minute_is_429(
    emu: BotApiEmulator, api: RawApi
) -> None:
    emu.add_group(-100123, "Tổ dân phố 5", admins=[USER])
    for _ in range(20):
        assert (await api("sendMessage", chat_id=-100123, text="x"))[0] == 200
    status, body = await api("sendMessage", chat_id=-100123, text="x")
    assert status == 429
    assert body["description"].startswith("Too Many Requests: retry after ")
    assert 58 <= body["parameters"]["retry_after"] <= 60


# -- messages, buttons, commands -----------------------------------------------------------


async def test_edits_keep_history_and_unchanged_edit_is_refused(
    emu: BotApiEmulator, bot: telegram.Bot
) -> None:
    message = await bot.send_message(USER, "một", reply_markup=_button("a"))
    await bot.edit_message_text("hai", USER, message.message_id, reply_markup=_button("b"))
    await bot.edit_message_reply_markup(USER, message.message_id, reply_markup=_button("c"))
    with pytest.raises(BadRequest, match="not modified"):
        await bot.edit_message_reply_markup(USER, message.message_id, reply_markup=_button("c"))
    sent = emu.last(USER)
    assert sent is not None and (sent.text, sent.callback_data) == ("hai", ["c"])
    assert [(v.text, v.reply_markup[0][0]["callback_data"]) for v in sent.edits] == [
        ("một", "a"),
        ("hai", "b"),
    ]


async def test_delete_and_copy(emu: BotApiEmulator, bot: telegram.Bot) -> None:
    emu.add_user(43)
    message = await bot.send_message(USER, "<b>tin</b>", parse_mode="HTML")
    copy = await bot.copy_message(43, USER, message.message_id)
    assert await bot.delete_message(USER, message.message_id)
    with pytest.raises(BadRequest, match="Message to delete not found"):
        await bot.delete_message(USER, message.message_id)
    copied = emu.last(43)
    assert copied is not None and copied.message_id == copy.message_id
    assert (copied.kind, copied.text, copied.entities[0]["type"]) == ("copy", "tin", "bold")
    assert emu.sent(USER)[0].deleted


async def test_button_press_reaches_the_bot_and_its_answer_is_recorded(
    emu: BotApiEmulator, bot: telegram.Bot
) -> None:
    message = await bot.send_message(
        USER, "Chọn phường", reply_markup=_button("ward:1", "Phường 1")
    )
    with pytest.raises(LookupError, match="no button"):
        emu.press_button(USER, message.message_id, "ward:2")
    query_id = emu.press_button(USER, message.message_id, "ward:1")
    (update,) = await bot.get_updates()
    assert update.callback_query is not None
    assert (update.callback_query.id, update.callback_query.data) == (query_id, "ward:1")
    assert update.callback_query.message.message_id == message.message_id
    await bot.answer_callback_query(query_id, text="Đã chọn")
    with pytest.raises(BadRequest, match=r"(?i)query is too old"):
        await bot.answer_callback_query(query_id)
    assert [(a.user_id, a.text) for a in emu.callback_answers] == [(USER, "Đã chọn")]


async def test_commands_are_stored_per_language_and_scope(
    emu: BotApiEmulator, bot: telegram.Bot
) -> None:
    await bot.set_my_commands([("start", "Bắt đầu")])
    await bot.set_my_commands([("start", "Start")], language_code="en")
    admins = telegram.BotCommandScopeAllChatAdministrators()
    await bot.set_my_commands([("stats", "Thống kê")], scope=admins)
    assert emu.commands == {
        "": [{"command": "start", "description": "Bắt đầu"}],
        "en": [{"command": "start", "description": "Start"}],
    }
    assert emu.commands_for({"type": "all_chat_administrators"})[0]["command"] == "stats"
    assert [c.command for c in await bot.get_my_commands(scope=admins)] == ["stats"]
    with pytest.raises(BadRequest, match="Bot_command_invalid"):
        await bot.set_my_commands([("Bad-Command", "x")])


async def test_user_commands_carry_a_bot_command_entity(
    emu: BotApiEmulator, bot: telegram.Bot
) -> None:
    emu.add_group(-100, "Nhóm", admins=[USER])
    emu.send_text(USER, "/ward@wardnews_bot Thổ Quan", chat_id=-100)
    (update,) = await bot.get_updates()
    assert update.message is not None
    assert update.message.parse_entities(["bot_command"]) == {
        update.message.entities[0]: "/ward@wardnews_bot"
    }


async def test_transcript_reads_as_a_chat(emu: BotApiEmulator, bot: telegram.Bot) -> None:
    emu.send_text(USER, "/start")
    message = await bot.send_message(USER, "Xin chào", reply_markup=_button("a", "Phường A"))
    emu.press_button(USER, message.message_id, "a")
    lines = [(e.who, e.name, e.text, e.buttons, e.kind) for e in emu.transcript]
    assert lines == [
        ("user", "Lan", "/start", (), "text"),
        ("bot", "Tin phường", "Xin chào", ("Phường A",), "text"),
        ("user", "Lan", "Phường A", (), "button"),
    ]
