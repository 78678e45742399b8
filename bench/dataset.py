"""A large wardnews database, built fast: 1,000,000 items, 126 wards, 100,000 chats.

The schema comes from the project's migrations (`storage.db.Database.open`);
the rows are written with plain SQL and `executemany` in a few big
transactions (synchronous=OFF while building). Texts are put together from
Vietnamese phrases whose folded forms are computed once, so the FTS table
`items_fts` gets exactly what `storage.items.insert_item` would index
(`fold(title)`, `fold(body)`) without folding a million bodies.

Bodies are short (~300 characters, 3 sentences) to keep the build under a
few minutes; real articles are 2-5 KB, so the real database and its FTS
index would be several times larger.
"""

from __future__ import annotations

import asyncio
import random
import sqlite3
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from bot.news.text import fold
from bot.news.wards import WardRegistry

YEAR = 365 * 24 * 3600
NOW = 1_795_000_000  # late 2026
SOURCES = 60
CHUNK = 50_000

EVENTS = [
    "tổ chức tiêm chủng mở rộng cho trẻ em",
    "ra quân tổng vệ sinh môi trường",
    "họp tổ dân phố bàn kế hoạch năm mới",
    "diễn tập phương án phòng cháy chữa cháy",
    "thông báo lịch tiếp công dân",
    "trao quà cho hộ gia đình chính sách",
    "kiểm tra an toàn thực phẩm tại chợ",
    "lập lại trật tự vỉa hè lòng đường",
    "tuyên truyền phòng chống sốt xuất huyết",
    "tổ chức Ngày hội Đại đoàn kết toàn dân tộc",
    "khánh thành nhà văn hóa tổ dân phố",
    "thông báo tạm ngừng cấp nước để sửa chữa đường ống",
    "hướng dẫn làm thủ tục hành chính trực tuyến",
    "phát động phong trào trồng cây xanh",
    "tập huấn kỹ năng sơ cấp cứu",
    "thông báo cắt điện để bảo dưỡng lưới điện",
    "tổ chức hội nghị đối thoại với nhân dân",
    "ra mắt mô hình camera an ninh khu dân cư",
    "khai giảng lớp học bơi miễn phí cho thiếu nhi",
    "hỗ trợ người dân bị ảnh hưởng do mưa lớn",
]
SENTENCES = [
    "Ủy ban nhân dân phường đề nghị các tổ trưởng tổ dân phố thông báo tới từng hộ.",
    "Người dân có thắc mắc xin liên hệ bộ phận một cửa trong giờ hành chính.",
    "Chương trình thu hút đông đảo người dân và các đoàn thể tham gia.",
    "Lực lượng công an, dân quân và đoàn thanh niên phối hợp bảo đảm an toàn.",
    "Kết thúc đợt ra quân, đã thu gom hơn 20 tấn rác thải các loại.",
    "Trạm y tế khuyến cáo người dân chủ động phòng bệnh, giữ vệ sinh nơi ở.",
    "Kinh phí thực hiện được trích từ ngân sách và nguồn xã hội hóa.",
    "Các hộ kinh doanh cam kết không lấn chiếm vỉa hè, lòng đường.",
    "Thời gian thực hiện từ 7 giờ 30 đến 11 giờ sáng Chủ nhật.",
    "Đây là hoạt động thường niên nhằm nâng cao đời sống của nhân dân.",
    "Công ty nước sạch sẽ cấp nước trở lại ngay sau khi sửa xong đường ống.",
    "Người cao tuổi và trẻ nhỏ được ưu tiên khám sàng lọc trước khi tiêm.",
    "Đoàn kiểm tra lấy mẫu thực phẩm tại các quầy hàng trong chợ.",
    "Phường sẽ xử lý nghiêm các trường hợp vi phạm trật tự đô thị.",
    "Mọi ý kiến đóng góp xin gửi về hộp thư điện tử của phường.",
    "Buổi lễ diễn ra trang trọng tại hội trường nhà văn hóa.",
]
STREETS = [
    "phố Khâm Thiên",
    "đường Láng",
    "phố Đội Cấn",
    "ngõ Văn Chương",
    "phố Kim Mã",
    "phố Hàng Bông",
    "đường Giải Phóng",
    "phố Tôn Đức Thắng",
    "ngõ Thổ Quan",
]


@dataclass(frozen=True, slots=True)
class Built:
    path: Path
    items: int
    chats: int
    subscriptions: int
    wards: list[str]
    seconds: float


class Phrases:
    """Pieces of text with their folds, so that fold(a + " " + b) = fold(a) + " " + fold(b)."""

    def __init__(self, texts: list[str]) -> None:
        self.texts = texts
        self.folded = [fold(t) for t in texts]


