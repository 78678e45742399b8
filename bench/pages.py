"""Generated ward news: RSS feeds, Liferay and hanoi-cms pages, Vietnamese text.

Everything is made from a seed, so two runs serve the same bytes. The markup
follows the bundled demo portal (bot/demo_portal), which follows the real
portals: Liferay "egov" listings of `div.asset-abstract` and article pages
with `h3.header-title` and `div.journal-content-article`; hanoi-cms listings
of `/<category>/<slug>-<19 digits>.htm` links and article pages with `h1`,
`.detail-time`, `[data-role=sapo]` and `.detail-content.afcbc-body`.
"""

from __future__ import annotations

import random
import unicodedata
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from html import escape

from bot.news.dates import VN_TZ

EVENTS = [
    "tổ chức tiêm chủng cho trẻ em",
    "ra quân tổng vệ sinh môi trường",
    "họp tổ dân phố bàn kế hoạch năm mới",
    "diễn tập phương án chữa cháy tại khu dân cư",
    "thông báo lịch tiếp công dân",
    "trao quà cho hộ gia đình chính sách",
    "kiểm tra an toàn thực phẩm tại chợ",
    "lập lại trật tự vỉa hè",
    "tuyên truyền phòng chống sốt xuất huyết",
    "tổ chức Ngày hội Đại đoàn kết toàn dân tộc",
    "khánh thành nhà văn hóa tổ dân phố",
    "thông báo tạm ngừng cấp nước để sửa chữa đường ống",
    "hướng dẫn người dân làm thủ tục hành chính trực tuyến",
    "phát động phong trào trồng cây xanh",
    "tập huấn kỹ năng sơ cấp cứu cho tình nguyện viên",
]
SENTENCES = [
    "Ủy ban nhân dân phường đề nghị các tổ trưởng tổ dân phố thông báo rộng rãi tới từng hộ.",
    "Người dân có thắc mắc xin liên hệ bộ phận một cửa trong giờ hành chính.",
    "Chương trình thu hút đông đảo người dân và các đoàn thể tham gia.",
    "Lực lượng công an, dân quân và đoàn thanh niên phối hợp bảo đảm an toàn.",
    "Kết thúc đợt ra quân, phường đã thu gom hơn 20 tấn rác thải các loại.",
    "Trạm y tế khuyến cáo người dân chủ động phòng bệnh, giữ vệ sinh nơi ở.",
    "Kinh phí thực hiện được trích từ ngân sách phường và nguồn xã hội hóa.",
    "Các hộ kinh doanh cam kết không lấn chiếm vỉa hè, lòng đường.",
    "Thời gian thực hiện từ 7 giờ 30 đến 11 giờ sáng Chủ nhật.",
    "Đây là hoạt động thường niên nhằm nâng cao chất lượng đời sống của nhân dân.",
]
STREETS = ["phố Khâm Thiên", "đường Láng", "phố Đội Cấn", "ngõ Văn Chương", "phố Kim Mã"]


def ascii_slug(text: str) -> str:
    folded = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    plain = "".join(c for c in folded if not unicodedata.combining(c)).lower()
    words = "".join(c if c.isalnum() else " " for c in plain).split()
    return "-".join(words)[:80]


class Article:
    """One generated article: title, date, lead, paragraphs, about one ward."""

    def __init__(
        self, rng: random.Random, ward_name: str, kind: str, published: datetime, place: str = ""
    ):
        event = rng.choice(EVENTS)
        # `place` keeps titles apart: the same folded title within 36 h is one article.
        self.title = f"{kind.capitalize()} {ward_name} {event}{place}"
        self.published = published
        self.lead = (
            f"Ngày {published.astimezone(VN_TZ):%d/%m}, UBND {kind} {ward_name} {event} "
            f"tại {rng.choice(STREETS)}."
        )
        self.paragraphs = [" ".join(rng.sample(SENTENCES, 3)) for _ in range(4)]
        self.author = rng.choice(["Lan Phương", "Minh Anh", "Thu Hà", "Quốc Việt"])


