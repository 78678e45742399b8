"""The poller's bookkeeping: one write per unchanged source, stored links asked per listing page."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from bot.alerts import Alerts
from bot.app import build_registry
from bot.news.text import fold
from bot.poller import EMPTY_AFTER, Poller
from bot.portal_server import PortalServer, Route
from bot.services import Services
from storage import items, sources
from storage.db import Database
from storage.records import NewItem
from storage.wards import sync_wards
from tests.harness import make_config
from tests.test_ingest_e2e import OLD, rss

HTML = {"Content-Type": "text/html; charset=utf-8"}


def new_item(url: str, title: str, source: str = "s1") -> NewItem:
    return NewItem(
        source=source,
        key=url,
        url=url,
        guid=None,
        title=title,
        title_key=fold(title),
        summary="",
        body="",
        author=None,
        published_at=datetime(2026, 11, 20, 3, 0, tzinfo=UTC),
        date_guessed=False,
        wards=(),
        content_hash=title,
    )


def listing(ids: list[int]) -> bytes:
    entries = "".join(
        f'<div class="asset-abstract"><h3 class="asset-title">'
        f'<a href="/tin/-/view_content/{n}-bai-{n}.html">Phường Kim Liên: tin số {n}</a></h3>'
        f'<div class="assetPublishDate">Ngày đăng 20/11/2026 | 08:{n:02d}</div></div>'
        for n in ids
    )
    return f"<html><body>{entries}</body></html>".encode()


def article(n: int) -> bytes:
    return (
        f'<html><body><h3 class="header-title">Phường Kim Liên: tin số {n}</h3>'
        f'<div class="assetPublishDate">Ngày đăng 20/11/2026 | 08:{n:02d}</div>'
        f'<div class="journal-content-article"><p>Sáng nay phường Kim Liên họp lần {n}.</p>'
        "<p>Rất đông bà con tham gia.</p></div></body></html>"
    ).encode()


class NoBot:
    def __init__(self) -> None:
        self.sent: list[tuple[int, str]] = []

    async def send_message(self, chat_id: int, text: str, **_: Any) -> None:
        self.sent.append((chat_id, text))


class Counted:
    """Counts the database's write transactions, lone write statements and reads."""

    def __init__(self, db: Database, monkeypatch: pytest.MonkeyPatch) -> None:
        self.writes = self.statements = self.reads = 0
        write, autocommit = db.write, db.autocommit
        fetchall, fetchone = db.fetchall, db.fetchone

        def counted_write():
            self.writes += 1
            return write()

        def counted_autocommit():
            self.statements += 1
            return autocommit()

        async def counted_fetchall(*args):
            self.reads += 1
            return await fetchall(*args)

        async def counted_fetchone(*args):
            self.reads += 1
            return await fetchone(*args)

        monkeypatch.setattr(db, "write", counted_write)
        monkeypatch.setattr(db, "autocommit", counted_autocommit)
        monkeypatch.setattr(db, "fetchall", counted_fetchall)
        monkeypatch.setattr(db, "fetchone", counted_fetchone)


@pytest.fixture
async def portal() -> AsyncIterator[PortalServer]:
    async with PortalServer() as server:
        yield server


async def make_poller(tmp_path: Path, source: dict) -> tuple[Poller, NoBot]:
    config = make_config(tmp_path, sources=[source])
    db = await Database.open(config.storage.path)
    registry = build_registry(config)
    await sync_wards(db, registry.all())
    svc = Services(config, db, registry, governor=None)
    bot = NoBot()
    poller = Poller(svc, Alerts(svc, bot))
    await poller.prepare()
    return poller, bot


@pytest.fixture
async def db(tmp_path: Path) -> AsyncIterator[Database]:
    database = await Database.open(tmp_path / "w.db")
    async with database.write() as conn:
        for name in ("s1", "s2"):
            await conn.execute(
                "INSERT INTO sources (name, kind, url) VALUES (?, 'archive', 'x')", (name,)
            )
    yield database
    await database.close()


async def test_record_success_counts_polls_without_items(db: Database) -> None:
    values = dict(etag='"v2"', last_modified=None, found=0, new=0, next_poll_at=0.0)
    assert await sources.record_success(db, "s1", empty=True, **values) == 1
    assert await sources.record_success(db, "s1", empty=True, **values) == 2
    state = await sources.get_source(db, "s1")
    assert (state.empty_polls, state.etag, state.first_polled_at is not None) == (2, '"v2"', True)
    assert await sources.record_success(db, "s1", empty=False, **{**values, "new": 3}) == 0
    state = await sources.get_source(db, "s1")
    assert (state.empty_polls, state.items_total, state.last_new_items) == (0, 3, 3)
    assert await sources.record_success(db, "nowhere", empty=True, **values) == 0


async def test_stored_urls_are_those_of_the_links_asked_and_of_that_source(db: Database) -> None:
    mine = [f"https://a.vn/tin/{n}" for n in range(450)]  # more than one chunk of 400
    async with db.write() as conn:
        for n, url in enumerate(mine[::2]):
            await items.insert_item(conn, new_item(url, f"Tin số {n}"), 0)
        await items.insert_item(conn, new_item("https://a.vn/khac", "Tin khác", source="s2"), 0)
    asked = [*mine, "https://a.vn/khac", "https://a.vn/moi"]
    assert await items.stored_urls(db, "s1", asked) == set(mine[::2])
    assert await items.stored_urls(db, "s2", asked) == {"https://a.vn/khac"}
    assert await items.stored_urls(db, "s1", []) == set()


