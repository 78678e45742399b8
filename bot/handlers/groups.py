"""Groups and channels: the bot added or removed, and channels from the config."""

from __future__ import annotations

import logging

from telegram import Update
from telegram.constants import ChatMemberStatus, ChatType
from telegram.error import TelegramError
from telegram.ext import Application, ContextTypes

from bot.handlers import keyboards
from bot.handlers.resident import e
from bot.services import Services, services
from storage import chats

log = logging.getLogger(__name__)

GONE = (ChatMemberStatus.LEFT, ChatMemberStatus.BANNED)


async def on_my_chat_member(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Greet a group that added the bot; forget a chat that removed or blocked it."""
    change = update.my_chat_member
    svc = services(context)
    chat = change.chat
    status = change.new_chat_member.status
    if status in GONE:
        dropped = await chats.deactivate_chat(svc.db, chat.id, "removed")
        log.info("bot removed from chat %s; %d deliveries dropped", chat.id, dropped)
        return
    was_in = change.old_chat_member.status not in GONE
    if was_in or chat.type == ChatType.PRIVATE:
        return
    await chats.upsert_chat(svc.db, chat.id, chat.type, chat.title)
    if chat.type == ChatType.CHANNEL:
        return
    t = await svc.words_for(chat.id)
    markup, _, _ = keyboards.picker(svc.registry.all(), 1, [], t)
    await context.bot.send_message(
        chat.id, e(t("start.group_greeting")), parse_mode="HTML", reply_markup=markup
    )


async def install_channels(application: Application, svc: Services) -> None:
    """`[[channels]]`: each is a chat subscribed to its wards, kept as configured."""
    for channel in svc.config.channels:
        chat_id = channel.chat
        if isinstance(chat_id, str):
            try:
                chat_id = (await application.bot.get_chat(chat_id)).id
            except TelegramError as exc:
                log.error("channel %s: cannot look it up (%s); skipped", channel.chat, exc)
                continue
        codes = []
        for name in channel.wards:
            found = svc.resolve(name)
            if found.kind in ("ward", "merged"):
                codes.append(found.wards[0].code)
            else:
                log.error("channel %s: ward %r is not served; skipped", chat_id, name)
        await chats.upsert_chat(svc.db, chat_id, "channel", str(channel.chat))
        await chats.subscribe(svc.db, chat_id, codes)
