"""The delivery worker's bound on requests awaiting Telegram's answer."""

from __future__ import annotations

import asyncio

from bot.delivery import ANSWER_FLOOR, AwaitingAnswers


def test_the_bound_follows_the_round_trip_at_the_rate_within_the_window():
    answers = AwaitingAnswers(1000, cap=32)
    assert answers.limit == 32  # no answer yet: the window
    answers.answered(0.004)  # a local server: ~4 requests out at 1,000 msg/s
    assert answers.limit == 6 + ANSWER_FLOOR
    for _ in range(50):
        answers.answered(0.1)  # a distant one: 100 out, more than the window
    assert answers.limit == 32
    slow = AwaitingAnswers(25, cap=32)
    slow.answered(0.1)
    assert slow.limit == 4 + ANSWER_FLOOR


async def test_a_request_over_the_bound_waits_for_an_answer():
    answers = AwaitingAnswers(1000, cap=32)
    answers.answered(0.001)
    for _ in range(answers.limit):
        await answers.acquire()
    waiting = asyncio.create_task(answers.acquire())
    for _ in range(5):
        await asyncio.sleep(0)  # let it run: it must wait
    assert not waiting.done()
    answers.release()
    await asyncio.wait_for(waiting, timeout=5)
    assert answers.count == answers.limit
