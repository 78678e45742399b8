"""Turns claimed outbox rows into one Telegram call: an item, a digest or a broadcast."""

from __future__ import annotations

import logging
import time
import warnings
from collections import OrderedDict
from typing import Any

from telegram import Bot
from telegram.error import BadRequest
from telegram.warnings import PTBUserWarning

from bot.catalogue import catalogue
from bot.messages import Rendered, render_item, render_list, render_text
from bot.services import Services
from storage import broadcasts, items
from storage.records import Delivery

log = logging.getLogger(__name__)

PACED = {"paced": True}

# `send_html` posts sendMessage through `Bot.do_api_request`, which advises
# `Bot.send_message` on every call: that one builds a whole telegram.Message (Chat,
# User, entities) per send only for us to read its id (bench/delivery.py).
RAW_SEND_WARNING = "Please use 'Bot.sendMessage'"


def quiet_raw_send_warning() -> None:
    """Silence PTB's advice for our own raw sendMessage calls, and nothing else."""
    warnings.filterwarnings(
        "ignore", message=RAW_SEND_WARNING, category=PTBUserWarning, module=r"bot\.sender$"
    )


quiet_raw_send_warning()


class MissingContent(BadRequest):
    """The item or broadcast of a row is gone; the row cannot be sent."""


class RecentRenders:
    """The last few rendered messages: one item fanned out to 10,000 chats is read
    and rendered once, not 10,000 times (bench/delivery.py). Entries expire soon,
    so an article edited during its fan-out is shown edited to the chats after."""

    SIZE = 64
    TTL = 60.0

    def __init__(self) -> None:
        self._entries: OrderedDict[tuple, tuple[float, Rendered]] = OrderedDict()

    def get(self, key: tuple) -> Rendered | None:
        entry = self._entries.get(key)
        if entry is None or time.monotonic() - entry[0] > self.TTL:
            return None
        return entry[1]

    def put(self, key: tuple, rendered: Rendered) -> None:
        self._entries[key] = (time.monotonic(), rendered)
        self._entries.move_to_end(key)
        while len(self._entries) > self.SIZE:
            self._entries.popitem(last=False)


class Sender:
    def __init__(self, svc: Services, bot: Bot) -> None:
        self.svc = svc
        self.bot = bot
        self.preview = {"is_disabled": not svc.config.delivery.link_preview}
        self._rendered = RecentRenders()

    async def send(self, rows: list[Delivery]) -> int:
        """Send what these rows (all for one chat) owe; returns the message id."""
        head = rows[0]
        t = catalogue(head.language, self.svc.config.telegram.language)
        if head.broadcast_id is not None:
            return await self._broadcast(head)
        key = (tuple(r.item_id for r in rows), t.language)
        rendered = self._rendered.get(key)
        if rendered is None:
            rendered = await self._render_items(rows, t)
            self._rendered.put(key, rendered)
        return await self.send_html(head.chat_id, rendered)

    async def _render_items(self, rows: list[Delivery], t) -> Rendered:
        found = await items.get_items(self.svc.db, [r.item_id for r in rows])
        if not found:
            raise MissingContent(f"item {rows[0].item_id} no longer stored")
        if len(found) == 1:
            return render_item(found[0], self.svc.ward_name, t)
        header = t("news.digest_header", count=len(found))
        return render_list(header, found, self.svc.ward_name, t)

    async def send_html(self, chat_id: int, rendered: Rendered, markup=None) -> int:
        """sendMessage in HTML; if Telegram cannot parse it (our bug), once as plain text."""
        try:
            return await self._send_message(chat_id, rendered.html, "HTML", markup)
        except BadRequest as exc:
            if "can't parse entities" not in str(exc).lower():
                raise
            log.error("BUG: Telegram refused our HTML (%s); sending plain text", exc)
            return await self._send_message(chat_id, rendered.plain, None, None)

    async def _send_message(self, chat_id: int, text: str, parse_mode, markup) -> int:
        """sendMessage; returns the message id without building a telegram.Message.

        PTB's request layer raises the same errors (RetryAfter, Forbidden, BadRequest,
        ChatMigrated, TimedOut, NetworkError) as for `send_message`, and the rate
        limiter still sees the call (`rate_limit_args`).
        """
        data: dict[str, Any] = {
            "chat_id": chat_id,
            "text": text,
            "link_preview_options": self.preview,
        }
        if parse_mode is not None:
            data["parse_mode"] = parse_mode
        if markup is not None:
            data["reply_markup"] = markup
        result = await self.bot.do_api_request(
            "sendMessage", api_kwargs=data, rate_limit_args=PACED
        )
        return result["message_id"]

    async def _broadcast(self, row: Delivery) -> int:
        broadcast = await broadcasts.get_broadcast(self.svc.db, row.broadcast_id)
        if broadcast is None:
            raise MissingContent(f"broadcast {row.broadcast_id} no longer stored")
        if broadcast.copy_message_id is not None:
            message = await self.bot.copy_message(
                row.chat_id,
                broadcast.copy_chat_id,
                broadcast.copy_message_id,
                rate_limit_args=PACED,
            )
            return message.message_id
        t = catalogue(row.language, self.svc.config.telegram.language)
        header = t("broadcast.header")
        return await self.send_html(row.chat_id, render_text(broadcast.text, header))
