"""Proposed fixes to the delivery path, applied by monkeypatching so they can be measured.

Nothing here edits the bot's files: each function swaps one thing at run time,
and `bench.delivery --fix NAME` (or `bench.memory --fix NAME`) measures the
result beside the unpatched code. What each stands for in the real code:

- aiohttp:  applied in the bot since (bot/telegram_http.py): now a no-op.
- group:    applied in the bot since (storage/db.py GroupCommit): now a no-op.
- cache:    applied in the bot since (bot/sender.py RecentRenders): now a no-op.
- margin:   bot/ratelimit.py RELATIVE_MARGIN / MARGIN (see `_margin`).
- uvloop:   bot/cli.py: run the bot on uvloop's event loop.
- lanes:    bot/delivery.py Lane.rows: a list instead of a deque (memory; see `_lanes`).
- raw:      bot/sender.py Sender.send_html: `bot.do_api_request("sendMessage", ...)`
            returns the JSON dict; `send_message` builds a full telegram.Message
            (with its Chat, User and entities) only for us to read `message_id`.
"""

from __future__ import annotations

import asyncio
import warnings
from collections.abc import Sequence

FIXES = ("aiohttp", "group", "cache", "raw", "margin", "uvloop", "lanes")


def apply(names: Sequence[str]) -> None:
    """Apply fixes by name; call before the event loop starts (uvloop sets the policy)."""
    table = {
        "aiohttp": _aiohttp,
        "group": _group,
        "cache": _cache,
        "raw": _raw,
        "margin": _margin,
        "uvloop": _uvloop,
        "lanes": _lanes,
    }
    for name in names:
        table[name]()


def _margin() -> None:
    """bot/ratelimit.py: RELATIVE_MARGIN 0.02 -> 0.005 and MARGIN 0.02 -> 0.01 s.

    The governor's global window is burst / rate * (1 + RELATIVE_MARGIN) + MARGIN:
    1.04 s for 1,000 messages today, so at most 961 msg/s (0.961 of the cap)
    however fast the bot is; 1.015 s allows 985 msg/s.
    """
    import bot.ratelimit

    bot.ratelimit.RELATIVE_MARGIN = 0.005
    bot.ratelimit.MARGIN = 0.01


def _lanes() -> None:
    """bot/delivery.py Lane.rows: a list, not a deque.

    An empty deque takes 760 bytes (CPython allocates a 64-slot block at once);
    the worker keeps up to MAX_LOADED = 50,000 lanes of mostly one row each,
    i.e. ~47 MB of lanes where lists take ~12 MB. Lanes hold a few rows, so
    pop(0) / insert(0, ...) cost nothing.
    """
    from dataclasses import dataclass, field

    import bot.delivery

    class Rows(list):
        __slots__ = ()

        def popleft(self):
            return self.pop(0)

        def appendleft(self, item) -> None:
            self.insert(0, item)

    @dataclass(slots=True)
    class Lane:
        chat_id: int
        rows: Rows = field(default_factory=Rows)
        not_before: float = 0.0
        token: int = 0
        busy: bool = False

        def head_kind(self) -> str:
            return "broadcast" if self.rows and self.rows[0][0].broadcast_id else "news"

    bot.delivery.Lane = Lane


def _uvloop() -> None:
    """bot/cli.py run: `uvloop.install()` before `run_polling` (pip install uvloop)."""
    import uvloop

    asyncio.set_event_loop_policy(uvloop.EventLoopPolicy())


def _aiohttp() -> None:
    # bot/app.py builds AiohttpRequest (bot/telegram_http.py) itself now.
    return None


# --- applied in the bot since: no-ops kept so old commands still run ---------


def _group() -> None:
    """storage/db.py GroupCommit, used by storage/outbox.py claim and mark_sent."""


def _cache() -> None:
    """bot/sender.py RecentRenders."""


# --- raw sendMessage ------------------------------------------------------------


def _raw() -> None:
    from telegram.error import BadRequest
    from telegram.warnings import PTBUserWarning

    from bot import sender as sender_module

    warnings.filterwarnings("ignore", message="Please use 'Bot.", category=PTBUserWarning)
    original = sender_module.Sender.send_html

    async def send_html(self, chat_id, rendered, markup=None):
        if markup is not None:
            return await original(self, chat_id, rendered, markup)
        data = {
            "chat_id": chat_id,
            "text": rendered.html,
            "parse_mode": "HTML",
            "link_preview_options": {"is_disabled": self.preview.is_disabled},
        }
        try:
            result = await self.bot.do_api_request(
                "sendMessage", api_kwargs=data, rate_limit_args=sender_module.PACED
            )
        except BadRequest as exc:
            if "can't parse entities" not in str(exc).lower():
                raise
            return await original(self, chat_id, rendered, markup)
        return result["message_id"]

    sender_module.Sender.send_html = send_html
