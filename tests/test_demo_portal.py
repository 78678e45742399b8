"""The bundled demo portal (bot/demo_portal) reads as intended with the project's parsers.

Every page and feed of `wardnews demo` is loaded as package data, its
placeholders filled, and run through the real parsers: titles, dates
(aware, Asia/Ho_Chi_Minh), authors, bodies without captions, credits or
bylines, a summary, and the wards each item is tagged with (not the streets
it names). The last tests poll the pages over local HTTP, before and after
the demo "publishes" its news.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from importlib.resources import files

import pytest
from selectolax.lexbor import LexborHTMLParser

from bot import demo_portal
from bot.news.dates import VN_TZ, date_from_article_id
from bot.news.summary import summarise
from bot.news.wards import WardRegistry, tag
from bot.portal_server import PortalServer, Route
from bot.sources.archive import collect_archive, parse_article, parse_listing
from bot.sources.fetch import Fetcher
from bot.sources.item import ListingEntry, RawItem
from bot.sources.profiles import HANOI_CMS, LIFERAY, get_profile
from bot.sources.rss import parse_feed

NOW = datetime(2026, 11, 24, 9, 41, 27, tzinfo=VN_TZ)  # the demo's clock in these tests
HOST = "http://127.0.0.1:8765"
LIFERAY_URL = f"{HOST}/hoat-dong-cac-phuong"
CMS_URL = f"{HOST}/tin-tuc-su-kien.htm"
FEED_URL = f"{HOST}/thong-bao/rss"
FEED_HEADERS = {"Content-Type": "application/rss+xml; charset=utf-8"}
HTML_HEADERS = {"Content-Type": "text/html; charset=utf-8"}
TOKEN = re.compile(r"\{\{[A-Z0-9_]+\}\}")

NEW_FILES = {
    "liferay-listing-after.html": {"{{TODAY}}", "{{NOW_HHMM}}"},
    "liferay-article-5122641.html": {"{{TODAY}}", "{{NOW_HHMM}}"},
    "cms-listing-after.html": {"{{CMS_ID_STAMP}}", "{{TODAY}}", "{{NOW_HHMM}}"},
    "cms-article-new.htm": {"{{CMS_ID_STAMP}}", "{{TODAY}}", "{{NOW_HHMM}}"},
    "feed-after.xml": {"{{NOW_RFC822}}"},
}


def raw(name: str) -> str:
    return files("bot.demo_portal").joinpath(name).read_text(encoding="utf-8")


def load(name: str, now: datetime = NOW) -> str:
    return demo_portal.render(raw(name), now)


def local(*fields: int) -> datetime:
    return datetime(*fields, tzinfo=VN_TZ)


@pytest.fixture(scope="module")
def registry() -> WardRegistry:
    return WardRegistry.from_config("Hà Nội", [], [])


@dataclass(frozen=True)
class Expected:
    """What one demo article must read as."""

    file: str
    title: str
    published: datetime
    author: str
    wards: tuple[str, ...]
    first: str  # how the body (or, with a sapo, the lead) begins
    paragraphs: int
    noise: tuple[str, ...]  # captions and credits that must not reach the body
    lead: str = ""


LIFERAY_ARTICLES = {
    "5121488": Expected(
        file="liferay-article-5121488.html",
        title="Phường Văn Miếu - Quốc Tử Giám tổ chức Ngày hội Đại đoàn kết toàn dân tộc "
        "tại khu dân cư số 7",
        published=local(2026, 11, 22, 8, 30),
        author="Minh Ngọc",
        wards=("Văn Miếu - Quốc Tử Giám",),
        first="Sáng 21/11, Ủy ban MTTQ Việt Nam phường Văn Miếu - Quốc Tử Giám",
        paragraphs=4,
        noise=("Quang cảnh Ngày hội", "Ảnh: Minh Ngọc"),
    ),
    "5119023": Expected(
        file="liferay-article-5119023.html",
        title="Phường Ô Chợ Dừa diễn tập phương án chữa cháy và cứu nạn, cứu hộ tại khu dân cư",
        published=local(2026, 11, 21, 15, 15),
        author="Hoàng Nam",
        wards=("Ô Chợ Dừa",),
        first="Chiều 20/11, Công an phường Ô Chợ Dừa phối hợp",
        paragraphs=4,
        noise=("Lực lượng chữa cháy triển khai lăng phun nước", "Ảnh: Công an"),
    ),
    "5120377": Expected(
        file="liferay-article-5120377.html",
        title="P. Kim Liên tiêm vắc xin phòng cúm mùa miễn phí cho người cao tuổi",
        published=local(2026, 11, 20, 10, 0),
        author="Lan Phương",
        wards=("Kim Liên",),
        first="Trong hai ngày 18 và 19/11, Trạm Y tế phường Kim Liên",
        paragraphs=4,
        noise=("Người cao tuổi được khám sàng lọc", "(Ảnh: Trạm Y tế"),
    ),
}
LIFERAY_NEW = Expected(
    file="liferay-article-5122641.html",
    title="Phường Đống Đa ra quân tổng vệ sinh môi trường tại các tổ dân phố",
    published=local(2026, 11, 24, 9, 41),
    author="Quỳnh Anh",
    wards=("Đống Đa",),
    first="Sáng nay, UBND phường Đống Đa phối hợp",
    paragraphs=4,
    noise=("Quang cảnh buổi ra quân", "Ảnh: Quỳnh Anh"),
)

CMS_ARTICLES = {
    "2800261121153000214": Expected(
        file="cms-article-2800261121153000214.htm",
        title="Phường Ba Đình gặp mặt các tổ trưởng tổ dân phố, trưởng ban công tác Mặt trận",
        published=local(2026, 11, 21, 15, 30),
        author="Thanh Hà",
        wards=("Ba Đình",),
        lead="Chiều 21/11, UBND phường Ba Đình tổ chức hội nghị gặp mặt",
        first="Dự hội nghị có lãnh đạo Đảng ủy",
        paragraphs=4,
        noise=("Quang cảnh hội nghị", "Ảnh: Thanh Hà"),
    ),
    "2800261123074500386": Expected(
        file="cms-article-2800261123074500386.htm",
        title="Ra quân lập lại trật tự vỉa hè trên tuyến phố giáp ranh phường Ba Đình "
        "và phường Hoàn Kiếm",
        published=local(2026, 11, 23, 7, 45),
        author="Ngọc Mai",
        wards=("Ba Đình", "Hoàn Kiếm"),
        lead="Sáng 22/11, lực lượng trật tự đô thị và công an hai phường Ba Đình và Hoàn Kiếm",
        first="Phố Phùng Hưng có một bên thuộc phường Ba Đình",
        paragraphs=3,
        noise=("Lực lượng chức năng nhắc nhở hộ kinh doanh", "Ảnh: Ngọc Mai"),
    ),
}
CMS_NEW = Expected(
    file=demo_portal.NEW_CMS_ARTICLE,
    title="Phường Ba Đình thông báo sửa chữa mặt đường phố Đội Cấn",
    published=local(2026, 11, 24, 9, 41),
    author="Minh Châu",
    wards=("Ba Đình",),
    lead="UBND phường Ba Đình thông báo, từ 22 giờ hôm nay",
    first="Thời gian thi công dự kiến trong 5 đêm",
    paragraphs=3,
    noise=("Sơ đồ phân luồng", "Ảnh: UBND"),
)

FEED_ITEMS = {
    "phuong-lang-thong-bao-4409": Expected(
        file="feed.xml",
        title="Thông báo lịch tiếp công dân tháng 12/2026 của Chủ tịch UBND phường Láng",
        published=local(2026, 11, 23, 16, 20),
        author="UBND phường Láng",
        wards=("Láng",),
        first="UBND phường Láng thông báo lịch tiếp công dân định kỳ tháng 12/2026",
        paragraphs=5,
        noise=(),
    ),
    "phuong-lang-thong-bao-4402": Expected(
        file="feed.xml",
        title="Thông báo tạm dừng lưu thông ô tô để sửa chữa mặt đường ngõ 1194 đường Láng",
        published=local(2026, 11, 22, 9, 5),
        author="Nguyễn Thu Hằng",
        wards=("Láng",),
        first="Để bảo đảm an toàn giao thông trong thời gian thi công",
        paragraphs=3,
        noise=("Vị trí đoạn ngõ tạm dừng lưu thông", "Ảnh: Văn phòng"),
    ),
    "phuong-lang-thong-bao-4391": Expected(
        file="feed.xml",
        title="Thông báo về việc chủ động phòng, chống mưa lớn trái mùa, ngập úng cục bộ",
        published=local(2026, 11, 20, 14, 0),
        author="Ban Chỉ huy phòng thủ dân sự phường",
        wards=("Láng",),
        first="Theo dự báo của cơ quan khí tượng thủy văn",
        paragraphs=4,
        noise=(),
    ),
}
FEED_NEW_GUID = "phuong-lang-thong-bao-4417"
FEED_NEW = Expected(
    file="feed-after.xml",
    title="Thông báo tạm ngừng cấp nước để sửa chữa đường ống tại một số tổ dân phố",
    published=NOW,
    author="UBND phường Láng",
    wards=("Láng",),
    first="UBND phường Láng nhận được thông báo của đơn vị cấp nước",
    paragraphs=3,
    noise=(),
)


def ward_names(item: RawItem, registry: WardRegistry) -> tuple[str, ...]:
    codes = tag(item.title, f"{item.lead}\n{item.body}", registry)
    names = []
    for code in codes:
        ward = registry.get(code)
        assert ward is not None
        names.append(ward.name)
    return tuple(names)


def check_item(item: RawItem, expected: Expected, registry: WardRegistry) -> None:
    """Everything a pushed message is made of reads as the page means it."""
    assert item.title == expected.title
    assert item.published_at == expected.published
    assert item.published_at is not None and item.published_at.utcoffset() == timedelta(hours=7)
    assert str(item.published_at.tzinfo) == "Asia/Ho_Chi_Minh"
    assert not item.date_guessed
    assert item.author == expected.author
    lines = item.body.split("\n")
    assert len(lines) == expected.paragraphs, lines
    assert lines[0].startswith(expected.first)
    if expected.lead:
        assert item.lead.startswith(expected.lead)
    else:
        assert item.lead == ""
    for noise in expected.noise:
        assert noise not in item.body
    assert not any(line.startswith(("Ảnh", "(Ảnh")) for line in lines)
    assert expected.author not in lines  # the byline is not a paragraph
    assert all(line[-1] in '.:;)"' for line in lines), lines  # whole paragraphs only
    assert unicodedata.is_normalized("NFC", item.title + item.body + item.lead)
    summary = summarise([item.lead, *lines] if item.lead else lines)
    assert summary and len(summary) <= 400
    assert summary.startswith((expected.lead or expected.first)[:30])
    assert ward_names(item, registry) == expected.wards


# --- the files themselves ------------------------------------------------------------


def data_files() -> list[str]:
    return sorted(
        entry.name
        for entry in files("bot.demo_portal").iterdir()
        if entry.is_file() and not entry.name.endswith((".py", ".pyc", ".md"))
    )


def test_the_portal_ships_every_file_the_readme_lists() -> None:
    readme = raw("README.md")
    names = data_files()
    assert len(names) == 13
    for name in names:
        assert f"`{name}`" in readme, name


def test_files_are_utf8_nfc_and_placeholders_sit_only_in_new_items() -> None:
    for name in data_files():
        text = raw(name)
        assert unicodedata.is_normalized("NFC", text), name
        tokens = set(TOKEN.findall(text))
        assert tokens == NEW_FILES.get(name, set()), name
        assert tokens <= set(demo_portal.PLACEHOLDERS)
        assert "{{" not in load(name), name


def test_placeholders_render_the_demo_clock_in_vietnam_time() -> None:
    values = demo_portal.placeholders(datetime(2026, 11, 24, 9, 41, 27, 512, tzinfo=UTC))
    assert values == {
        "{{TODAY}}": "24/11/2026",
        "{{NOW_HHMM}}": "16:41",
        "{{NOW_RFC822}}": "Tue, 24 Nov 2026 16:41:27 +0700",
        "{{CMS_ID_STAMP}}": "261124164127",
    }
    assert demo_portal.placeholders(NOW)["{{NOW_RFC822}}"] == "Tue, 24 Nov 2026 09:41:27 +0700"
    assert date_from_article_id(demo_portal.cms_new_id(NOW)) == NOW
    with pytest.raises(ValueError):
        demo_portal.placeholders(datetime(2026, 11, 24, 9, 41))


# --- generation 1: Liferay ---------------------------------------------------------


def liferay_entries(name: str) -> list[ListingEntry]:
    return parse_listing(load(name), LIFERAY_URL, get_profile("liferay", {}))


def liferay_id(url: str) -> str:
    match = re.search(r"/view_content/(\d+)-[a-z0-9-]+\.html$", url)
    assert match is not None, url
    return match.group(1)


def test_liferay_listing_holds_three_items_in_the_family_date_dialects() -> None:
    entries = liferay_entries("liferay-listing.html")
    assert [liferay_id(entry.url) for entry in entries] == ["5121488", "5119023", "5120377"]
    for entry in entries:
        assert entry.url.startswith(f"{HOST}/hoat-dong-cac-phuong/-/view_content/")
        assert entry.title == LIFERAY_ARTICLES[liferay_id(entry.url)].title
        assert entry.summary.endswith("...")
    assert [entry.date_text for entry in entries] == [
        "Ngày đăng 22/11/2026 | 08:30 | Lượt xem: 12",
        "21/11/2026 | 03:15 PM",
        "20/11/2026 | 10:00 AM",
    ]


def test_liferay_listing_after_adds_the_new_item_on_top() -> None:
    before = liferay_entries("liferay-listing.html")
    after = liferay_entries("liferay-listing-after.html")
    assert after[1:] == before
    assert liferay_id(after[0].url) == "5122641"
    assert after[0].title == LIFERAY_NEW.title
    assert after[0].date_text == "Ngày đăng 24/11/2026 | 09:41 | Lượt xem: 3"


def test_liferay_listings_are_recognised_without_a_profile() -> None:
    auto = get_profile(None, {})
    for name in ("liferay-listing.html", "liferay-listing-after.html"):
        assert parse_listing(load(name), LIFERAY_URL, auto) == liferay_entries(name)


@pytest.mark.parametrize("article_id", [*LIFERAY_ARTICLES, "5122641"])
def test_liferay_articles_read_as_written(article_id: str, registry: WardRegistry) -> None:
    expected = LIFERAY_ARTICLES.get(article_id, LIFERAY_NEW)
    after = liferay_entries("liferay-listing-after.html")
    entry = next(e for e in after if liferay_id(e.url) == article_id)
    item = parse_article(load(expected.file), entry.url, get_profile("liferay", {}), NOW, entry)
    check_item(item, expected, registry)
    assert item.url == entry.url
    assert item.guid == f"127.0.0.1/{article_id}"
    # The page alone, without its listing entry, gives the same record.
    alone = parse_article(load(expected.file), entry.url, LIFERAY, NOW)
    assert (alone.title, alone.published_at) == (item.title, item.published_at)
    assert (alone.body, alone.author) == (item.body, item.author)


# --- generation 2: the hanoi.gov.vn ward CMS ---------------------------------------


def cms_entries(name: str) -> list[ListingEntry]:
    return parse_listing(load(name), CMS_URL, get_profile("hanoi-cms", {}))


def cms_id(url: str) -> str:
    match = re.search(r"^/[a-z0-9-]+/[a-z0-9-]+-(\d{19})\.htm$", url.removeprefix(HOST))
    assert match is not None, url
    return match.group(1)


def test_cms_listing_holds_two_articles_and_skips_other_sites() -> None:
    entries = cms_entries("cms-listing.html")
    assert [cms_id(entry.url) for entry in entries] == list(reversed(CMS_ARTICLES))
    assert [entry.title for entry in entries] == [
        CMS_ARTICLES[cms_id(entry.url)].title for entry in entries
    ]
    assert "hanoi.gov.vn" not in " ".join(entry.url for entry in entries)
    for entry in entries:  # the 19 digits embed the publication time
        assert date_from_article_id(cms_id(entry.url)) == CMS_ARTICLES[cms_id(entry.url)].published


def test_cms_listing_after_adds_the_new_article_on_top() -> None:
    before = cms_entries("cms-listing.html")
    after = cms_entries("cms-listing-after.html")
    assert after[1:] == before
    assert cms_id(after[0].url) == demo_portal.cms_new_id(NOW)
    assert after[0].url.startswith(f"{HOST}/thong-bao-68220/")
    assert after[0].title == CMS_NEW.title
    assert parse_listing(load("cms-listing-after.html"), CMS_URL, get_profile(None, {})) == after


@pytest.mark.parametrize("article_id", [*CMS_ARTICLES, "new"])
def test_cms_articles_read_as_written(article_id: str, registry: WardRegistry) -> None:
    expected = CMS_ARTICLES.get(article_id, CMS_NEW)
    wanted = demo_portal.cms_new_id(NOW) if article_id == "new" else article_id
    entry = next(e for e in cms_entries("cms-listing-after.html") if cms_id(e.url) == wanted)
    page = load(expected.file)
    item = parse_article(page, entry.url, get_profile("hanoi-cms", {}), NOW, entry)
    check_item(item, expected, registry)
    assert item.guid == f"127.0.0.1/{wanted}"
    # Without the listing, the page's canonical link names the same article.
    alone = parse_article(page, entry.url, HANOI_CMS, NOW)
    assert alone.url == entry.url
    assert alone.title == item.title
    assert f'<meta property="og:title" content="{expected.title}">' in page


# --- RSS ---------------------------------------------------------------------------


def feed_items(name: str, now: datetime = NOW) -> list[RawItem]:
    return parse_feed(load(name, now).encode("utf-8"), FEED_HEADERS, FEED_URL, now)


def test_feed_holds_three_notices_newest_first(registry: WardRegistry) -> None:
    items = feed_items("feed.xml")
    assert [item.guid for item in items] == list(FEED_ITEMS)
    for item in items:
        assert item.url.startswith(f"{HOST}/thong-bao/thong-bao-")
        check_item(item, FEED_ITEMS[item.guid or ""], registry)


def test_feed_after_adds_one_notice_dated_now(registry: WardRegistry) -> None:
    before = feed_items("feed.xml")
    after = feed_items("feed-after.xml")
    assert after[1:] == before
    assert after[0].guid == FEED_NEW_GUID
    check_item(after[0], FEED_NEW, registry)


STREETS = {  # streets and places named like a ward, current or former: never a ward
    "liferay-article-5121488.html": ("phố Khâm Thiên", "ngõ Văn Chương"),
    "liferay-article-5119023.html": ("phố Khâm Thiên", "hồ Hoàng Cầu"),
    "liferay-article-5120377.html": ("khu tập thể Kim Liên",),
    "liferay-article-5122641.html": ("phố Láng Hạ", "đường Láng"),
    "cms-article-2800261121153000214.htm": ("hồ Trúc Bạch", "phố Quán Thánh"),
    "cms-article-new.htm": ("phố Đội Cấn", "phố Kim Mã", "phố Sơn Tây"),
    "feed.xml": ("ngõ 1194 đường Láng", "phố Láng Hạ", "phố Chùa Láng"),
}
FORMER = {  # former wards, named as such: their successor
    "phường Thổ Quan (cũ)": ("liferay-article-5121488.html", "Văn Miếu - Quốc Tử Giám"),
    "phường Láng Thượng (cũ)": ("feed.xml", "Láng"),
}


def test_streets_named_like_wards_tag_nothing(registry: WardRegistry) -> None:
    for name, streets in STREETS.items():
        text = load(name)
        for street in streets:
            assert street in text, (name, street)
            assert tag("", f"Sáng nay, tại {street}, người dân dọn vệ sinh.", registry) == ()


def test_former_ward_names_tag_their_successor(registry: WardRegistry) -> None:
    for former, (name, successor) in FORMER.items():
        assert former in load(name)
        codes = tag("", f"Khu dân cư thuộc {former}.", registry)
        assert [registry.get(code).name for code in codes] == [successor]  # type: ignore[union-attr]


# --- the demo clock at any hour --------------------------------------------------------


@pytest.mark.parametrize("hour", [0, 7, 13, 23])
def test_new_items_are_dated_at_the_demo_moment(hour: int) -> None:
    now = datetime(2027, 3, 9, hour, 5, 59, tzinfo=VN_TZ)
    minute = now.replace(second=0)
    url = f"{LIFERAY_URL}/-/view_content/5122641-x.html"
    liferay = parse_article(load(LIFERAY_NEW.file, now), url, LIFERAY, now)
    assert liferay.published_at == minute
    cms_url = f"{HOST}/thong-bao-68220/x-{demo_portal.cms_new_id(now)}.htm"
    cms = parse_article(load(CMS_NEW.file, now), cms_url, HANOI_CMS, now)
    assert cms.published_at == minute
    assert date_from_article_id(demo_portal.cms_new_id(now)) == now
    assert feed_items("feed-after.xml", now)[0].published_at == now


# --- over HTTP, as the demo polls them -----------------------------------------------


def served(name: str, now: datetime) -> Route:
    headers = FEED_HEADERS if name.endswith(".xml") else HTML_HEADERS
    return Route(load(name, now).encode("utf-8"), headers=headers)


def canonical_path(name: str, now: datetime) -> str:
    node = LexborHTMLParser(load(name, now)).css_first("link[rel=canonical]")
    assert node is not None, name
    return node.attributes.get("href") or ""


def portal_routes(state: str, now: datetime) -> dict[str, Route]:
    """The demo's URL → file map, before or after the news is published."""
    suffix = "-after" if state == "after" else ""
    routes = {
        "/hoat-dong-cac-phuong": served(f"liferay-listing{suffix}.html", now),
        "/tin-tuc-su-kien.htm": served(f"cms-listing{suffix}.html", now),
        "/thong-bao/rss": served(f"feed{suffix}.xml", now),
    }
    for entry in liferay_entries("liferay-listing-after.html"):
        name = f"liferay-article-{liferay_id(entry.url)}.html"
        assert canonical_path(name, now) == entry.url.removeprefix(HOST)
        routes[entry.url.removeprefix(HOST)] = served(name, now)
    for expected in CMS_ARTICLES.values():
        routes[canonical_path(expected.file, now)] = served(expected.file, now)
    new = canonical_path(demo_portal.NEW_CMS_ARTICLE, now)
    assert new.endswith(f"-{demo_portal.cms_new_id(now)}.htm")
    routes[new] = served(demo_portal.NEW_CMS_ARTICLE, now)
    return routes


