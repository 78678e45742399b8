"""The emulated Telegram's state: users, chats, messages, updates, the transcript.

Objects handed to the bot (users, chats, messages, chat members) are built here in
Telegram's JSON shape, with every field the specification marks required.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any

from bot.emulator.errors import bad_request, forbidden
from bot.emulator.records import CallbackAnswer, SentMessage, TranscriptEvent
from bot.emulator.spec import Spec
from bot.emulator.updates import UpdateQueue

MEMBER_TYPES = {
    "creator": "ChatMemberOwner",
    "administrator": "ChatMemberAdministrator",
    "member": "ChatMemberMember",
    "restricted": "ChatMemberRestricted",
    "left": "ChatMemberLeft",
    "kicked": "ChatMemberBanned",
}


@dataclass(slots=True)
class ChatState:
    """One chat; mutable because membership and message numbering change."""

    id: int
    type: str
    title: str | None = None
    user: dict[str, Any] | None = None
    admins: list[int] = field(default_factory=list)
    members: set[int] = field(default_factory=set)
    bot_status: str = "member"
    next_message_id: int = 1

    @property
    def is_group(self) -> bool:
        return self.type != "private"

    def take_message_id(self) -> int:
        message_id = self.next_message_id
        self.next_message_id += 1
        return message_id

    def json(self) -> dict[str, Any]:
        """The Chat object."""
        if self.user is None:
            return {"id": self.id, "type": self.type, "title": self.title or ""}
        body = {"id": self.id, "type": "private", "first_name": self.user["first_name"]}
        for key in ("last_name", "username"):
            if key in self.user:
                body[key] = self.user[key]
        return body


class World:
    """Everything the emulated server knows; no I/O."""

    def __init__(self, spec: Spec, bot_user: dict[str, Any], *, strict_chats: bool) -> None:
        self.spec = spec
        self.bot_user = bot_user
        self.strict_chats = strict_chats
        self.users: dict[int, dict[str, Any]] = {}
        self.chats: dict[int, ChatState] = {}
        self.sent: dict[tuple[int, int], SentMessage] = {}
        self.user_messages: dict[tuple[int, int], dict[str, Any]] = {}
        self.queries: dict[str, tuple[int, int]] = {}
        self.callback_answers: list[CallbackAnswer] = []
        self.transcript: list[TranscriptEvent] = []
        self.commands: dict[tuple[str, str], list[dict[str, Any]]] = {}
        self.updates = UpdateQueue()
        self.wall_clock: Callable[[], float] = time.time
        self._next_query = 1

    # -- registry -------------------------------------------------------------------

    def add_user(self, user_id: int, first_name: str | None = None, **extra: Any) -> dict[str, Any]:
        """Register a user and their private chat (same id); returns the User object."""
        values = {"id": user_id, "is_bot": False, "first_name": first_name or f"User {user_id}"}
        values.update({k: v for k, v in extra.items() if v is not None})
        user = self.spec.build("User", values)
        self.users[user_id] = user
        chat = self.chats.get(user_id)
        if chat is None:
            self.chats[user_id] = ChatState(user_id, "private", user=user)
        else:
            chat.user = user
        return user

    def user(self, user_id: int) -> dict[str, Any]:
        """A known user, or a new one with a generated name."""
        return self.users.get(user_id) or self.add_user(user_id)

    def add_chat(self, chat: ChatState) -> ChatState:
        self.chats[chat.id] = chat
        for user_id in [*chat.admins, *chat.members]:
            self.user(user_id)
        return chat

    def chat(self, chat_id: Any) -> ChatState:
        """The target chat of a call, or ApiError 400 "chat not found"."""
        if isinstance(chat_id, str) and chat_id.startswith("@"):
            return self._chat_by_username(chat_id[1:])
        if isinstance(chat_id, str) and chat_id.lstrip("-").isdigit():
            chat_id = int(chat_id)
        if isinstance(chat_id, bool) or not isinstance(chat_id, int):
            raise bad_request("chat not found")
        found = self.chats.get(chat_id)
        if found is not None:
            return found
        if self.strict_chats or chat_id == 0:
            raise bad_request("chat not found")
        if chat_id > 0:
            self.add_user(chat_id)
            return self.chats[chat_id]
        return self.add_chat(ChatState(chat_id, "supergroup", title=f"Group {chat_id}"))

    def _chat_by_username(self, username: str) -> ChatState:
        for chat in self.chats.values():
            if chat.user is not None and chat.user.get("username") == username:
                return chat
        raise bad_request("chat not found")

    def writable(self, chat: ChatState) -> None:
        """ApiError 403 when the bot is not in the group or channel."""
        if not chat.is_group or chat.bot_status not in ("left", "kicked"):
            return
        kind = "channel" if chat.type == "channel" else f"{chat.type} chat"
        if chat.bot_status == "kicked":
            raise forbidden(f"bot was kicked from the {kind}")
        raise forbidden(f"bot is not a member of the {kind}")

    # -- objects ----------------------------------------------------------------------

    def now(self) -> int:
        return int(self.wall_clock())

    def member_status(self, chat: ChatState, user_id: int) -> str:
        if user_id == self.bot_user["id"]:
            return chat.bot_status
        if not chat.is_group:
            return "member" if user_id == chat.id else "left"
        if chat.admins and user_id == chat.admins[0]:
            return "creator"
        if user_id in chat.admins:
            return "administrator"
        return "member" if user_id in chat.members else "left"

    def member_json(self, status: str, user: dict[str, Any]) -> dict[str, Any]:
        """A ChatMember object of the subtype matching `status`."""
        type_name = MEMBER_TYPES[status]
        values: dict[str, Any] = {"status": status, "user": user}
        if status == "administrator":
            rights = self.spec.required_fields(type_name)
            values.update({name: True for name in rights if name.startswith("can_")})
            values["can_be_edited"] = False
        return self.spec.build(type_name, values)

    def message_json(self, sent: SentMessage) -> dict[str, Any]:
        """The Message object of a bot message, as getUpdates and send answers carry it."""
        chat = self.chats[sent.chat_id]
        body: dict[str, Any] = {
            "message_id": sent.message_id,
            "date": sent.date,
            "chat": chat.json(),
            "from": self.bot_user,
        }
        if sent.edit_date is not None:
            body["edit_date"] = sent.edit_date
        body.update(_content_json(sent))
        if sent.reply_markup:
            body["reply_markup"] = {"inline_keyboard": sent.reply_markup}
        return self.spec.build("Message", body)

    # -- bookkeeping -------------------------------------------------------------------

    def record_sent(self, sent: SentMessage) -> SentMessage:
        self.sent[(sent.chat_id, sent.message_id)] = sent
        self.log_bot(sent, kind=sent.kind)
        return sent

    def bot_message(self, chat_id: int, message_id: Any, action: str) -> SentMessage:
        """A bot message still there, or ApiError 400 "message to <action> not found"."""
        found = self.sent.get((chat_id, message_id))
        if found is None or found.deleted:
            if (chat_id, message_id) in self.user_messages and action == "edit":
                raise bad_request("message can't be edited")
            raise bad_request(f"message to {action} not found")
        return found

    def replace_sent(self, sent: SentMessage, **changes: Any) -> SentMessage:
        updated = replace(sent, **changes)
        self.sent[(sent.chat_id, sent.message_id)] = updated
        return updated

    def new_query_id(self, user_id: int, chat_id: int) -> str:
        query_id = f"{self._next_query:012d}"
        self._next_query += 1
        self.queries[query_id] = (user_id, chat_id)
        return query_id

    def log(self, chat_id: int, who: str, name: str, text: str, **more: Any) -> None:
        at = datetime.fromtimestamp(self.wall_clock(), UTC)
        self.transcript.append(TranscriptEvent(at, chat_id, who, name, text, **more))

    def log_bot(self, sent: SentMessage, *, kind: str) -> None:
        self.log(
            sent.chat_id,
            "bot",
            self.bot_user["first_name"],
            sent.text,
            buttons=tuple(sent.buttons),
            kind=kind,
            message_id=sent.message_id,
        )


def _content_json(sent: SentMessage) -> dict[str, Any]:
    if sent.kind in ("text", "copy") and sent.media is None:
        content: dict[str, Any] = {"text": sent.text}
        if sent.entities:
            content["entities"] = sent.entities
        return content
    content = {}
    if sent.text:
        content["caption"] = sent.text
    if sent.entities:
        content["caption_entities"] = sent.entities
    file_id = f"file-{sent.chat_id}-{sent.message_id}"
    unique = {"file_id": file_id, "file_unique_id": file_id}
    if sent.kind == "photo":
        content["photo"] = [{**unique, "width": 800, "height": 600}]
    elif sent.kind == "document":
        content["document"] = {**unique, "file_name": sent.media or "file"}
    return content