def make_articles(
    seed: int, ward_name: str, kind: str, count: int, newest: datetime
) -> list[Article]:
    rng = random.Random(seed)
    return [
        Article(
            rng,
            ward_name,
            kind,
            newest - timedelta(hours=7 * i),
            f" tại tổ dân phố số {i + 1}, khu {seed // 126 + 1}",
        )
        for i in range(count)
    ]


# --- RSS -------------------------------------------------------------------------


def rss_feed(base: str, articles: list[Article]) -> bytes:
    """RSS 2.0, newest first; the whole text in `description` as HTML (CDATA)."""
    parts = []
    for index, art in enumerate(articles):
        link = f"{base}/tin/{ascii_slug(art.title)}-{index}.html"
        html = "".join(f"<p>{escape(p)}</p>" for p in [art.lead, *art.paragraphs])
        html += f'<p style="text-align: right;"><em>{escape(art.author)}</em></p>'
        parts.append(
            f"<item><title>{escape(art.title)}</title><link>{link}</link>"
            f'<guid isPermaLink="false">{link}</guid>'
            f"<pubDate>{format_datetime(art.published.astimezone(VN_TZ))}</pubDate>"
            f"<description><![CDATA[{html}]]></description></item>"
        )
    return (
        '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel>'
        f"<title>Tin phường</title><link>{base}/</link><description>Tin tức</description>"
        + "".join(parts)
        + "</channel></rss>"
    ).encode()


# --- Liferay ---------------------------------------------------------------------

_LIFERAY_HEAD = """<!DOCTYPE html>
<html class="aui ltr" dir="ltr" lang="vi-VN">
<head><title>{title} - Cổng thông tin điện tử</title>
<meta content="text/html; charset=UTF-8" http-equiv="content-type" />
<link class="lfr-css-file" href="/egov-theme/css/main.css" rel="stylesheet" type="text/css" />
</head>
<body class="yui3-skin-sam public-page site"><div class="body">
<nav id="navigation"><ul class="navi"><li><a href="/trang-chu">Trang chủ</a></li>
<li class="active"><a href="/tin-tuc-su-kien">Tin tức - Sự kiện</a></li>
<li><a href="/thu-tuc-hanh-chinh">Thủ tục hành chính</a></li></ul></nav>
<div id="content"><section class="portlet" id="portlet_101"><div class="portlet-body">
"""
_LIFERAY_FOOT = """</div></section></div>
<div class="footer-wrapper"><div id="footer"><h3>CỔNG THÔNG TIN ĐIỆN TỬ</h3>
<div class="journal-content-article"><p>Trang mẫu của bản đo hiệu năng wardnews.</p></div>
</div></div></div></body></html>"""


def liferay_article_path(category: str, article_id: int, art: Article) -> str:
    return f"{category}/-/view_content/{article_id}-{ascii_slug(art.title)}.html"


def _liferay_date(moment: datetime) -> str:
    return f"{moment.astimezone(VN_TZ):%d/%m/%Y | %H:%M}"


def liferay_listing(category: str, ids: list[int], articles: list[Article]) -> bytes:
    items = []
    for article_id, art in zip(ids, articles, strict=True):
        href = liferay_article_path(category, article_id, art)
        items.append(
            f'<div class="asset-abstract "><h3 class="asset-title">'
            f'<a href="{href}">{escape(art.title)}</a></h3>'
            f'<div class="assetPublishDate">Ngày đăng {_liferay_date(art.published)}'
            f" | Lượt xem: 12</div>"
            f'<div class="asset-summary">{escape(art.lead[:160])}...</div></div>\n'
        )
    return (
        _LIFERAY_HEAD.format(title="HOẠT ĐỘNG CÁC PHƯỜNG") + "".join(items) + _LIFERAY_FOOT
    ).encode()


def liferay_empty_listing() -> bytes:
    return (_LIFERAY_HEAD.format(title="HOẠT ĐỘNG CÁC PHƯỜNG") + _LIFERAY_FOOT).encode()


