"""Injected failures: what a test asks the emulated Telegram to do wrong.

Chat faults (blocked, deactivated, not found, migrated) answer every call aimed at
that chat. One-off 429s and a share of 5xx answers hit send methods only. Delays
slow any method, before the call is handled or after it (then the message is
stored although the client may have given up waiting: a send "in flight").
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Any

from bot.emulator.errors import ApiError, bad_request, forbidden, too_many_requests

SERVER_ERRORS = ((500, "Internal Server Error"), (502, "Bad Gateway"))
MIGRATED = "group chat was upgraded to a supergroup chat"


@dataclass(frozen=True, slots=True)
class Delay:
    """Answer `method` (every method if None) `seconds` late."""

    seconds: float
    method: str | None
    after: bool
    remaining: int | None


@dataclass(slots=True)
class _Injected429:
    remaining: int
    retry_after: int
    chat_id: int | None


def target_chat(params: dict[str, Any]) -> int | str | None:
    """The chat a call aims at, as sent."""
    chat_id = params.get("chat_id")
    return chat_id if isinstance(chat_id, int | str) and not isinstance(chat_id, bool) else None


class Faults:
    """The failures currently switched on."""

    def __init__(self) -> None:
        self.chat_errors: dict[int | str, ApiError] = {}
        self._injected: list[_Injected429] = []
        self._fail_share = 0.0
        self._rng = random.Random(0)
        self._delays: list[Delay] = []

    def set_chat_error(self, chat_id: int | str, error: ApiError | None) -> None:
        if error is None:
            self.chat_errors.pop(chat_id, None)
        else:
            self.chat_errors[chat_id] = error

    def block(self, chat_id: int) -> None:
        self.set_chat_error(chat_id, forbidden("bot was blocked by the user"))

    def deactivate(self, chat_id: int) -> None:
        self.set_chat_error(chat_id, forbidden("user is deactivated"))

    def chat_not_found(self, chat_id: int | str) -> None:
        self.set_chat_error(chat_id, bad_request("chat not found"))

    def migrate(self, chat_id: int, new_chat_id: int) -> None:
        error = ApiError(400, f"Bad Request: {MIGRATED}", {"migrate_to_chat_id": new_chat_id})
        self.set_chat_error(chat_id, error)

    def inject_429(self, count: int, retry_after: int, chat_id: int | None) -> None:
        self._injected.append(_Injected429(count, max(1, retry_after), chat_id))

    def fail_share(self, share: float, seed: int) -> None:
        if not 0.0 <= share <= 1.0:
            raise ValueError(f"share must be between 0 and 1, got {share}")
        self._fail_share = share
        self._rng = random.Random(seed)

    def delay(self, seconds: float, method: str | None, after: bool, count: int | None) -> None:
        self._delays = [d for d in self._delays if d.method != method]
        if seconds > 0:
            self._delays.append(Delay(seconds, method, after, count))

    def delay_for(self, method: str, *, after: bool) -> float:
        """Seconds to wait for this call at this point; counts down one-off delays."""
        for index, delay in enumerate(self._delays):
            if delay.after != after or delay.method not in (None, method):
                continue
            if delay.remaining is not None:
                left = delay.remaining - 1
                self._delays[index] = Delay(delay.seconds, delay.method, delay.after, left)
                if left <= 0:
                    del self._delays[index]
            return delay.seconds
        return 0.0

    def check(self, params: dict[str, Any], *, send: bool) -> None:
        """Raise the injected error this call should answer, if any."""
        chat_id = target_chat(params)
        if chat_id is not None and chat_id in self.chat_errors:
            raise self.chat_errors[chat_id]
        if not send:
            return
        self._check_injected_429(chat_id)
        if self._fail_share and self._rng.random() < self._fail_share:
            status, description = self._rng.choice(SERVER_ERRORS)
            raise ApiError(status, description)

    def _check_injected_429(self, chat_id: int | str | None) -> None:
        for injected in self._injected:
            if injected.chat_id is not None and injected.chat_id != chat_id:
                continue
            injected.remaining -= 1
            if injected.remaining <= 0:
                self._injected.remove(injected)
            raise too_many_requests(injected.retry_after)
