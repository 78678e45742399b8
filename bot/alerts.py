"""Alerts to admins (never to subscribers): once per incident, once on recovery.

The incident is stored on the source row (`alert`), so a restart neither
repeats an alert nor forgets to announce the recovery. The poller passes the
alert state it read at the start of the poll (`current`): only a poll of the
source changes it, and never two polls of one source run at once.
"""

from __future__ import annotations

import html
import logging

from telegram import Bot
from telegram.error import TelegramError

from bot.config import SourceConfig
from bot.services import Services
from storage import sources as source_store

log = logging.getLogger(__name__)


class Alerts:
    def __init__(self, svc: Services, bot: Bot) -> None:
        self.svc = svc
        self.bot = bot

    def recipients(self, source: SourceConfig) -> list[int]:
        """Full admins, and the officers of the ward a source is pinned to."""
        found = list(self.svc.config.telegram.admins)
        if source.ward != "auto":
            resolved = self.svc.resolve(source.ward)
            code = resolved.ward.code if resolved.ward else None
            for officer in self.svc.config.admins:
                codes = {self.svc.resolve(name).ward for name in officer.wards}
                if code and any(w is not None and w.code == code for w in codes):
                    found.append(officer.user_id)
        return list(dict.fromkeys(found))

    async def _set(
        self, source: SourceConfig, expected: str | None, alert: str | None, current: str | None
    ) -> bool:
        """Move the source's alert state from `current` to `alert`, if `current` is
        `expected` (None: any); False if it was not so."""
        if current == alert:
            return False
        if expected is not None and current != expected:
            return False
        await source_store.set_alert(self.svc.db, source.name, alert)
        return True

    async def source_failing(
        self,
        source: SourceConfig,
        error: str,
        failures: int,
        *,
        current: str | None,
        stopped: bool = False,
    ) -> None:
        if await self._set(source, None, "failing", current):
            key = "alert.stopped" if stopped else "alert.failing"
            await self._tell(source, key, failures=failures, error=error[:300])

    async def source_recovered(self, source: SourceConfig, *, current: str | None) -> None:
        if await self._set(source, "failing", None, current):
            await self._tell(source, "alert.recovered")

    async def source_empty(self, source: SourceConfig, *, current: str | None) -> None:
        if await self._set(source, None, "empty", current):
            await self._tell(source, "alert.empty")

    async def source_not_empty(self, source: SourceConfig, *, current: str | None) -> None:
        if await self._set(source, "empty", None, current):
            await self._tell(source, "alert.recovered")

    async def _tell(self, source: SourceConfig, key: str, **values) -> None:
        for user_id in self.recipients(source):
            t = await self.svc.words_for(user_id)
            fields = {k: html.escape(str(v), quote=False) for k, v in values.items()}
            text = t(key, source=html.escape(source.name, quote=False), **fields)
            try:
                await self.bot.send_message(user_id, text, parse_mode="HTML")
            except TelegramError as exc:
                log.warning("could not alert admin %s about %s: %s", user_id, source.name, exc)
