"""The emulated server's update queue and getUpdates long polling.

Updates wait until a getUpdates call confirms them with a higher `offset`. A call
with `timeout` waits on an event that every new update sets, so it returns as soon
as one arrives. As on Telegram, a newer getUpdates call ends an older waiting one
with 409 Conflict, and a remembered `allowed_updates` filters what is returned.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterable
from typing import Any

from bot.emulator.errors import ApiError

# What Telegram sends when allowed_updates was never set, or set to [].
NOT_BY_DEFAULT = frozenset({"chat_member", "message_reaction", "message_reaction_count"})
CONFLICT = (
    "Conflict: terminated by other getUpdates request; "
    "make sure that only one bot instance is running"
)


class Pulse:
    """A wake-up call: each fire() releases everyone waiting at that moment."""

    def __init__(self) -> None:
        self._event = asyncio.Event()

    def fire(self) -> None:
        self._event.set()
        self._event = asyncio.Event()

    async def wait(self, seconds: float) -> None:
        """Wait until the next fire() or for `seconds`, whichever comes first.

        The event is taken when this is called, before any suspension, so a caller
        that checked its condition just before cannot miss a fire() in between.
        """
        event = self._event
        try:
            await asyncio.wait_for(event.wait(), max(0.0, seconds))
        except TimeoutError:
            return


def update_kind(update: dict[str, Any]) -> str:
    """The update's type: its one key besides update_id."""
    return next((key for key in update if key != "update_id"), "")


class UpdateQueue:
    """Pending updates, numbered from 1, and the waiters of getUpdates."""

    def __init__(self) -> None:
        self._pending: list[dict[str, Any]] = []
        self._next_id = 1
        self._allowed: frozenset[str] | None = None
        self._wake = Pulse()
        self._poll_generation = 0
        self._closed = False
        self.conflict = False
        self.waiting = 0

    @property
    def pending(self) -> list[dict[str, Any]]:
        """Updates not yet confirmed, oldest first."""
        return list(self._pending)

    def push(self, body: dict[str, Any]) -> int:
        """Queue an update (its update_id is assigned here) and wake waiting polls."""
        update_id = self._next_id
        self._next_id += 1
        self._pending.append({"update_id": update_id, **body})
        self.notify()
        return update_id

    def drop_pending(self) -> None:
        """Forget every pending update (deleteWebhook with drop_pending_updates)."""
        self._pending.clear()

    def notify(self) -> None:
        """Wake every waiting getUpdates call so it looks again."""
        self._wake.fire()

    def close(self) -> None:
        """Release every waiting call with an empty answer; later calls return at once."""
        self._closed = True
        self.notify()

    async def get(
        self,
        offset: int | None,
        limit: int | None,
        wait_seconds: float | None,
        allowed: Iterable[str] | None,
    ) -> list[dict[str, Any]]:
        """The getUpdates answer, waiting up to `wait_seconds` for a first update."""
        self._poll_generation += 1
        generation = self._poll_generation
        self.notify()  # an older waiting call now ends with 409
        self._confirm(offset)
        if allowed is not None:
            names = frozenset(allowed)
            self._allowed = names or None
        count = max(1, min(100, limit or 100))
        deadline = time.monotonic() + max(0.0, float(wait_seconds or 0))
        while True:
            if self.conflict or generation != self._poll_generation:
                raise ApiError(409, CONFLICT)
            batch = [u for u in self._pending if self._wanted(u)][:count]
            remaining = deadline - time.monotonic()
            if batch or remaining <= 0 or self._closed:
                return batch
            self.waiting += 1
            try:
                await self._wake.wait(remaining)
            finally:
                self.waiting -= 1

    def _confirm(self, offset: int | None) -> None:
        if offset is None or offset == 0:
            return
        if offset < 0:
            self._pending = self._pending[offset:]
            return
        self._pending = [u for u in self._pending if u["update_id"] >= offset]

    def _wanted(self, update: dict[str, Any]) -> bool:
        kind = update_kind(update)
        if self._allowed is None:
            return kind not in NOT_BY_DEFAULT
        return kind in self._allowed
