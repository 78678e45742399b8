"""Keeps a broadcast's progress message up to date and ends it with the report.

The delivery worker calls `on_outcome` for every row it settles; the
progress message is edited at most once every few seconds, and once more
with the final counts (sent / blocked / failed) from the outbox itself.
"""

from __future__ import annotations

import logging
import time

from telegram import Bot
from telegram.error import TelegramError

from bot.services import Services
from storage import broadcasts
from storage.records import Delivery

log = logging.getLogger(__name__)

EDIT_EVERY = 3.0


class BroadcastTracker:
    def __init__(self, svc: Services, bot: Bot) -> None:
        self.svc = svc
        self.bot = bot
        self._last_edit: dict[int, float] = {}
        self._settled: dict[int, int] = {}
        self._audience: dict[int, int] = {}

    async def resume(self) -> None:
        """After a restart: finish the report of broadcasts that were under way."""
        for broadcast in await broadcasts.unfinished(self.svc.db):
            counts = await broadcasts.counts(self.svc.db, broadcast.id)
            self._audience[broadcast.id] = broadcast.audience
            self._settled[broadcast.id] = broadcast.audience - counts.pending
            await self.refresh(broadcast.id)

    async def started(self, broadcast_id: int, total: int) -> None:
        self._last_edit[broadcast_id] = time.monotonic()
        self._audience[broadcast_id] = total
        self._settled[broadcast_id] = 0
        if total == 0:
            await self.refresh(broadcast_id)

    async def on_outcome(self, delivery: Delivery, status: str) -> None:
        """Count a settled row; look at the outbox only when an edit is due."""
        broadcast_id = delivery.broadcast_id
        if broadcast_id is None:
            return
        settled = self._settled[broadcast_id] = self._settled.get(broadcast_id, 0) + 1
        due = time.monotonic() - self._last_edit.get(broadcast_id, 0.0) >= EDIT_EVERY
        if due or settled >= self._audience.get(broadcast_id, settled + 1):
            await self.refresh(broadcast_id)

    async def refresh(self, broadcast_id: int) -> None:
        counts = await broadcasts.counts(self.svc.db, broadcast_id)
        broadcast = await broadcasts.get_broadcast(self.svc.db, broadcast_id)
        if broadcast is None or broadcast.progress_message_id is None:
            return
        t = await self.svc.words_for(broadcast.origin_chat_id)
        if counts.finished:
            if not await broadcasts.finish(self.svc.db, broadcast_id):
                return
            for table in (self._last_edit, self._settled, self._audience):
                table.pop(broadcast_id, None)
            text = t(
                "broadcast.report",
                id=broadcast_id,
                sent=counts.sent,
                blocked=counts.blocked,
                failed=counts.failed,
            )
        else:
            self._last_edit[broadcast_id] = time.monotonic()
            done = counts.sent + counts.blocked + counts.failed
            text = t("broadcast.progress", done=done, total=broadcast.audience)
        await self._edit(broadcast.origin_chat_id, broadcast.progress_message_id, text)

    async def _edit(self, chat_id: int, message_id: int, text: str) -> None:
        try:
            await self.bot.edit_message_text(text, chat_id=chat_id, message_id=message_id)
        except TelegramError as exc:
            log.warning("could not update broadcast progress in chat %s: %s", chat_id, exc)
