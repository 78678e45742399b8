"""The records storage hands out: frozen dataclasses, never raw rows."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime


def to_datetime(seconds: float | None) -> datetime | None:
    return None if seconds is None else datetime.fromtimestamp(seconds, UTC)


@dataclass(frozen=True, slots=True)
class Chat:
    id: int
    type: str
    title: str | None
    language: str | None
    active: bool

    @property
    def is_private(self) -> bool:
        return self.type == "private"


@dataclass(frozen=True, slots=True)
class StoredItem:
    id: int
    source: str
    url: str
    title: str
    summary: str
    author: str | None
    published_at: datetime
    date_guessed: bool
    wards: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class NewItem:
    """An item ready to store: cleaned, tagged and summarised."""

    source: str
    key: str
    url: str
    guid: str | None
    title: str
    title_key: str
    summary: str
    body: str
    author: str | None
    published_at: datetime
    date_guessed: bool
    wards: tuple[str, ...]
    content_hash: str


@dataclass(frozen=True, slots=True)
class SourceState:
    name: str
    kind: str
    url: str
    etag: str | None
    last_modified: str | None
    first_polled_at: datetime | None
    last_polled_at: datetime | None
    last_ok_at: datetime | None
    last_error: str | None
    error_count: int
    consecutive_failures: int
    empty_polls: int
    next_poll_at: datetime
    items_total: int
    last_new_items: int
    alert: str | None
    stopped: bool


@dataclass(frozen=True, slots=True)
class Delivery:
    """One claimed outbox row: a message owed to one chat."""

    id: int
    chat_id: int
    chat_type: str
    language: str | None
    item_id: int | None
    broadcast_id: int | None
    batch: int | None
    attempts: int


@dataclass(frozen=True, slots=True)
class Broadcast:
    id: int
    author_id: int
    origin_chat_id: int
    text: str
    copy_chat_id: int | None
    copy_message_id: int | None
    wards: tuple[str, ...]
    status: str
    audience: int
    progress_message_id: int | None
    created_at: datetime


@dataclass(frozen=True, slots=True)
class BroadcastCounts:
    pending: int
    sent: int
    blocked: int
    failed: int

    @property
    def finished(self) -> bool:
        return self.pending == 0
