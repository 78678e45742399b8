"""Resident commands: /start, /help, /ward, /subscribe, /unsubscribe, /lang, /stop.

Handlers are thin: read the arguments, ask storage or the ward registry,
answer with catalogue words. Changing a group's wards is for its admins.
"""

from __future__ import annotations

import html
import logging

from telegram import Update
from telegram.constants import ChatMemberStatus, ChatType, ParseMode
from telegram.ext import ContextTypes

from bot.catalogue import LANGUAGES, Catalogue, catalogue
from bot.handlers import keyboards
from bot.messages import render_list
from bot.services import Services, services
from storage import chats, items

log = logging.getLogger(__name__)

ARG_LIMIT = 200
WARD_QUERY_LIMIT = 60
WARD_LATEST = 5
ADMIN_STATUSES = (ChatMemberStatus.OWNER, ChatMemberStatus.ADMINISTRATOR)


def e(text: str) -> str:
    return html.escape(text, quote=False)


def argument_text(update: Update, context: ContextTypes.DEFAULT_TYPE) -> str:
    """The words after the command, whitespace collapsed, bounded in length."""
    return " ".join(" ".join(context.args or []).split())[:ARG_LIMIT]


async def reply(update: Update, text: str, markup=None) -> None:
    await update.effective_message.reply_text(
        text, parse_mode=ParseMode.HTML, reply_markup=markup, do_quote=False
    )


async def register(update: Update, svc: Services) -> Catalogue:
    """Record the chat we are talking to and return the words in its language."""
    chat = update.effective_chat
    await chats.upsert_chat(svc.db, chat.id, chat.type, chat.title or chat.username)
    return await svc.words_for(chat.id)


async def may_change_wards(update: Update, context: ContextTypes.DEFAULT_TYPE) -> bool:
    """In groups only the group's administrators may change its wards."""
    chat = update.effective_chat
    if chat.type == ChatType.PRIVATE:
        return True
    message = update.effective_message
    if message is not None and message.sender_chat and message.sender_chat.id == chat.id:
        return True  # an anonymous group admin speaks as the group itself
    user = update.effective_user
    if user is None:
        return False
    member = await context.bot.get_chat_member(chat.id, user.id)
    return member.status in ADMIN_STATUSES


async def refuse_non_admin(update: Update, t: Catalogue) -> None:
    if update.callback_query:
        await update.callback_query.answer(t("subscribe.group_admins_only"), show_alert=True)
    else:
        await reply(update, e(t("subscribe.group_admins_only")))


async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    svc = services(context)
    t = await register(update, svc)
    chosen = await chats.chat_wards(svc.db, update.effective_chat.id)
    markup, _, _ = keyboards.picker(svc.registry.all(), 1, chosen, t)
    private = update.effective_chat.type == ChatType.PRIVATE
    greeting = t("start.greeting") if private else t("start.group_greeting")
    await reply(update, e(greeting) + "\n" + e(t("start.type_hint")), markup)


async def help_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    svc = services(context)
    t = await register(update, svc)
    text = t("help.text")
    user = update.effective_user
    if user and svc.extras.get("is_admin") and svc.extras["is_admin"](user.id):
        text += "\n\n" + t("help.admin")
    await reply(update, text)


