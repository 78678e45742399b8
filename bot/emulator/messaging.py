"""Methods that send, edit, copy and delete messages, and answer button presses.

Each handler takes the call's decoded parameters and returns the Bot API result or
raises ApiError. Sends pass through the rate limiter last, so a refused request
(bad HTML, too long) never uses up a slot.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from bot.emulator.errors import bad_request
from bot.emulator.formatting import RenderedText, render
from bot.emulator.limits import RateLimiter
from bot.emulator.records import CallbackAnswer, SentMessage
from bot.emulator.spec import MethodSpec
from bot.emulator.world import ChatState, World

MAX_CALLBACK_DATA = 64
NOT_MODIFIED = (
    "message is not modified: specified new message content and reply markup are "
    "exactly the same as a current content and reply markup of the message"
)
QUERY_INVALID = "query is too old and response timeout expired or query ID is invalid"
MESSAGE_RESULTS = ("Message", "MessageId", "Array of Message", "Array of MessageId")


def is_send(method: MethodSpec) -> bool:
    """Whether a method posts a new message (and so counts against flood limits)."""
    prefix = method.name.startswith(("send", "copyMessage", "forwardMessage"))
    return prefix and bool(method.returns) and method.returns[0] in MESSAGE_RESULTS


def inline_keyboard(markup: Any) -> list[list[dict[str, Any]]]:
    """The inline keyboard rows of a reply_markup, checked as Telegram does."""
    if markup is None:
        return []
    if not isinstance(markup, dict):
        raise bad_request("can't parse reply keyboard markup JSON object")
    rows = markup.get("inline_keyboard")
    if rows is None:
        return []
    if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
        raise bad_request("can't parse inline keyboard: rows must be Arrays of buttons")
    for row in rows:
        for button in row:
            _check_button(button)
    return rows


def _check_button(button: Any) -> None:
    if not isinstance(button, dict):
        raise bad_request("can't parse inline keyboard button: it must be an Object")
    text = button.get("text")
    if not isinstance(text, str) or not text.strip():
        raise bad_request("BUTTON_TEXT_INVALID")
    if "callback_data" in button:
        data = button["callback_data"]
        size = len(data.encode("utf-8")) if isinstance(data, str) else 0
        if not 1 <= size <= MAX_CALLBACK_DATA:
            raise bad_request("BUTTON_DATA_INVALID")
    elif "url" in button:
        if not isinstance(button["url"], str) or not button["url"].strip():
            raise bad_request("BUTTON_URL_INVALID")
    elif len(button) == 1:
        raise bad_request("text buttons are unallowed in the inline keyboard")


@dataclass(frozen=True, slots=True)
class Messaging:
    """Handlers of the message methods over one world and one rate limiter."""

    world: World
    limiter: RateLimiter

    def target(self, params: dict[str, Any]) -> ChatState:
        chat = self.world.chat(params.get("chat_id"))
        self.world.writable(chat)
        return chat

    def post(self, chat: ChatState, **fields: Any) -> SentMessage:
        """Admit the send under the flood limits, then store it."""
        self.limiter.admit(chat.id, group=chat.is_group)
        sent = SentMessage(
            message_id=chat.take_message_id(), chat_id=chat.id, date=self.world.now(), **fields
        )
        return self.world.record_sent(sent)

    def send_message(self, params: dict[str, Any]) -> dict[str, Any]:
        chat = self.target(params)
        rendered = render(params["text"], params.get("parse_mode"), params.get("entities"))
        sent = self.post(chat, kind="text", **self._content(params, "text", rendered))
        return self.world.message_json(sent)

    def send_media(self, method: MethodSpec, params: dict[str, Any]) -> Any:
        """sendPhoto, sendDocument and any other send method that returns a Message."""
        chat = self.target(params)
        rendered = render(
            params.get("caption") or "",
            params.get("parse_mode"),
            params.get("caption_entities"),
            caption=True,
        )
        name = method.name
        kind = name.removeprefix("send").lower() if name.startswith("send") else "forward"
        media = _media_name(params.get(kind))
        sent = self.post(chat, kind=kind, media=media, **self._content(params, "caption", rendered))
        return self.world.message_json(sent)

    def copy_message(self, params: dict[str, Any]) -> dict[str, Any]:
        chat = self.target(params)
        source = self.world.chat(params.get("from_chat_id"))
        original = self._original(source.id, params.get("message_id"))
        if original.media is not None and "caption" in params:
            rendered = render(
                params["caption"] or "",
                params.get("parse_mode"),
                params.get("caption_entities"),
                caption=True,
            )
            fields = self._content(params, "caption", rendered)
        else:
            fields = original.version_fields()
            fields["reply_markup"] = inline_keyboard(params.get("reply_markup"))
        sent = self.post(
            chat,
            kind="copy",
            media=original.media,
            copied_from=(source.id, params["message_id"]),
            **fields,
        )
        return {"message_id": sent.message_id}

    def _original(self, chat_id: int, message_id: Any) -> SentMessage:
        """The message to copy: a bot message, or a user's text as a stand-in record."""
        sent = self.world.sent.get((chat_id, message_id))
        if sent is not None and not sent.deleted:
            return sent
        message = self.world.user_messages.get((chat_id, message_id))
        if message is None:
            raise bad_request("message to copy not found")
        text = message.get("text", "")
        return SentMessage(
            message_id=message_id,
            chat_id=chat_id,
            kind="text",
            text=text,
            html=text,
            parse_mode=None,
            entities=list(message.get("entities", [])),
            reply_markup=[],
            date=message.get("date", 0),
        )

    def _content(self, params: dict[str, Any], key: str, rendered: RenderedText) -> dict[str, Any]:
        return {
            "text": rendered.text,
            "html": params.get(key) or "",
            "parse_mode": params.get("parse_mode"),
            "entities": rendered.entities,
            "reply_markup": inline_keyboard(params.get("reply_markup")),
        }

    def edit_text(self, params: dict[str, Any]) -> Any:
        if params.get("inline_message_id") is not None:
            render(params["text"], params.get("parse_mode"), params.get("entities"))
            return True
        chat = self.target(params)
        sent = self.world.bot_message(chat.id, params.get("message_id"), "edit")
        rendered = render(params["text"], params.get("parse_mode"), params.get("entities"))
        fields = self._content(params, "text", rendered)
        return self._apply_edit(sent, fields)

    def edit_markup(self, params: dict[str, Any]) -> Any:
        rows = inline_keyboard(params.get("reply_markup"))
        if params.get("inline_message_id") is not None:
            return True
        chat = self.target(params)
        sent = self.world.bot_message(chat.id, params.get("message_id"), "edit")
        return self._apply_edit(sent, {"reply_markup": rows})

    def _apply_edit(self, sent: SentMessage, fields: dict[str, Any]) -> dict[str, Any]:
        compared = ("text", "entities", "reply_markup")
        if all(getattr(sent, key) == fields.get(key, getattr(sent, key)) for key in compared):
            raise bad_request(NOT_MODIFIED)
        edited = self.world.replace_sent(
            sent, edits=(*sent.edits, sent.version()), edit_date=self.world.now(), **fields
        )
        self.world.log_bot(edited, kind="edit")
        return self.world.message_json(edited)

    def delete_message(self, params: dict[str, Any]) -> bool:
        chat = self.world.chat(params.get("chat_id"))
        key = (chat.id, params.get("message_id"))
        if key in self.world.user_messages:
            del self.world.user_messages[key]
            return True
        sent = self.world.bot_message(chat.id, params.get("message_id"), "delete")
        self.world.replace_sent(sent, deleted=True)
        self.world.log(chat.id, "bot", self.world.bot_user["first_name"], sent.text, kind="delete")
        return True

    def answer_callback(self, params: dict[str, Any]) -> bool:
        query = self.world.queries.pop(str(params["callback_query_id"]), None)
        if query is None:
            raise bad_request(QUERY_INVALID)
        query_id, (user_id, chat_id) = str(params["callback_query_id"]), query
        text = params.get("text")
        answer = CallbackAnswer(
            query_id, user_id, text, bool(params.get("show_alert")), params.get("url")
        )
        self.world.callback_answers.append(answer)
        if text:
            name = self.world.bot_user["first_name"]
            self.world.log(chat_id, "bot", name, text, kind="answer")
        return True


def _media_name(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, dict):
        return str(value.get("filename") or value.get("name") or "upload")
    return str(value)
