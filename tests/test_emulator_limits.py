"""Flood limits of the emulator, on a fake monotonic clock."""

from __future__ import annotations

import contextvars

import pytest

from bot.emulator.errors import ApiError
from bot.emulator.limits import RateCaps, RateLimiter


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def _refused(limiter: RateLimiter, chat_id: int, *, group: bool = False) -> int:
    with pytest.raises(ApiError) as caught:
        limiter.admit(chat_id, group=group)
    assert caught.value.status == 429
    assert caught.value.parameters is not None
    return int(caught.value.parameters["retry_after"])


def test_second_message_to_a_private_chat_within_the_interval_is_refused() -> None:
    clock = FakeClock()
    limiter = RateLimiter(RateCaps(), clock)
    limiter.admit(1, group=False)
    clock.now += 0.5
    assert _refused(limiter, 1) == 1
    limiter.admit(2, group=False)


def test_the_interval_tolerates_small_timer_jitter() -> None:
    clock = FakeClock()
    limiter = RateLimiter(RateCaps(tolerance=0.01), clock)
    limiter.admit(1, group=False)
    clock.now += 0.995
    limiter.admit(1, group=False)


def test_global_cap_counts_every_chat_within_one_second() -> None:
    clock = FakeClock()
    limiter = RateLimiter(RateCaps(global_per_second=3), clock)
    for chat_id in range(3):
        limiter.admit(chat_id, group=False)
    assert _refused(limiter, 99) == 1
    clock.now += 1.0
    limiter.admit(99, group=False)


def test_twenty_first_group_message_in_a_minute_is_refused() -> None:
    clock = FakeClock()
    limiter = RateLimiter(RateCaps(), clock)
    for _ in range(20):
        limiter.admit(-100, group=True)
        clock.now += 0.1
    assert _refused(limiter, -100, group=True) == 58
    limiter.admit(-200, group=True)
    clock.now += 58.0
    limiter.admit(-100, group=True)


def test_refused_sends_do_not_use_a_slot() -> None:
    clock = FakeClock()
    limiter = RateLimiter(RateCaps(per_chat_interval=1.0), clock)
    limiter.admit(1, group=False)
    clock.now += 0.6
    _refused(limiter, 1)
    clock.now += 0.4
    limiter.admit(1, group=False)


def test_caps_of_none_are_off() -> None:
    limiter = RateLimiter(RateCaps(None, None, None), FakeClock())
    for _ in range(100):
        limiter.admit(1, group=False)
        limiter.admit(-1, group=True)


def test_a_send_is_timed_when_its_request_arrived() -> None:
    clock = FakeClock()
    limiter = RateLimiter(RateCaps(), clock)
    limiter.admit(1, group=False)

    def arrive_then_admit_later() -> None:
        clock.now += 0.5
        limiter.mark_arrival()
        clock.now += 0.7  # checked 1.2 s after the first send, but it came 0.5 s after
        return limiter.admit(1, group=False)

    with pytest.raises(ApiError, match="Too Many Requests"):
        contextvars.copy_context().run(arrive_then_admit_later)