@pytest.mark.parametrize(
    ("path", "profile", "count", "new_title"),
    [
        ("/hoat-dong-cac-phuong", "liferay", 3, LIFERAY_NEW.title),
        ("/tin-tuc-su-kien.htm", "hanoi-cms", 2, CMS_NEW.title),
    ],
)
async def test_polling_the_demo_portal_finds_only_the_published_news(
    path: str, profile: str, count: int, new_title: str
) -> None:
    async with PortalServer(portal_routes("before", NOW)) as portal, Fetcher(timeout=5) as fetcher:
        first = await collect_archive(
            fetcher, portal.url(path), get_profile(profile, {}), seen=set(), max_pages=3, now=NOW
        )
        assert first.errors == []
        assert len(first.items) == count
        assert all(item.published_at and item.published_at < NOW for item in first.items)
        seen = {item.url for item in first.items}
        for route_path, route in portal_routes("after", NOW).items():
            portal.add(route_path, route)
        later = NOW + timedelta(minutes=2)
        second = await collect_archive(
            fetcher, portal.url(path), get_profile(profile, {}), seen=seen, max_pages=3, now=later
        )
        assert second.errors == []
        assert [item.title for item in second.items] == [new_title]
        assert second.items[0].published_at == NOW.replace(second=0)


async def test_fetching_the_demo_feed_over_http() -> None:
    routes = portal_routes("after", NOW)
    async with PortalServer(routes) as portal, Fetcher(timeout=5) as fetcher:
        result = await fetcher.fetch(portal.url("/thong-bao/rss"))
        items = parse_feed(result.body, result.headers, result.url, NOW)
    titles = [FEED_NEW.title, *(expected.title for expected in FEED_ITEMS.values())]
    assert [item.title for item in items] == titles
    assert all(item.url.startswith(portal.url("/thong-bao/")) for item in items)
