"""One Bot API call from name and raw parameters to HTTP status and JSON answer.

The order follows what matters to a client: the method must exist, the fields must
match the specification, then injected delays and faults apply, then the method's
own rules (text, HTML, keyboard, flood limits). Every call is recorded.
"""

from __future__ import annotations

import asyncio
import inspect
import logging
from collections.abc import Callable, Mapping
from typing import Any

from bot.emulator.chatinfo import ChatInfo
from bot.emulator.errors import ApiError
from bot.emulator.faults import Faults
from bot.emulator.limits import RateLimiter
from bot.emulator.messaging import Messaging, is_send
from bot.emulator.records import ApiCall
from bot.emulator.spec import MethodSpec, Spec
from bot.emulator.updates import Pulse
from bot.emulator.world import World

logger = logging.getLogger(__name__)

Handler = Callable[[dict[str, Any]], Any]
NOT_FOUND = {"ok": False, "error_code": 404, "description": "Not Found: method not found"}


class Dispatcher:
    """Routes calls to handlers, applies faults, records calls, signals activity."""

    def __init__(self, spec: Spec, world: World, limiter: RateLimiter, faults: Faults) -> None:
        self.spec = spec
        self.world = world
        self.faults = faults
        self.limiter = limiter
        self.messaging = Messaging(world, limiter)
        self.info = ChatInfo(world)
        self.calls: list[ApiCall] = []
        self.activity = Pulse()
        self.stopping = asyncio.Event()
        self._handlers = self._handler_table()

    def _handler_table(self) -> dict[str, Handler]:
        m, i = self.messaging, self.info
        return {
            "sendMessage": m.send_message,
            "editMessageText": m.edit_text,
            "editMessageReplyMarkup": m.edit_markup,
            "copyMessage": m.copy_message,
            "deleteMessage": m.delete_message,
            "answerCallbackQuery": m.answer_callback,
            "getMe": i.get_me,
            "getChat": i.get_chat,
            "getChatMember": i.get_chat_member,
            "getChatAdministrators": i.get_chat_administrators,
            "getChatMemberCount": i.get_chat_member_count,
            "leaveChat": i.leave_chat,
            "setMyCommands": i.set_my_commands,
            "getMyCommands": i.get_my_commands,
            "deleteMyCommands": i.delete_my_commands,
            "setWebhook": i.set_webhook,
            "deleteWebhook": i.delete_webhook,
            "getWebhookInfo": i.get_webhook_info,
            "getUpdates": i.get_updates,
        }

    def record(self, method: str, params: dict[str, Any], status: int) -> None:
        self.calls.append(ApiCall(method, params, status))
        logger.debug("bot api %s -> %s", method, status)
        self.activity.fire()

    async def call(
        self, name: str, raw: Mapping[str, Any], attachments: frozenset[str]
    ) -> tuple[int, dict[str, Any]]:
        """The HTTP status and JSON body answering one call."""
        method = self.spec.method(name)
        if method is None:
            self.record(name, dict(raw), 404)
            return 404, dict(NOT_FOUND)
        params = dict(raw)
        try:
            params = self.spec.check(method, raw, attachments)
            await self._pause(method.name, after=False)
            self.faults.check(params, send=is_send(method))
            status, body = 200, {"ok": True, "result": await self._run(method, params)}
        except ApiError as exc:
            status, body = exc.status, exc.payload()
        except Exception:  # a bug in the emulator must not hang the client
            logger.exception("emulator failed on %s", method.name)
            status, body = 500, ApiError(500, "Internal Server Error").payload()
        self.record(method.name, params, status)
        if status == 200:
            await self._pause(method.name, after=True)
        return status, body

    async def _run(self, method: MethodSpec, params: dict[str, Any]) -> Any:
        handler = self._handlers.get(method.name)
        if handler is not None:
            result = handler(params)
            return await result if inspect.isawaitable(result) else result
        if is_send(method) and method.returns[0] == "Message":
            return self.messaging.send_media(method, params)
        return self.spec.answer(method)

    async def _pause(self, method: str, *, after: bool) -> None:
        seconds = self.faults.delay_for(method, after=after)
        if seconds <= 0:
            return
        try:
            await asyncio.wait_for(self.stopping.wait(), seconds)
        except TimeoutError:
            return
