"""The residents' queries on a big database: /latest, /ward, /search, and one fan-out.

    python -m bench.queries [--items 1000000] [--chats 100000] [--samples 2000]
                            [--db PATH]   (reuse or keep the built database)

Builds (bench/dataset.py) 1,000,000 items over the 126 wards of Hà Nội, their
FTS index, and 100,000 chats with 1-3 wards each (busier wards more followed),
then times the storage calls the handlers make, through the real `Database`
(aiosqlite, WAL, one reader connection), one at a time, after a warm-up:

- /latest: `chats.chat_wards` + `items.latest_items(codes, 6)` for a random chat
- /ward:   `items.latest_items([code], WARD_LATEST)` + `chats.chat_wards`
- /search: `items.search_items(words, 5)` over 40 realistic Vietnamese queries,
           with and without diacritics, rare and common words
- fan-out: `outbox.enqueue_item` of one item tagged with every ward, i.e. a row
           for each of the 100,000 chats, in one write transaction
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import random
import sys
import tempfile
import time
from pathlib import Path

from bench.common import Report, machine_line, percentile, rerun_line
from bench.dataset import build, file_size

LATEST_P99 = 5.0  # ms
SEARCH_P99 = 30.0  # ms

SEARCHES = [
    "tiêm chủng", "tiem chung", "cấp nước", "cap nuoc sua chua", "Kim Liên", "kim lien",
    "phòng cháy chữa cháy", "vỉa hè", "sốt xuất huyết", "đường Láng", "duong lang",
    "tổ dân phố", "thủ tục hành chính trực tuyến", "lịch tiếp công dân", "cắt điện",
    "nhà văn hóa", "an toàn thực phẩm", "trồng cây xanh", "camera an ninh", "học bơi",
    "mưa lớn", "Ba Đình", "ba dinh", "Hoàn Kiếm", "Văn Miếu Quốc Tử Giám", "Ô Chợ Dừa",
    "Đội Cấn", "khánh thành", "Đại đoàn kết", "sơ cấp cứu", "đối thoại nhân dân",
    "phường", "thông báo", "ngân sách xã hội hóa", "rác thải", "hộ gia đình chính sách",
    "phố Khâm Thiên", "Thổ Quan", "bảo dưỡng lưới điện", "xã Ba Vì",
]  # fmt: skip


COUNT_CAP = 1000  # the proposed search counts matches up to this ("1000+")


async def timed(calls, warmup: int = 50) -> list[float]:
    """Milliseconds of each call (after `warmup` untimed ones)."""
    for call in calls[:warmup]:
        await call()
    samples = []
    for call in calls[warmup:]:
        started = time.perf_counter()
        await call()
        samples.append((time.perf_counter() - started) * 1000)
    return samples


async def measure(path: Path, samples: int, chats: int, rng: random.Random) -> dict:
    from bot.handlers.lists import DEFAULT_LATEST, SEARCH_PAGE
    from bot.handlers.resident import WARD_LATEST
    from storage import chats as chat_store
    from storage import items as item_store
    from storage import outbox
    from storage.db import Database

    db = await Database.open(path)
    try:
        codes = [row[0] for row in await db.fetchall("SELECT code FROM wards WHERE served = 1")]

        def latest_call(chat_id: int):
            async def call():
                wards = await chat_store.chat_wards(db, chat_id)
                return await item_store.latest_items(db, wards, DEFAULT_LATEST + 1, 0)

            return call

        def ward_call(chat_id: int, code: str):
            async def call():
                found = await item_store.latest_items(db, [code], WARD_LATEST)
                await chat_store.chat_wards(db, chat_id)
                return found

            return call

        def search_call(words: str, search=item_store.search_items):
            async def call():
                return await search(db, words, SEARCH_PAGE, 0)

            return call

        result: dict = {}
        picks = [rng.randint(1, chats) for _ in range(samples + 50)]
        result["latest"] = await timed([latest_call(c) for c in picks])
        result["ward"] = await timed([ward_call(c, rng.choice(codes)) for c in picks])
        # The searches as they are take up to ~1 s each: 5 rounds of the 40 queries.
        rounds = max(1, min(5, samples // len(SEARCHES)))
        searches = [w for _ in range(rounds) for w in SEARCHES]
        rng.shuffle(searches)
        warm = SEARCHES[:10]
        result["search"] = await timed([search_call(w) for w in warm + searches], warmup=10)
        per_query: dict[str, list[float]] = {}
        for words, ms in zip(searches, result["search"], strict=True):
            per_query.setdefault(words, []).append(ms)
        result["per_query"] = {w: sum(v) / len(v) for w, v in per_query.items()}
        result["matches"] = {
            w: await db.scalar(
                "SELECT count(*) FROM items_fts WHERE items_fts MATCH ?", (item_store.fts_query(w),)
            )
            for w in SEARCHES
        }
        item_id = await db.scalar("SELECT max(id) FROM items")
        started = time.perf_counter()
        async with db.write() as conn:
            queued = await outbox.enqueue_item(conn, item_id, codes, 1, time.time())
        result["fanout_seconds"] = time.perf_counter() - started
        result["fanout_rows"] = queued
        async with db.write() as conn:  # leave the database as built, for reuse (--db)
            await conn.execute("DELETE FROM outbox WHERE item_id = ?", (item_id,))
    finally:
        await db.close()
    return result


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description="resident queries on a large database")
    parser.add_argument("--items", type=int, default=1_000_000)
    parser.add_argument("--chats", type=int, default=100_000)
    parser.add_argument("--samples", type=int, default=2000)
    parser.add_argument("--db", type=Path, help="database file: reused if it exists, else kept")
    args = parser.parse_args(argv)
    print(f"bench.queries: {args.items:,} items, 126 wards, {args.chats:,} chats")
    print(machine_line())
    with tempfile.TemporaryDirectory(prefix="wardnews-bench-") as tmp:
        path = args.db or Path(tmp) / "queries.db"
        built = None
        if not path.exists():
            print("  building the database...", flush=True)
            built = asyncio.run(build(path, items=args.items, chats=args.chats))
            print(f"  built in {built.seconds:.1f} s", flush=True)
        size = file_size(path)
        result = asyncio.run(measure(path, args.samples, args.chats, random.Random(11)))
    report = Report(f"queries: {args.items:,} items, {args.chats:,} chats, {args.samples:,} each")
    for key, label in (("latest", "/latest (1-3 wards of a chat)"), ("ward", "/ward (one ward)")):
        values = result[key]
        report.add(f"{label} p50", percentile(values, 0.5), "ms", digits=2)
        report.add(
            f"{label} p99",
            percentile(values, 0.99),
            "ms",
            goal=f"< {LATEST_P99:g} ms",
            check=lambda v: v < LATEST_P99,
        )
    values = result["search"]
    report.add(
        f"/search p50 (40 queries x {len(values) // len(SEARCHES)}, 5 results + total)",
        percentile(values, 0.5),
        "ms",
    )
    report.add(
        "/search p99",
        percentile(values, 0.99),
        "ms",
        goal=f"< {SEARCH_P99:g} ms",
        check=lambda v: v < SEARCH_P99,
    )
    report.add(
        f"fan-out of one item to {result['fanout_rows']:,} outbox rows",
        result["fanout_seconds"],
        "s",
        digits=2,
    )
    report.add("database size on disk", size / 1e6, "MB", digits=0)
    if built is not None:
        report.add("build time (executemany, synchronous=OFF)", built.seconds, "s", digits=1)
        report.note(f"{built.subscriptions:,} subscriptions; bodies ~300 characters (real: 2-5 KB)")
    slow = sorted(result["per_query"].items(), key=lambda kv: -kv[1])[:6]
    report.note(
        "slowest searches (mean ms, matches): "
        + "; ".join(f"{w!r} {ms:.1f} ms, {result['matches'][w]:,}" for w, ms in slow)
    )
    report.print()
    print(rerun_line("bench.queries", argv))
    return 0


if __name__ == "__main__":
    with contextlib.suppress(KeyboardInterrupt):
        sys.exit(main(sys.argv[1:]))
