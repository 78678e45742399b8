"""`wardnews check`: fetch every source once and show what the bot would store.

Nothing is stored and nothing is sent. Exit code 1 if any source failed.
"""

from __future__ import annotations

from datetime import UTC, datetime

from bot.cli import registry_for
from bot.config import Config, SourceConfig
from bot.ingest import prepare, read_source
from bot.news.dates import format_local
from bot.news.wards import WardRegistry
from bot.sources.fetch import Fetcher
from bot.sources.item import SourceError

SHOWN = 5


def _describe(source: SourceConfig, items, registry: WardRegistry) -> list[str]:
    lines = [f"[ok] {source.name} ({source.kind}) {source.url}: {len(items)} items"]
    newest = sorted(items, key=lambda item: item.published_at, reverse=True)[:SHOWN]
    for item in newest:
        wards = ", ".join(
            registry.get(code).display_name if registry.get(code) else code for code in item.wards
        )
        guessed = " (date guessed)" if item.date_guessed else ""
        lines.append(f"  - {format_local(item.published_at)}{guessed} | {item.title}")
        lines.append(f"    wards: {wards or '-'}")
        if item.summary:
            lines.append(f"    summary: {item.summary}")
    return lines


async def check_source(fetcher: Fetcher, config: Config, source: SourceConfig, registry):
    now = datetime.now(UTC)
    try:
        read = await read_source(
            fetcher,
            source,
            config.polling,
            etag=None,
            last_modified=None,
            seen=set(),
            now=now,
        )
    except (SourceError, ValueError) as exc:
        return False, [f"[FAILED] {source.name} ({source.kind}) {source.url}: {exc}"]
    items = [prepare(raw, source, registry, now) for raw in read.items]
    lines = _describe(source, items, registry)
    lines.extend(f"  ! {error}" for error in read.errors)
    return True, lines


async def check(config: Config) -> int:
    registry = registry_for(config)
    print(f"config ok: {len(registry.all())} wards served, {len(config.sources)} sources")
    failed = 0
    async with Fetcher(timeout=config.polling.timeout, max_bytes=config.polling.max_bytes) as f:
        for source in config.sources:
            ok, lines = await check_source(f, config, source, registry)
            failed += not ok
            print("\n".join(lines), flush=True)
    print(f"{len(config.sources) - failed} sources ok, {failed} failed")
    return 1 if failed else 0
