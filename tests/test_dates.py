"""Dates: every portal dialect read as an aware datetime in Asia/Ho_Chi_Minh."""

from __future__ import annotations

import time
import unicodedata
from datetime import UTC, datetime, timedelta

import feedparser
import pytest
from feedparser import datetimes as feed_datetimes
from hypothesis import given
from hypothesis import strategies as st

from bot.news.dates import (
    VN_TZ,
    date_from_article_id,
    format_local,
    parse_date,
    register_feedparser_date_handler,
)

NOW = datetime(2025, 8, 2, 12, 0, tzinfo=VN_TZ)


def vn(*fields: int) -> datetime:
    return datetime(*fields, tzinfo=VN_TZ)


DIALECTS = [
    # Liferay portals (generation 1), as printed in the listing pages
    ("Ngày đăng 04/01/2021 | 17:44  | Lượt xem: 32", vn(2021, 1, 4, 17, 44)),
    ("21/07/2022 | 10:00 AM", vn(2022, 7, 21, 10, 0)),
    ("14/07/2022 | 03:53 PM", vn(2022, 7, 14, 15, 53)),
    ("03/04/2020 | 10:36 PM", vn(2020, 4, 3, 22, 36)),
    ("Ngày đăng 06/01/2016 | 03:30 PM &nbsp;|&nbsp;View count: 426", vn(2016, 1, 6, 15, 30)),
    ("Ngày đăng 06/01/2016 | 03:30 PM \xa0|\xa0View count: 426", vn(2016, 1, 6, 15, 30)),
    ("Ngày đăng 10/05/2022 | 10:09  | View count: 117", vn(2022, 5, 10, 10, 9)),
    ("05/03/2020 | 22:52  | View Count: 320", vn(2020, 3, 5, 22, 52)),
    ("NGÀY ĐĂNG 04/01/2021 | 17:44", vn(2021, 1, 4, 17, 44)),
    (unicodedata.normalize("NFD", "Ngày đăng 04/01/2021 | 17:44"), vn(2021, 1, 4, 17, 44)),
    # hanoi.gov.vn CMS (generation 2): time first, or relative to now
    ("21:08 20/07/2025", vn(2025, 7, 20, 21, 8)),
    ("17 giờ trước", NOW - timedelta(hours=17)),
    ("5 phút trước", NOW - timedelta(minutes=5)),
    ("2 ngày trước", NOW - timedelta(days=2)),
    ("30 giây trước", NOW - timedelta(seconds=30)),
    ("1 tuần trước", NOW - timedelta(weeks=1)),
    ("3 tiếng trước", NOW - timedelta(hours=3)),
    ("vừa xong", NOW),
    ("Vừa xong", NOW),
    ("Hôm qua 10:20", vn(2025, 8, 1, 10, 20)),
    ("Hôm nay 08:05", vn(2025, 8, 2, 8, 5)),
    ("hôm qua", vn(2025, 8, 1)),
    ("2 hours ago", NOW - timedelta(hours=2)),
    # SharePoint and news sites
    ("Đăng ngày 17 - 05 - 2024", vn(2024, 5, 17)),
    ("Thứ Hai, 04/01/2021, 17:44 (GMT+7)", vn(2021, 1, 4, 17, 44)),
    ("Chủ nhật, 03/01/2021 - 09:15", vn(2021, 1, 3, 9, 15)),
    ("Cập nhật: 04/01/2021 08:00", vn(2021, 1, 4, 8, 0)),
    ("Cập nhật lúc 08:00 ngày 04/01/2021", vn(2021, 1, 4, 8, 0)),
    ("ngày 4 tháng 1 năm 2021", vn(2021, 1, 4)),
    ("Hà Nội, ngày 04 tháng 01 năm 2021", vn(2021, 1, 4)),
    # plain numeric forms, day first always
    ("04/01/2021 17:44:05", vn(2021, 1, 4, 17, 44, 5)),
    ("4/1/2021", vn(2021, 1, 4)),
    ("04-01-2021", vn(2021, 1, 4)),
    ("04.01.2021", vn(2021, 1, 4)),
    ("04/01/21", vn(2021, 1, 4)),
    ("04/01/2021 17h44", vn(2021, 1, 4, 17, 44)),
    ("12/03/2024", vn(2024, 3, 12)),
    ("29/02/2020", vn(2020, 2, 29)),
    # 12-hour clocks: AM/PM and the Vietnamese SA (sáng) / CH (chiều)
    ("04/01/2021 10:20 SA", vn(2021, 1, 4, 10, 20)),
    ("04/01/2021 05:20 CH", vn(2021, 1, 4, 17, 20)),
    ("04/01/2021 12:05 SA", vn(2021, 1, 4, 0, 5)),
    ("04/01/2021 12:30 PM", vn(2021, 1, 4, 12, 30)),
    ("04/01/2021 12:30 AM", vn(2021, 1, 4, 0, 30)),
    ("04/01/2021 7:30 tối", vn(2021, 1, 4, 19, 30)),
    # ISO 8601
    ("2021-01-04T17:44:00+07:00", vn(2021, 1, 4, 17, 44)),
    ("2021-01-04T10:44:00Z", vn(2021, 1, 4, 17, 44)),
    ("2021-01-04T10:44:00.123456+00:00", vn(2021, 1, 4, 17, 44)),
    ("2021-01-04 17:44", vn(2021, 1, 4, 17, 44)),
    ("2021-01-04", vn(2021, 1, 4)),
    ("2021/01/04 17:44", vn(2021, 1, 4, 17, 44)),
    # RFC 2822 and English month names
    ("Mon, 04 Jan 2021 10:44:00 GMT", vn(2021, 1, 4, 17, 44)),
    ("Mon, 04 Jan 2021 17:44:00 +0700", vn(2021, 1, 4, 17, 44)),
    ("Mon, 04 Jan 2021 10:44:00 +0000", vn(2021, 1, 4, 17, 44)),
    ("Mon, 04 Jan 2021 05:44:00 -0500", vn(2021, 1, 4, 17, 44)),
    ("04/01/2021 17:44 GMT+0700", vn(2021, 1, 4, 17, 44)),
    ("January 4, 2021", vn(2021, 1, 4)),
    ("4 Jan 2021 17:44", vn(2021, 1, 4, 17, 44)),
    # the edge of the future: two days after now is still accepted
    ("04/08/2025", vn(2025, 8, 4)),
]

