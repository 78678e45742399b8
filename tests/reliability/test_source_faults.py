"""Hostile sources, all polled at once by the real bot: each fails on its own, clearly.

Every way a portal can fail gets its own source in one config; one poll of
all of them runs concurrently. Each broken source ends with a per-source
error naming what went wrong (in its report, in `sources.last_error` and in
`/sources`), while the healthy source beside them is stored and pushed as
fast as if it were alone.
"""

from __future__ import annotations

import asyncio

from aiohttp import web

from bot.portal_server import PortalServer, Route
from storage import sources as source_store
from tests.harness import running_bot
from tests.reliability.support import ADMIN
from tests.test_ingest_e2e import NEW, OLD, rss, subscribe
from tests.test_resident_e2e import ask

TIMEOUT = 1.5
RESIDENT = 7101
HTML_PAGE = "<!DOCTYPE html><html><head><title>Trang chủ</title></head><body><p>Chào</p>".encode()
EMPTY_FEED = rss([])
NO_ITEMS = (
    '<html><body><div class="portlet-boundary"><h1>HOẠT ĐỘNG CÁC PHƯỜNG</h1>'
    "<p>Trang đang bảo trì.</p></div></body></html>"
).encode()

# source name → (path on the portal, or a full URL with {port}; what its error must say)
BROKEN = {
    "refused": ("http://127.0.0.1:{closed}/rss", "connection failed"),
    "dns": ("http://nonexistent.invalid/rss", "DNS lookup failed"),
    "tls": ("https://127.0.0.1:{port}/good", "TLS error"),
    "stalled-body": ("/stalled", f"timed out after {TIMEOUT:g} s"),
    "drip": ("/drip", f"timed out after {TIMEOUT:g} s"),
    "huge": ("/huge", "body over 5 MB cap"),
    "redirect-loop": ("/loop-a", "more than 5 redirects"),
    "missing": ("/missing", "HTTP 404"),
    "gone": ("/gone", "HTTP 410"),
    "html-as-rss": ("/page.html", "not an RSS or Atom feed"),
    "layout-changed": ("/listing", "no items found: layout changed?"),
}


