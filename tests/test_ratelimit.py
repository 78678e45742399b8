"""The send governor: Telegram's limits as a sliding window, per chat and per group."""

from __future__ import annotations

import asyncio
import itertools

import pytest

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


def test_private_chats_are_forgotten_once_their_interval_is_over():
    """At 1,000 msg/s, each to a new chat, only the last seconds' chats are kept."""
    clock = FakeClock()
    governor = SendGovernor(1000, 1.0, 20, clock)
    for chat in range(1, 20_001):
        governor.record(chat)
        clock.now += 0.001
    assert len(governor._chat_last) <= 2_100
    assert governor.chat_ready_at(20_000) > clock.now  # the newest still wait their interval


def test_ready_time_with_sends_ahead_is_when_the_next_one_after_them_may_go():
    """`global_ready_at(ahead=k)` foretells the governor after k more sends: exactly while
    the window's memory holds the sends that bound it, never later than the truth after."""
    for k in range(25):
        clock = FakeClock()
        governor = SendGovernor(10, 0, 20, clock)
        drive(governor, clock, list(range(1, 100)), 7)
        predicted = governor.global_ready_at(ahead=k)
        drive(governor, clock, list(range(100, 200)), k)
        actual = governor.global_ready_at()
        if 7 + k - 10 < 7:
            assert actual == pytest.approx(predicted), k
        else:
            assert predicted <= actual + 1e-9, k
    fresh = SendGovernor(1, 0, 20, FakeClock())  # a window of one send, none sent yet
    assert fresh.global_ready_at(ahead=3) > fresh.global_ready_at()


async def test_senders_waiting_for_the_global_rate_take_turns(monkeypatch):
    """32 sends queued at once sleep about once each (not all of them at every turn),
    and go in the order they came."""
    clock = FakeClock()
    governor = SendGovernor(10, 0, 20, clock)
    real_sleep = asyncio.sleep
    sleeps: list[float] = []

    async def fake_sleep(seconds: float) -> None:
        sleeps.append(seconds)
        clock.now += seconds
        await real_sleep(0)

    monkeypatch.setattr(asyncio, "sleep", fake_sleep)
    order: list[int] = []

    async def send(chat_id: int) -> None:
        await governor.acquire(chat_id)
        order.append(chat_id)

    chats = list(range(1, 33))
    await asyncio.gather(*(send(c) for c in chats))
    assert order == chats
    assert len(sleeps) <= len(chats)


async def test_a_send_is_counted_only_once_through_the_gate():
    """The line's first waits at the gate (the worker's requests awaiting an answer)
    before it is counted; who comes after waits behind it."""
    clock = FakeClock()
    governor = SendGovernor(1000, 1.0, 20, clock)
    gate = asyncio.Semaphore(1)
    await gate.acquire()  # full
    first = asyncio.create_task(governor.acquire(1, gate=gate))
    second = asyncio.create_task(governor.acquire(2, gate=gate))
    for _ in range(5):
        await asyncio.sleep(0)  # let them run: both must wait
    assert not first.done() and not second.done()
    assert governor._records == 0
    gate.release()
    await asyncio.wait_for(first, timeout=5)
    assert governor._records == 1 and not second.done()
    gate.release()
    await asyncio.wait_for(second, timeout=5)
    assert governor._records == 2
