"""News flow end to end: a local portal → the poller → SQLite → pushes through the emulator."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

from bot.portal_server import PortalServer, Route
from storage import chats, items, outbox
from storage import sources as source_store
from tests.harness import eventually, running_bot
from tests.test_resident_e2e import ask

ADMIN = 900
LAN = 101


def rss(entries: list[tuple[str, str, str]]) -> bytes:
    """An RSS 2.0 feed of (guid, title, description) entries, newest first."""
    now = datetime.now(UTC)
    parts = []
    for index, (guid, title, description) in enumerate(entries):
        published = format_datetime(now - timedelta(hours=index))
        parts.append(
            f"<item><title>{title}</title><link>https://phuong.example.vn/tin/{guid}</link>"
            f"<guid>{guid}</guid><pubDate>{published}</pubDate>"
            f"<description>{description}</description></item>"
        )
    body = "".join(parts)
    return (
        '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel>'
        f"<title>Tin phường</title><link>https://phuong.example.vn/</link>{body}</channel></rss>"
    ).encode()


OLD = [
    ("a1", "Phường Kim Liên ra quân tổng vệ sinh", "Sáng nay phường Kim Liên ra quân. Rất đông."),
    ("a2", "Họp tổ dân phố phường Ô Chợ Dừa", "Các tổ dân phố họp. Bàn kế hoạch năm tới."),
]
NEW = (
    "a3",
    "Phường Kim Liên tổ chức tiêm chủng",
    "Trạm y tế phường Kim Liên tiêm chủng. Mời bà con.",
)


def feed_source(portal: PortalServer, name: str = "kimlien-rss", path: str = "/rss") -> dict:
    return {"name": name, "kind": "rss", "url": portal.url(path)}


async def poll(bot, name: str):
    (report,) = await bot.svc.poller.poll_now(name)
    return report


async def subscribe(bot, chat_id: int, ward: str) -> None:
    await chats.upsert_chat(bot.svc.db, chat_id, "private", None)
    await chats.subscribe(bot.svc.db, chat_id, [bot.svc.resolve(ward).ward.code])


async def test_first_poll_stores_without_pushing_then_new_item_is_pushed(tmp_path):
    async with PortalServer({"/rss": Route(rss(OLD))}) as portal:
        sources = [feed_source(portal)]
        async with running_bot(tmp_path, sources=sources) as bot:
            await subscribe(bot, LAN, "Kim Liên")
            first = await poll(bot, "kimlien-rss")
            assert (first.found, first.new, first.queued) == (2, 2, 0)
            portal.add("/rss", Route(rss([NEW, *OLD])))
            second = await poll(bot, "kimlien-rss")
            assert (second.new, second.queued) == (1, 1)
            message = await bot.emu.wait_for_message(LAN)
            assert message.text.startswith("Phường Kim Liên tổ chức tiêm chủng")
            assert "phường Kim Liên" in message.text
            third = await poll(bot, "kimlien-rss")
            assert third.new == 0 and third.queued == 0


async def test_backfill_pushes_the_newest_items_of_a_first_poll(tmp_path):
    async with PortalServer({"/rss": Route(rss([NEW, *OLD]))}) as portal:
        sources = [feed_source(portal)]
        async with running_bot(tmp_path, sources=sources, polling={"backfill": 1}) as bot:
            await subscribe(bot, LAN, "Kim Liên")
            report = await poll(bot, "kimlien-rss")
            assert report.queued == 1
            message = await bot.emu.wait_for_message(LAN)
            assert "tiêm chủng" in message.text


async def test_same_article_with_tracking_parameter_is_one_item(tmp_path):
    tracked = [(g, t, d) for g, t, d in OLD]
    feed = rss(tracked).replace(b"/tin/a1<", b"/tin/a1?utm_source=zalo&amp;fbclid=x<")
    async with PortalServer({"/one": Route(rss(OLD)), "/two": Route(feed)}) as portal:
        sources = [feed_source(portal, "one", "/one"), feed_source(portal, "two", "/two")]
        async with running_bot(tmp_path, sources=sources) as bot:
            await poll(bot, "one")
            await poll(bot, "two")
            assert await items.count_items(bot.svc.db) == 2


async def test_latest_and_search_answer_from_the_archive(tmp_path):
    async with PortalServer({"/rss": Route(rss(OLD))}) as portal:
        async with running_bot(tmp_path, sources=[feed_source(portal)]) as bot:
            await poll(bot, "kimlien-rss")
            bot.emu.add_user(LAN, "Lan")
            latest = await ask(bot, LAN, "/latest")
            assert "tổng vệ sinh" in latest.text and "tổ dân phố" in latest.text
            found = await ask(bot, LAN, "/search TONG VE SINH")
            assert "tổng vệ sinh" in found.text
            assert "Ô Chợ Dừa" not in found.text
            nothing = await ask(bot, LAN, "/search <script>alert(1)</script>")
            assert "Không tìm thấy" in nothing.text


async def test_a_failing_source_does_not_stop_the_others_and_backs_off(tmp_path):
    routes = {"/rss": Route(rss(OLD)), "/broken": Route(b"oops", status=500)}
    async with PortalServer(routes) as portal:
        sources = [feed_source(portal), feed_source(portal, "broken", "/broken")]
        async with running_bot(tmp_path, sources=sources) as bot:
            reports = await bot.svc.poller.poll_now()
            by_name = {r.source: r for r in reports}
            assert by_name["kimlien-rss"].new == 2
            assert "500" in by_name["broken"].error
            state = await source_store.get_source(bot.svc.db, "broken")
            assert state.consecutive_failures == 1
            first_delay = state.next_poll_at.timestamp()
            await poll(bot, "broken")
            state = await source_store.get_source(bot.svc.db, "broken")
            assert state.next_poll_at.timestamp() > first_delay


async def test_admins_hear_of_a_failing_source_once_and_of_its_recovery_once(tmp_path):
    async with PortalServer({"/rss": Route(b"down", status=503)}) as portal:
        async with running_bot(tmp_path, sources=[feed_source(portal)]) as bot:
            bot.emu.add_user(ADMIN, "Cán bộ")
            for _ in range(5):
                await poll(bot, "kimlien-rss")
            alerts = [m for m in bot.emu.sent(ADMIN) if "kimlien-rss" in m.text]
            assert len(alerts) == 1 and "lỗi" in alerts[0].text
            portal.add("/rss", Route(rss(OLD)))
            await poll(bot, "kimlien-rss")
            await poll(bot, "kimlien-rss")
            alerts = [m for m in bot.emu.sent(ADMIN) if "kimlien-rss" in m.text]
            assert len(alerts) == 2 and "trở lại" in alerts[1].text
            assert all(m.chat_id == ADMIN for m in bot.emu.sent() if "kimlien" in m.text)


async def test_admin_sources_and_poll_commands(tmp_path):
    async with PortalServer({"/rss": Route(rss(OLD))}) as portal:
        async with running_bot(tmp_path, sources=[feed_source(portal)]) as bot:
            bot.emu.add_user(ADMIN, "Cán bộ")
            await ask(bot, ADMIN, "/poll kimlien-rss")
            report = await bot.emu.wait_for_message(ADMIN, contains="tin mới")
            assert "kimlien-rss" in report.text
            health = await ask(bot, ADMIN, "/sources")
            assert "kimlien-rss" in health.text and "ổn" in health.text


async def test_channel_receives_its_wards_news(tmp_path):
    channel = -100777
    async with PortalServer({"/rss": Route(rss(OLD))}) as portal:
        channels = [{"chat": channel, "wards": ["Kim Liên"]}]
        async with running_bot(tmp_path, sources=[feed_source(portal)], channels=channels) as bot:
            bot.emu.add_channel(channel, "Kênh phường Kim Liên")
            await poll(bot, "kimlien-rss")
            portal.add("/rss", Route(rss([NEW, *OLD])))
            await poll(bot, "kimlien-rss")
            message = await bot.emu.wait_for_message(channel)
            assert "tiêm chủng" in message.text

            async def delivered():
                return (await outbox.status_counts(bot.svc.db)).get("sent") == 1

            await eventually(delivered, what="channel delivery marked sent")


async def test_archive_listing_answering_304_costs_one_request(tmp_path):
    listing = (
        '<html><body><div class="asset-abstract"><h3 class="asset-title">'
        '<a href="/tin/-/view_content/1-ra-quan.html">Phường Kim Liên ra quân</a></h3>'
        '<div class="assetPublishDate">Ngày đăng 20/11/2026 | 08:30</div></div></body></html>'
    )
    article = (
        '<html><body><h3 class="header-title">Phường Kim Liên ra quân</h3>'
        '<div class="assetPublishDate">Ngày đăng 20/11/2026 | 08:30</div>'
        '<div class="journal-content-article"><p>Sáng nay phường Kim Liên ra quân.</p>'
        "<p>Rất đông bà con tham gia.</p></div></body></html>"
    )
    html = {"Content-Type": "text/html; charset=utf-8", "ETag": '"v1"'}
    routes = {
        "/tin": Route(listing.encode(), headers=html),
        "/tin/-/view_content/1-ra-quan.html": Route(article.encode(), headers=html),
    }
    source = {"name": "kimlien-web", "kind": "archive", "url": "", "profile": "liferay"}
    async with PortalServer(routes) as portal:
        source["url"] = portal.url("/tin")
        async with running_bot(tmp_path, sources=[source]) as bot:
            first = await poll(bot, "kimlien-web")
            assert first.new == 1
            before = len(portal.requests)
            again = await poll(bot, "kimlien-web")
            assert again.not_modified
            assert len(portal.requests) == before + 1
