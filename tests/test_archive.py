"""Archive sources over real local HTTP: real Liferay pages, hanoi-cms pages, paging, errors."""

from __future__ import annotations

import html
from collections.abc import AsyncIterator
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.news.dates import VN_TZ
from bot.portal_server import PortalServer, Route
from bot.sources.archive import collect_archive, next_page_url, parse_article, parse_listing
from bot.sources.fetch import Fetcher
from bot.sources.item import FetchError, ListingEntry, ParseError
from bot.sources.profiles import AUTO, HANOI_CMS, LIFERAY, get_profile

NOW = datetime(2025, 8, 2, 10, 0, tzinfo=VN_TZ)
HTML = {"Content-Type": "text/html; charset=utf-8"}
CULTURE = "/web/sotttt-eng/culture/-/view_content/737358-thang-long-culture.html/en"
CAPTIONS = ("Quang cảnh hội trường", "Đ/c ")


def liferay_article(title: str, date_line: str, paragraphs: list[str], author: str) -> str:
    """A Liferay 6.2 asset-publisher article page, as the Đống Đa portal served them."""
    body = []
    for text in paragraphs:
        if text.startswith(CAPTIONS):
            body.append(f'<p style="text-align: center;"><em>{html.escape(text)}</em></p>')
        else:
            body.append(f"<p>{html.escape(text)}</p>")
    body.append(f'<p style="text-align: right;">{html.escape(author)}</p>')
    return f"""<!DOCTYPE html><html lang="vi"><head><meta charset="utf-8">
<title>HOẠT ĐỘNG CÁC PHƯỜNG - Cổng thông tin điện tử quận Đống Đa</title></head><body>
<div class="breadcrumbs"><a href="/">Trang chủ</a>
<a href="/hoat-dong-cac-phuong">HOẠT ĐỘNG CÁC PHƯỜNG</a></div>
<div class="portlet-boundary portlet-asset-publisher">
<h1 class="portlet-title"><span class="portlet-title-text">HOẠT ĐỘNG CÁC PHƯỜNG</span></h1>
<div class="asset-full-content show-asset-title">
<div class="taglib-header"><h3 class="header-title"><span>{html.escape(title)}</span></h3></div>
<div class="assetPublishDate block_timer">{date_line}</div>
<div class="asset-content"><div class="journal-content-article">
<div class="journal-content-article">{"".join(body)}</div></div></div>
</div>
<div class="asset-abstract">
<h3 class="asset-title"><a href="/x/-/view_content/1-khac.html">Tin khác</a></h3>
<div class="assetPublishDate">01/01/2019 | 08:00</div></div>
</div>
<div class="journal-content-article">Địa chỉ: 25 Lê Duẩn, Đống Đa, Hà Nội</div>
</body></html>"""


def sample_article(shared_dir: Path) -> tuple[str, str]:
    """The seed article's text wrapped in Liferay markup; returns (html, title)."""
    text = (shared_dir / "samples" / "tho-quan-article-2021-01-04.txt").read_text("utf-8")
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    title = lines[1]
    assert lines[2].startswith("Ngày đăng")
    date_line = "Ngày đăng 04/01/2021 | 17:44 &nbsp;|&nbsp;Lượt xem: 32"
    return liferay_article(title, date_line, lines[3:-1], lines[-1]), title


@pytest.fixture
async def portal() -> AsyncIterator[PortalServer]:
    async with PortalServer() as server:
        yield server


@pytest.fixture
async def fetcher() -> AsyncIterator[Fetcher]:
    async with Fetcher(timeout=5) as client:
        yield client


def fixture_page(fixtures_dir: Path, name: str) -> bytes:
    return (fixtures_dir / "portal" / name).read_bytes()


def liferay_page(shared_dir: Path, name: str) -> str:
    return (shared_dir / "portals" / "liferay" / name).read_text("utf-8")


# --- Liferay -------------------------------------------------------------------


