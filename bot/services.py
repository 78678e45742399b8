"""What the handlers, the poller and the delivery worker share, built once in `app`."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from telegram.ext import ContextTypes

from bot.catalogue import Catalogue, catalogue
from bot.config import Config
from bot.news.wards import Resolution, WardRegistry, resolve
from bot.ratelimit import SendGovernor
from storage import chats
from storage.db import Database

SERVICES_KEY = "wardnews"


@dataclass(slots=True)
class Services:
    config: Config
    db: Database
    registry: WardRegistry
    governor: SendGovernor
    # Set once the application is running (see bot.app).
    delivery: Any = None
    poller: Any = None
    extras: dict[str, Any] = field(default_factory=dict)

    async def words_for(self, chat_id: int) -> Catalogue:
        """The catalogue in the chat's language (the configured default if none)."""
        chat = await chats.get_chat(self.db, chat_id)
        language = chat.language if chat and chat.language else None
        return catalogue(language, self.config.telegram.language)

    def resolve(self, query: str) -> Resolution:
        """What a resident means by a ward name, among the served wards."""
        return resolve(query, self.registry)

    def ward_name(self, code: str) -> str:
        ward = self.registry.get(code)
        return ward.display_name if ward else code


def services(context: ContextTypes.DEFAULT_TYPE) -> Services:
    return context.application.bot_data[SERVICES_KEY]
