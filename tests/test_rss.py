"""RSS and Atom feeds fetched over local HTTP and parsed into raw items."""

from __future__ import annotations

import unicodedata
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import feedparser
import pytest

from bot.news.dates import VN_TZ
from bot.portal_server import PortalServer, Route
from bot.sources.fetch import Fetcher
from bot.sources.item import ParseError, RawItem
from bot.sources.rss import parse_feed
from tests.test_fetch import to_cp1258

NOW = datetime(2025, 8, 2, 3, 0, tzinfo=UTC)
RSS = {"Content-Type": "application/rss+xml; charset=utf-8"}
BASE = "https://thoquan.example.vn/rss/tin-tuc.rss"


def feed(fixtures_dir: Path, name: str) -> bytes:
    return (fixtures_dir / "portal" / name).read_bytes()


@pytest.fixture
async def portal() -> AsyncIterator[PortalServer]:
    async with PortalServer() as server:
        yield server


async def fetch_and_parse(portal: PortalServer, path: str) -> list[RawItem]:
    async with Fetcher(timeout=5) as fetcher:
        result = await fetcher.fetch(portal.url(path))
    return parse_feed(result.body, result.headers, result.url, NOW)


async def test_rss_feed_over_http(portal: PortalServer, fixtures_dir: Path) -> None:
    portal.add("/rss/tin-tuc.rss", Route(feed(fixtures_dir, "feed-rss20.xml"), headers=RSS))
    items = await fetch_and_parse(portal, "/rss/tin-tuc.rss")
    assert [item.title for item in items] == [
        "Phường Thổ Quan tổ chức hội nghị & tập huấn",
        "Lịch tiếp công dân tháng 1/2021",
        "Tin không có ngày đăng",
    ]  # the entry without a link is skipped
    assert items[0].url == portal.url("/tin-tuc/hoi-nghi-tap-huan-1201.html")
    assert items[0].source_url == portal.url("/rss/tin-tuc.rss")


def test_rss_dd_mm_yyyy_date_is_local_time(fixtures_dir: Path) -> None:
    first, second, third = parse_feed(feed(fixtures_dir, "feed-rss20.xml"), RSS, BASE, NOW)
    assert first.published_at == datetime(2021, 1, 4, 17, 44, tzinfo=VN_TZ)
    assert first.published_at.tzinfo == VN_TZ
    assert second.published_at == datetime(2021, 1, 4, 8, 30, tzinfo=VN_TZ)
    assert (third.published_at, third.date_guessed) == (None, False)


def test_rss_html_description_is_cleaned(fixtures_dir: Path) -> None:
    first = parse_feed(feed(fixtures_dir, "feed-rss20.xml"), RSS, BASE, NOW)[0]
    assert first.body == (
        "Ngày 29/12/2020, Đảng ủy phường Thổ Quan tổ chức hội nghị học tập Nghị quyết.\n"
        "Hội nghị có sự tham dự của toàn thể đảng viên trong Đảng bộ phường."
    )
    assert first.author == "Cao Xuân Dũng"
    assert first.guid == "thoquan-1201"
    assert (first.lead, first.date_guessed) == ("", False)


def test_rss_content_encoded_is_the_body_and_description_the_lead(fixtures_dir: Path) -> None:
    second = parse_feed(feed(fixtures_dir, "feed-rss20.xml"), RSS, BASE, NOW)[1]
    assert second.body.startswith("UBND phường Thổ Quan thông báo lịch tiếp công dân")
    assert second.lead == "UBND phường thông báo lịch tiếp công dân định kỳ."
    assert second.author == "Văn phòng UBND phường"


def test_rss_links_are_canonical(fixtures_dir: Path) -> None:
    items = parse_feed(feed(fixtures_dir, "feed-rss20.xml"), RSS, BASE, NOW)
    assert items[0].url == "https://thoquan.example.vn/tin-tuc/hoi-nghi-tap-huan-1201.html"
    assert items[2].url == "https://thoquan.example.vn/tin-tuc/khong-ngay-1203.html"


def test_atom_feed(fixtures_dir: Path) -> None:
    headers = {"content-type": "application/atom+xml"}
    first, second = parse_feed(feed(fixtures_dir, "feed-atom.xml"), headers, BASE, NOW)
    assert first.title == "Ra quân tổng vệ sinh môi trường"
    assert first.published_at == datetime(2025, 8, 1, 17, 12, 34, tzinfo=VN_TZ)
    assert first.author == "Minh Anh"
    assert first.lead == "Sáng 1/8, phường ra quân tổng vệ sinh môi trường."
    assert first.body == (
        "Tham gia ra quân có hơn 300 cán bộ và nhân dân.\nCác lực lượng thu gom hơn 5 tấn rác thải."
    )
    assert second.published_at == datetime(2025, 7, 31, 9, 5, tzinfo=VN_TZ)
    assert second.url == "https://thoquan.example.vn/rss/tin/cat-dien-2800250731090500123.htm"


def test_empty_channel_gives_no_items(fixtures_dir: Path) -> None:
    assert parse_feed(feed(fixtures_dir, "feed-empty.xml"), RSS, BASE, NOW) == []


