"""The article the product was designed from, through the whole news flow into storage."""

from __future__ import annotations

from datetime import datetime

from bot.news.dates import VN_TZ
from bot.portal_server import PortalServer, Route
from storage import items
from tests.harness import running_bot
from tests.test_archive import HTML, sample_article
from tests.test_ingest_e2e import poll

LISTING = """<html><body><div class="asset-abstract"><h3 class="asset-title">
<a href="/hoat-dong-cac-phuong/-/view_content/42-hoi-nghi.html">{title}</a></h3>
<div class="assetPublishDate">Ngày đăng 04/01/2021 | 17:44</div></div></body></html>"""
VAN_MIEU = {"name": "Văn Miếu - Quốc Tử Giám", "aliases": ["Thổ Quan", "Văn Chương"]}


async def test_seed_article_is_stored_dated_tagged_summarised_with_its_author(tmp_path, shared_dir):
    page, title = sample_article(shared_dir)
    routes = {
        "/hoat-dong-cac-phuong": Route(LISTING.format(title=title).encode(), headers=HTML),
        "/hoat-dong-cac-phuong/-/view_content/42-hoi-nghi.html": Route(page.encode(), headers=HTML),
    }
    async with PortalServer(routes) as portal:
        source = {"name": "dongda", "kind": "archive", "url": portal.url("/hoat-dong-cac-phuong")}
        wards = {"custom": [VAN_MIEU, {"name": "Kim Liên"}]}
        async with running_bot(tmp_path, sources=[source], wards=wards) as bot:
            report = await poll(bot, "dongda")
            assert report.new == 1, report
            (item,) = await items.latest_items(bot.svc.db, None, 5)
            author = await bot.svc.db.scalar("SELECT author FROM items WHERE id = ?", (item.id,))
            names = [bot.svc.ward_name(code) for code in item.wards]
    assert item.title == title
    assert item.published_at == datetime(2021, 1, 4, 17, 44, tzinfo=VN_TZ)
    assert not item.date_guessed
    assert names == ["phường Văn Miếu - Quốc Tử Giám"]
    assert item.summary.startswith("Ngày 29/12/2020, tại hội trường tầng 4")
    assert "Quang cảnh hội trường" not in item.summary
    assert "Cao Xuân Dũng" not in item.summary
    assert len(item.summary) <= 400
    assert author == "Cao Xuân Dũng"


async def test_seed_article_with_hanoi_registry_tags_the_ward_that_absorbed_tho_quan(
    tmp_path, shared_dir
):
    page, title = sample_article(shared_dir)
    routes = {
        "/hd": Route(
            LISTING.format(title=title).replace("/hoat-dong-cac-phuong/", "/hd/").encode(),
            headers=HTML,
        ),
        "/hd/-/view_content/42-hoi-nghi.html": Route(page.encode(), headers=HTML),
    }
    async with PortalServer(routes) as portal:
        source = {"name": "dongda", "kind": "archive", "url": portal.url("/hd")}
        hanoi = {"province": "Hà Nội", "custom": []}
        async with running_bot(tmp_path, sources=[source], wards=hanoi) as bot:
            await poll(bot, "dongda")
            (item,) = await items.latest_items(bot.svc.db, None, 5)
            names = [bot.svc.ward_name(code) for code in item.wards]
    assert names == ["phường Văn Miếu - Quốc Tử Giám"]
