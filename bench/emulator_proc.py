"""The Bot API emulator in a process of its own, for the delivery and memory benchmarks.

    python -m bench.emulator_proc --global-per-second 1000 --per-chat-interval 1.0

Prints {"ready": true, "base_url": ..., "file_url": ..., "pid": ...} once listening,
then answers JSON commands on stdin, one per line:

    {"cmd": "stats"}                  counts so far (see `stats`)
    {"cmd": "stats", "arrivals": true} the same with the arrival time of every accepted send
    {"cmd": "quit"}                   final stats, then exit

Arrival times are `time.monotonic()` of this process, which on Linux is
CLOCK_MONOTONIC, the same clock as in the parent: the parent can subtract them
from its own readings.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import time
from typing import Any

from bench.common import TOKEN, reply, serve_commands
from bot.emulator import BotApiEmulator
from bot.emulator.limits import _ARRIVED


def _cap(value: float) -> float | None:
    return None if value <= 0 else value


class Recorder:
    """Wraps the emulator's rate limiter to note when each accepted send arrived."""

    def __init__(self, emu: BotApiEmulator) -> None:
        self.emu = emu
        self.arrivals: list[float] = []
        self.refused = 0
        limiter = emu._limiter  # the bench reads the emulator's internals on purpose
        original = limiter.admit

        def admit(chat_id: int, *, group: bool) -> None:
            try:
                original(chat_id, group=group)
            except Exception:
                self.refused += 1
                raise
            arrived = _ARRIVED.get()
            self.arrivals.append(arrived if arrived is not None else time.monotonic())

        limiter.admit = admit

    def stats(self, with_arrivals: bool) -> dict[str, Any]:
        calls = self.emu._dispatcher.calls
        by_method: dict[str, int] = {}
        statuses: dict[str, int] = {}
        for call in calls:
            by_method[call.method] = by_method.get(call.method, 0) + 1
            statuses[str(call.status)] = statuses.get(str(call.status), 0) + 1
        answer: dict[str, Any] = {
            "accepted_sends": len(self.arrivals),
            "rate_limited": sum(1 for c in calls if c.status == 429),
            "requests": by_method,
            "statuses": statuses,
            "cpu_seconds": time.process_time(),
            "first_arrival": min(self.arrivals) if self.arrivals else None,
            "last_arrival": max(self.arrivals) if self.arrivals else None,
        }
        if with_arrivals:
            answer["arrivals"] = sorted(self.arrivals)
        return answer


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--global-per-second", type=float, default=1000)
    parser.add_argument("--per-chat-interval", type=float, default=1.0)
    parser.add_argument("--group-per-minute", type=float, default=20)
    parser.add_argument("--tolerance", type=float, default=0.01)
    parser.add_argument(
        "--rtt", type=float, default=0.0, help="answer every sendMessage this many seconds late"
    )
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    global_cap = _cap(args.global_per_second)
    group_cap = _cap(args.group_per_minute)
    emu = BotApiEmulator(
        TOKEN,
        global_per_second=int(global_cap) if global_cap else None,
        per_chat_interval=_cap(args.per_chat_interval),
        group_per_minute=int(group_cap) if group_cap else None,
        tolerance=args.tolerance,
    )
    await emu.start()
    if args.rtt > 0:
        # after=True: the send is admitted (timed) on arrival, the answer comes late,
        # as from a distant server.
        emu.delay(args.rtt, "sendMessage", after=True)
    recorder = Recorder(emu)
    reply(
        {"ready": True, "base_url": emu.base_url, "file_url": emu.base_file_url, "pid": os.getpid()}
    )
    try:
        await serve_commands(
            {
                "stats": lambda m: recorder.stats(bool(m.get("arrivals"))),
                "quit": lambda m: recorder.stats(bool(m.get("arrivals"))),
            }
        )
    finally:
        await emu.stop()


if __name__ == "__main__":
    asyncio.run(main())
