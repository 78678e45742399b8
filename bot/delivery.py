"""The delivery worker: sends what the outbox owes, within Telegram's limits.

Rows are loaded from SQLite into one lane per chat. A heap knows when each
lane may send next (the per-chat interval, a group's minute, a 429 pause, a
retry's back-off); ready lanes are served in turn, news and broadcasts
alternating, each send taken shortly before the global window of the
`SendGovernor` lets it go (DISPATCH_LEAD) and waiting there in line.
At most `window` sends are in flight; each row is claimed (`sending`) before
its send and marked right after, so a crash repeats at most those. Of these,
only as many requests await Telegram's answer at once as the round trip needs
at the configured rate (`AwaitingAnswers`).
"""

from __future__ import annotations

import asyncio
import heapq
import itertools
import logging
import math
import random
import time
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field, replace

from telegram import Bot
from telegram.error import BadRequest, ChatMigrated, Forbidden, RetryAfter, TelegramError

from bot.sender import Sender
from bot.services import Services
from storage import chats, outbox
from storage.records import Delivery

log = logging.getLogger(__name__)

LOAD_CHUNK = 5000
# Rows held in memory per kind: news keeps flowing during a huge broadcast.
MAX_LOADED = 25_000
KINDS = ("news", "broadcast")
IDLE_CHECK = 5.0
BACKOFF_CAP = 300.0
STOP_GRACE = 10.0
GLOBAL_429_SPAN = 1.0
# A send is taken from its lane and claimed at most DISPATCH_LEAD before the governor
# will let it go: enough to hide the claim's wait for the database at 1,000 msg/s, yet
# no window-full of broadcast sends queued at the governor at 25 msg/s for news to wait
# behind. The loop wakes DISPATCH_SPAN past the next one's time and takes all those then
# due in one turn, so that their claims share one statement.
DISPATCH_LEAD = 0.02
DISPATCH_SPAN = 0.005

# Requests awaiting an answer: room for this many times what the round trip needs at
# the configured rate, plus a few; before the first answer, the window.
ANSWER_ROOM = 1.5
ANSWER_FLOOR = 4

Outcome = Callable[[Delivery, str], Awaitable[None]]


@dataclass(slots=True)
class Lane:
    """What one chat is owed, in order, and when it may next be sent to.

    `rows` is a list, not a deque: the worker holds up to 2 x MAX_LOADED lanes of
    mostly one row, and an empty deque alone takes ~760 bytes (CPython allocates a
    64-slot block) where a list of one row takes 64. Lanes are short: pop(0) is cheap.
    """

    chat_id: int
    rows: list[tuple[Delivery, float]] = field(default_factory=list)
    not_before: float = 0.0
    token: int = 0
    busy: bool = False

    def head_kind(self) -> str:
        return kind_of(self.rows[0][0]) if self.rows else "news"


class AwaitingAnswers:
    """Requests sent and not answered yet: at most what the round trip needs at the
    configured rate, with room to spare, and never more than the window.

    Telegram (like the emulator) times a message when it arrives. When the other end
    stalls (its process paused, a congested link), what was sent meanwhile arrives
    at once when it resumes: with 32 requests out at 1,000 msg/s, more than the cap
    in a second now and then (429s in bench/delivery.py; none with 8 or 16 out).
    Bounded by rate x round trip, such a bunch stays within the governor's margins,
    and a distant server still gets as many requests as its round trip needs.
    """

    def __init__(self, per_second: float, cap: int) -> None:
        self.per_second = per_second
        self.cap = cap
        self.count = 0
        self.round_trip: float | None = None  # smoothed, as TCP does (1/8 per answer)
        self._waiters: deque[asyncio.Future] = deque()

    @property
    def limit(self) -> int:
        if self.round_trip is None:
            return self.cap
        needed = math.ceil(self.per_second * self.round_trip * ANSWER_ROOM) + ANSWER_FLOOR
        return max(1, min(self.cap, needed))

    async def acquire(self) -> None:
        while self.count >= self.limit:
            waiter = asyncio.get_running_loop().create_future()
            self._waiters.append(waiter)
            try:
                await waiter
            finally:
                if waiter in self._waiters:
                    self._waiters.remove(waiter)
        self.count += 1

    def release(self) -> None:
        self.count -= 1
        self._wake()

    def answered(self, seconds: float) -> None:
        """One round trip took `seconds`."""
        if self.round_trip is None:
            self.round_trip = seconds
        else:
            self.round_trip += (seconds - self.round_trip) / 8
        self._wake()

    def _wake(self) -> None:
        if self._waiters and self.count < self.limit:
            waiter = self._waiters.popleft()
            if not waiter.done():
                waiter.set_result(None)


