"""/broadcast: a preview with the audience size, then Confirm or Cancel.

On confirm the broadcast goes through the outbox like news (same limits,
same guarantees); `BroadcastTracker` edits a progress message and ends it
with a report. Admin text is escaped whole, so it can never break HTML.
"""

from __future__ import annotations

import logging
import re

from telegram import Update
from telegram.ext import ContextTypes

from bot.handlers import keyboards, lists
from bot.handlers.access import Officer, admin_only
from bot.handlers.resident import e, register, reply
from bot.messages import render_text
from bot.services import Services, services
from storage import broadcasts
from storage.chats import count_audience

log = logging.getLogger(__name__)

MAX_WARD_WORDS = 8
BROADCAST_LIMIT = 3500


def split_targets(svc: Services, words: list[str]) -> tuple[list[str], int]:
    """Leading ward names (longest match first, commas allowed): codes, words used."""
    codes: list[str] = []
    used = 0
    while used < len(words):
        rest = words[used:]
        for size in range(min(MAX_WARD_WORDS, len(rest)), 0, -1):
            candidate = " ".join(rest[:size]).strip(" ,;")
            found = svc.resolve(candidate) if candidate else None
            if found is not None and found.kind in ("ward", "merged"):
                codes.append(found.wards[0].code)
                used += size
                break
        else:
            break
    return list(dict.fromkeys(codes)), used


def drop_words(text: str, count: int) -> str:
    """`text` without its first `count` words, its line breaks kept."""
    if count == 0:
        return text.strip()
    return re.sub(rf"^\s*(?:\S+\s*){{{count}}}", "", text, count=1).strip()


@admin_only
async def broadcast(update: Update, context, svc: Services, officer: Officer) -> None:
    t = await svc.words_for(update.effective_chat.id)
    message = update.effective_message
    arguments = drop_words(message.text or "", 1)
    codes, used = split_targets(svc, arguments.split())
    text = drop_words(arguments, used)
    source = message.reply_to_message
    if not text and source is None:
        await reply(update, e(t("broadcast.usage")))
        return
    if len(text) > BROADCAST_LIMIT:
        await reply(update, e(t("error.too_long")))
        return
    if not codes and officer.wards is not None:
        codes = sorted(officer.wards)
    if not officer.may_target(codes):
        allowed = ", ".join(svc.ward_name(c) for c in sorted(officer.wards or ()))
        await reply(update, e(t("broadcast.not_your_ward", wards=allowed)))
        return
    await _preview(update, svc, t, officer, codes, text, source)


async def _preview(update, svc: Services, t, officer: Officer, codes, text, source) -> None:
    audience = await count_audience(svc.db, codes)
    copy_of = (source.chat_id, source.message_id) if source is not None else None
    draft = await broadcasts.create_draft(
        svc.db, officer.user_id, update.effective_chat.id, text, codes, audience, copy_of
    )
    target = ", ".join(svc.ward_name(c) for c in codes) if codes else t("broadcast.everyone")
    header = t("broadcast.preview", audience=audience, wards=target)
    body = render_text(text or t("broadcast.copy_note"))
    await reply(update, f"<b>{e(header)}</b>\n\n{body.html}", keyboards.confirm_broadcast(draft, t))
    await broadcasts.record_audit(
        svc.db, officer.user_id, update.effective_chat.id, "broadcast_draft", f"#{draft}"
    )


async def on_broadcast_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    svc = services(context)
    t = await register(update, svc)
    query = update.callback_query
    _, verb, number = ((query.data or "") + "::").split(":")[:3]
    draft_id = lists.number(number, max_digits=18)
    draft = await broadcasts.get_broadcast(svc.db, draft_id) if draft_id is not None else None
    if draft is None or query.from_user.id != draft.author_id:
        await query.answer(t("error.admin_only"), show_alert=True)
        return
    await query.answer()
    if verb == "no":
        if await broadcasts.cancel(svc.db, draft.id):
            await query.edit_message_text(e(t("broadcast.cancelled")), parse_mode="HTML")
        return
    queued = await broadcasts.confirm(svc.db, draft.id, query.message.message_id)
    if queued is None:
        return
    await broadcasts.record_audit(
        svc.db,
        draft.author_id,
        update.effective_chat.id,
        "broadcast_sent",
        f"#{draft.id} to {queued} chats, wards {list(draft.wards)}: {draft.text[:500]}",
    )
    await query.edit_message_text(
        e(t("broadcast.progress", done=0, total=queued)), parse_mode="HTML"
    )
    if svc.delivery is not None:
        svc.delivery.wake()
    tracker = svc.extras.get("broadcast_tracker")
    if tracker is not None:
        await tracker.started(draft.id, queued)
