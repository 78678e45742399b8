"""What the emulator lets a test or the demo read back: immutable records.

JSON-shaped fields (entities, keyboards, call parameters) keep Telegram's shape as
lists and dicts; treat them as read-only.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, NamedTuple


@dataclass(frozen=True, slots=True)
class MessageVersion:
    """The content a bot message had before one of its edits."""

    text: str
    html: str
    parse_mode: str | None
    entities: list[dict[str, Any]]
    reply_markup: list[list[dict[str, Any]]]


@dataclass(frozen=True, slots=True)
class SentMessage:
    """A message the bot sent, as it stands now.

    `text` is the plain text after parsing (a caption for media), `html` the raw text
    as sent, `reply_markup` the keyboard as rows of button dicts, `edits` the earlier
    versions (oldest first), `kind` "text", "copy", "photo", "document" or another
    send method's object ("video", "location", ...).
    """

    message_id: int
    chat_id: int
    kind: str
    text: str
    html: str
    parse_mode: str | None
    entities: list[dict[str, Any]]
    reply_markup: list[list[dict[str, Any]]]
    date: int
    edits: tuple[MessageVersion, ...] = ()
    edit_date: int | None = None
    deleted: bool = False
    media: str | None = None
    copied_from: tuple[int, int] | None = None

    @property
    def buttons(self) -> list[str]:
        """Every button's label, row by row."""
        return [button.get("text", "") for row in self.reply_markup for button in row]

    @property
    def callback_data(self) -> list[str]:
        """Every inline button's callback_data, row by row."""
        return [
            b["callback_data"] for row in self.reply_markup for b in row if "callback_data" in b
        ]

    def version_fields(self) -> dict[str, Any]:
        """The content fields, as keyword arguments for another record."""
        return {
            "text": self.text,
            "html": self.html,
            "parse_mode": self.parse_mode,
            "entities": self.entities,
            "reply_markup": self.reply_markup,
        }

    def version(self) -> MessageVersion:
        """The current content, as it will be kept in `edits` after an edit."""
        return MessageVersion(
            self.text, self.html, self.parse_mode, self.entities, self.reply_markup
        )


@dataclass(frozen=True, slots=True)
class TranscriptEvent:
    """One line of the chat transcript.

    `who` is "user" or "bot"; `kind` is "text" (a message), "button" (a press; `text`
    is the button's label), "edit", "delete", "answer" (a callback answer shown to
    the user), "photo", "document", "copy", "member" (the bot joined or left).
    """

    at: datetime
    chat_id: int
    who: str
    name: str
    text: str
    buttons: tuple[str, ...] = ()
    kind: str = "text"
    message_id: int | None = None


@dataclass(frozen=True, slots=True)
class CallbackAnswer:
    """The bot's answerCallbackQuery for one button press."""

    query_id: str
    user_id: int
    text: str | None
    show_alert: bool
    url: str | None


class ApiCall(NamedTuple):
    """One request the emulator answered; unpacks as (method, params, status)."""

    method: str
    params: dict[str, Any]
    status: int


@dataclass(frozen=True, slots=True)
class EmulatorStats:
    """Counts since start: messages, 429s, and errors per method."""

    sent: int
    edited: int
    deleted: int
    rate_limited: int
    requests: dict[str, int] = field(default_factory=dict)
    client_errors: dict[str, int] = field(default_factory=dict)
    server_errors: dict[str, int] = field(default_factory=dict)
