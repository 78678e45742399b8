"""Turns claimed outbox rows into one Telegram call: an item, a digest or a broadcast."""

from __future__ import annotations

import logging

from telegram import Bot, LinkPreviewOptions
from telegram.error import BadRequest

from bot.catalogue import catalogue
from bot.messages import Rendered, render_item, render_list, render_text
from bot.services import Services
from storage import broadcasts, items
from storage.records import Delivery

log = logging.getLogger(__name__)

PACED = {"paced": True}


class MissingContent(BadRequest):
    """The item or broadcast of a row is gone; the row cannot be sent."""


class Sender:
    def __init__(self, svc: Services, bot: Bot) -> None:
        self.svc = svc
        self.bot = bot
        self.preview = LinkPreviewOptions(is_disabled=not svc.config.delivery.link_preview)

    async def send(self, rows: list[Delivery]) -> int:
        """Send what these rows (all for one chat) owe; returns the message id."""
        head = rows[0]
        t = catalogue(head.language, self.svc.config.telegram.language)
        if head.broadcast_id is not None:
            return await self._broadcast(head)
        found = await items.get_items(self.svc.db, [r.item_id for r in rows])
        if not found:
            raise MissingContent(f"item {head.item_id} no longer stored")
        if len(found) == 1:
            rendered = render_item(found[0], self.svc.ward_name, t)
        else:
            header = t("news.digest_header", count=len(found))
            rendered = render_list(header, found, self.svc.ward_name, t)
        return await self.send_html(head.chat_id, rendered)

    async def send_html(self, chat_id: int, rendered: Rendered, markup=None) -> int:
        """sendMessage in HTML; if Telegram cannot parse it (our bug), once as plain text."""
        try:
            message = await self.bot.send_message(
                chat_id,
                rendered.html,
                parse_mode="HTML",
                link_preview_options=self.preview,
                reply_markup=markup,
                rate_limit_args=PACED,
            )
        except BadRequest as exc:
            if "can't parse entities" not in str(exc).lower():
                raise
            log.error("BUG: Telegram refused our HTML (%s); sending plain text", exc)
            message = await self.bot.send_message(
                chat_id, rendered.plain, link_preview_options=self.preview, rate_limit_args=PACED
            )
        return message.message_id

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