async def test_an_unchanged_source_costs_one_write_and_one_read(
    tmp_path: Path, portal: PortalServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    portal.add("/rss", Route(rss(OLD), headers={"ETag": '"v1"'}))
    source = {"name": "kimlien", "kind": "rss", "url": portal.url("/rss")}
    poller, _ = await make_poller(tmp_path, source)
    try:
        (first,) = await poller.poll_now()
        assert first.new == 2
        counted = Counted(poller.svc.db, monkeypatch)
        (again,) = await poller.poll_now()
        assert again.not_modified
        # record_success (empty_polls with it): one statement, no transaction; the
        # source's row read once, and the alerts told what it said.
        assert (counted.writes, counted.statements, counted.reads) == (0, 1, 1)
        state = await sources.get_source(poller.svc.db, "kimlien")
        assert state.empty_polls == 0 and state.etag == '"v1"'
    finally:
        await poller.stop()
        await poller.svc.db.close()


async def test_alerts_follow_the_state_read_at_the_start_of_the_poll(
    tmp_path: Path, portal: PortalServer
) -> None:
    portal.add("/rss", Route(rss(OLD)))
    source = {"name": "kimlien", "kind": "rss", "url": portal.url("/rss")}
    poller, bot = await make_poller(tmp_path, source)
    db = poller.svc.db
    try:
        await poller.poll_now()
        portal.add("/rss", Route(rss([])))
        for _ in range(EMPTY_AFTER + 1):
            await poller.poll_now()
        assert (await sources.get_source(db, "kimlien")).alert == "empty"
        portal.add("/rss", Route(b"", status=500))
        for _ in range(3):
            await poller.poll_now()
        assert (await sources.get_source(db, "kimlien")).alert == "failing"
        portal.add("/rss", Route(rss(OLD)))
        await poller.poll_now()
        assert (await sources.get_source(db, "kimlien")).alert is None
        await sources.set_alert(db, "kimlien", "empty")
        await poller.poll_now()
        assert (await sources.get_source(db, "kimlien")).alert is None
        await poller.poll_now()
        texts = [text for _, text in bot.sent]
        # empty (once, not again on the third empty poll), failing, back, back from empty
        assert len(texts) == 4, texts
    finally:
        await poller.stop()
        await db.close()


async def test_an_archive_poll_fetches_only_the_articles_not_stored(
    tmp_path: Path, portal: PortalServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    portal.add("/tin", Route(listing([1, 2]), headers=HTML))  # no validators: refetched
    for n in (1, 2, 3):
        portal.add(f"/tin/-/view_content/{n}-bai-{n}.html", Route(article(n), headers=HTML))
    source = {"name": "kimlien-web", "kind": "archive", "url": portal.url("/tin")}
    source["profile"] = "liferay"
    poller, _ = await make_poller(tmp_path, source)
    try:
        (first,) = await poller.poll_now()
        assert (first.found, first.new) == (2, 2)
        portal.add("/tin", Route(listing([3, 2, 1]), headers=HTML))
        asked: list[list[str]] = []
        stored_urls = items.stored_urls

        async def spy(db: Database, name: str, urls: list[str]) -> set[str]:
            asked.append(list(urls))
            return await stored_urls(db, name, urls)

        monkeypatch.setattr(items, "stored_urls", spy)
        (second,) = await poller.poll_now()
        assert (second.found, second.new) == (1, 1)
        pages = [[url.rsplit("/", 1)[1] for url in links] for links in asked]
        page_one = ["3-bai-3.html", "2-bai-2.html", "1-bai-1.html"]
        # Page 2 (page 1 again here): asked about what is not already wanted.
        assert pages == [page_one, page_one[1:]]
        assert portal.hits("/tin/-/view_content/1-bai-1.html") == 1  # not fetched again
        assert portal.hits("/tin/-/view_content/3-bai-3.html") == 1
    finally:
        await poller.stop()
        await poller.svc.db.close()


async def test_a_tick_starts_the_sources_due_and_only_those(
    tmp_path: Path, portal: PortalServer
) -> None:
    portal.add("/rss", Route(rss(OLD)))
    config = make_config(
        tmp_path,
        sources=[
            {"name": name, "kind": "rss", "url": portal.url("/rss")}
            for name in ("due", "later", "stopped")
        ],
    )
    db = await Database.open(config.storage.path)
    registry = build_registry(config)
    await sync_wards(db, registry.all())
    poller = Poller(Services(config, db, registry, governor=None))
    await poller.prepare()
    try:
        values = dict(etag=None, last_modified=None, found=0, new=0, empty=False)
        await sources.record_success(db, "later", next_poll_at=time.time() + 3600, **values)
        await sources.set_stopped(db, "stopped", True)
        await poller.tick()
        started = dict(poller._running)
        await asyncio.gather(*started.values())
        assert set(started) == {"due"}
        assert await sources.due_sources(db, time.time()) == []  # polled: due in an hour
    finally:
        await poller.stop()
        await db.close()