NOT_DATES = [
    "31/02/2021",  # no such day
    "29/02/2021",  # not a leap year
    "32/01/2021",
    "04/13/2021",  # month first is not a portal dialect
    "04/01/2021 25:00",  # no such hour
    "05/08/2025",  # more than two days after now: a misparse
    "04/01/2030 10:00",
    "",
    "Lượt xem: 32",
    "không có ngày tháng",
    "21:08",  # a time alone says no day
    "01/01/1900",
]


@pytest.mark.parametrize(("text", "expected"), DIALECTS)
def test_portal_dialect_is_read(text: str, expected: datetime) -> None:
    parsed = parse_date(text, NOW)
    assert parsed == expected
    assert parsed is not None and parsed.tzinfo == VN_TZ


@pytest.mark.parametrize("text", NOT_DATES)
def test_impossible_or_absent_date_is_none(text: str) -> None:
    assert parse_date(text, NOW) is None


def test_naive_now_is_taken_as_utc() -> None:
    naive_now = datetime(2025, 8, 2, 5, 0)  # 12:00 in Hanoi
    assert parse_date("5 phút trước", naive_now) == NOW - timedelta(minutes=5)


def test_relative_date_keeps_now_zone_independent() -> None:
    utc_now = NOW.astimezone(UTC)
    assert parse_date("Hôm qua 10:20", utc_now) == vn(2025, 8, 1, 10, 20)


@pytest.mark.parametrize(
    "now",
    [
        datetime.max.replace(tzinfo=UTC),
        datetime.min.replace(tzinfo=UTC),
        datetime.max,
        datetime.min,
    ],
)
@pytest.mark.parametrize("text", ["vừa xong", "Hôm qua 10:20", "5 phút trước", "04/01/2021"])
def test_extreme_now_gives_none_not_overflow(text: str, now: datetime) -> None:
    parsed = parse_date(text, now)
    assert parsed is None or parsed.tzinfo is not None


@given(st.text(max_size=200))
def test_parse_date_never_raises(text: str) -> None:
    parsed = parse_date(text, NOW)
    assert parsed is None or (parsed.tzinfo is not None and parsed <= NOW + timedelta(days=2))


@given(st.datetimes(min_value=datetime(1990, 1, 1), max_value=datetime(2025, 7, 31)))
def test_formatted_local_time_reads_back(moment: datetime) -> None:
    local = moment.replace(second=0, microsecond=0, tzinfo=VN_TZ)
    assert parse_date(format_local(local), NOW) == local


@pytest.mark.parametrize(
    ("digits", "expected"),
    [
        ("2800250801171234708", vn(2025, 8, 1, 17, 12, 34)),
        ("1234251231235959000", vn(2025, 12, 31, 23, 59, 59)),
        ("2800251301171234708", None),  # month 13
        ("2800250230101010708", None),  # 30 February
        ("2800250801251234708", None),  # hour 25
        ("280025080117123470", None),  # 18 digits
        ("28002508011712347081", None),  # 20 digits
        ("2800a50801171234708", None),
        ("", None),
    ],
)
def test_article_id_embeds_publication_time(digits: str, expected: datetime | None) -> None:
    assert date_from_article_id(digits) == expected


def test_feedparser_handler_registers_once() -> None:
    register_feedparser_date_handler()
    register_feedparser_date_handler()
    ours = [h for h in feed_datetimes._date_handlers if h.__name__ == "_feed_date_handler"]
    assert len(ours) == 1


def _feed(pub_date: str) -> bytes:
    return (
        '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>t</title>'
        f"<item><title>a</title><pubDate>{pub_date}</pubDate></item></channel></rss>"
    ).encode()


@pytest.mark.parametrize(
    ("pub_date", "utc"),
    [
        ("04/01/2021 17:44", (2021, 1, 4, 10, 44)),
        ("04/01/2021", (2021, 1, 3, 17, 0)),
        ("21/07/2022 10:00 PM", (2022, 7, 21, 15, 0)),
        ("Mon, 04 Jan 2021 10:44:00 GMT", (2021, 1, 4, 10, 44)),
    ],
)
def test_feedparser_reads_portal_dates_as_utc(pub_date: str, utc: tuple[int, ...]) -> None:
    register_feedparser_date_handler()
    parsed: time.struct_time = feedparser.parse(_feed(pub_date)).entries[0].published_parsed
    assert tuple(parsed[:5]) == utc


@pytest.mark.parametrize(
    ("moment", "text"),
    [
        (vn(2021, 1, 4, 17, 44), "04/01/2021 17:44"),
        (datetime(2021, 1, 4, 10, 44, tzinfo=UTC), "04/01/2021 17:44"),
        (datetime(2021, 1, 4, 20, 5, tzinfo=UTC), "05/01/2021 03:05"),
        (datetime(2021, 1, 4, 10, 44), "04/01/2021 17:44"),  # naive is UTC
    ],
)
def test_format_local_is_day_first_24_hour_in_hanoi(moment: datetime, text: str) -> None:
    assert format_local(moment) == text
