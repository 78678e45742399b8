"""PTB accepts every answer of the emulator, and a real Application talks to it."""

from __future__ import annotations

import json
import time
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
import telegram
from telegram.ext import (
    ApplicationBuilder,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
)

from bot.emulator import BotApiEmulator

TOKEN = "123456:TEST-token"
USER, ADMIN, MEMBER, STRANGER = 42, 7, 8, 9
GROUP, CHANNEL = -100500, -100600


class Raw:
    """Form calls like PTB's, returning the `result` of a successful answer."""

    def __init__(self, client: httpx.AsyncClient) -> None:
        self.client = client

    async def __call__(self, method: str, files: Any = None, **params: Any) -> Any:
        form = {k: v if isinstance(v, str) else json.dumps(v) for k, v in params.items()}
        response = await self.client.post(method, data=form, files=files)
        body = response.json()
        assert response.status_code == 200, body
        return body["result"]


@pytest.fixture
async def emu() -> AsyncIterator[BotApiEmulator]:
    async with BotApiEmulator(TOKEN, per_chat_interval=None) as emulator:
        emulator.add_user(USER, "Lan", username="lan_hn")
        emulator.add_group(GROUP, "Tổ dân phố 3", admins=[ADMIN, USER], members=[MEMBER])
        emulator.add_channel(CHANNEL, "Tin Thổ Quan")
        yield emulator


@pytest.fixture
async def raw(emu: BotApiEmulator) -> AsyncIterator[Raw]:
    async with httpx.AsyncClient(base_url=f"{emu.base_url}{TOKEN}/") as client:
        yield Raw(client)


@pytest.fixture
async def bot(emu: BotApiEmulator) -> AsyncIterator[telegram.Bot]:
    async with telegram.Bot(TOKEN, base_url=emu.base_url) as the_bot:
        yield the_bot


def _strict(obj: telegram.TelegramObject) -> telegram.TelegramObject:
    """PTB parks fields it does not know in api_kwargs: there must be none."""
    assert obj.api_kwargs == {}, obj.api_kwargs
    return obj


KEYBOARD = {"inline_keyboard": [[{"text": "Phường A", "callback_data": "w:a"}]]}


async def test_get_me_is_a_user_with_what_ptb_needs(raw: Raw, bot: telegram.Bot) -> None:
    me = _strict(telegram.User.de_json(await raw("getMe"), bot))
    assert isinstance(me, telegram.User)
    assert (me.id, me.is_bot, me.username, me.can_join_groups) == (
        123456,
        True,
        "wardnews_bot",
        True,
    )
    assert bot.username == "wardnews_bot"


@pytest.mark.parametrize("chat_id", [USER, GROUP, CHANNEL])
async def test_sent_message_round_trips(raw: Raw, bot: telegram.Bot, chat_id: int) -> None:
    result = await raw(
        "sendMessage", chat_id=chat_id, text="<b>Tin</b>", parse_mode="HTML", reply_markup=KEYBOARD
    )
    message = _strict(telegram.Message.de_json(result, bot))
    assert isinstance(message, telegram.Message)
    assert (message.chat.id, message.text, message.from_user.id) == (chat_id, "Tin", 123456)
    assert message.entities[0].type == "bold"
    assert message.reply_markup.inline_keyboard[0][0].callback_data == "w:a"


async def test_edited_and_copied_messages_round_trip(raw: Raw, bot: telegram.Bot) -> None:
    sent = await raw("sendMessage", chat_id=USER, text="một")
    edited = await raw("editMessageText", chat_id=USER, message_id=sent["message_id"], text="hai")
    message = _strict(telegram.Message.de_json(edited, bot))
    assert message.edit_date is not None and message.text == "hai"
    copied = await raw("copyMessage", chat_id=GROUP, from_chat_id=USER, message_id=1)
    assert _strict(telegram.MessageId.de_json(copied, bot)).message_id == 1


@pytest.mark.parametrize(
    ("method", "field"), [("sendPhoto", "photo"), ("sendDocument", "document")]
)
async def test_media_messages_round_trip(
    raw: Raw, bot: telegram.Bot, method: str, field: str
) -> None:
    files = {field: ("bang-tin.png", b"\x89PNG fake", "image/png")}
    result = await raw(method, files=files, chat_id=USER, caption="Bản tin")
    message = _strict(telegram.Message.de_json(result, bot))
    assert message.caption == "Bản tin" and getattr(message, field)


@pytest.mark.parametrize("chat_id", [USER, GROUP, CHANNEL])
async def test_get_chat_is_a_full_chat_info(raw: Raw, bot: telegram.Bot, chat_id: int) -> None:
    info = _strict(telegram.ChatFullInfo.de_json(await raw("getChat", chat_id=chat_id), bot))
    assert isinstance(info, telegram.ChatFullInfo) and info.id == chat_id
    assert info.accepted_gift_types is not None


