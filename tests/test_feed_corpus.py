"""feedparser's own ~2,100 test feeds through our fetch and parse: nothing may blow up.

Each file is served over local HTTP with the headers its leading comment
declares (`Header: Content-type: ...`), fetched with `Fetcher` and parsed
with `parse_feed`. A `FetchError` or `ParseError` is an accepted outcome for
ill-formed input; any other exception fails the test. Fetches run with
bounded concurrency; parsing is serial (CPU-bound, the GIL would gain
nothing from threads).
"""

from __future__ import annotations

import asyncio
import logging
import mimetypes
import re
import time
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

from bot.portal_server import PortalServer, Route
from bot.sources.fetch import Fetcher
from bot.sources.item import FetchError, ParseError
from bot.sources.rss import parse_feed

NOW = datetime(2026, 1, 1, tzinfo=UTC)
CONCURRENCY = 4  # measured: 4 beats 8-64 (client and server share one loop)
# The corpus's own runner reads headers this way (feedparser tests/runtests).
HEADER = re.compile(rb"^Header:\s+([^:]+):(.*)$", re.MULTILINE)
log = logging.getLogger(__name__)


def declared_headers(body: bytes, path: Path) -> dict[str, str]:
    """The headers a test file asks to be served with, plus a Content-Type by extension."""
    start = body.find(b"<!--")
    end = body.find(b"-->", start)
    comment = body[start:end] if start != -1 and end != -1 else b""
    headers = {
        name.strip().decode("latin-1"): value.strip().decode("latin-1")
        for name, value in HEADER.findall(comment)
    }
    if not any(name.lower() == "content-type" for name in headers):
        headers["Content-Type"] = mimetypes.guess_type(path.name)[0] or "application/xml"
    return headers


def corpus_routes(root: Path) -> dict[str, Route]:
    routes = {}
    for path in sorted(root.rglob("*")):
        if not path.is_file() or path.name in ("LICENSE", "SOURCE.md"):
            continue
        body = path.read_bytes()
        routes["/" + path.relative_to(root).as_posix()] = Route(
            body, headers=declared_headers(body, path)
        )
    return routes


async def fetch_all(portal: PortalServer, paths: list[str]) -> dict[str, object]:
    """Every path fetched; each value is a FetchResult or the FetchError it raised."""
    gate = asyncio.Semaphore(CONCURRENCY)
    async with Fetcher(timeout=10) as fetcher:

        async def one(path: str) -> object:
            async with gate:
                try:
                    return await fetcher.fetch(portal.url(path))
                except FetchError as exc:
                    return exc

        results = await asyncio.gather(*(one(path) for path in paths))
    return dict(zip(paths, results, strict=True))


async def test_every_corpus_feed_fetches_and_parses_without_crashing(shared_dir: Path) -> None:
    root = shared_dir / "corpora" / "feedparser-tests"
    routes = corpus_routes(root)
    assert len(routes) > 2000
    started = time.monotonic()
    async with PortalServer(routes) as portal:
        fetched = await fetch_all(portal, sorted(routes))
    fetch_seconds = time.monotonic() - started
    outcomes: Counter[str] = Counter()
    crashes: list[str] = []
    for path, result in fetched.items():
        if isinstance(result, FetchError):
            outcomes["fetch error"] += 1
            continue
        try:
            items = parse_feed(result.body, result.headers, result.url, NOW)
        except ParseError:
            outcomes["parse error"] += 1
        except Exception as exc:  # the point of the test: report every kind of crash
            crashes.append(f"{path}: {exc!r}")
        else:
            outcomes["with items" if items else "empty"] += 1
    total = time.monotonic() - started
    log.warning(
        "corpus: %d files, fetch %.1f s, total %.1f s, %s",
        len(routes),
        fetch_seconds,
        total,
        dict(outcomes),
    )
    assert not crashes, "\n".join(crashes[:20])
    assert outcomes["fetch error"] == 0  # every file is served as declared
    assert outcomes["with items"] > 50  # most corpus entries test feed-level elements
    assert total < 45
