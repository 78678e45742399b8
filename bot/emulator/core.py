"""BotApiEmulator: a local Telegram Bot API over real HTTP on 127.0.0.1.

Start it, point a bot at `base_url`, then act as residents (sync methods that queue
updates), read what the bot sent, and inject failures. Reading methods return
immutable records; `wait_for` waits for a condition without fixed sleeps.
"""

from __future__ import annotations

import logging
import socket
import time
from collections.abc import Callable, Iterable
from typing import Any, Self, TypeVar

from aiohttp import web

from bot.emulator import acting
from bot.emulator.chatinfo import scope_key
from bot.emulator.controls import FaultControls
from bot.emulator.dispatch import Dispatcher
from bot.emulator.faults import Faults
from bot.emulator.limits import RateCaps, RateLimiter
from bot.emulator.records import (
    ApiCall,
    CallbackAnswer,
    EmulatorStats,
    SentMessage,
    TranscriptEvent,
)
from bot.emulator.spec import Spec
from bot.emulator.transport import make_app
from bot.emulator.world import ChatState, World

logger = logging.getLogger(__name__)
T = TypeVar("T")

DEFAULT_BOT_ID = 7000000001
POLL_INTERVAL = 0.05
SHUTDOWN_TIMEOUT = 1.0


def _bot_id(token: str | None) -> int:
    head = (token or "").split(":", 1)[0]
    return int(head) if head.isdigit() else DEFAULT_BOT_ID


