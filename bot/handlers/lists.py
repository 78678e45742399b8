"""/latest and /search: answered from SQLite alone, with a "more" button for paging."""

from __future__ import annotations

from telegram import Update
from telegram.ext import ContextTypes

from bot.handlers import keyboards
from bot.handlers.resident import argument_text, e, register, reply
from bot.messages import render_list
from bot.news.text import fold
from bot.services import services
from storage import chats, items

DEFAULT_LATEST = 5
MAX_LATEST = 20
SEARCH_PAGE = 5


async def latest(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    svc = services(context)
    t = await register(update, svc)
    argument = argument_text(update, context)
    count = DEFAULT_LATEST
    if argument:
        if not argument.isdigit() or not 1 <= int(argument) <= 1000:
            await reply(update, e(t("latest.usage", max=MAX_LATEST)))
            return
        count = min(int(argument), MAX_LATEST)
    await send_latest(update, context, count, 0)


async def send_latest(update: Update, context, count: int, offset: int) -> None:
    svc = services(context)
    t = await svc.words_for(update.effective_chat.id)
    codes = await chats.chat_wards(svc.db, update.effective_chat.id)
    found = await items.latest_items(svc.db, codes, count + 1, offset)
    if not found:
        await reply(update, e(t("latest.none")))
        return
    shown = found[:count]
    rendered = render_list(t("latest.header"), shown, svc.ward_name, t, start=offset + 1)
    markup = None
    if len(found) > count:
        markup = keyboards.more(f"lt:{offset + count}:{count}", t)
    await reply(update, rendered.html, markup)


async def more_latest(update: Update, context: ContextTypes.DEFAULT_TYPE, argument: str):
    offset, _, count = argument.partition(":")
    await update.callback_query.answer()
    if offset.isdigit() and count.isdigit():
        await send_latest(update, context, min(int(count), MAX_LATEST), int(offset))


async def search(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    svc = services(context)
    t = await register(update, svc)
    words = argument_text(update, context)
    if not items.fts_query(words):
        await reply(update, e(t("search.usage")))
        return
    await send_search(update, context, words, 0)


async def send_search(update: Update, context, words: str, offset: int) -> None:
    svc = services(context)
    t = await svc.words_for(update.effective_chat.id)
    found, total = await items.search_items(svc.db, words, SEARCH_PAGE, offset)
    if not found:
        await reply(update, e(t("search.none", query=words)))
        return
    header = t("search.header", query=words, total=total)
    rendered = render_list(header, found, svc.ward_name, t, start=offset + 1)
    markup = None
    if offset + SEARCH_PAGE < total:
        markup = keyboards.more(f"sr:{offset + SEARCH_PAGE}:{fold(words)}", t)
    await reply(update, rendered.html, markup)


async def more_search(update: Update, context: ContextTypes.DEFAULT_TYPE, argument: str):
    offset, _, words = argument.partition(":")
    await update.callback_query.answer()
    if offset.isdigit() and words:
        await send_search(update, context, words, int(offset))
