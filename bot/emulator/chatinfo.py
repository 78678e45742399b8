"""Methods about the bot, chats, members, commands, webhooks and updates."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from bot.emulator.errors import ApiError, bad_request
from bot.emulator.world import World

COMMAND_RE = re.compile(r"[a-z0-9_]{1,32}")
MAX_COMMANDS = 100
WEBHOOK_ACTIVE = (
    "Conflict: can't use getUpdates method while webhook is active; "
    "use deleteWebhook to delete the webhook first"
)


def scope_key(scope: Any) -> str:
    """A stable key for a BotCommandScope; "default" when none is given."""
    if not isinstance(scope, dict) or scope.get("type", "default") == "default":
        return "default"
    return json.dumps(scope, sort_keys=True)


def _check_commands(commands: Any) -> list[dict[str, Any]]:
    if not isinstance(commands, list) or len(commands) > MAX_COMMANDS:
        raise bad_request("can't parse commands JSON object")
    for entry in commands:
        if not isinstance(entry, dict):
            raise bad_request("can't parse BotCommand JSON object")
        if not COMMAND_RE.fullmatch(str(entry.get("command", ""))):
            raise bad_request("BOT_COMMAND_INVALID")
        description = entry.get("description")
        if not isinstance(description, str) or not 1 <= len(description.strip()) <= 256:
            raise bad_request("BOT_COMMAND_DESCRIPTION_INVALID")
    return [{"command": c["command"], "description": c["description"]} for c in commands]


@dataclass(slots=True)
class ChatInfo:
    """Handlers of the informational and configuration methods."""

    world: World
    webhook_url: str = ""

    def get_me(self, params: dict[str, Any]) -> dict[str, Any]:
        return self.world.bot_user

    def get_chat(self, params: dict[str, Any]) -> dict[str, Any]:
        chat = self.world.chat(params.get("chat_id"))
        values = {**chat.json(), "max_reaction_count": 11}
        return self.world.spec.build("ChatFullInfo", values)

    def _user(self, user_id: Any) -> dict[str, Any]:
        if user_id == self.world.bot_user["id"]:
            return self.world.bot_user
        if user_id in self.world.users:
            return self.world.users[user_id]
        if self.world.strict_chats or not isinstance(user_id, int):
            raise bad_request("user not found")
        return {"id": user_id, "is_bot": False, "first_name": f"User {user_id}"}

    def get_chat_member(self, params: dict[str, Any]) -> dict[str, Any]:
        chat = self.world.chat(params.get("chat_id"))
        user = self._user(params.get("user_id"))
        return self.world.member_json(self.world.member_status(chat, user["id"]), user)

    def get_chat_administrators(self, params: dict[str, Any]) -> list[dict[str, Any]]:
        chat = self.world.chat(params.get("chat_id"))
        if not chat.is_group:
            raise bad_request("there are no administrators in the private chat")
        ids = list(dict.fromkeys(chat.admins))
        if chat.bot_status == "administrator":
            ids.append(self.world.bot_user["id"])
        return [
            self.world.member_json(self.world.member_status(chat, i), self._user(i)) for i in ids
        ]

    def get_chat_member_count(self, params: dict[str, Any]) -> int:
        chat = self.world.chat(params.get("chat_id"))
        if not chat.is_group:
            return 2
        bot_in = chat.bot_status in ("member", "administrator")
        return len(set(chat.admins) | chat.members) + int(bot_in)

    def leave_chat(self, params: dict[str, Any]) -> bool:
        chat = self.world.chat(params.get("chat_id"))
        if not chat.is_group:
            raise bad_request("chat member status can't be changed in private chats")
        chat.bot_status = "left"
        return True

    def set_my_commands(self, params: dict[str, Any]) -> bool:
        commands = _check_commands(params["commands"])
        key = (scope_key(params.get("scope")), params.get("language_code") or "")
        self.world.commands[key] = commands
        return True

    def get_my_commands(self, params: dict[str, Any]) -> list[dict[str, Any]]:
        key = (scope_key(params.get("scope")), params.get("language_code") or "")
        return list(self.world.commands.get(key, []))

    def delete_my_commands(self, params: dict[str, Any]) -> bool:
        key = (scope_key(params.get("scope")), params.get("language_code") or "")
        self.world.commands.pop(key, None)
        return True

    def set_webhook(self, params: dict[str, Any]) -> bool:
        self.webhook_url = str(params["url"])
        return True

    def delete_webhook(self, params: dict[str, Any]) -> bool:
        self.webhook_url = ""
        if params.get("drop_pending_updates"):
            self.world.updates.drop_pending()
        return True

    def get_webhook_info(self, params: dict[str, Any]) -> dict[str, Any]:
        values = {"url": self.webhook_url, "pending_update_count": len(self.world.updates.pending)}
        return self.world.spec.build("WebhookInfo", values)

    async def get_updates(self, params: dict[str, Any]) -> list[dict[str, Any]]:
        if self.webhook_url:
            raise ApiError(409, WEBHOOK_ACTIVE)
        return await self.world.updates.get(
            params.get("offset"),
            params.get("limit"),
            params.get("timeout"),
            params.get("allowed_updates"),
        )
