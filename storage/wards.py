"""The served wards, mirrored from the registry so that rows can refer to them."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Protocol

from storage.db import Database


class WardLike(Protocol):
    code: str
    name: str
    kind: str
    province: str


async def sync_wards(db: Database, wards: Iterable[WardLike]) -> None:
    """Make the table hold every served ward; wards no longer served stay, unserved.

    Rows are kept rather than deleted because subscriptions and tagged items
    refer to them; a ward that comes back into the config is served again.
    """
    rows = [(w.code, w.name, w.kind, w.province or "") for w in wards]
    async with db.write() as conn:
        await conn.execute("UPDATE wards SET served = 0")
        await conn.executemany(
            "INSERT INTO wards (code, name, kind, province, served) VALUES (?, ?, ?, ?, 1)"
            " ON CONFLICT (code) DO UPDATE SET name = excluded.name, kind = excluded.kind,"
            " province = excluded.province, served = 1",
            rows,
        )
