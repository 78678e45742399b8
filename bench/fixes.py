"""Proposed fixes to the delivery path, applied by monkeypatching so they can be measured.

Nothing here edits the bot's files: each function swaps one thing at run time,
and `bench.delivery --fix NAME` (or `bench.memory --fix NAME`) measures the
result beside the unpatched code. What each stands for in the real code:

- aiohttp:  applied in the bot since (bot/telegram_http.py): now a no-op.
- group:    storage/outbox.py claim / mark_sent: group commit. Concurrent callers
            (the worker's `window` sends in flight) share one write transaction;
            each caller still returns only after its own rows are committed, so the
            crash guarantees are those of today.
- cache:    bot/sender.py Sender.send: keep the last few rendered items by
            (item ids, language) instead of reading and rendering the item for
            each of the 10,000 chats.
- margin:   bot/ratelimit.py RELATIVE_MARGIN / MARGIN (see `_margin`).
- uvloop:   bot/cli.py: run the bot on uvloop's event loop.
- lanes:    bot/delivery.py Lane.rows: a list instead of a deque (memory; see `_lanes`).
- raw:      bot/sender.py Sender.send_html: `bot.do_api_request("sendMessage", ...)`
            returns the JSON dict; `send_message` builds a full telegram.Message
            (with its Chat, User and entities) only for us to read `message_id`.
"""

from __future__ import annotations

import asyncio
import time
import warnings
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

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


# --- group commit ---------------------------------------------------------------


class GroupCommit:
    """Coalesce concurrent calls into one batch call; each caller gets its own result."""

    def __init__(self, run: Callable[[Any, list[Any]], Awaitable[list[Any]]]) -> None:
        self.run = run
        self.pending: list[tuple[Any, asyncio.Future]] = []
        self.flusher: asyncio.Task | None = None
        self.batches = 0
        self.calls = 0

    async def submit(self, db: Any, payload: Any) -> Any:
        future = asyncio.get_running_loop().create_future()
        self.pending.append((payload, future))
        self.calls += 1
        if self.flusher is None:
            self.flusher = asyncio.create_task(self._flush(db))
        return await future

    async def _flush(self, db: Any) -> None:
        try:
            await asyncio.sleep(0)  # let the callers of this loop turn join
            while self.pending:
                batch, self.pending = self.pending, []
                self.batches += 1
                try:
                    results = await self.run(db, [payload for payload, _ in batch])
                except BaseException as exc:
                    for _, future in batch:
                        if not future.done():
                            future.set_exception(exc)
                    if isinstance(exc, asyncio.CancelledError):
                        raise
                    continue
                for (_, future), result in zip(batch, results, strict=True):
                    if not future.done():
                        future.set_result(result)
        finally:
            self.flusher = None


def _group() -> None:
    from storage import outbox

    async def claim_many(db, id_lists: list[list[int]]) -> list[list[int]]:
        every = [i for ids in id_lists for i in ids]
        marks = ",".join("?" * len(every))
        async with db.write() as conn:
            rows = await conn.execute_fetchall(
                "UPDATE outbox SET status = 'sending', attempts = attempts + 1"
                f" WHERE id IN ({marks}) AND status = 'pending' RETURNING id",
                every,
            )
        claimed = {row[0] for row in rows}
        return [[i for i in ids if i in claimed] for ids in id_lists]

    async def mark_many(db, result_lists: list[list[tuple[int, int | None]]]) -> list[None]:
        now = time.time()
        async with db.write() as conn:
            await conn.executemany(
                "UPDATE outbox SET status = 'sent', sent_at = ?, message_id = ?, error = NULL"
                " WHERE id = ?",
                [(now, m, r) for results in result_lists for r, m in results],
            )
        return [None] * len(result_lists)

    claims = GroupCommit(claim_many)
    marks = GroupCommit(mark_many)

    async def claim(db, ids):
        return await claims.submit(db, list(ids))

    async def mark_sent(db, results):
        await marks.submit(db, list(results))

    outbox.claim = claim
    outbox.mark_sent = mark_sent
    outbox.group_commit_stats = (claims, marks)


# --- rendering cache ------------------------------------------------------------


def _cache() -> None:
    from bot import sender as sender_module
    from bot.catalogue import catalogue
    from bot.messages import render_item, render_list
    from storage import items

    cache: OrderedDict[tuple, Any] = OrderedDict()
    limit = 64

    async def send(self, rows):
        head = rows[0]
        if head.broadcast_id is not None:
            return await self._broadcast(head)
        key = (tuple(r.item_id for r in rows), head.language, self.svc.config.telegram.language)
        rendered = cache.get(key)
        if rendered is None:
            t = catalogue(head.language, self.svc.config.telegram.language)
            found = await items.get_items(self.svc.db, [r.item_id for r in rows])
            if not found:
                raise sender_module.MissingContent(f"item {head.item_id} no longer stored")
            if len(found) == 1:
                rendered = render_item(found[0], self.svc.ward_name, t)
            else:
                header = t("news.digest_header", count=len(found))
                rendered = render_list(header, found, self.svc.ward_name, t)
            cache[key] = rendered
            if len(cache) > limit:
                cache.popitem(last=False)
        return await self.send_html(head.chat_id, rendered)

    sender_module.Sender.send = send


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
