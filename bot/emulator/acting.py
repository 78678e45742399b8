"""What people do to the bot: they write, press buttons, edit, add and remove it.

Each action queues the update Telegram would deliver and a transcript line; none
waits for the bot. These are plain functions over a World.
"""

from __future__ import annotations

import re
from typing import Any

from bot.emulator.formatting import utf16_len
from bot.emulator.world import ChatState, World

COMMAND_RE = re.compile(r"/[A-Za-z0-9_]{1,32}(@[A-Za-z0-9_]{3,32})?")


def command_entities(text: str) -> list[dict[str, Any]]:
    """The bot_command entity Telegram adds to a text starting with a command."""
    match = COMMAND_RE.match(text)
    if match is None:
        return []
    return [{"type": "bot_command", "offset": 0, "length": utf16_len(match.group(0))}]


def _display_name(user: dict[str, Any]) -> str:
    return " ".join(p for p in (user["first_name"], user.get("last_name")) if p)


def _chat_of(world: World, user_id: int, chat_id: int | None) -> ChatState:
    world.user(user_id)
    target = user_id if chat_id is None else chat_id
    chat = world.chats.get(target)
    if chat is None:
        raise LookupError(f"chat {target} is unknown; add it first")
    return chat


def _user_message(world: World, chat: ChatState, user: dict[str, Any], text: str) -> dict[str, Any]:
    message = {
        "message_id": chat.take_message_id(),
        "date": world.now(),
        "chat": chat.json(),
        "from": user,
        "text": text,
    }
    entities = command_entities(text)
    if entities:
        message["entities"] = entities
    return message


def send_text(world: World, user_id: int, text: str, chat_id: int | None = None) -> int:
    """A user writes `text` in a chat (their private chat by default); the message id."""
    chat = _chat_of(world, user_id, chat_id)
    user = world.users[user_id]
    message = _user_message(world, chat, user, text)
    world.user_messages[(chat.id, message["message_id"])] = message
    world.updates.push({"message": message})
    world.log(chat.id, "user", _display_name(user), text, message_id=message["message_id"])
    return int(message["message_id"])


def edit_text(
    world: World, user_id: int, message_id: int, text: str, chat_id: int | None = None
) -> None:
    """A user edits one of their own messages: an edited_message update."""
    chat = _chat_of(world, user_id, chat_id)
    message = world.user_messages.get((chat.id, message_id))
    if message is None or message["from"]["id"] != user_id:
        raise LookupError(f"user {user_id} has no message {message_id} in chat {chat.id}")
    edited = {k: v for k, v in message.items() if k != "entities"}
    edited.update(text=text, edit_date=world.now())
    if entities := command_entities(text):
        edited["entities"] = entities
    world.user_messages[(chat.id, message_id)] = edited
    world.updates.push({"edited_message": edited})
    name = _display_name(world.users[user_id])
    world.log(chat.id, "user", name, text, kind="edit", message_id=message_id)


def press_button(
    world: World, user_id: int, message_id: int, data: str, chat_id: int | None = None
) -> str:
    """A user presses the inline button with `data` under a bot message; the query id."""
    chat = _chat_of(world, user_id, chat_id)
    sent = world.sent.get((chat.id, message_id))
    if sent is None or sent.deleted:
        raise LookupError(f"the bot has no message {message_id} in chat {chat.id}")
    button = next(
        (b for row in sent.reply_markup for b in row if b.get("callback_data") == data), None
    )
    if button is None:
        raise LookupError(
            f"message {message_id} in chat {chat.id} has no button with callback_data {data!r};"
            f" it has {sent.callback_data}"
        )
    user = world.users[user_id]
    query_id = world.new_query_id(user_id, chat.id)
    query = {
        "id": query_id,
        "from": user,
        "message": world.message_json(sent),
        "chat_instance": str(chat.id),
        "data": data,
    }
    world.updates.push({"callback_query": query})
    world.log(
        chat.id, "user", _display_name(user), button["text"], kind="button", message_id=message_id
    )
    return query_id


def change_bot_status(world: World, chat_id: int, status: str, by_user: int | None) -> None:
    """The bot's membership in a chat changes: a my_chat_member update."""
    chat = world.chats.get(chat_id)
    if chat is None:
        raise LookupError(f"chat {chat_id} is unknown; add it first")
    actor = world.user(by_user) if by_user is not None else world.bot_user
    old = world.member_json(world.member_status(chat, world.bot_user["id"]), world.bot_user)
    if chat.is_group:
        chat.bot_status = status
    new = world.member_json(status, world.bot_user)
    update = {
        "chat": chat.json(),
        "from": actor,
        "date": world.now(),
        "old_chat_member": old,
        "new_chat_member": new,
    }
    world.updates.push({"my_chat_member": update})
    world.log(chat.id, "user", _display_name(actor), f"bot status: {status}", kind="member")
