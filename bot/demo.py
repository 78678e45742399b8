"""`wardnews demo`: the whole bot offline, played as a short scripted story.

An in-process Bot API emulator on 127.0.0.1, the bundled sample ward portal
(two portal generations and an RSS feed) served on 127.0.0.1, a temporary
SQLite file, and the real bot between them. Residents choose wards (one by a
former ward's name), the portal publishes news, pushes arrive, a resident asks
/latest and /search, an admin broadcasts. The conversation is printed as a
transcript; the exit code is 0 when every step happened.
"""

from __future__ import annotations

import asyncio
import logging
import re
import tempfile
import textwrap
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from importlib.resources import files
from pathlib import Path

from bot import demo_portal
from bot.app import build_application, start_bot, stop_bot
from bot.config import Config, parse_config
from bot.emulator import BotApiEmulator
from bot.portal_server import PortalServer, Route
from bot.services import SERVICES_KEY
from storage import broadcasts
from storage import sources as source_store

TOKEN = "123456:DEMO-token-not-a-real-one"
LAN, MINH, ADMIN, HOA = 1001, 1002, 1003, 1004
GROUP = -1001234
STEP_TIMEOUT = 8.0
LIFERAY = "/hoat-dong-cac-phuong"
CMS = "/tin-tuc-su-kien.htm"
FEED = "/thong-bao/rss"
HREF = re.compile(r'href="(/[^"]+)"')
RSS_HEADERS = {"Content-Type": "application/rss+xml; charset=utf-8"}
HTML_HEADERS = {"Content-Type": "text/html; charset=utf-8"}


class StepFailed(Exception):
    """A step of the story did not happen in time."""


def _file(name: str) -> str:
    return files(demo_portal).joinpath(name).read_text("utf-8")


def portal_routes(now: datetime, published: bool) -> dict[str, Route]:
    """The sample portal, before or after the demo's news is published."""
    suffix = "-after" if published else ""
    listing = demo_portal.render(_file(f"liferay-listing{suffix}.html"), now)
    cms = demo_portal.render(_file(f"cms-listing{suffix}.html"), now)
    feed = demo_portal.render(_file(f"feed{suffix}.xml"), now)
    routes = {
        LIFERAY: Route(listing.encode(), headers=HTML_HEADERS),
        CMS: Route(cms.encode(), headers=HTML_HEADERS),
        FEED: Route(feed.encode(), headers=RSS_HEADERS),
    }
    for path in HREF.findall(listing):
        article = re.search(r"view_content/(\d+)-", path)
        if article:
            page = demo_portal.read(f"liferay-article-{article.group(1)}.html", now)
            routes[path] = Route(page.encode(), headers=HTML_HEADERS)
    for path in HREF.findall(cms):
        article = re.search(r"-(\d{19})\.htm$", path)
        if article is None:
            continue
        number = article.group(1)
        name = demo_portal.NEW_CMS_ARTICLE
        if number != demo_portal.cms_new_id(now):
            name = f"cms-article-{number}.htm"
        routes[path] = Route(demo_portal.read(name, now).encode(), headers=HTML_HEADERS)
    return routes


def demo_config(emu: BotApiEmulator, portal: PortalServer, db: Path, lang: str) -> Config:
    sources = [
        {
            "name": "dongda-hoat-dong",
            "kind": "archive",
            "url": portal.url(LIFERAY),
            "profile": "liferay",
        },
        {
            "name": "badinh-tin-tuc",
            "kind": "archive",
            "url": portal.url(CMS),
            "profile": "hanoi-cms",
            "ward": "Ba Đình",
        },
        {"name": "lang-thong-bao", "kind": "rss", "url": portal.url(FEED), "ward": "Láng"},
    ]
    data = {
        "telegram": {
            "token": TOKEN,
            "api_url": emu.base_url,
            "file_url": emu.base_file_url,
            "admins": [ADMIN],
            "language": lang,
        },
        "storage": {"path": str(db)},
        "polling": {"interval": 3600, "timeout": 5},
        "delivery": {"global_per_second": 30, "per_chat_interval": 0.2},
        "wards": {"province": "Hà Nội"},
        "sources": sources,
    }
    return parse_config(data, env={})


class Story:
    """Drives the residents' side of the conversation and waits for the bot."""

    def __init__(self, emu: BotApiEmulator) -> None:
        self.emu = emu

    async def wait(self, check: Callable[[], bool], what: str) -> None:
        try:
            await self.emu.wait_for(check, timeout=STEP_TIMEOUT, what=what)
        except AssertionError as exc:
            raise StepFailed(what) from exc

    async def until(self, check: Callable[[], Awaitable[bool]], what: str) -> None:
        """Wait for a condition the database knows (polls done, broadcast finished)."""
        deadline = time.monotonic() + STEP_TIMEOUT
        while not await check():
            if time.monotonic() > deadline:
                raise StepFailed(what)
            await asyncio.sleep(0.05)

    async def say(self, user: int, text: str, chat: int | None = None, *, replies: int = 1):
        chat = chat or user
        before = len(self.emu.sent(chat))
        self.emu.send_text(user, text, chat_id=chat)
        await self.wait(lambda: len(self.emu.sent(chat)) >= before + replies, f"answer to {text}")
        return self.emu.sent(chat)[-1]

    async def press(self, user: int, message, label: str, chat: int | None = None):
        chat = chat or user
        data = next(
            (
                b["callback_data"]
                for row in message.reply_markup
                for b in row
                if b.get("text") == label
            ),
            None,
        )
        if data is None:
            raise StepFailed(f"button {label!r} not shown")
        versions = len(self.emu.sent(chat)[-1].edits) + len(self.emu.sent(chat))
        self.emu.press_button(user, message.message_id, data, chat_id=chat)

        def changed() -> bool:
            return len(self.emu.sent(chat)[-1].edits) + len(self.emu.sent(chat)) > versions

        await self.wait(changed, f"answer to [{label}]")
        return self.emu.sent(chat)[-1]