def test_real_liferay_listing_gives_ten_items(shared_dir: Path) -> None:
    page = liferay_page(shared_dir, "cong-nghe-thong-tin.html")
    entries = parse_listing(page, "https://sotttt.hanoi.gov.vn/cong-nghe-thong-tin", LIFERAY)
    assert len(entries) == 10
    first = entries[0]
    assert first.url == (
        "https://sotttt.hanoi.gov.vn/cong-nghe-thong-tin/-/view_content/"
        "4418033-chinh-thuc-kich-hoat-su-kien-khong-dung-tien-mat-nam-2022.html"
    )
    assert first.title == "Chính thức kích hoạt Sự kiện không dùng tiền mặt năm 2022"
    assert first.date_text == "21/07/2022 | 10:00 AM"
    assert first.summary.startswith("Ngày 21/7, tại Hà Nội")
    assert all(entry.title and entry.date_text for entry in entries)


def test_real_liferay_listing_is_detected_without_a_profile(shared_dir: Path) -> None:
    page = liferay_page(shared_dir, "chi-dao-dieu-hanh.html")
    entries = parse_listing(page, "https://sotttt.hanoi.gov.vn/chi-dao-dieu-hanh", AUTO)
    assert [entry.date_text for entry in entries] == ["03/04/2020 | 10:36 PM"]
    assert entries[0].title.startswith("THÔNG BÁO Về việc thực hiện thủ tục hành chính")


def test_real_view_content_page_holds_a_listing_not_an_article(shared_dir: Path) -> None:
    # The mirror kept the category's asset list at this article URL, not the article.
    page = liferay_page(shared_dir, "view_content-737358-article-en.html")
    url = "https://sotttt.hanoi.gov.vn" + CULTURE
    entries = parse_listing(page, url, AUTO)
    assert len(entries) == 6
    assert entries[-1].url.endswith(
        "/view_content/737358-thang-long-culture-the-convergence-of-thousand-years.html"
    )
    assert entries[0].date_text == "Ngày đăng 06/01/2016 | 03:30 PM | View count: 426"
    with pytest.raises(ParseError, match="no article body"):
        parse_article(page, url, LIFERAY, NOW)


def test_seed_article_parses_title_date_author_and_clean_body(shared_dir: Path) -> None:
    page, title = sample_article(shared_dir)
    url = "https://dongda.hanoi.gov.vn/hoat-dong-cac-phuong/-/view_content/3021-dang-uy.html"
    item = parse_article(page, url, LIFERAY, NOW)
    assert item.title == title
    assert item.published_at == datetime(2021, 1, 4, 17, 44, tzinfo=VN_TZ)
    assert item.published_at.utcoffset() == timedelta(hours=7)
    assert not item.date_guessed
    assert item.author == "Cao Xuân Dũng"
    assert item.body.startswith("Ngày 29/12/2020, tại hội trường tầng 4")
    assert "Quang cảnh hội trường" not in item.body
    assert "Cao Xuân Dũng" not in item.body
    assert "Đ/c Đinh Thị Lan Hương" not in item.body
    assert "Địa chỉ: 25 Lê Duẩn" not in item.body  # the footer's web content
    assert item.body.count("Thông qua Hội nghị quán triệt") == 1  # nested container read once
    assert item.guid == "dongda.hanoi.gov.vn/3021"
    assert item.lead == ""


def test_listing_date_is_used_when_the_article_shows_none() -> None:
    page = liferay_article("Tiêu đề", "", ["Nội dung bài viết có đủ dài để là một đoạn văn."], "A")
    listing = ListingEntry(
        "https://a.vn/c/-/view_content/7-x.html", "T", "21/07/2022 | 10:00 AM", ""
    )
    item = parse_article(page, listing.url, LIFERAY, NOW, listing)
    assert item.published_at == datetime(2022, 7, 21, 10, 0, tzinfo=VN_TZ)
    assert item.url == listing.url