async def ward(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    svc = services(context)
    t = await register(update, svc)
    query = argument_text(update, context)
    if query:
        await show_resolution(update, svc, t, query)
        return
    codes = await chats.chat_wards(svc.db, update.effective_chat.id)
    wards = [w for w in (svc.registry.get(c) for c in codes) if w is not None]
    if not wards:
        markup, _, _ = keyboards.picker(svc.registry.all(), 1, [], t)
        await reply(update, e(t("ward.none")), markup)
        return
    lines = [e(t("ward.list"))] + [f"• {e(w.display_name)}" for w in wards]
    await reply(update, "\n".join(lines), keyboards.my_wards(wards, t))


async def show_resolution(update: Update, svc: Services, t: Catalogue, query: str) -> None:
    """/ward <name>: the ward's card, or the choices a former or mistyped name leads to."""
    found = svc.resolve(query)
    if found.kind in ("ward", "merged"):
        target = found.wards[0]
        prefix = merged_note(found, t)
        await send_ward_card(update, svc, t, target, prefix)
        return
    await reply_choices(update, t, found, query, "wd")


def merged_note(found, t: Catalogue) -> str:
    if found.kind != "merged":
        return ""
    former = found.former_name or ""
    note = t("ward.merged", former=former[:1].upper() + former[1:], ward=found.ward.display_name)
    return e(note) + "\n\n"


async def reply_choices(update: Update, t: Catalogue, found, query: str, verb: str) -> None:
    """A split former ward, typo suggestions, or nothing found."""
    if found.kind == "split":
        former = found.former_name or query
        text = t("ward.split", former=former[:1].upper() + former[1:])
    elif found.kind == "suggestions":
        text = t("ward.suggest", query=query)
    else:
        await reply(update, e(t("ward.not_found", query=query)))
        return
    await reply(update, e(text), keyboards.choices(found.wards, verb))


async def ward_card(svc: Services, t: Catalogue, chat_id: int, target) -> tuple[str, object]:
    """The text and buttons of one ward: name, former units, latest items, follow."""
    lines = [f"<b>{e(target.display_name)}</b>"]
    if target.former:
        lines.append(e(t("ward.former", names=", ".join(target.former))))
    latest = await items.latest_items(svc.db, [target.code], WARD_LATEST)
    if latest:
        listing = render_list(t("ward.latest_header"), latest, svc.ward_name, t)
        lines.append(listing.html)
    else:
        lines.append(e(t("ward.no_items")))
    following = target.code in await chats.chat_wards(svc.db, chat_id)
    return "\n\n".join(lines), keyboards.follow(target.code, following, t)


async def send_ward_card(update: Update, svc: Services, t: Catalogue, target, prefix: str = ""):
    text, markup = await ward_card(svc, t, update.effective_chat.id, target)
    await reply(update, prefix + text, markup)


async def subscribe(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    await change_wards(update, context, follow=True)


async def unsubscribe(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    await change_wards(update, context, follow=False)


async def change_wards(update: Update, context: ContextTypes.DEFAULT_TYPE, *, follow: bool):
    """/subscribe and /unsubscribe: resolve the name, check who asks, change, confirm."""
    svc = services(context)
    t = await register(update, svc)
    query = argument_text(update, context)
    chat_id = update.effective_chat.id
    if not query:
        await usage_with_buttons(update, svc, t, follow)
        return
    if not await may_change_wards(update, context):
        await refuse_non_admin(update, t)
        return
    found = svc.resolve(query)
    if found.kind not in ("ward", "merged"):
        await reply_choices(update, t, found, query, "sub" if follow else "uns")
        return
    target = found.ward
    if follow:
        changed = await chats.subscribe(svc.db, chat_id, [target.code])
        key = "subscribe.added" if changed else "subscribe.already"
    else:
        changed = await chats.unsubscribe(svc.db, chat_id, [target.code])
        key = "subscribe.removed" if changed else "subscribe.not_subscribed"
    await reply(update, merged_note(found, t) + e(t(key, ward=target.display_name)))


async def usage_with_buttons(update: Update, svc: Services, t: Catalogue, follow: bool):
    """A command without a ward name: how to type one, and buttons to tap instead."""
    if follow:
        markup, _, _ = keyboards.picker(svc.registry.all(), 1, [], t)
        await reply(update, e(t("subscribe.usage")), markup)
        return
    codes = await chats.chat_wards(svc.db, update.effective_chat.id)
    wards = [w for w in (svc.registry.get(c) for c in codes) if w is not None]
    markup = keyboards.my_wards(wards, t) if wards else None
    await reply(update, e(t("subscribe.usage_unsubscribe")), markup)


async def lang(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    svc = services(context)
    t = await register(update, svc)
    choice = argument_text(update, context).lower()
    if choice not in LANGUAGES:
        await reply(update, e(t("lang.usage")))
        return
    if not await may_change_wards(update, context):
        await refuse_non_admin(update, t)
        return
    await chats.set_language(svc.db, update.effective_chat.id, choice)
    await reply(update, e(catalogue(choice)("lang.set")))


async def stop(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    svc = services(context)
    t = await register(update, svc)
    if not await may_change_wards(update, context):
        await refuse_non_admin(update, t)
        return
    await chats.forget_chat(svc.db, update.effective_chat.id)
    await reply(update, e(t("stop.done")))


async def plain_text(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A private message without a command: read it as a ward's name (the picker says
    "type it"); anything long or unknown gets a pointer to /help."""
    svc = services(context)
    t = await register(update, svc)
    text = " ".join((update.effective_message.text or "").split())
    if not text or len(text) > WARD_QUERY_LIMIT:
        await reply(update, e(t("error.unknown_command")))
        return
    found = svc.resolve(text)
    if found.kind == "none":
        await reply(update, e(t("ward.not_found", query=text)))
        return
    await show_resolution(update, svc, t, text)


def for_another_bot(update: Update, context: ContextTypes.DEFAULT_TYPE) -> bool:
    """`/start@other_bot`: a command meant for another bot of the same group."""
    message = update.effective_message
    words = (message.text or "").split(maxsplit=1) if message else []
    _, at, name = (words[0] if words else "").partition("@")
    return bool(at) and name.casefold() != (context.bot.username or "").casefold()


async def unknown_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    if for_another_bot(update, context):
        return
    svc = services(context)
    t = await register(update, svc)
    await reply(update, e(t("error.unknown_command")))
