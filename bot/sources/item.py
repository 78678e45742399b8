"""Records and errors of the sources stage: what fetching and parsing hand on.

A source turns into `RawItem`s: one per article, text already cleaned, URL
canonical, dates aware. Errors form a small hierarchy so the ingest loop can
tell a network problem (`FetchError`) from a changed layout (`ParseError`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal

FetchErrorKind = Literal[
    "timeout", "connect", "dns", "tls", "too_large", "http", "redirects", "decode"
]


@dataclass(frozen=True, slots=True)
class RawItem:
    """One article as a source shows it, before tagging and summarising.

    `body` is the cleaned paragraphs joined by "\\n", without captions, credit
    lines or the byline; `lead` is the article's own sapo, or "". A missing
    date is `None` (ingest fills in the first-seen time); `date_guessed` is
    True when the date was inferred (a relative "17 giờ trước" or the
    timestamp embedded in an article id) rather than stated on the page.
    """

    url: str
    guid: str | None
    title: str
    published_at: datetime | None
    date_guessed: bool
    body: str
    lead: str
    author: str | None
    source_url: str


@dataclass(frozen=True, slots=True)
class FetchResult:
    """One HTTP answer: final URL, raw and decoded body, validators for next time."""

    url: str
    status: int
    body: bytes
    text: str
    headers: dict[str, str]
    etag: str | None
    last_modified: str | None
    not_modified: bool


@dataclass(frozen=True, slots=True)
class ListingEntry:
    """One link found on an archive listing page."""

    url: str
    title: str
    date_text: str | None
    summary: str


@dataclass(frozen=True, slots=True)
class ArchiveResult:
    """What one poll of an archive source found: items, per-article errors, pages read."""

    items: list[RawItem]
    errors: list[str]
    pages: int
    etag: str | None = None  # validators of listing page 1, for the next poll
    last_modified: str | None = None
    not_modified: bool = False


class SourceError(Exception):
    """Base of the sources stage's errors; the message names the source and URL."""

    def __init__(self, message: str, *, url: str | None = None, source: str | None = None):
        self.url = url
        self.source = source
        self.reason = message
        super().__init__(f"{source}: {message}" if source else message)


class FetchError(SourceError):
    """An HTTP request failed: `kind` says how, `status` holds a non-2xx status."""

    def __init__(
        self,
        message: str,
        *,
        url: str,
        kind: FetchErrorKind,
        status: int | None = None,
        source: str | None = None,
    ):
        super().__init__(message, url=url, source=source)
        self.kind: FetchErrorKind = kind
        self.status = status


class ParseError(SourceError):
    """A feed or page could not be understood (not a feed, layout changed, ...)."""
