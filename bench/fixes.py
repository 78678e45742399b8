"""Proposed fixes to the delivery path, applied by monkeypatching so they can be measured.

Nothing here edits the bot's files: each function swaps one thing at run time,
and `bench.delivery --fix NAME` (or `bench.memory --fix NAME`) measures the
result beside the unpatched code. Fixes measured here and since applied in the
bot (aiohttp, group, cache, raw, lanes) are gone from this list. What each
left stands for in the real code:

- margin:   bot/ratelimit.py RELATIVE_MARGIN / MARGIN (see `_margin`).
- uvloop:   bot/cli.py: run the bot on uvloop's event loop.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

FIXES = ("margin", "uvloop")


def apply(names: Sequence[str]) -> None:
    """Apply fixes by name; call before the event loop starts (uvloop sets the policy)."""
    table = {
        "margin": _margin,
        "uvloop": _uvloop,
    }
    for name in names:
        table[name]()


def _margin() -> None:
    """bot/ratelimit.py: RELATIVE_MARGIN 0.01 -> 0.005 (MARGIN stays 0.01 s).

    The governor's global window is burst / rate * (1 + RELATIVE_MARGIN) + MARGIN:
    1.02 s for 1,000 messages today, so at most 980 msg/s (0.980 of the cap)
    however fast the bot is; 1.015 s allows 985 msg/s.
    """
    import bot.ratelimit

    bot.ratelimit.RELATIVE_MARGIN = 0.005
    bot.ratelimit.MARGIN = 0.01


def _uvloop() -> None:
    """bot/cli.py run: `uvloop.install()` before `run_polling` (pip install uvloop)."""
    import uvloop

    asyncio.set_event_loop_policy(uvloop.EventLoopPolicy())
