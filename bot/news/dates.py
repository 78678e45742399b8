"""Publication dates of Vietnamese portals, as aware datetimes in Asia/Ho_Chi_Minh.

Portals write dates day first ("04/01/2021 | 17:44"), in 12-hour time with
AM/PM or SA/CH, time first ("21:08 20/07/2025"), in words ("ngày 4 tháng 1
năm 2021"), relative ("17 giờ trước", "Hôm qua 10:20"), or as ISO 8601 and
RFC 2822 in feeds. `parse_date` reads all of them; it is pure and takes
`now` for the relative ones. A date without a zone is local time (UTC+7).
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import feedparser
from feedparser import datetimes as feed_datetimes

from bot.news.text import clean_text, fold

VN_TZ = ZoneInfo("Asia/Ho_Chi_Minh")

# A date this far past `now` is a misparse (month and day swapped, a typo).
_FUTURE_SLACK = timedelta(days=2)
_MIN_YEAR, _MAX_YEAR = 1970, 2200
_MONTHS = {
    name: number
    for number, name in enumerate(
        ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"),
        start=1,
    )
}
_MONTH_RE = "(?P<mon>" + "|".join(_MONTHS) + r")[a-z]*\.?"

_DAY, _YEAR = r"(?P<d>\d{1,2})(?:st|nd|rd|th)?", r"(?P<y>\d{4})(?!\d)"
# Patterns run on folded text: lowercase, no diacritics, đ as d. Day first.
_DATE_PATTERNS = tuple(
    re.compile(pattern)
    for pattern in (
        r"(?<!\d)(?P<y>\d{4})[-/.](?P<m>\d{1,2})[-/.](?P<d>\d{1,2})(?!\d)",
        r"(?<![\d.])(?P<d>\d{1,2})\s*(?P<sep>[/.-])\s*(?P<m>\d{1,2})\s*(?P=sep)\s*" + _YEAR,
        r"(?<![\d/])(?P<d>\d{1,2})/(?P<m>\d{1,2})/(?P<y>\d{2})(?![\d/])",
        r"(?<!\d)(?P<d>\d{1,2})\s+thang\s+(?P<m>\d{1,2})\s*(?:,|nam)\s*" + _YEAR,
        r"(?<!\d)" + _DAY + r"\s+" + _MONTH_RE + r",?\s+" + _YEAR,
        _MONTH_RE + r"\s+" + _DAY + r",?\s+" + _YEAR,
    )
)

_TIME = re.compile(
    r"(?<![\d:+-])(?P<h>\d{1,2})(?::|h|g|\s*gio\s*)(?P<mi>\d{2})"
    r"(?::(?P<s>\d{2})(?:[.,]\d{1,9})?)?(?!\d)"
    r"(?:\s*(?P<ampm>a\.?m\.?|p\.?m\.?|sa|ch|sang|chieu|toi|trua)(?![a-z]))?"
    r"(?P<zone>z(?![a-z])"
    r"|\s*\(?\s*(?:gmt|utc)\s*(?:(?P<zs1>[+-])\s*(?P<zh1>\d{1,2})(?::?(?P<zm1>\d{2}))?)?\s*\)?"
    r"|\s*(?P<zs2>[+-])(?P<zh2>\d{2})(?::?(?P<zm2>\d{2}))?(?!\d))?"
)
_PM_MARKS = frozenset({"pm", "p.m.", "p.m", "pm.", "ch", "chieu", "toi"})
_AM_MARKS = frozenset({"am", "a.m.", "a.m", "am.", "sa", "sang"})

_UNITS = {
    "giay": timedelta(seconds=1), "second": timedelta(seconds=1), "sec": timedelta(seconds=1),
    "phut": timedelta(minutes=1), "minute": timedelta(minutes=1), "min": timedelta(minutes=1),
    "gio": timedelta(hours=1), "tieng": timedelta(hours=1), "hour": timedelta(hours=1),
    "hr": timedelta(hours=1), "ngay": timedelta(days=1), "day": timedelta(days=1),
    "tuan": timedelta(weeks=1), "week": timedelta(weeks=1), "thang": timedelta(days=30),
    "month": timedelta(days=30), "nam": timedelta(days=365), "year": timedelta(days=365),
}  # fmt: skip
_RELATIVE = re.compile(
    r"(?<!\d)(?P<n>\d{1,6})\s*(?P<unit>" + "|".join(_UNITS) + r")s?\s*(?:truoc|ago)(?![a-z])"
)
_DAY_WORDS = (("hom nay", 0), ("hom qua", 1), ("hom kia", 2), ("today", 0), ("yesterday", 1))
_JUST_NOW = ("vua xong", "vua moi", "just now")


@dataclass(frozen=True, slots=True)
class _ClockTime:
    hour: int
    minute: int
    second: int
    offset: timedelta | None  # None: local time


def _prepare(text: str) -> str:
    """Entities, invisibles and marks gone, lowercase: the text the patterns read."""
    return fold(clean_text(text))


def _find_date(text: str) -> tuple[date, tuple[int, int]] | None:
    """The first calendar date in the text and its span, day first."""
    for pattern in _DATE_PATTERNS:
        match = pattern.search(text)
        if match is None:
            continue
        parts = match.groupdict()
        month = _MONTHS[parts["mon"]] if parts.get("mon") else int(parts["m"])
        year = int(parts["y"])
        year = 2000 + year if year < 100 else year
        if not _MIN_YEAR <= year <= _MAX_YEAR:
            return None
        try:
            return date(year, month, int(parts["d"])), match.span()
        except ValueError:
            return None  # 31/02: the page's date is wrong, not another pattern
    return None


def _zone_offset(match: re.Match[str]) -> timedelta | None:
    """The zone written after a time: "Z", "GMT", "(GMT+7)", "+0700", "+07:00"."""
    if not match.group("zone"):
        return None
    sign = match.group("zs1") or match.group("zs2")
    if sign is None:
        return timedelta(0)  # "Z", "GMT", "UTC"
    hours = int(match.group("zh1") or match.group("zh2"))
    minutes = int(match.group("zm1") or match.group("zm2") or 0)
    offset = timedelta(hours=hours, minutes=minutes)
    return -offset if sign == "-" else offset


def _twelve_hour(hour: int, mark: str | None) -> int:
    """The 24-hour hour for a 12-hour clock with an AM/PM or SA/CH mark."""
    if mark in _PM_MARKS and hour < 12:
        return hour + 12
    if mark in _AM_MARKS and hour == 12:
        return 0
    if mark == "trua" and hour < 6:
        return hour + 12  # "1 giờ trưa" is 13:00
    return hour


def _find_time(text: str, skip: tuple[int, int] = (0, 0)) -> _ClockTime | None:
    """The first clock time outside the date's span, or None when there is none.

    Raises ValueError for an impossible one ("25:00"): the whole date is then wrong.
    """
    for match in _TIME.finditer(text):
        if skip[0] <= match.start() < skip[1]:
            continue
        hour = _twelve_hour(int(match.group("h")), match.group("ampm"))
        minute, second = int(match.group("mi")), int(match.group("s") or 0)
        offset = _zone_offset(match)
        if hour > 23 or minute > 59 or second > 59:
            raise ValueError(f"no such time of day: {match.group()!r}")
        if offset is not None and abs(offset) > timedelta(hours=14):
            raise ValueError(f"no such zone offset: {match.group()!r}")
        return _ClockTime(hour, minute, second, offset)
    return None


def _combine(day: date, clock: _ClockTime | None) -> datetime:
    """A date and an optional clock time as an aware datetime in Asia/Ho_Chi_Minh."""
    if clock is None:
        return datetime(day.year, day.month, day.day, tzinfo=VN_TZ)
    zone = VN_TZ if clock.offset is None else timezone(clock.offset)
    moment = datetime(day.year, day.month, day.day, clock.hour, clock.minute, clock.second)
    return moment.replace(tzinfo=zone).astimezone(VN_TZ)


def _absolute(text: str, now: datetime) -> datetime | None:
    found = _find_date(text)
    if found is None:
        return None
    day, span = found
    return _combine(day, _find_time(text, span))


def _day_word(text: str, now: datetime) -> datetime | None:
    """ "Hôm qua 10:20", "Hôm nay": a day counted back from today, local time."""
    for word, days_back in _DAY_WORDS:
        if word in text:
            day = now.astimezone(VN_TZ).date() - timedelta(days=days_back)
            return _combine(day, _find_time(text))
    return None


def _relative(text: str, now: datetime) -> datetime | None:
    """ "17 giờ trước", "5 phút trước", "2 days ago", "vừa xong"."""
    match = _RELATIVE.search(text)
    if match is not None:
        delta = _UNITS[match.group("unit")] * int(match.group("n"))
        return now.astimezone(VN_TZ) - delta
    if any(phrase in text for phrase in _JUST_NOW):
        return now.astimezone(VN_TZ)
    return None


_READERS: tuple[Callable[[str, datetime], datetime | None], ...] = (
    _absolute,
    _day_word,
    _relative,
)


def _aware(moment: datetime) -> datetime:
    """A naive datetime is taken as UTC (the storage convention)."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def parse_date(text: str, now: datetime) -> datetime | None:
    """The publication time written in `text`, in Asia/Ho_Chi_Minh, or None.

    Day first always ("04/01/2021" is 4 January). No time means midnight;
    no zone means local time. An impossible date ("31/02/2021") or one more
    than two days after `now` (a misparse) gives None, never an exception.
    """
    now = _aware(now)
    prepared = _prepare(text)
    for reader in _READERS:
        try:
            moment = reader(prepared, now)
        except (ValueError, OverflowError):
            return None
        if moment is None:
            continue
        return None if moment - now > _FUTURE_SLACK else moment
    return None


