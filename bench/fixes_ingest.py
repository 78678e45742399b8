"""Proposed fixes to the news flow, applied by monkeypatching so they can be measured.

`python -m bench.ingest --fix NAME` (repeatable). What each stands for:

- fetch:  bot/sources/fetch.py Fetcher on aiohttp instead of httpx. httpx +
          httpcore cost 1.3-2 ms of CPU per request here and more as the pool
          grows (httpcore polls every pooled connection on each request); aiohttp
          ~0.4 ms. Same contract: conditional GET, timeout for the whole answer,
          5 redirects, streamed size cap, `decode_body`.
- text:   bot/news/summary.py is_meta_line: look for the date digits in the raw
          line before folding it (folding keeps digits, '/', '.', '-' and ':'),
          so prose lines are not folded at all; and bot/news/text.py: memoise
          `clean_text` and `fold` (functools.lru_cache(4096)): an article's
          lines are cleaned 3-4 times on their way (parse_article, body_text,
          prepare, summarise) and folded 2-3 times.
- empty:  bot/poller.py Poller.poll: no `store_items` write transaction when
          the poll brought no items (every 304 opened and committed an empty
          BEGIN IMMEDIATE, queueing behind the other polls' writes).
"""

from __future__ import annotations

import asyncio
import functools
import sys
from collections.abc import Sequence

FIXES = ("fetch", "text", "empty")


def apply(names: Sequence[str]) -> None:
    table = {"fetch": _fetch, "text": _text, "empty": _empty}
    for name in names:
        table[name]()


def _fetch() -> None:
    import aiohttp

    from bot.sources import fetch as f
    from bot.sources.item import FetchError, FetchResult

    def __init__(self, timeout, max_bytes=5_000_000, user_agent=f.DEFAULT_USER_AGENT):
        self.timeout = timeout
        self.max_bytes = max_bytes
        self._headers = {"User-Agent": user_agent, "Accept": f._ACCEPT}
        self._session = None

    def session(self):
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(
                headers=self._headers, connector=aiohttp.TCPConnector(limit=64)
            )
        return self._session

    async def aclose(self):
        if self._session is not None:
            await self._session.close()

    async def fetch(self, url, *, etag=None, last_modified=None):
        f._check_url(url)
        headers = {}
        if etag:
            headers["If-None-Match"] = etag
        if last_modified:
            headers["If-Modified-Since"] = last_modified
        try:
            async with asyncio.timeout(self.timeout):
                return await self._get(url, headers, etag, last_modified)
        except TimeoutError as exc:
            raise f._timeout_error(url, self.timeout) from exc
        except aiohttp.TooManyRedirects as exc:
            raise FetchError(
                f"GET {f._display(url)}: more than {f.MAX_REDIRECTS} redirects",
                url=url,
                kind="redirects",
            ) from exc
        except aiohttp.ClientError as exc:
            raise FetchError(
                f"GET {f._display(url)}: connection failed: {exc or type(exc).__name__}",
                url=url,
                kind="connect",
            ) from exc

    async def _get(self, url, headers, etag, last_modified):
        async with session(self).get(
            url, headers=headers, max_redirects=f.MAX_REDIRECTS
        ) as response:
            final_url = str(response.url)
            fields = {key.lower(): value for key, value in response.headers.items()}
            etag = fields.get("etag", etag)
            last_modified = fields.get("last-modified", last_modified)
            status = response.status
            if status == 304:
                return FetchResult(final_url, status, b"", "", fields, etag, last_modified, True)
            if not 200 <= status < 300:
                raise FetchError(
                    f"GET {f._display(url)}: HTTP {status}", url=url, kind="http", status=status
                )
            declared = fields.get("content-length", "")
            if declared.isdigit() and int(declared) > self.max_bytes:
                raise self._too_large(url)
            chunks, size = [], 0
            async for chunk in response.content.iter_chunked(64 * 1024):
                size += len(chunk)
                if size > self.max_bytes:
                    raise self._too_large(url)
                chunks.append(chunk)
        body = b"".join(chunks)
        text = f.decode_body(body, fields.get("content-type"))
        return FetchResult(final_url, status, body, text, fields, etag, last_modified, False)

    f.Fetcher.__init__ = __init__
    f.Fetcher.fetch = fetch
    f.Fetcher._get = _get
    f.Fetcher.aclose = aclose


def _text() -> None:
    from bot.news import summary, text

    original_meta = summary.is_meta_line

    def is_meta_line(line: str) -> bool:
        if len(line) > 1000 or not summary._DATE_DIGITS.search(line):
            return False
        return original_meta(line)

    summary.is_meta_line = is_meta_line
    replacements = {
        id(text.clean_text): functools.lru_cache(maxsize=4096)(text.clean_text),
        id(text.fold): functools.lru_cache(maxsize=4096)(text.fold),
    }
    for module in list(sys.modules.values()):
        name = getattr(module, "__name__", "") or ""
        if not name.startswith(("bot", "storage")):
            continue
        for attribute in ("clean_text", "fold"):
            current = getattr(module, attribute, None)
            if current is not None and id(current) in replacements:
                setattr(module, attribute, replacements[id(current)])


def _empty() -> None:
    import bot.poller
    from bot.ingest import StoreResult

    original = bot.poller.store_items

    async def store_items(db, prepared, push, batch):
        if not prepared:
            return StoreResult(0, 0, 0)
        return await original(db, prepared, push, batch)

    bot.poller.store_items = store_items