def test_liferay_pages_by_the_cur_parameter() -> None:
    url = "https://a.vn/hoat-dong-cac-phuong?_101_cur=1"
    assert next_page_url(url, 1, LIFERAY) == url
    assert next_page_url(url, 3, LIFERAY) == (
        "https://a.vn/hoat-dong-cac-phuong?p_p_id=101&p_p_lifecycle=0&_101_cur=3"
    )
    assert next_page_url(url, 2, HANOI_CMS) is None


# --- hanoi-cms ---------------------------------------------------------------------


def test_hanoi_listing_links_are_resolved_deduplicated_and_same_site(fixtures_dir: Path) -> None:
    page = fixture_page(fixtures_dir, "hanoi-listing.html").decode()
    base = "https://vanmieuquoctugiam.hanoi.gov.vn/van-hoa-xa-hoi-68156.htm"
    entries = parse_listing(page, base, AUTO)
    assert [entry.url.rsplit("-", 1)[1] for entry in entries] == [
        "2800250801171234708.htm",
        "2800250731090500123.htm",
        "2800250720210800456.htm",
    ]
    assert entries[1].url.endswith("thieu-nhi-2800250731090500123.htm")  # no utm, no zarsrc
    assert entries[0].title == "Phường ra quân tổng vệ sinh môi trường"
    assert "/tin-tuc-su-kien/hop-mat" in entries[2].url


def test_hanoi_article_with_relative_time_dates_from_its_id(fixtures_dir: Path) -> None:
    page = fixture_page(fixtures_dir, "hanoi-article-relative.html").decode()
    url = "https://vanmieuquoctugiam.hanoi.gov.vn/van-hoa-xa-hoi-68156/x-2800250801171234708.htm"
    item = parse_article(page, url, AUTO, NOW)
    assert item.title == "Phường ra quân tổng vệ sinh môi trường"
    assert item.published_at == datetime(2025, 8, 1, 17, 12, 34, tzinfo=VN_TZ)
    assert item.date_guessed
    assert item.lead.startswith("Sáng 1/8, UBND phường Văn Miếu")
    assert item.body.startswith("Tham gia ra quân có hơn 300 cán bộ")
    assert "Lực lượng ra quân" not in item.body and "Ảnh:" not in item.body
    assert item.author == "Minh Anh"
    assert item.url.startswith("https://vanmieuquoctugiam.hanoi.gov.vn/van-hoa-xa-hoi-68156/phuong")
    assert item.guid == "vanmieuquoctugiam.hanoi.gov.vn/2800250801171234708"


def test_hanoi_article_with_time_first_date(fixtures_dir: Path) -> None:
    page = fixture_page(fixtures_dir, "hanoi-article-absolute.html").decode()
    item = parse_article(
        page, "https://p.hanoi.gov.vn/t/hop-mat-2800250720210800456.htm", HANOI_CMS, NOW
    )
    assert item.published_at == datetime(2025, 7, 20, 21, 8, tzinfo=VN_TZ)
    assert not item.date_guessed
    assert item.author == "Thu Hà"
    assert "Tác giả" not in item.body and item.body.count("\n") == 1


# --- robustness ----------------------------------------------------------------------

BROKEN = [
    "",
    "<html><body><div class='asset-abstract'><h3 class='asset-title'><a href='a.html'>Tin",
    "<div class='journal-content-article'><p>Một<p>Hai<table><tr><td>Ba",
    "<" * 5000,
    "<div>" * 3000 + "sâu" + "</div>" * 10,
    "\x00\x01<p>\ud7ff</p>",
]


@pytest.mark.parametrize("page", BROKEN)
@pytest.mark.parametrize("profile", [LIFERAY, HANOI_CMS, AUTO])
def test_broken_html_never_crashes(page: str, profile) -> None:
    try:
        parse_listing(page, "https://a.vn/", profile)
        parse_article(page, "https://a.vn/x-2800250801171234708.htm", profile, NOW)
    except ParseError:
        pass