def date_from_article_id(digits: str) -> datetime | None:
    """The time embedded in a 19-digit hanoi.gov.vn article id, or None.

    Layout: a 4-digit site prefix, yyMMddHHmmss, 3 more digits
    (2800|250801171234|708 → 2025-08-01 17:12:34+07:00).
    """
    digits = digits.strip()
    if len(digits) != 19 or not digits.isascii() or not digits.isdigit():
        return None
    stamp = digits[4:16]
    fields = [int(stamp[i : i + 2]) for i in range(0, 12, 2)]
    try:
        return datetime(2000 + fields[0], *fields[1:], tzinfo=VN_TZ)
    except ValueError:
        return None


_FEED_DATE = re.compile(
    r"\s*\d{1,2}/\d{1,2}/\d{4}"
    r"(?:[\s,|-]+\d{1,2}:\d{2}(?::\d{2})?(?:\s*(?:[ap]m|sa|ch))?"
    r"(?:\s*(?:\(?(?:gmt|utc)\s*(?:[+-]\d{1,2}(?::?\d{2})?)?\)?|[+-]\d{2}:?\d{2}))?)?\s*",
    re.IGNORECASE,
)


def _feed_date_handler(value: str) -> time.struct_time | None:
    """feedparser date handler: "dd/mm/yyyy [HH:MM]" (local time) as a UTC struct_time."""
    if not _FEED_DATE.fullmatch(value):
        return None
    text = _prepare(value)
    found = _find_date(text)
    if found is None:
        return None
    return _combine(found[0], _find_time(text, found[1])).utctimetuple()


def register_feedparser_date_handler() -> None:
    """Teach feedparser the portals' "dd/mm/yyyy HH:MM"; safe to call more than once."""
    handlers = getattr(feed_datetimes, "_date_handlers", None)
    if handlers is not None and _feed_date_handler in handlers:
        return
    feedparser.registerDateHandler(_feed_date_handler)


def format_local(dt: datetime) -> str:
    """ "04/01/2021 17:44": day first, 24-hour, in Asia/Ho_Chi_Minh (naive = UTC)."""
    return _aware(dt).astimezone(VN_TZ).strftime("%d/%m/%Y %H:%M")
