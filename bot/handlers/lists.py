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


def number(text: str, max_digits: int = 6) -> int | None:
    """The number written in a command argument or button, or None for anything else.

    ASCII digits only ("²".isdigit() is true but int("²") fails), and short enough
    for SQLite's 64-bit integers.
    """
    if not (text.isascii() and text.isdigit()) or len(text) > max_digits:
        return None
    return int(text)


async def latest(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    svc = services(context)
    t = await register(update, svc)
    argument = argument_text(update, context)
    count = DEFAULT_LATEST
    if argument:
        wanted = number(argument)
        if wanted is None or not 1 <= wanted <= 1000:
            await reply(update, e(t("latest.usage", max=MAX_LATEST)))
            return
        count = min(wanted, MAX_LATEST)
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
    offset, count = (number(part) for part in argument.partition(":")[::2])
    await update.callback_query.answer()
    if offset is not None and count:
        await send_latest(update, context, min(count, MAX_LATEST), offset)


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
    shown_total = f"{total}+" if total >= items.SEARCH_CAP else str(total)
    header = t("search.header", query=words, total=shown_total)
    rendered = render_list(header, found, svc.ward_name, t, start=offset + 1)
    markup = None
    if offset + SEARCH_PAGE < total:
        markup = keyboards.more(f"sr:{offset + SEARCH_PAGE}:{fold(words)}", t)
    await reply(update, rendered.html, markup)


async def more_search(update: Update, context: ContextTypes.DEFAULT_TYPE, argument: str):
    offset, _, words = argument.partition(":")
    await update.callback_query.answer()
    start = number(offset)
    if start is not None and words:
        await send_search(update, context, words, start)