class DeliveryWorker:
    def __init__(self, svc: Services, bot: Bot, *, window: int | None = None) -> None:
        self.svc = svc
        self.db = svc.db
        self.governor = svc.governor
        self.limits = svc.config.delivery
        self.sender = Sender(svc, bot)
        self.clock = self.governor.clock
        if window is None:
            window = svc.config.delivery.in_flight
        self.window = window
        self.outcome_hooks: list[Outcome] = []
        self._lanes: dict[int, Lane] = {}
        self._heap: list[tuple[float, int, int, int]] = []
        self._ready: dict[str, deque[Lane]] = {"news": deque(), "broadcast": deque()}
        self._turn = itertools.cycle(("news", "broadcast"))
        self._seq = itertools.count()
        self._known: dict[str, set[int]] = {kind: set() for kind in KINDS}
        self._cursor = dict.fromkeys(KINDS, 0)
        self._new_rows = True
        self._last_load = 0.0
        # The loop's sleep: a future and a timer (asyncio.wait_for on an Event made a
        # task per sleep, about one sleep per message), and until when it sleeps.
        self._woken = False
        self._waiter: asyncio.Future | None = None
        self._sleep_until = 0.0
        self._slots = asyncio.Semaphore(window)
        self._answers = AwaitingAnswers(self.limits.global_per_second, window)
        self._inflight: set[asyncio.Task] = set()
        self._queued = 0  # sends taken from their lanes that have not passed the governor
        self._task: asyncio.Task | None = None
        self._recent_429: deque[tuple[float, int]] = deque(maxlen=8)
        self.sent = 0

    # --- lifecycle ------------------------------------------------------

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="delivery")

    def wake(self) -> None:
        """New rows were committed: look for them now."""
        self._new_rows = True
        self._poke()

    def _poke(self) -> None:
        """Cut the loop's current (or next) sleep short."""
        self._woken = True
        if self._waiter is not None and not self._waiter.done():
            self._waiter.set_result(None)

    async def stop(self) -> None:
        """Stop taking rows; let sends in flight finish (their rows stay safe if not)."""
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
            self._task = None
        if self._inflight:
            _, pending = await asyncio.wait(self._inflight, timeout=STOP_GRACE)
            for task in pending:
                task.cancel()
            await asyncio.gather(*pending, return_exceptions=True)
        # Rows whose send was cut off go back to pending for the next start.
        await outbox.recover_in_flight(self.db)

    @property
    def _loaded(self) -> int:
        return sum(len(ids) for ids in self._known.values())

    # --- the loop -------------------------------------------------------

    async def _run(self) -> None:
        while True:
            try:
                await self._step()
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("delivery loop error; retrying in a second")
                await self._sleep(1.0)

    async def _step(self) -> None:
        self._woken = False
        stale = self.clock() - self._last_load > IDLE_CHECK
        room = any(len(ids) < MAX_LOADED // 2 for ids in self._known.values())
        if (self._new_rows or stale) and room:
            self._new_rows = False
            self._last_load = self.clock()
            for kind in KINDS:
                await self._load(kind)
        lane = self._next_lane()
        if lane is None:
            await self._sleep(self._idle_wait())
            return
        now = self.clock()
        chat_wait = self.governor.chat_ready_at(lane.chat_id)
        if chat_wait > now:
            # Only this chat must wait (its interval, a group's minute): the others may
            # go now, so put it back in line for later rather than sleep on it.
            self._schedule(lane, max(chat_wait, lane.not_before))
            await asyncio.sleep(0)  # many such lanes in a row must not hold the loop
            return
        wait = self.governor.global_ready_at(ahead=self._queued) - DISPATCH_LEAD
        if wait > now:
            self._schedule(lane, max(wait, lane.not_before), front=True)
            await self._sleep(min(wait - now + DISPATCH_SPAN, IDLE_CHECK))
            return
        await self._slots.acquire()
        rows = self._take(lane)
        lane.busy = True
        self._queued += 1
        task = asyncio.create_task(self._deliver(lane, rows))
        self._inflight.add(task)
        task.add_done_callback(self._inflight.discard)

    async def _sleep(self, seconds: float) -> None:
        if seconds <= 0 or self._woken:
            return
        loop = asyncio.get_running_loop()
        self._waiter = waiter = loop.create_future()
        self._sleep_until = self.clock() + seconds
        timer = loop.call_later(seconds, _settle, waiter)
        try:
            await waiter
        finally:
            timer.cancel()
            self._waiter = None
            self._sleep_until = 0.0

    def _idle_wait(self) -> float:
        if self._heap:
            return max(0.0, min(self._heap[0][0] - self.clock(), IDLE_CHECK))
        return IDLE_CHECK

    async def _load(self, kind: str) -> None:
        """Bring pending rows of one kind from the database into the lanes."""
        known = self._known[kind]
        while len(known) < MAX_LOADED:
            now_wall = time.time()
            rows = await outbox.due_deliveries(self.db, kind, LOAD_CHUNK, self._cursor[kind])
            if not rows:
                return
            now = self.clock()
            for delivery, due_wall in rows:
                self._cursor[kind] = max(self._cursor[kind], delivery.id)
                if delivery.id not in known:
                    self._add(delivery, now + max(0.0, due_wall - now_wall))
            if len(rows) < LOAD_CHUNK:
                return

    def _add(self, delivery: Delivery, due: float) -> None:
        lane = self._lanes.get(delivery.chat_id)
        if lane is None:
            lane = self._lanes[delivery.chat_id] = Lane(delivery.chat_id, [(delivery, due)])
        else:
            lane.rows.append((delivery, due))
        self._known[kind_of(delivery)].add(delivery.id)
        if len(lane.rows) == 1 and not lane.busy:
            self._schedule(lane, max(due, lane.not_before))

    def _schedule(self, lane: Lane, at: float, front: bool = False) -> None:
        lane.token += 1
        seq = -1 if front else next(self._seq)
        heapq.heappush(self._heap, (at, seq, lane.chat_id, lane.token))

    def _next_lane(self) -> Lane | None:
        now = self.clock()
        while self._heap and self._heap[0][0] <= now:
            _, _, chat_id, token = heapq.heappop(self._heap)
            lane = self._lanes.get(chat_id)
            if lane is None or lane.token != token or lane.busy or not lane.rows:
                continue
            lane.token += 1
            self._ready[lane.head_kind()].append(lane)
        for _ in range(2):
            queue = self._ready[next(self._turn)]
            if queue:
                return queue.popleft()
        return None

    def _take(self, lane: Lane) -> list[Delivery]:
        """The head row, or every item row of the head's poll when they make a digest."""
        head, _ = lane.rows.pop(0)
        taken = [head]
        if head.item_id is not None and head.batch is not None:
            same = [r for r, _ in lane.rows if r.item_id is not None and r.batch == head.batch]
            if len(same) + 1 > self.limits.digest_threshold:
                ids = {r.id for r in same}
                lane.rows = [x for x in lane.rows if x[0].id not in ids]
                taken.extend(same)
        return taken

    def _requeue(self, lane: Lane, rows: list[Delivery], due: float) -> None:
        lane.rows[:0] = [(delivery, due) for delivery in rows]

    def _forget_finished(self, lane: Lane, rows: list[Delivery]) -> None:
        """Rows that left memory for good (sent, failed, dropped) are no longer known."""
        waiting = {d.id for d, _ in lane.rows}
        self._forget([r for r in rows if r.id not in waiting])

    def _forget(self, rows) -> None:
        for row in rows:
            self._known[kind_of(row)].discard(row.id)

    def _release_lane(self, lane: Lane) -> None:
        lane.busy = False
        if lane.rows:
            due = max(lane.rows[0][1], lane.not_before, self.governor.chat_ready_at(lane.chat_id))
            self._schedule(lane, due)
            if due < self._sleep_until:  # the loop sleeps past it: wake it up
                self._poke()
        else:
            self._lanes.pop(lane.chat_id, None)

    # --- one send -------------------------------------------------------

    async def _deliver(self, lane: Lane, rows: list[Delivery]) -> None:
        status = "failed"
        gone: list[Delivery] = []
        try:
            try:
                claimed = set(await outbox.claim(self.db, [r.id for r in rows]))
                # Rows settled elsewhere while they waited here (the bot removed from a
                # group, /stop) are not sent, but a broadcast's report must hear of them.
                gone = [r for r in rows if r.id not in claimed]
                rows = [r for r in rows if r.id in claimed]
                if rows:
                    # Counted right before the request leaves, so that the claim's wait
                    # for the database does not skew the timing Telegram sees.
                    await self.governor.acquire(lane.chat_id, gate=self._answers)
            finally:
                self._queued -= 1
            if rows:
                status = await self._attempt(lane, rows)
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("delivery to chat %s failed unexpectedly", lane.chat_id)
            await self._retry(lane, rows, "internal error")
            status = "retry"
        finally:
            self._slots.release()
            self._forget_finished(lane, rows + gone)
            self._release_lane(lane)
        for row in gone:
            for hook in self.outcome_hooks:
                await hook(row, "dropped")
        if status != "retry":
            for row in rows:
                for hook in self.outcome_hooks:
                    await hook(row, status)

    async def _attempt(self, lane: Lane, rows: list[Delivery]) -> str:
        """Send (holding one of `_answers`, taken at the governor) and settle the rows."""
        ids = [r.id for r in rows]
        started = self.clock()
        try:
            try:
                message_id = await self.sender.send(rows)
            finally:
                self._answers.release()
        except RetryAfter as exc:
            await self._on_429(lane, rows, _seconds(exc.retry_after))
            return "retry"
        except ChatMigrated as exc:
            await self._on_migrated(lane, rows, exc.new_chat_id)
            return "retry"
        except Forbidden as exc:
            return await self._drop_chat(lane, str(exc))
        except BadRequest as exc:
            if "chat not found" in str(exc).lower():
                return await self._drop_chat(lane, str(exc))
            log.error("chat %s refused delivery %s: %s", lane.chat_id, ids, exc)
            await outbox.mark_failed(self.db, ids, str(exc)[:300])
            return "failed"
        except TelegramError as exc:
            return await self._retry(lane, rows, str(exc)[:300])
        self._answers.answered(self.clock() - started)
        # With every slot taken, the next send waits for this one's mark: no gathering.
        hurry = self._slots.locked()
        await outbox.mark_sent(self.db, [(row_id, message_id) for row_id in ids], hurry=hurry)
        self.sent += len(ids)
        return "sent"

    async def _retry(self, lane: Lane, rows: list[Delivery], error: str) -> str:
        """A transient failure: back off and try again, up to max_attempts."""
        attempts = max(r.attempts for r in rows) + 1
        ids = [r.id for r in rows]
        if attempts >= self.limits.max_attempts:
            log.warning(
                "giving up on %s to chat %s after %d tries: %s", ids, lane.chat_id, attempts, error
            )
            await outbox.mark_failed(self.db, ids, error)
            return "failed"
        base = self.limits.retry_delay * 2.0 ** (attempts - 1)
        delay = min(BACKOFF_CAP, base) * random.uniform(0.8, 1.2)
        await outbox.release(self.db, ids, time.time() + delay, error, count=True)
        retried = [_with_attempts(r, attempts) for r in rows]
        self._requeue(lane, retried, self.clock() + delay)
        lane.not_before = max(lane.not_before, self.clock() + delay)
        return "retry"

    async def _on_429(self, lane: Lane, rows: list[Delivery], seconds: float) -> None:
        now = self.clock()
        log.warning("429 for chat %s: waiting %.1f s", lane.chat_id, seconds)
        self.governor.pause_chat(lane.chat_id, seconds)
        self._recent_429.append((now, lane.chat_id))
        others = {c for t, c in self._recent_429 if now - t < GLOBAL_429_SPAN}
        if len(others) > 1:
            self.governor.pause_all(seconds)
        lane.not_before = now + seconds
        await outbox.release(
            self.db, [r.id for r in rows], time.time() + seconds, "429", count=False
        )
        self._requeue(lane, rows, now + seconds)

    async def _on_migrated(self, lane: Lane, rows: list[Delivery], new_id: int) -> None:
        log.info("chat %s moved to %s; its deliveries follow", lane.chat_id, new_id)
        await outbox.release(self.db, [r.id for r in rows], time.time(), "migrated", count=False)
        await chats.migrate_chat(self.db, lane.chat_id, new_id)
        self._forget([d for d, _ in lane.rows] + rows)
        lane.rows.clear()
        self._cursor = dict.fromkeys(KINDS, 0)  # reload: the rows belong to the new chat
        self.wake()

    async def _drop_chat(self, lane: Lane, reason: str) -> str:
        dropped = await chats.deactivate_chat(self.db, lane.chat_id, reason[:200])
        log.info(
            "chat %s blocked or gone (%s): deactivated, %d rows dropped",
            lane.chat_id,
            reason,
            dropped,
        )
        for delivery, _ in lane.rows:
            for hook in self.outcome_hooks:
                await hook(delivery, "blocked")
        self._forget([d for d, _ in lane.rows])
        lane.rows.clear()
        self.governor.forget(lane.chat_id)
        return "blocked"


def _settle(waiter: asyncio.Future) -> None:
    if not waiter.done():
        waiter.set_result(None)


def kind_of(delivery: Delivery) -> str:
    return "broadcast" if delivery.broadcast_id is not None else "news"


def _seconds(value) -> float:
    return value.total_seconds() if hasattr(value, "total_seconds") else float(value)


def _with_attempts(row: Delivery, attempts: int) -> Delivery:
    return replace(row, attempts=attempts)