class StalledBody:
    """Sends the headers and half a feed, then nothing until released."""

    def __init__(self) -> None:
        self.release = asyncio.Event()

    async def handle(self, request: web.Request) -> web.StreamResponse:
        body = rss(OLD)
        response = web.StreamResponse(headers={"Content-Type": "application/rss+xml"})
        response.content_length = len(body)
        await response.prepare(request)
        await response.write(body[: len(body) // 2])
        await self.release.wait()
        return response


def routes(stalled: StalledBody) -> dict[str, Route]:
    return {
        "/good": Route(rss(OLD), headers={"Content-Type": "application/rss+xml"}),
        "/stalled": Route(handler=stalled.handle),
        "/drip": Route(rss(OLD), drip=1.0),
        "/huge": Route(huge=20_000_000),
        "/loop-a": Route(redirect_to="/loop-b"),
        "/loop-b": Route(redirect_to="/loop-a"),
        "/missing": Route(b"not here", status=404),
        "/gone": Route(b"gone for good", status=410),
        "/page.html": Route(HTML_PAGE, headers={"Content-Type": "text/html; charset=utf-8"}),
        "/empty": Route(EMPTY_FEED, headers={"Content-Type": "application/rss+xml"}),
        "/listing": Route(NO_ITEMS, headers={"Content-Type": "text/html; charset=utf-8"}),
    }


def source_table(portal: PortalServer, closed_port: int) -> list[dict]:
    table = [
        {"name": "good", "kind": "rss", "url": portal.url("/good")},
        {"name": "empty", "kind": "rss", "url": portal.url("/empty")},
    ]
    for name, (where, _) in BROKEN.items():
        url = where.format(port=portal.port, closed=closed_port)
        url = portal.url(url) if url.startswith("/") else url
        source = {"name": name, "kind": "rss", "url": url}
        if name == "layout-changed":
            source.update(kind="archive", profile="liferay")
        table.append(source)
    return table


async def closed_port() -> int:
    async with PortalServer() as gone:
        return gone.port


async def test_each_broken_source_fails_alone_with_a_clear_error(tmp_path):
    stalled = StalledBody()
    refused = await closed_port()
    async with PortalServer(routes(stalled)) as portal:
        sources = source_table(portal, refused)
        polling = {"timeout": TIMEOUT, "concurrency": len(sources)}
        try:
            async with running_bot(tmp_path, sources=sources, polling=polling) as bot:
                bot.emu.add_user(ADMIN, "Cán bộ")
                await subscribe(bot, RESIDENT, "Kim Liên")
                reports = {r.source: r for r in await bot.svc.poller.poll_now()}
                # The slow ones really were slow...
                assert reports["drip"].seconds >= TIMEOUT * 0.9
                good = reports["good"]
                assert (good.error, good.new) == (None, 2)
                assert good.seconds < TIMEOUT / 2  # ...and the good one did not wait for them
                assert (reports["empty"].error, reports["empty"].found) == (None, 0)
                for name, (_, expected) in BROKEN.items():
                    report = reports[name]
                    assert report.error is not None and expected in report.error, (name, report)
                    state = await source_store.get_source(bot.svc.db, name)
                    assert expected in state.last_error, (name, state.last_error)
                    # The scheduler's first tick may have polled it too, just before.
                    assert state.consecutive_failures in (1, 2)
                    assert state.stopped == (name == "gone"), name
                assert portal.bytes_sent["/huge"] < 20_000_000
                await check_admin_views(bot)
                await check_good_source_still_delivers(bot, portal)
        finally:
            stalled.release.set()


async def check_admin_views(bot) -> None:
    """The admin heard of the 410 once; /sources names every broken source and its error."""
    gone = await bot.emu.wait_for_message(ADMIN, contains="gone")
    assert "410" in gone.text and "đã ngừng" in gone.text
    health = await ask(bot, ADMIN, "/sources")
    for name in BROKEN:
        assert f"{name} (" in health.text, name
    assert "connection failed" in health.text and "DNS lookup failed" in health.text
    assert "đã ngừng" in health.text
    alerts = [m for m in bot.emu.sent(ADMIN) if "Nguồn tin" in m.text]
    assert len(alerts) == 1, [m.text for m in alerts]  # one failure each: only the 410 alerts
    assert bot.emu.sent(RESIDENT) == []  # subscribers never hear of sources' troubles
    assert bot.emu.stats.client_errors == {}


async def check_good_source_still_delivers(bot, portal: PortalServer) -> None:
    portal.add("/good", Route(rss([NEW, *OLD]), headers={"Content-Type": "application/rss+xml"}))
    (report,) = await bot.svc.poller.poll_now("good")
    assert report.queued == 1
    message = await bot.emu.wait_for_message(RESIDENT)
    assert "tiêm chủng" in message.text


async def test_a_source_that_goes_empty_alerts_admins_once(tmp_path):
    routes = {"/rss": Route(rss(OLD))}
    async with PortalServer(routes) as portal:
        sources = [{"name": "kimlien", "kind": "rss", "url": portal.url("/rss")}]
        async with running_bot(tmp_path, sources=sources) as bot:
            bot.emu.add_user(ADMIN, "Cán bộ")
            await bot.svc.poller.poll_now("kimlien")
            portal.add("/rss", Route(EMPTY_FEED))
            for _ in range(4):
                (report,) = await bot.svc.poller.poll_now("kimlien")
                assert report.error is None
            alerts = [m for m in bot.emu.sent(ADMIN) if "kimlien" in m.text]
            assert len(alerts) == 1 and "không còn tin" in alerts[0].text
            health = await ask(bot, ADMIN, "/sources")
            assert "không có tin" in health.text