class BotApiEmulator(FaultControls):
    """The emulated Telegram. Acting methods are synchronous; I/O methods are async."""

    def __init__(
        self,
        token: str | None = None,
        *,
        global_per_second: int | None = 30,
        per_chat_interval: float | None = 1.0,
        group_per_minute: int | None = 20,
        tolerance: float = 0.01,
        bot_username: str = "wardnews_bot",
        bot_name: str = "Tin phường",
        strict_chats: bool = False,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        """`token`: if given, calls with another token answer 401. Caps of None are off.

        `strict_chats`: unknown chats answer "chat not found" instead of being created
        (a positive id as a private chat, a negative one as a supergroup).
        `clock`: the monotonic clock of the flood limits (a fake one in tests).
        """
        self._token = token
        self._spec = Spec.load()
        bot_user = self._spec.build("User", _bot_fields(_bot_id(token), bot_name, bot_username))
        self._world = World(self._spec, bot_user, strict_chats=strict_chats)
        caps = RateCaps(global_per_second, per_chat_interval, group_per_minute, tolerance)
        self._limiter = RateLimiter(caps, clock)
        self._faults = Faults()
        self._dispatcher = Dispatcher(self._spec, self._world, self._limiter, self._faults)
        self._runner: web.AppRunner | None = None
        self._port = 0

    # -- lifecycle ------------------------------------------------------------------

    async def start(self) -> Self:
        """Listen on 127.0.0.1 on a free port."""
        app = make_app(self._dispatcher, self._token)
        runner = web.AppRunner(
            app, access_log=None, handler_cancellation=True, shutdown_timeout=SHUTDOWN_TIMEOUT
        )
        await runner.setup()
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.bind(("127.0.0.1", 0))
        self._port = sock.getsockname()[1]
        await web.SockSite(runner, sock).start()
        self._runner = runner
        logger.debug("bot api emulator listening on port %s", self._port)
        return self

    async def stop(self) -> None:
        """Release waiting getUpdates calls and delays, then close the server."""
        self._world.updates.close()
        self._dispatcher.stopping.set()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> Self:
        return await self.start()

    async def __aexit__(self, *exc_info: object) -> None:
        await self.stop()

    @property
    def base_url(self) -> str:
        """For PTB's base_url: it appends the token, giving /bot<TOKEN>/<method>."""
        return f"http://127.0.0.1:{self._port}/bot"

    @property
    def base_file_url(self) -> str:
        return f"http://127.0.0.1:{self._port}/file/bot"

    @property
    def bot_user(self) -> dict[str, Any]:
        """The bot's User object, as getMe answers it."""
        return dict(self._world.bot_user)

    # -- people and chats -------------------------------------------------------------

    def add_user(
        self,
        user_id: int,
        first_name: str | None = None,
        language_code: str | None = "vi",
        *,
        last_name: str | None = None,
        username: str | None = None,
    ) -> dict[str, Any]:
        """A resident and their private chat (chat id = user id); returns the User."""
        return self._world.add_user(
            user_id, first_name, language_code=language_code, last_name=last_name, username=username
        )

    def add_group(
        self,
        chat_id: int,
        title: str,
        *,
        admins: Iterable[int],
        members: Iterable[int] = (),
        kind: str = "supergroup",
        bot_status: str = "member",
    ) -> None:
        """A group the bot is in; the first admin is the owner ("creator")."""
        if kind not in ("group", "supergroup"):
            raise ValueError(f"kind must be 'group' or 'supergroup', got {kind!r}")
        chat = ChatState(chat_id, kind, title=title, admins=list(admins), members=set(members))
        chat.bot_status = bot_status
        self._world.add_chat(chat)

    def add_channel(self, chat_id: int, title: str, *, admins: Iterable[int] = ()) -> None:
        """A channel where the bot is an administrator."""
        chat = ChatState(chat_id, "channel", title=title, admins=list(admins))
        chat.bot_status = "administrator"
        self._world.add_chat(chat)

    # -- acting (synchronous: each queues an update and returns) ---------------------

    def send_text(self, user_id: int, text: str, *, chat_id: int | None = None) -> int:
        """The user writes `text` (a command gets its bot_command entity); the message id."""
        return self._acted(acting.send_text(self._world, user_id, text, chat_id))

    def press_button(
        self, user_id: int, message_id: int, data: str, *, chat_id: int | None = None
    ) -> str:
        """The user presses the button with `data` under a bot message; the query id.

        Raises LookupError if that message has no such button.
        """
        return self._acted(acting.press_button(self._world, user_id, message_id, data, chat_id))

    def edit_text(
        self, user_id: int, message_id: int, text: str, *, chat_id: int | None = None
    ) -> None:
        """The user edits their own message: an edited_message update."""
        self._acted(acting.edit_text(self._world, user_id, message_id, text, chat_id))

    def add_bot_to_group(self, chat_id: int, by_user: int, *, as_admin: bool = False) -> None:
        """`by_user` adds the bot to a known group: a my_chat_member update."""
        status = "administrator" if as_admin else "member"
        self._acted(acting.change_bot_status(self._world, chat_id, status, by_user))

    def remove_bot_from_group(self, chat_id: int, by_user: int | None = None) -> None:
        """The bot is removed ("kicked" by `by_user`) or leaves: a my_chat_member update."""
        status = "kicked" if by_user is not None else "left"
        self._acted(acting.change_bot_status(self._world, chat_id, status, by_user))

    def push_update(self, body: dict[str, Any]) -> int:
        """Queue any update body (without update_id); returns the update_id given."""
        return self._acted(self._world.updates.push(dict(body)))

    def _acted(self, result: T) -> T:
        self._dispatcher.activity.fire()
        return result

    # -- reading ------------------------------------------------------------------------

    def sent(self, chat_id: int | None = None) -> list[SentMessage]:
        """The bot's messages to one chat (all chats if None), oldest first."""
        return [m for m in self._world.sent.values() if chat_id in (None, m.chat_id)]

    def last(self, chat_id: int) -> SentMessage | None:
        """The bot's latest message to a chat, or None."""
        messages = self.sent(chat_id)
        return messages[-1] if messages else None

    def chat_ids(self) -> list[int]:
        """Every chat the emulator knows."""
        return list(self._world.chats)

    @property
    def calls(self) -> list[ApiCall]:
        """Every call answered: (method, params, http_status), oldest first."""
        return list(self._dispatcher.calls)

    def calls_to(self, method: str) -> list[ApiCall]:
        return [c for c in self._dispatcher.calls if c.method == method]

    @property
    def stats(self) -> EmulatorStats:
        return _stats(self._dispatcher.calls, self.sent())

    @property
    def commands(self) -> dict[str, list[dict[str, Any]]]:
        """setMyCommands for the default scope, by language_code ("" for all)."""
        stored = self._world.commands.items()
        return {lang: list(c) for (scope, lang), c in stored if scope == "default"}

    def commands_for(
        self, scope: dict[str, Any] | None = None, language_code: str = ""
    ) -> list[dict[str, Any]]:
        """setMyCommands for one scope (a BotCommandScope dict) and language."""
        return list(self._world.commands.get((scope_key(scope), language_code), []))

    @property
    def callback_answers(self) -> list[CallbackAnswer]:
        return list(self._world.callback_answers)

    @property
    def transcript(self) -> list[TranscriptEvent]:
        """Chronological chat log: user texts and presses, bot messages and edits."""
        return list(self._world.transcript)

    @property
    def polling(self) -> bool:
        """Whether a getUpdates call is waiting for updates right now."""
        return self._world.updates.waiting > 0

    @property
    def pending_updates(self) -> list[dict[str, Any]]:
        """Updates the bot has not confirmed yet."""
        return self._world.updates.pending

    # -- waiting ------------------------------------------------------------------------

    async def wait_for(
        self,
        predicate: Callable[[], bool],
        timeout: float = 5.0,
        what: str = "a condition",
    ) -> None:
        """Return once `predicate()` holds; AssertionError naming `what` after `timeout`.

        Rechecked after every call the emulator answers (and every POLL_INTERVAL, for
        conditions that depend on something else).
        """
        deadline = time.monotonic() + timeout
        while not predicate():
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise AssertionError(f"timed out after {timeout} s waiting for {what}")
            await self._dispatcher.activity.wait(min(remaining, POLL_INTERVAL))

    async def wait_for_message(
        self,
        chat_id: int,
        count: int = 1,
        contains: str | None = None,
        timeout: float = 5.0,
    ) -> SentMessage:
        """The `count`-th bot message to `chat_id` (containing `contains`, if given)."""

        def matching() -> list[SentMessage]:
            return [m for m in self.sent(chat_id) if contains is None or contains in m.text]

        what = f"message #{count} to chat {chat_id}"
        if contains is not None:
            what += f" containing {contains!r}"
        await self.wait_for(lambda: len(matching()) >= count, timeout, what)
        return matching()[count - 1]


def _bot_fields(bot_id: int, name: str, username: str) -> dict[str, Any]:
    return {
        "id": bot_id,
        "is_bot": True,
        "first_name": name,
        "username": username,
        "can_join_groups": True,
        "can_read_all_group_messages": False,
        "supports_inline_queries": False,
        "can_connect_to_business": False,
        "has_main_web_app": False,
    }


def _stats(calls: list[ApiCall], sent: list[SentMessage]) -> EmulatorStats:
    requests: dict[str, int] = {}
    client: dict[str, int] = {}
    server: dict[str, int] = {}
    for call in calls:
        requests[call.method] = requests.get(call.method, 0) + 1
        bucket = client if 400 <= call.status < 500 else server if call.status >= 500 else None
        if bucket is not None:
            bucket[call.method] = bucket.get(call.method, 0) + 1
    return EmulatorStats(
        sent=len(sent),
        edited=sum(len(m.edits) for m in sent),
        deleted=sum(m.deleted for m in sent),
        rate_limited=sum(c.status == 429 for c in calls),
        requests=requests,
        client_errors=client,
        server_errors=server,
    )
