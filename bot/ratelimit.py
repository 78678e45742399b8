"""Telegram's send limits, enforced at one place for every outgoing message.

`SendGovernor` knows when the next message may go out overall and to each
chat: a sliding window for the global rate (no burst over the cap in any
second), one interval between two messages to a private chat, and a sliding
minute for groups and channels. The delivery worker asks it which chat is
due; `GovernedRateLimiter` plugs it into python-telegram-bot so that replies
to commands obey the same limits.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import deque
from collections.abc import Callable, Coroutine
from typing import Any, Protocol

from telegram.error import RetryAfter
from telegram.ext import BaseRateLimiter

log = logging.getLogger(__name__)

# Methods that put a message into a chat and so count against its limits.
# Edits count toward the global rate only: they add no message to the chat, and
# a resident paging through the ward picker must not wait a second per press.
EDIT_METHODS = frozenset({"editMessageText", "editMessageCaption", "editMessageReplyMarkup"})
LIMITED_METHODS = frozenset(
    {
        "sendMessage",
        "copyMessage",
        "forwardMessage",
        "sendPhoto",
        "sendDocument",
        "sendMediaGroup",
        "sendVideo",
        "sendAudio",
        "sendAnimation",
        "sendVoice",
        "sendSticker",
        "sendLocation",
        "sendPoll",
    }
)
# Clocks of the bot and of Telegram are not the same; keep this far from the edge.
MARGIN = 0.01
RELATIVE_MARGIN = 0.01
PACING_TOLERANCE = 2.0
GROUP_WINDOW = 60.0
PRUNE_EVERY = 10_000


class Gate(Protocol):
    """Something to pass before a message is counted (see `SendGovernor.acquire`)."""

    async def acquire(self) -> Any: ...

    def release(self) -> None: ...


def is_private(chat_id: int | str) -> bool:
    """Private chats have positive ids; groups and channels negative ones (or @names)."""
    return isinstance(chat_id, int) and chat_id > 0


class SendGovernor:
    """When may the next message go out, overall and to one chat."""

    def __init__(
        self,
        per_second: float,
        per_chat_interval: float,
        group_per_minute: int,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.clock = clock
        self._burst = max(1, int(per_second))
        self._window = self._burst / per_second * (1 + RELATIVE_MARGIN) + MARGIN
        self._recent: deque[float] = deque(maxlen=self._burst)
        # Even pacing (GCRA): a theoretical time of the next send, with a small
        # tolerance to catch up after a late wake-up. Bursts at the edge of the
        # window are what a Telegram-side clock sees as over the cap.
        self._spacing = self._window / self._burst
        self._tolerance = self._spacing * PACING_TOLERANCE
        self._next_slot = 0.0
        self._chat_interval = per_chat_interval + MARGIN if per_chat_interval > 0 else 0.0
        self._group_burst = group_per_minute
        self._chat_last: dict[int | str, float] = {}
        self._group_recent: dict[int | str, deque[float]] = {}
        self._paused_until = 0.0
        self._chat_paused: dict[int | str, float] = {}
        self._records = 0
        # Senders waiting for the global rate take turns: only the first in line sleeps
        # on a timer. Woken all at once, 32 waiters (the delivery window) recomputed and
        # slept again on every send, a tenth of the bot's CPU at 1,000 msg/s.
        self._line = asyncio.Lock()

    def global_ready_at(self, ahead: int = 0) -> float:
        """When the next message may go overall; with `ahead`, the one after that many more."""
        if ahead:
            slot = max(self._next_slot, self.clock()) + ahead * self._spacing
        else:
            slot = self._next_slot
        ready = max(self._paused_until, slot - self._tolerance)
        full = len(self._recent) + ahead - self._burst
        if full >= 0 and self._recent:
            # Past what the window remembers, its last send is a lower bound.
            ready = max(ready, self._recent[min(full, len(self._recent) - 1)] + self._window)
        return ready

    def chat_ready_at(self, chat_id: int | str) -> float:
        ready = self._chat_paused.get(chat_id, 0.0)
        if is_private(chat_id):
            last = self._chat_last.get(chat_id)
            if last is not None:
                ready = max(ready, last + self._chat_interval)
            return ready
        recent = self._group_recent.get(chat_id)
        if recent is not None and len(recent) >= self._group_burst:
            ready = max(ready, recent[0] + GROUP_WINDOW + MARGIN)
        return ready

    def ready_at(self, chat_id: int | str) -> float:
        return max(self.global_ready_at(), self.chat_ready_at(chat_id))

    def record(self, chat_id: int | str) -> None:
        """A message to `chat_id` is leaving now."""
        now = self.clock()
        self._count_global(now)
        if is_private(chat_id):
            self._chat_last[chat_id] = now
        else:
            recent = self._group_recent.setdefault(chat_id, deque(maxlen=self._group_burst))
            recent.append(now)
        self._records += 1
        if self._records % PRUNE_EVERY == 0:
            self._prune(now)

    def _count_global(self, now: float) -> None:
        self._recent.append(now)
        self._next_slot = max(self._next_slot, now) + self._spacing

    def pause_chat(self, chat_id: int | str, seconds: float) -> None:
        self._chat_paused[chat_id] = max(
            self._chat_paused.get(chat_id, 0.0), self.clock() + seconds
        )

    def pause_all(self, seconds: float) -> None:
        self._paused_until = max(self._paused_until, self.clock() + seconds)

    def forget(self, chat_id: int | str) -> None:
        for table in (self._chat_last, self._group_recent, self._chat_paused):
            table.pop(chat_id, None)

    async def acquire(self, chat_id: int | str, gate: Gate | None = None) -> None:
        """Wait until a message to `chat_id` may go, and count it.

        A chat's own wait (its interval, a group's minute, a 429) is slept out of line,
        so that it holds up nobody else; then the global rate, in line. `gate` (the
        delivery worker's requests awaiting an answer) is passed at the turn, right
        before the message is counted; the caller releases it.
        """
        while True:
            wait = self.chat_ready_at(chat_id) - self.clock()
            if wait > 0:
                await asyncio.sleep(wait)
                continue
            async with self._line:
                await self._global_turn()
                if gate is not None:
                    await gate.acquire()
                    try:
                        await self._global_turn()  # again: it may have waited at the gate
                    except BaseException:
                        gate.release()
                        raise
                if self.chat_ready_at(chat_id) <= self.clock():
                    self.record(chat_id)
                    return
                if gate is not None:
                    gate.release()

    async def acquire_global(self) -> None:
        """Wait for a slot of the global rate only (edits), and count it."""
        async with self._line:
            await self._global_turn()
            self._count_global(self.clock())

    async def _global_turn(self) -> None:
        while True:
            wait = self.global_ready_at() - self.clock()
            if wait <= 0:
                return
            await asyncio.sleep(wait)

    def _prune(self, now: float) -> None:
        """Forget chats whose limits no longer matter, so memory stays flat.

        A private chat matters for its interval (1 s), a group for its minute: with one
        horizon of 61 s for both, 1,000 msg/s kept ~60,000 private chats (~7 MB).
        """
        horizon = now - self._chat_interval - 1.0
        self._chat_last = {c: t for c, t in self._chat_last.items() if t > horizon}
        horizon = now - GROUP_WINDOW - 1.0
        self._group_recent = {c: d for c, d in self._group_recent.items() if d and d[-1] > horizon}
        self._chat_paused = {c: t for c, t in self._chat_paused.items() if t > now}


class GovernedRateLimiter(BaseRateLimiter[dict[str, Any]]):
    """python-telegram-bot's hook: every message-sending call waits for the governor.

    Calls made by the delivery worker pass ``rate_limit_args={"paced": True}``:
    the worker already waited for the governor and handles 429 itself. Other
    calls (replies to commands) wait here and retry a 429 a few times.
    """

    def __init__(self, governor: SendGovernor, max_retries: int = 2) -> None:
        self.governor = governor
        self.max_retries = max_retries

    async def initialize(self) -> None:
        return None

    async def shutdown(self) -> None:
        return None

    async def process_request(
        self,
        callback: Callable[..., Coroutine[Any, Any, bool | dict[str, Any] | list[Any]]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: dict[str, Any] | None,
    ) -> bool | dict[str, Any] | list[Any]:
        chat_id = data.get("chat_id")
        if isinstance(chat_id, str) and chat_id.lstrip("-").isdigit():
            chat_id = int(chat_id)
        if (rate_limit_args or {}).get("paced"):
            return await callback(*args, **kwargs)
        if endpoint in EDIT_METHODS:
            await self.governor.acquire_global()
            return await callback(*args, **kwargs)
        if endpoint not in LIMITED_METHODS or chat_id is None:
            return await callback(*args, **kwargs)
        for attempt in range(self.max_retries + 1):
            await self.governor.acquire(chat_id)
            try:
                return await callback(*args, **kwargs)
            except RetryAfter as exc:
                wait = exc.retry_after
                seconds = wait.total_seconds() if hasattr(wait, "total_seconds") else float(wait)
                self.governor.pause_chat(chat_id, seconds)
                if attempt == self.max_retries:
                    raise
                log.warning("429 on %s to chat %s: waiting %.1f s", endpoint, chat_id, seconds)
        raise AssertionError("unreachable")
