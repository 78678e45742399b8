"""Button presses of residents: the ward picker, follow / unfollow, ward cards, paging."""

from __future__ import annotations

import logging

from telegram import Update
from telegram.constants import ParseMode
from telegram.error import BadRequest
from telegram.ext import ContextTypes

from bot.handlers import keyboards, lists
from bot.handlers.resident import e, may_change_wards, refuse_non_admin, register, ward_card
from bot.services import services
from storage import chats

log = logging.getLogger(__name__)


async def edit(update: Update, text: str, markup=None) -> None:
    """Edit the message that holds the pressed button; an unchanged text is fine."""
    try:
        await update.callback_query.edit_message_text(
            text, parse_mode=ParseMode.HTML, reply_markup=markup
        )
    except BadRequest as exc:
        if "not modified" not in str(exc).lower():
            raise


async def on_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    query = update.callback_query
    verb, _, argument = (query.data or "").partition(":")
    handler = ROUTES.get(verb)
    if handler is None:
        await query.answer()
        return
    await handler(update, context, argument)


async def picker_page(update: Update, context: ContextTypes.DEFAULT_TYPE, argument: str):
    svc = services(context)
    t = await register(update, svc)
    page = lists.number(argument) or 1
    chosen = await chats.chat_wards(svc.db, update.effective_chat.id)
    markup, page, pages = keyboards.picker(svc.registry.all(), page, chosen, t)
    await update.callback_query.answer()
    await edit(update, e(t("picker.title", page=page, pages=pages)), markup)


async def picker_letters(update: Update, context: ContextTypes.DEFAULT_TYPE, argument: str):
    svc = services(context)
    t = await register(update, svc)
    await update.callback_query.answer()
    await edit(update, e(t("picker.letters")), keyboards.letters(svc.registry.all(), t))


async def picker_letter(update: Update, context: ContextTypes.DEFAULT_TYPE, argument: str):
    svc = services(context)
    t = await register(update, svc)
    chosen = await chats.chat_wards(svc.db, update.effective_chat.id)
    markup = keyboards.letter_page(svc.registry.all(), argument[:2], chosen, t)
    await update.callback_query.answer()
    await edit(update, e(t("picker.letters")), markup)


async def follow(update: Update, context: ContextTypes.DEFAULT_TYPE, argument: str):
    """Follow or unfollow a ward from any keyboard, then show the keyboard updated."""
    svc = services(context)
    t = await register(update, svc)
    target = svc.registry.get(argument)
    query = update.callback_query
    if target is None:
        await query.answer()
        return
    if not await may_change_wards(update, context):
        await refuse_non_admin(update, t)
        return
    chat_id = update.effective_chat.id
    if query.data.startswith("sub:"):
        await chats.subscribe(svc.db, chat_id, [target.code])
        note = t("subscribe.added", ward=target.display_name)
    else:
        await chats.unsubscribe(svc.db, chat_id, [target.code])
        note = t("subscribe.removed", ward=target.display_name)
    await query.answer(note)
    chosen = await chats.chat_wards(svc.db, chat_id)
    await edit(update, e(note), refreshed_markup(query.message, svc.registry, chosen, t))


def refreshed_markup(message, registry, chosen, t):
    """The pressed keyboard again, with its follow marks brought up to date."""
    markup = message.reply_markup if message else None
    if markup is None:
        return None
    rows = []
    for row in markup.inline_keyboard:
        new_row = []
        for button in row:
            verb, _, code = (button.callback_data or "").partition(":")
            ward = registry.get(code) if verb in ("sub", "uns") else None
            if ward is not None:
                new_row.extend(keyboards.ward_buttons([ward], chosen))
            else:
                new_row.append(button)
        rows.append(new_row)
    return type(markup)(rows)


async def show_ward(update: Update, context: ContextTypes.DEFAULT_TYPE, argument: str):
    svc = services(context)
    t = await register(update, svc)
    target = svc.registry.get(argument)
    await update.callback_query.answer()
    if target is None:
        return
    text, markup = await ward_card(svc, t, update.effective_chat.id, target)
    await edit(update, text, markup)


async def close_picker(update: Update, context: ContextTypes.DEFAULT_TYPE, argument: str):
    svc = services(context)
    t = await register(update, svc)
    codes = await chats.chat_wards(svc.db, update.effective_chat.id)
    names = [svc.ward_name(code) for code in codes]
    await update.callback_query.answer()
    if names:
        await edit(update, "\n".join([e(t("ward.list"))] + [f"• {e(n)}" for n in names]))
    else:
        await edit(update, e(t("ward.none")))


async def type_hint(update: Update, context: ContextTypes.DEFAULT_TYPE, argument: str):
    svc = services(context)
    t = await register(update, svc)
    await update.callback_query.answer(t("picker.type_name_hint"), show_alert=True)


ROUTES = {
    "pk": picker_page,
    "pl": picker_letters,
    "pL": picker_letter,
    "sub": follow,
    "uns": follow,
    "wd": show_ward,
    "done": close_picker,
    "type": type_hint,
    "lt": lists.more_latest,
    "sr": lists.more_search,
}