async def play(story: Story, svc, portal: PortalServer, now: datetime) -> None:
    emu = story.emu
    emu.add_user(LAN, "Lan")
    emu.add_user(MINH, "Minh")
    emu.add_user(HOA, "Hoa")
    emu.add_user(ADMIN, "Cán bộ phường")
    emu.add_group(GROUP, "Tổ dân phố 12 Ba Đình", admins=[HOA], members=[LAN], bot_status="left")
    await story.until(lambda: _first_polls_done(svc), "first polls of the portal")
    await story.say(LAN, "/start")
    await story.say(LAN, "/subscribe Láng Thượng")
    picker = await story.say(MINH, "/start")
    letters = await story.press(MINH, picker, "A–Z")
    letter = await story.press(MINH, letters, "D")
    await story.press(MINH, letter, "Đống Đa")
    emu.add_bot_to_group(GROUP, HOA)
    await story.wait(lambda: bool(emu.sent(GROUP)), "greeting in the group")
    await story.say(HOA, "/subscribe Ba Đình", GROUP)
    for path, route in portal_routes(now, published=True).items():
        portal.add(path, route)
    await story.say(ADMIN, "/poll", replies=2)
    await story.wait(lambda: _pushed(emu), "news pushed to Lan, Minh and the group")
    await story.say(LAN, "/latest")
    await story.say(MINH, "/search vệ sinh môi trường")
    preview = await story.say(
        ADMIN, "/broadcast Láng Chiều nay 15:00 họp tổ dân phố tại nhà văn hóa."
    )
    confirm = next(b["text"] for row in preview.reply_markup for b in row)
    await story.press(ADMIN, preview, confirm)
    await story.wait(lambda: len(emu.sent(LAN)) >= 5, "broadcast reached Lan")
    await story.until(lambda: _broadcast_done(svc), "broadcast report")
    await story.wait(lambda: bool(emu.last(ADMIN).edits), "report shown to the admin")


async def _first_polls_done(svc) -> bool:
    states = await source_store.list_sources(svc.db)
    return bool(states) and all(s.last_ok_at is not None for s in states)


async def _broadcast_done(svc) -> bool:
    record = await broadcasts.get_broadcast(svc.db, 1)
    return record is not None and record.status == "done"


def _pushed(emu: BotApiEmulator) -> bool:
    def news(chat: int) -> bool:
        return any("<b>" in m.html and "<a href" in m.html for m in emu.sent(chat))

    return news(LAN) and news(MINH) and news(GROUP)


def transcript(emu: BotApiEmulator, names: dict[int, str]) -> str:
    lines = []
    for event in emu.transcript:
        where = names.get(event.chat_id, str(event.chat_id))
        who = "bot" if event.who == "bot" else (event.name or "user")
        head = f"[{where}] {who}"
        if event.kind == "button":
            lines.append(f"{head} presses [{event.text}]")
            continue
        if event.kind == "member":
            lines.append(f"{head} adds the bot to the group")
            continue
        verbs = {"edit": " (edits its message)", "answer": " (pop-up notice)"}
        verb = verbs.get(event.kind, "")
        text = textwrap.indent(event.text.strip(), "    ")
        lines.append(f"{head}{verb}:\n{text}")
        if event.buttons:
            labels = " ".join(f"[{label}]" for label in event.buttons)
            lines.append(textwrap.indent(textwrap.fill(labels, 76), "    "))
    return "\n".join(lines)


async def demo(lang: str = "vi") -> int:
    logging.basicConfig(level=logging.CRITICAL)
    started = time.monotonic()
    now = datetime.now(UTC)
    with tempfile.TemporaryDirectory(prefix="wardnews-demo-") as folder:
        async with (
            BotApiEmulator(TOKEN, per_chat_interval=0.2, group_per_minute=60) as emu,
            PortalServer(portal_routes(now, published=False)) as portal,
        ):
            config = demo_config(emu, portal, Path(folder) / "demo.db", lang)
            app = build_application(config)
            await start_bot(app)
            svc = app.bot_data[SERVICES_KEY]
            try:
                await play(Story(emu), svc, portal, now)
                ok, failure = True, ""
            except StepFailed as exc:
                ok, failure = False, str(exc)
            finally:
                await stop_bot(app)
            names = {LAN: "Lan", MINH: "Minh", ADMIN: "Admin", GROUP: "Group TDP 12"}
            print(
                "wardnews demo: the real bot, offline. Telegram is an emulator on "
                f"127.0.0.1:{emu.base_url.split(':')[-1].split('/')[0]}, the ward portals "
                f"are served on {portal.url('/')}, the database is a temporary file.\n"
            )
            print(transcript(emu, names))
            seconds = time.monotonic() - started
            sent = len(emu.sent())
            if not ok:
                print(f"\ndemo FAILED at: {failure} ({seconds:.1f} s)")
                return 1
            print(
                f"\ndemo finished: 4 people, 1 group, {sent} bot messages, "
                f"{emu.stats.rate_limited} rate-limit errors, {seconds:.1f} s"
            )
            return 0