@pytest.mark.parametrize(
    ("user_id", "kind"),
    [
        (ADMIN, telegram.ChatMemberOwner),
        (USER, telegram.ChatMemberAdministrator),
        (MEMBER, telegram.ChatMemberMember),
        (STRANGER, telegram.ChatMemberLeft),
        (123456, telegram.ChatMemberMember),
    ],
)
async def test_chat_members_round_trip(
    raw: Raw, bot: telegram.Bot, user_id: int, kind: type[telegram.ChatMember]
) -> None:
    result = await raw("getChatMember", chat_id=GROUP, user_id=user_id)
    member = _strict(telegram.ChatMember.de_json(result, bot))
    assert type(member) is kind and member.user.id == user_id


async def test_chat_administrators_round_trip(raw: Raw, bot: telegram.Bot) -> None:
    result = await raw("getChatAdministrators", chat_id=GROUP)
    admins = [_strict(telegram.ChatMember.de_json(m, bot)) for m in result]
    assert [(m.user.id, m.status) for m in admins] == [(ADMIN, "creator"), (USER, "administrator")]


async def test_every_kind_of_update_round_trips(
    emu: BotApiEmulator, raw: Raw, bot: telegram.Bot
) -> None:
    sent = await raw("sendMessage", chat_id=USER, text="Chọn", reply_markup=KEYBOARD)
    message_id = emu.send_text(USER, "/start")
    emu.edit_text(USER, message_id, "/help")
    emu.press_button(USER, sent["message_id"], "w:a")
    emu.send_text(MEMBER, "chào cả nhà", chat_id=GROUP)
    emu.remove_bot_from_group(GROUP, by_user=ADMIN)
    emu.add_bot_to_group(GROUP, by_user=ADMIN, as_admin=True)
    updates = [_strict(telegram.Update.de_json(u, bot)) for u in await raw("getUpdates")]
    assert [u.effective_chat.id for u in updates] == [USER, USER, USER, GROUP, GROUP, GROUP]
    assert updates[1].edited_message.text == "/help"
    assert updates[2].callback_query.message.reply_markup is not None
    assert updates[4].my_chat_member.new_chat_member.status == "kicked"
    assert updates[5].my_chat_member.new_chat_member.status == "administrator"


async def test_commands_and_webhook_info_round_trip(raw: Raw, bot: telegram.Bot) -> None:
    await raw("setMyCommands", commands=[{"command": "start", "description": "Bắt đầu"}])
    (command,) = await raw("getMyCommands")
    assert _strict(telegram.BotCommand.de_json(command, bot)).command == "start"
    info = _strict(telegram.WebhookInfo.de_json(await raw("getWebhookInfo"), bot))
    assert info.url == ""


async def _start(update: telegram.Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    keyboard = telegram.InlineKeyboardMarkup(
        [[telegram.InlineKeyboardButton("Phường Văn Miếu", callback_data="ward:vm")]]
    )
    await update.effective_message.reply_html(
        "<b>Xin chào</b>, chọn phường:", reply_markup=keyboard
    )


async def _chosen(update: telegram.Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    query = update.callback_query
    await query.answer("Đã đăng ký")
    await query.edit_message_text(f"Đã chọn {query.data}")


async def test_application_polls_the_emulator_and_replies() -> None:
    started = time.monotonic()
    async with BotApiEmulator(TOKEN) as emu:
        emu.add_user(USER, "Lan")
        app = (
            ApplicationBuilder()
            .token(TOKEN)
            .base_url(emu.base_url)
            .base_file_url(emu.base_file_url)
            .build()
        )
        app.add_handler(CommandHandler("start", _start))
        app.add_handler(CallbackQueryHandler(_chosen))
        await app.initialize()
        await app.start()
        await app.updater.start_polling(poll_interval=0, timeout=1)
        try:
            emu.send_text(USER, "/start")
            reply = await emu.wait_for_message(USER, contains="Xin chào", timeout=2)
            assert reply.buttons == ["Phường Văn Miếu"]
            emu.press_button(USER, reply.message_id, "ward:vm")
            await emu.wait_for(lambda: emu.last(USER).edits != (), 2, "the edited reply")
        finally:
            await app.updater.stop()
            await app.stop()
            await app.shutdown()
        assert emu.last(USER).text == "Đã chọn ward:vm"
        assert [a.text for a in emu.callback_answers] == ["Đã đăng ký"]
        assert emu.pending_updates == []
    assert time.monotonic() - started < 2.0
