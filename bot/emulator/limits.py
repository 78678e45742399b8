"""Telegram's flood limits on sending, as the emulator enforces them.

Three caps, each optional (None disables it): messages per second over all chats,
a minimum interval between two messages to one private chat, and messages per
minute to one group, supergroup or channel. Only accepted sends count; a refused
one answers 429 with `retry_after` in whole seconds (at least 1, as PTB ignores 0).
A small tolerance absorbs timer jitter of a client that paces itself exactly.

Like Telegram, the emulator times a send when its request arrives (`mark_arrival`,
called as the HTTP handler starts), not after the body has been read and checked,
so its own processing under load does not squeeze a well-paced client's spacing.
"""

from __future__ import annotations

import bisect
import math
import time
from collections import deque
from collections.abc import Callable
from contextvars import ContextVar
from dataclasses import dataclass

from bot.emulator.errors import too_many_requests

GROUP_WINDOW = 60.0
GLOBAL_WINDOW = 1.0
# When the request being handled arrived; each aiohttp handler runs in its own task.
_ARRIVED: ContextVar[float | None] = ContextVar("arrived", default=None)


@dataclass(frozen=True, slots=True)
class RateCaps:
    """The caps; None disables one."""

    global_per_second: int | None = 30
    per_chat_interval: float | None = 1.0
    group_per_minute: int | None = 20
    tolerance: float = 0.01


def _retry_after(wait: float) -> int:
    return max(1, math.ceil(wait))


class RateLimiter:
    """Sliding-window bookkeeping of accepted sends, on a monotonic clock."""

    def __init__(self, caps: RateCaps, clock: Callable[[], float] = time.monotonic) -> None:
        self.caps = caps
        self._clock = clock
        self._global: deque[float] = deque()
        self._last_private: dict[int, float] = {}
        self._groups: dict[int, deque[float]] = {}

    def mark_arrival(self) -> None:
        """Note the current request's arrival time for a later `admit`."""
        _ARRIVED.set(self._clock())

    def admit(self, chat_id: int, *, group: bool) -> None:
        """Record a send to `chat_id`, or raise ApiError 429 if a cap refuses it."""
        arrived = _ARRIVED.get()
        now = self._clock() if arrived is None else arrived
        self._check_global(now)
        if group:
            self._check_group(chat_id, now)
        else:
            self._check_private(chat_id, now)
        # Requests may finish out of arrival order: keep the windows sorted.
        bisect.insort(self._global, now)
        if group:
            bisect.insort(self._groups.setdefault(chat_id, deque()), now)
        else:
            self._last_private[chat_id] = max(now, self._last_private.get(chat_id, now))

    def _check_global(self, now: float) -> None:
        cap = self.caps.global_per_second
        window = _expire(self._global, now - (GLOBAL_WINDOW - self.caps.tolerance))
        if cap is not None and len(window) >= cap:
            raise too_many_requests(_retry_after(window[0] + GLOBAL_WINDOW - now))

    def _check_private(self, chat_id: int, now: float) -> None:
        interval = self.caps.per_chat_interval
        last = self._last_private.get(chat_id)
        if interval is None or last is None:
            return
        if abs(now - last) < interval - self.caps.tolerance:
            raise too_many_requests(_retry_after(last + interval - now))

    def _check_group(self, chat_id: int, now: float) -> None:
        cap = self.caps.group_per_minute
        window = self._groups.get(chat_id)
        if cap is None or window is None:
            return
        _expire(window, now - (GROUP_WINDOW - self.caps.tolerance))
        if len(window) >= cap:
            raise too_many_requests(_retry_after(window[0] + GROUP_WINDOW - now))


def _expire(window: deque[float], oldest_kept: float) -> deque[float]:
    while window and window[0] <= oldest_kept:
        window.popleft()
    return window
