"""Many generated ward portals on one PortalServer, in a process of its own.

    python -m bench.portal_proc --sources 1000 --items 30 --archive-share 0.5

Source i is served under /s<i>/ and is one of three kinds (see `source_kind`):
an RSS feed (/s<i>/rss), a Liferay category (/s<i>/hoat-dong-cac-phuong, page 2
empty, 30 article pages) or a hanoi-cms listing (/s<i>/tin-tuc-su-kien.htm, 30
article pages). Every answer carries an ETag and a Last-Modified, so a client
that sends them back gets 304 (PortalServer's conditional GET).

Prints {"ready": true, "port": ..., "routes": ..., "bytes": ...}, then answers
{"cmd": "stats"} and {"cmd": "quit"} with request counts and CPU seconds, and
{"cmd": "strip_validators"}: archive listings answer without ETag and
Last-Modified from then on (many portals send none).
"""

from __future__ import annotations

import argparse
import asyncio
import functools
import hashlib
import os
import time
from datetime import UTC, datetime
from email.utils import format_datetime

from bench import pages
from bench.common import reply, serve_commands
from bot.news.wards import WardRegistry
from bot.portal_server import PortalServer, Route

NEWEST = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
LIFERAY_CATEGORY = "hoat-dong-cac-phuong"
CMS_LISTING = "tin-tuc-su-kien.htm"


def source_kind(index: int, archive_share: float) -> str:
    """rss, liferay or hanoi-cms; archive sources alternate between the two profiles."""
    archive_every = round(1 / archive_share) if archive_share > 0 else 0
    if archive_every and index % archive_every == 0:
        return "liferay" if (index // archive_every) % 2 == 0 else "hanoi-cms"
    return "rss"


def source_path(index: int, kind: str) -> str:
    if kind == "rss":
        return f"/s{index}/rss"
    if kind == "liferay":
        return f"/s{index}/{LIFERAY_CATEGORY}"
    return f"/s{index}/{CMS_LISTING}"


@functools.cache
def wards() -> list[tuple[str, str]]:
    """(kind, name) of the 126 Hà Nội wards and communes."""
    registry = WardRegistry.from_config("Hà Nội", [], [])
    return [(w.kind, w.name) for w in registry.all()]


def _headers(body: bytes, content_type: str) -> dict[str, str]:
    digest = hashlib.sha1(body).hexdigest()[:16]
    return {
        "Content-Type": content_type,
        "ETag": f'"{digest}"',
        "Last-Modified": format_datetime(NEWEST, usegmt=True),
    }


def source_routes(index: int, kind: str, items: int, base: str) -> dict[str, Route]:
    ward_kind, ward_name = wards()[index % 126]
    articles = pages.make_articles(index, ward_name, ward_kind, items, NEWEST)
    prefix = f"/s{index}"
    html = "text/html; charset=utf-8"
    routes: dict[str, Route] = {}
    if kind == "rss":
        body = pages.rss_feed(f"{base}{prefix}", articles)
        routes[source_path(index, kind)] = Route(
            body, headers=_headers(body, "application/rss+xml")
        )
        return routes
    if kind == "liferay":
        category = f"{prefix}/{LIFERAY_CATEGORY}"
        ids = [5_000_000 + index * 100 + n for n in range(items)]
        listing = pages.liferay_listing(category, ids, articles)
        routes[category] = Route(listing, headers=_headers(listing, html))
        empty = pages.liferay_empty_listing()
        page2 = f"{category}?p_p_id=101&p_p_lifecycle=0&_101_cur=2"
        routes[page2] = Route(empty, headers=_headers(empty, html))
        for article_id, art in zip(ids, articles, strict=True):
            body = pages.liferay_article(article_id, art)
            path = pages.liferay_article_path(category, article_id, art)
            routes[path] = Route(body, headers=_headers(body, html))
        return routes
    paths = [
        pages.cms_article_path(f"{prefix}/tin-tuc-su-kien", art, pages.cms_id(art.published, n))
        for n, art in enumerate(articles)
    ]
    listing = pages.cms_listing(paths, articles)
    routes[source_path(index, kind)] = Route(listing, headers=_headers(listing, html))
    for path, art in zip(paths, articles, strict=True):
        body = pages.cms_article(path, art)
        routes[path] = Route(body, headers=_headers(body, html))
    return routes


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sources", type=int, default=1000)
    parser.add_argument("--items", type=int, default=30)
    parser.add_argument("--archive-share", type=float, default=0.5)
    args = parser.parse_args()
    portal = PortalServer()
    await portal.start()
    base = portal.url("").rstrip("/")
    size = 0
    for index in range(args.sources):
        kind = source_kind(index, args.archive_share)
        for path, route in source_routes(index, kind, args.items, base).items():
            portal.add(path, route)
            size += len(route.body)
    last_cpu = time.process_time()
    seen_from = 0

    def strip_validators(_message: dict) -> dict:
        """Archive listings lose ETag and Last-Modified (as on portals that send none)."""
        stripped = 0
        for path, route in list(portal.routes.items()):
            listing = path.endswith((LIFERAY_CATEGORY, CMS_LISTING))
            if listing and "ETag" in route.headers:
                headers = {k: v for k, v in route.headers.items() if k == "Content-Type"}
                portal.routes[path] = Route(route.body, headers=headers)
                stripped += 1
        return {"stripped": stripped}

    def stats(_message: dict) -> dict:
        """Requests and CPU seconds since the last stats."""
        nonlocal seen_from, last_cpu
        requests = portal.requests[seen_from:]
        seen_from = len(portal.requests)
        cpu, last_cpu = time.process_time() - last_cpu, time.process_time()
        conditional = sum(1 for r in requests if "If-None-Match" in r.headers)
        return {
            "requests": len(requests),
            "conditional": conditional,
            "cpu_seconds": cpu,
        }

    reply(
        {
            "ready": True,
            "port": portal.port,
            "routes": len(portal.routes),
            "bytes": size,
            "pid": os.getpid(),
        }
    )
    try:
        await serve_commands({"stats": stats, "quit": stats, "strip_validators": strip_validators})
    finally:
        await portal.close()


if __name__ == "__main__":
    asyncio.run(main())