def _item_rows(
    count: int, wards: list[tuple[str, str, str]], rng: random.Random
) -> Iterator[tuple[tuple, tuple, list[tuple], tuple]]:
    """(items row, fts row, item_wards rows, ...) for ids 1..count, oldest first."""
    events = Phrases(EVENTS)
    sentences = Phrases(SENTENCES)
    streets = Phrases(STREETS)
    named = [
        (f"{kind.capitalize()} {name}", fold(f"{kind} {name}"), code) for code, kind, name in wards
    ]
    weights = [1.0 / (rank + 1) ** 0.6 for rank in range(len(named))]  # some wards busier
    start = NOW - 2 * YEAR
    step = 2 * YEAR / count
    for item_id in range(1, count + 1):
        ward_title, ward_folded, code = rng.choices(named, weights)[0]
        e = rng.randrange(len(events.texts))
        s = rng.randrange(len(streets.texts))
        a, b, c = rng.sample(range(len(sentences.texts)), 3)
        title = f"{ward_title} {events.texts[e]} tại {streets.texts[s]}"
        title_folded = f"{ward_folded} {events.folded[e]} tai {streets.folded[s]}"
        body = " ".join((sentences.texts[a], sentences.texts[b], sentences.texts[c]))
        body_folded = " ".join((sentences.folded[a], sentences.folded[b], sentences.folded[c]))
        published = int(start + item_id * step)
        source = f"src-{item_id % SOURCES:03d}"
        url = f"https://{source}.hanoi.gov.vn/tin-tuc/{item_id}.htm"
        summary = f"{sentences.texts[a]} {sentences.texts[b]}"
        item = (
            item_id,
            source,
            url,
            url,
            None,
            title,
            title_folded,
            summary,
            body,
            None,
            published,
            0,
            published,
            f"{item_id:040x}",
        )
        ward_rows = [(item_id, code, published)]
        if item_id % 10 == 0:  # one item in ten is about a second ward
            other = named[(item_id // 10) % len(named)][2]
            if other != code:
                ward_rows.append((item_id, other, published))
        yield item, (item_id, title_folded, body_folded), ward_rows


def _chat_rows(count: int, codes: list[str], rng: random.Random) -> tuple[list[tuple], list[tuple]]:
    now = float(NOW)
    weights = [1.0 / (rank + 1) ** 0.6 for rank in range(len(codes))]
    chats, subs = [], []
    for chat_id in range(1, count + 1):
        chats.append((chat_id, "private", None, "vi", 1, now, now))
        picked = set(rng.choices(codes, weights, k=rng.choice((1, 1, 2, 3))))
        subs.extend((chat_id, code, now) for code in picked)
    return chats, subs


async def build(
    path: Path,
    *,
    items: int = 1_000_000,
    chats: int = 100_000,
    seed: int = 7,
    progress: bool = True,
) -> Built:
    """Create and fill the database at `path` (which must not exist yet)."""
    from storage.db import Database
    from storage.wards import sync_wards

    started = time.perf_counter()
    registry = WardRegistry.from_config("Hà Nội", [], [])
    db = await Database.open(path)
    try:
        await sync_wards(db, registry.all())
    finally:
        await db.close()
    wards = [(w.code, w.kind, w.name) for w in registry.all()]
    rng = random.Random(seed)
    conn = sqlite3.connect(path, isolation_level=None)
    try:
        conn.execute("PRAGMA synchronous = OFF")
        conn.execute("PRAGMA cache_size = -200000")
        conn.execute("BEGIN")
        conn.executemany(
            "INSERT INTO sources (name, kind, url, first_polled_at) VALUES (?, 'rss', ?, ?)",
            [
                (f"src-{i:03d}", f"https://src-{i:03d}.hanoi.gov.vn/rss", NOW)
                for i in range(SOURCES)
            ],
        )
        conn.execute("COMMIT")
        rows = _item_rows(items, wards, rng)
        done = 0
        while done < items:
            batch = [next(rows) for _ in range(min(CHUNK, items - done))]
            conn.execute("BEGIN")
            conn.executemany(
                "INSERT INTO items (id, source, key, url, guid, title, title_key, summary, body,"
                " author, published_at, date_guessed, first_seen_at, content_hash)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [b[0] for b in batch],
            )
            conn.executemany(
                "INSERT INTO items_fts (rowid, title, body) VALUES (?, ?, ?)", [b[1] for b in batch]
            )
            conn.executemany(
                "INSERT INTO item_wards (item_id, ward_code, published_at) VALUES (?, ?, ?)",
                [w for b in batch for w in b[2]],
            )
            conn.execute("COMMIT")
            done += len(batch)
            if progress and done % 200_000 == 0:
                print(f"    {done:,} items ({time.perf_counter() - started:.0f} s)", flush=True)
        chat_rows, sub_rows = _chat_rows(chats, [c for c, _, _ in wards], rng)
        conn.execute("BEGIN")
        conn.executemany(
            "INSERT INTO chats (id, type, title, language, active, created_at, updated_at)"
            " VALUES (?, ?, ?, ?, ?, ?, ?)",
            chat_rows,
        )
        conn.executemany(
            "INSERT INTO subscriptions (chat_id, ward_code, created_at) VALUES (?, ?, ?)",
            sorted(sub_rows),
        )
        conn.execute("COMMIT")
        conn.execute("ANALYZE")
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        conn.close()
    return Built(
        path, items, chats, len(sub_rows), [c for c, _, _ in wards], time.perf_counter() - started
    )


def file_size(path: Path) -> int:
    """The database on disk: the file and its WAL."""
    total = 0
    for suffix in ("", "-wal", "-shm"):
        candidate = Path(f"{path}{suffix}")
        if candidate.exists():
            total += candidate.stat().st_size
    return total


if __name__ == "__main__":  # a quick look: python -m bench.dataset /tmp/x.db 10000 1000
    import sys

    built = asyncio.run(build(Path(sys.argv[1]), items=int(sys.argv[2]), chats=int(sys.argv[3])))
    print(built)