async def test_html_served_as_rss_is_a_parse_error(portal: PortalServer) -> None:
    page = "<!DOCTYPE html><html><body><h1>Trang chủ</h1><p>Xin chào</p></body></html>"
    portal.add("/rss", Route(page.encode(), headers=RSS))
    with pytest.raises(ParseError, match="not an RSS or Atom feed"):
        await fetch_and_parse(portal, "/rss")


@pytest.mark.parametrize("body", [b"", b"\x00\xff\xfe garbage", b"Service Unavailable"])
def test_non_feed_bodies_are_parse_errors(body: bytes) -> None:
    with pytest.raises(ParseError):
        parse_feed(body, RSS, BASE, NOW)


def test_truncated_feed_without_items_is_a_parse_error() -> None:
    body = b'<?xml version="1.0"?><rss version="2.0"><channel><title>Tin'
    with pytest.raises(ParseError, match="broken feed"):
        parse_feed(body, RSS, BASE, NOW)


def test_ill_formed_feed_with_entries_still_gives_them() -> None:
    body = """<rss version="2.0"><channel><item><title>Điện & nước</title>
    <link>https://a.example.vn/1</link><pubDate>05/01/2021</pubDate></item>
    <item><title>Tin hai""".encode()
    items = parse_feed(body, RSS, BASE, NOW)
    assert items[0].title == "Điện & nước"
    assert items[0].published_at == datetime(2021, 1, 5, tzinfo=VN_TZ)


async def test_windows_1258_feed_gives_nfc_text(portal: PortalServer) -> None:
    title = "Phường Thổ Quan tổ chức hội nghị"
    body = (
        b'<?xml version="1.0" encoding="windows-1258"?><rss version="2.0"><channel><item><title>'
        + to_cp1258(title)
        + b"</title><link>https://a.example.vn/1</link></item></channel></rss>"
    )
    portal.add("/rss", Route(body, headers={"Content-Type": "text/xml; charset=windows-1258"}))
    [item] = await fetch_and_parse(portal, "/rss")
    assert item.title == title
    assert unicodedata.is_normalized("NFC", item.title)


def test_untitled_entry_takes_its_first_paragraph_as_title() -> None:
    text = "Điện lực thông báo tạm ngừng cấp điện " * 6
    body = f"""<rss version="2.0"><channel><item><link>https://a.example.vn/2</link>
    <description>{text}</description></item></channel></rss>""".encode()
    [item] = parse_feed(body, RSS, BASE, NOW)
    assert item.title.endswith("…") and len(item.title) <= 121
    assert text.startswith(item.title.removesuffix("…"))


def test_one_short_line_description_is_kept_as_body() -> None:
    body = """<rss version="2.0"><channel><item><title>Cắt điện</title>
    <link>https://a.example.vn/3</link><description>Lịch tạm ngừng cấp điện tuần này</description>
    </item></channel></rss>""".encode()
    [item] = parse_feed(body, RSS, BASE, NOW)
    assert item.body == "Lịch tạm ngừng cấp điện tuần này"


HOSTILE_ENTRY = """<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/"><channel>
<title>Tin</title><link>https://thoquan.example.vn/</link>
<item><title>Phường &lt;b&gt;Thổ Quan&lt;/b&gt; họp dân</title><link>/tin/hop-dan.html</link>
<description>&lt;p onclick="alert(1)"&gt;Sáng nay phường họp dân&lt;/p&gt;</description>
<content:encoded><![CDATA[<p style="text-align: justify; behavior: url(x.htc)">Sáng nay
phường <a href="../tin/khac.html">Thổ Quan</a> họp dân&#146;s.</p><script>alert(1)</script>
<style>p { color: red }</style><applet code="x"></applet><iframe src="x"></iframe>
<section><o:p>Bà con đồng tình.</o:p></section><marquee>Chạy chữ</marquee>
<p style="text-align:center"><em>Quang cảnh buổi họp</em></p><p><img src="/a.jpg"
onerror="alert(2)">Kết thúc lúc 11 giờ.<br/>Tiếp theo dòng mới</p>
<p style="text-align: right;"><strong>Minh Anh</strong></p>]]></content:encoded>
</item></channel></rss>""".encode()


def test_feedparser_sanitizing_would_change_nothing_we_keep(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """parse_feed tells feedparser not to sanitize nor resolve links: it must not matter."""
    ours = parse_feed(HOSTILE_ENTRY, RSS, BASE, NOW)
    parse = feedparser.parse

    def sanitizing(*args, **kwargs):
        return parse(*args, **{**kwargs, "sanitize_html": True, "resolve_relative_uris": True})

    monkeypatch.setattr(feedparser, "parse", sanitizing)
    assert parse_feed(HOSTILE_ENTRY, RSS, BASE, NOW) == ours
    (item,) = ours
    assert item.title == "Phường Thổ Quan họp dân"
    assert "alert" not in item.body and "color" not in item.body
    assert "Quang cảnh buổi họp" not in item.body and item.author == "Minh Anh"