@settings(max_examples=60, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("<>/=\"' apdivh3a&#;.-Đạ")), max_size=300))
def test_random_markup_gives_entries_or_parse_error(page: str) -> None:
    try:
        parse_listing(page, "https://a.vn/", AUTO)
        parse_article(page, "https://a.vn/x.htm", LIFERAY, NOW)
    except ParseError:
        pass


# --- profiles ----------------------------------------------------------------------


def test_get_profile_names() -> None:
    assert get_profile("liferay", {}) is LIFERAY
    assert get_profile(None, {}) is AUTO
    assert get_profile("hanoi-portal", {}).name == "auto"
    custom = get_profile(None, {"item": "li.news", "link": "a", "body": "#content"})
    assert (custom.name, custom.item, custom.body) == ("custom", "li.news", ("#content",))
    assert get_profile("liferay", {"date": ".ngay"}).date == ".ngay"


@pytest.mark.parametrize(
    ("name", "selectors", "message"),
    [
        ("wordpress", {}, "unknown archive profile"),
        (None, {"link": "a"}, "needs at least"),
        (None, {"link": "a", "body": "div["}, "not valid CSS"),
        (None, {"link": "a", "body": "p", "colour": "x"}, "unknown archive selector"),
    ],
)
def test_get_profile_refuses_bad_config(name, selectors, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        get_profile(name, selectors)


# --- collecting over HTTP ----------------------------------------------------------


def serve_liferay(portal: PortalServer, shared_dir: Path) -> str:
    """The real listing as page 1, the other real listing as page 2 and 3; articles."""
    portal.add(
        "/cntt", Route(liferay_page(shared_dir, "cong-nghe-thong-tin.html").encode(), headers=HTML)
    )
    second = liferay_page(shared_dir, "chi-dao-dieu-hanh.html").encode()
    for page in (2, 3):
        portal.add(f"/cntt?p_p_id=101&p_p_lifecycle=0&_101_cur={page}", Route(second, headers=HTML))
    url = portal.url("/cntt")
    for entry in parse_listing(
        liferay_page(shared_dir, "cong-nghe-thong-tin.html"), url, LIFERAY
    ) + parse_listing(second.decode(), url, LIFERAY):
        page = liferay_article(
            entry.title, "", ["Nội dung của bài viết, đủ dài để làm một câu."], "Thu Hà"
        )
        portal.add(entry.url.removeprefix(portal.url("")), Route(page.encode(), headers=HTML))
    return url


async def test_collect_pages_until_nothing_new(
    portal: PortalServer, fetcher: Fetcher, shared_dir: Path
) -> None:
    url = serve_liferay(portal, shared_dir)
    result = await collect_archive(fetcher, url, AUTO, seen=set(), max_pages=10, now=NOW)
    assert result.pages == 3  # page 3 repeats page 2: nothing new, stop
    assert len(result.items) == 11 and result.errors == []
    assert result.items[0].title == "Chính thức kích hoạt Sự kiện không dùng tiền mặt năm 2022"
    assert result.items[0].published_at == datetime(2022, 7, 21, 10, 0, tzinfo=VN_TZ)
    assert result.items[0].source_url == url
    assert portal.hits("/cntt") == 3


async def test_collect_stops_at_a_page_already_seen(
    portal: PortalServer, fetcher: Fetcher, shared_dir: Path
) -> None:
    url = serve_liferay(portal, shared_dir)
    known = {
        entry.url
        for entry in parse_listing(
            liferay_page(shared_dir, "cong-nghe-thong-tin.html"), url, LIFERAY
        )
    }
    result = await collect_archive(
        fetcher, url, LIFERAY, seen=known.__contains__, max_pages=10, now=NOW
    )
    assert (result.pages, result.items, result.errors) == (1, [], [])


async def test_failing_article_is_skipped_with_an_error(
    portal: PortalServer, fetcher: Fetcher, shared_dir: Path
) -> None:
    url = serve_liferay(portal, shared_dir)
    entries = parse_listing(liferay_page(shared_dir, "cong-nghe-thong-tin.html"), url, LIFERAY)
    portal.add(entries[3].url.removeprefix(portal.url("")), Route(b"oops", status=500))
    result = await collect_archive(fetcher, url, LIFERAY, seen=set(), max_pages=1, now=NOW)
    assert len(result.items) == 9
    assert len(result.errors) == 1 and "HTTP 500" in result.errors[0]


async def test_hanoi_portal_collected_end_to_end(
    portal: PortalServer, fetcher: Fetcher, fixtures_dir: Path
) -> None:
    portal.add(
        "/van-hoa-xa-hoi-68156.htm",
        Route(fixture_page(fixtures_dir, "hanoi-listing.html"), headers=HTML),
    )
    article = fixture_page(fixtures_dir, "hanoi-article-relative.html")
    portal.add(
        "/van-hoa-xa-hoi-68156/phuong-ra-quan-tong-ve-sinh-moi-truong-2800250801171234708.htm",
        Route(article, headers=HTML),
    )
    result = await collect_archive(
        fetcher, portal.url("/van-hoa-xa-hoi-68156.htm"), AUTO, seen=set(), max_pages=5, now=NOW
    )
    assert result.pages == 1  # no known paging on these portals
    assert [item.title for item in result.items] == ["Phường ra quân tổng vệ sinh môi trường"]
    assert len(result.errors) == 2 and all("HTTP 404" in error for error in result.errors)


async def test_first_page_failure_raises(portal: PortalServer, fetcher: Fetcher) -> None:
    portal.add("/c", Route(b"down", status=503))
    with pytest.raises(FetchError):
        await collect_archive(fetcher, portal.url("/c"), LIFERAY, seen=set(), max_pages=3, now=NOW)


async def test_listing_without_links_means_layout_changed(
    portal: PortalServer, fetcher: Fetcher
) -> None:
    portal.add(
        "/c", Route("<html><body><p>Trang đang bảo trì</p></body></html>".encode(), headers=HTML)
    )
    with pytest.raises(ParseError, match="no items found: layout changed"):
        await collect_archive(fetcher, portal.url("/c"), LIFERAY, seen=set(), max_pages=3, now=NOW)


async def test_unknown_layout_without_profile_is_a_parse_error(
    portal: PortalServer, fetcher: Fetcher
) -> None:
    portal.add("/c", Route(b"<html><body><a href='/a'>A</a></body></html>", headers=HTML))
    with pytest.raises(ParseError, match="no known portal layout"):
        await collect_archive(fetcher, portal.url("/c"), AUTO, seen=set(), max_pages=3, now=NOW)


async def test_custom_selectors_profile(portal: PortalServer, fetcher: Fetcher) -> None:
    listing = """<ul><li class="tin"><a href="/tin/1.html">Thông báo lịch tiếp dân</a>
    <span class="ngay">Đăng ngày 17 - 05 - 2024</span></li></ul>"""
    article = """<h2 class="tieu-de">Thông báo lịch tiếp dân tháng 6</h2>
    <div id="noi-dung">
    <p>UBND phường thông báo lịch tiếp công dân định kỳ tháng 6/2024.</p></div>"""
    portal.add("/tin", Route(listing.encode(), headers=HTML))
    portal.add("/tin/1.html", Route(article.encode(), headers=HTML))
    profile = get_profile(
        None,
        {
            "item": "li.tin",
            "link": "a",
            "date": ".ngay",
            "title": "h2.tieu-de",
            "body": "#noi-dung",
        },
    )
    result = await collect_archive(
        fetcher, portal.url("/tin"), profile, seen=set(), max_pages=2, now=NOW
    )
    [item] = result.items
    assert item.title == "Thông báo lịch tiếp dân tháng 6"
    assert item.published_at == datetime(2024, 5, 17, tzinfo=VN_TZ)
    assert item.body == "UBND phường thông báo lịch tiếp công dân định kỳ tháng 6/2024."