def liferay_article(article_id: int, art: Article) -> bytes:
    body = "".join(f'<p style="text-align: justify;">{escape(p)}</p>\n' for p in art.paragraphs)
    body += '<p style="text-align: center;"><em>Quang cảnh buổi lễ</em></p>\n'
    body += f'<p style="text-align: right;"><em>{escape(art.author)}</em></p>'
    content = (
        f'<div class="asset-full-content default-asset-publisher show-asset-title">'
        f'<div class="taglib-header"><h3 class="header-title"><span>{escape(art.title)}'
        f"</span></h3></div>"
        f'<div class="assetPublishDate block_timer">Ngày đăng {_liferay_date(art.published)}'
        f" &nbsp;|&nbsp;Lượt xem: 47</div>"
        f'<div class="asset-content" id="_101_{article_id}"><div class="journal-content-article">'
        f'<p style="text-align: justify;"><strong>{escape(art.lead)}</strong></p>\n{body}'
        f"</div></div></div>"
    )
    return (_LIFERAY_HEAD.format(title=escape(art.title)) + content + _LIFERAY_FOOT).encode()


# --- hanoi-cms -------------------------------------------------------------------

_CMS_HEAD = """<!DOCTYPE html>
<html lang="vi"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title>{extra}
<link rel="stylesheet" href="/css/main.min.css"></head>
<body><header class="header"><nav class="menu"><ul class="menu-list">
<li class="menu-item"><a href="/">Trang chủ</a></li>
<li class="menu-item"><a href="/gioi-thieu-68190.htm">Giới thiệu</a></li>
<li class="menu-item active"><a href="/tin-tuc-su-kien.htm">Tin tức - Sự kiện</a></li>
<li class="menu-item"><a href="/thong-bao-68220.htm">Thông báo</a></li>
</ul></nav></header><main class="main"><div class="container">
"""
_CMS_FOOT = """</div></main><footer class="footer"><p>Trang mẫu của bản đo hiệu năng
wardnews.</p></footer></body></html>"""


def cms_id(moment: datetime, serial: int) -> str:
    """2800 + yyMMddHHmmss + 3 digits, as the hanoi-cms article ids."""
    return f"2800{moment.astimezone(VN_TZ):%y%m%d%H%M%S}{serial % 1000:03d}"


def cms_article_path(category: str, art: Article, article_id: str) -> str:
    return f"{category}/{ascii_slug(art.title)}-{article_id}.htm"


def cms_listing(paths: list[str], articles: list[Article]) -> bytes:
    items = []
    for path, art in zip(paths, articles, strict=True):
        title = escape(art.title)
        items.append(
            f'<div class="box-stream-item"><a class="box-stream-link-thumb" href="{path}" '
            f'title="{title}"><img src="/images/thumb.jpg" alt="{title}"></a>'
            f'<div class="box-stream-content"><h3 class="box-stream-title">'
            f'<a class="box-stream-link-title" href="{path}" title="{title}">{title}</a></h3>'
            f'<span class="box-stream-time">{art.published.astimezone(VN_TZ):%H:%M %d/%m/%Y}'
            f'</span><p class="box-stream-sapo">{escape(art.lead)}</p></div></div>\n'
        )
    return (
        _CMS_HEAD.format(title="Tin tức - Sự kiện", extra="")
        + '<div class="box-stream" id="box-stream" data-page="1">'
        + "".join(items)
        + "</div>"
        + _CMS_FOOT
    ).encode()


def cms_article(path: str, art: Article) -> bytes:
    body = "".join(f"<p>{escape(p)}</p>\n" for p in art.paragraphs)
    body += '<p style="text-align: right;"><strong>' + escape(art.author) + "</strong></p>"
    content = (
        f'<div class="detail"><h1 class="detail-title">{escape(art.title)}</h1>'
        f'<div class="detail-time">{art.published.astimezone(VN_TZ):%H:%M %d/%m/%Y}</div>'
        f'<h2 class="detail-sapo" data-role="sapo">{escape(art.lead)}</h2>'
        f'<div class="detail-content afcbc-body" data-role="content">{body}</div></div>'
    )
    extra = (
        f'<link rel="canonical" href="{path}">'
        f'<meta property="og:title" content="{escape(art.title)}">'
    )
    return (_CMS_HEAD.format(title=escape(art.title), extra=extra) + content + _CMS_FOOT).encode()


def now_utc() -> datetime:
    return datetime.now(UTC)
