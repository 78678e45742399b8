"""The send governor: Telegram's limits as a sliding window, per chat and per group."""

from __future__ import annotations

import itertools

from bot.ratelimit import GROUP_WINDOW, MARGIN, SendGovernor


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def sends_in_any_window(times: list[float], window: float) -> int:
    return max(sum(1 for t in times if start <= t < start + window) for start in times)


def drive(governor: SendGovernor, clock: FakeClock, chats: list[int], count: int) -> list[float]:
    """Send `count` messages round-robin over `chats` as fast as the governor allows."""
    times = []
    for index in range(count):
        chat = chats[index % len(chats)]
        clock.now = max(clock.now, governor.ready_at(chat))
        governor.record(chat)
        times.append(clock.now)
    return times


def test_global_rate_never_exceeds_the_cap_in_any_second():
    clock = FakeClock()
    governor = SendGovernor(25, 0, 20, clock)
    times = drive(governor, clock, list(range(1, 1001)), 500)
    assert sends_in_any_window(times, 1.0) <= 25
    assert times[-1] - times[0] < 500 / 25 * (1 + MARGIN) + 1


def test_private_chat_gets_one_message_per_interval():
    clock = FakeClock()
    governor = SendGovernor(1000, 1.0, 20, clock)
    times = drive(governor, clock, [42], 5)
    gaps = [b - a for a, b in itertools.pairwise(times)]
    assert all(gap >= 1.0 for gap in gaps)


def test_group_gets_at_most_its_messages_per_minute():
    clock = FakeClock()
    governor = SendGovernor(1000, 1.0, 20, clock)
    times = drive(governor, clock, [-100], 45)
    assert sends_in_any_window(times, GROUP_WINDOW) <= 20


def test_pause_after_429_holds_that_chat_only():
    clock = FakeClock()
    governor = SendGovernor(30, 1.0, 20, clock)
    governor.pause_chat(7, 30)
    assert governor.ready_at(7) >= clock.now + 30
    assert governor.ready_at(8) <= clock.now


def test_global_pause_holds_everyone():
    clock = FakeClock()
    governor = SendGovernor(30, 1.0, 20, clock)
    governor.pause_all(5)
    assert governor.ready_at(8) >= clock.now + 5


def test_memory_of_old_chats_is_pruned():
    clock = FakeClock()
    governor = SendGovernor(1_000_000, 1.0, 20, clock)
    for chat in range(1, 20_001):
        governor.record(chat)
        clock.now += 0.01
    assert len(governor._chat_last) < 20_000
