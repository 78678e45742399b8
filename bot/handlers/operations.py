"""Admin views of the machinery: /sources, /poll [source], /stats."""

from __future__ import annotations

from datetime import datetime

from telegram import Update

from bot.catalogue import Catalogue
from bot.handlers.access import Officer, admin_only
from bot.handlers.resident import argument_text, e, reply
from bot.messages import TEXT_LIMIT, utf16_len
from bot.news.dates import VN_TZ, format_local
from bot.services import Services
from storage import chats, items, outbox
from storage import sources as source_store
from storage.records import SourceState


def visible_sources(svc: Services, officer: Officer) -> set[str]:
    """A full admin sees every source; an officer those pinned to their wards."""
    names = set()
    for source in svc.config.sources:
        if officer.wards is None:
            names.add(source.name)
            continue
        ward = svc.resolve(source.ward).ward if source.ward != "auto" else None
        if ward is not None and ward.code in officer.wards:
            names.add(source.name)
    return names


def _when(moment: datetime | None, t: Catalogue) -> str:
    return format_local(moment) if moment else t("ops.never")


def _status(state: SourceState, t: Catalogue) -> str:
    if state.stopped:
        return t("ops.status_stopped")
    if state.alert == "empty":
        return t("ops.status_empty")
    if state.consecutive_failures:
        return t("ops.status_failing")
    return t("ops.status_ok")


def source_block(state: SourceState, t: Catalogue) -> str:
    text = t(
        "ops.source_line",
        name=e(state.name),
        kind=state.kind,
        status=e(_status(state, t)),
        last_ok=_when(state.last_ok_at, t),
        errors=state.error_count,
        items=state.items_total,
        next=_when(state.next_poll_at if state.next_poll_at.timestamp() else None, t),
    )
    if state.last_error and state.consecutive_failures:
        text += "\n" + t("ops.last_error", error=e(state.last_error[:200]))
    return text


def fit_blocks(header: str, blocks: list[str]) -> str:
    text = header
    for block in blocks:
        if utf16_len(text) + utf16_len(block) + 2 > TEXT_LIMIT - 20:
            return text + "\n\n…"
        text += "\n\n" + block
    return text


@admin_only
async def sources(update: Update, context, svc: Services, officer: Officer) -> None:
    t = await svc.words_for(update.effective_chat.id)
    names = visible_sources(svc, officer)
    states = [s for s in await source_store.list_sources(svc.db) if s.name in names]
    if not states:
        await reply(update, e(t("ops.no_sources")))
        return
    blocks = [source_block(state, t) for state in states]
    await reply(update, fit_blocks(f"<b>{e(t('ops.sources_header'))}</b>", blocks))


@admin_only
async def poll(update: Update, context, svc: Services, officer: Officer) -> None:
    t = await svc.words_for(update.effective_chat.id)
    name = argument_text(update, context)
    names = visible_sources(svc, officer)
    if name and name not in names:
        await reply(update, e(t("ops.unknown_source", name=name)))
        return
    if svc.poller is None or not names:
        await reply(update, e(t("ops.no_sources")))
        return
    await reply(update, e(t("ops.poll_started")))
    chosen = [name] if name else sorted(names)
    reports = []
    for one in chosen:
        reports.extend(await svc.poller.poll_now(one))
    await reply(update, fit_blocks("", [poll_line(r, t) for r in reports]).strip())


def poll_line(report, t: Catalogue) -> str:
    name = e(report.source)
    if report.error:
        return t("ops.poll_error", name=name, error=e(report.error[:300]))
    if report.not_modified:
        return t("ops.poll_not_modified", name=name)
    return t("ops.poll_line", name=name, found=report.found, new=report.new, queued=report.queued)


@admin_only
async def stats(update: Update, context, svc: Services, officer: Officer) -> None:
    t = await svc.words_for(update.effective_chat.id)
    active, blocked = await chats.count_chats(svc.db)
    midnight = datetime.now(VN_TZ).replace(hour=0, minute=0, second=0, microsecond=0)
    text = t(
        "ops.stats",
        chats=active,
        blocked=blocked,
        items=await items.count_items(svc.db),
        queue=await outbox.queue_depth(svc.db),
        sent_today=await outbox.count_sent_since(svc.db, midnight.timestamp()),
    )
    per_ward = await chats.count_subscribers_by_ward(svc.db)
    shown = {c: n for c, n in per_ward.items() if officer.wards is None or c in officer.wards}
    ranked = sorted(shown.items(), key=lambda pair: -pair[1])
    lines = [f"• {e(svc.ward_name(code))}: {n}" for code, n in ranked]
    if lines:
        text += "\n\n" + e(t("ops.stats_wards"))
    await reply(update, fit_blocks(text, lines))
