"""Build bot/data/wards.json.gz from the official 2025 conversion table.

The source is the statistics office's CSV of Vietnam's administrative units
before and after 1 July 2025 (see ../shared/data/SOURCE.md): one row per
(new unit, former unit) pair, with section header rows, NFD cells, stray
whitespace and a few spelling variants. `transform` cleans it into a compact
document; `main` writes it gzipped into the package.

Usage: python scripts/build_wards.py [--csv PATH] [--out PATH]

The document (format 1), all names NFC and without their type word:
  provinces         [[code, kind, name]]                      after 2025
  units             [[code, kind, name, province_code]]       after 2025
  former_provinces  [[code, kind, name]]                      before 2025
  districts         [[code, kind, name, former_province_code]] before 2025
  former            [[code, kind, name, district_code, [[unit_code, share]]]]
share is "whole" (merged whole, renamed or kept), "people" (part of the
area but all of the population) or "part".
"""

from __future__ import annotations

import argparse
import csv
import gzip
import io
import json
import re
import sys
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Iterator
from pathlib import Path

from bot.news.ward_names import (
    name_key,
    precise_key,
    split_district_kind,
    split_kind,
    split_province_kind,
)

REPO = Path(__file__).resolve().parents[1]
DEFAULT_CSV = REPO.parent / "shared" / "data" / "vn-admin-units-2025-07.csv"
DEFAULT_OUT = REPO / "bot" / "data" / "wards.json.gz"
SOURCE = "vn-admin-units-2025-07.csv: NSO conversion table, units before/after 1 July 2025"

_CODED = re.compile(r"^(?P<text>.*?)\s*\((?P<code>\d+)\)$")
_UNIT_KINDS = {"phường", "xã", "đặc khu"}
_FORMER_KINDS = {"phường", "xã", "thị trấn"}
_SHARE_RANK = {"part": 0, "people": 1, "whole": 2}

# Columns of a data row.
PROVINCE, NEW_NAME, NEW_CODE, OLD_NAME, OLD_CODE, NOTE, DISTRICT, OLD_PROVINCE = range(8)


def clean_cell(cell: str) -> str:
    """NFC, inner runs of whitespace (newlines included) as one space, stripped."""
    return " ".join(unicodedata.normalize("NFC", cell).split())


def parse_coded(text: str, width: int) -> tuple[str, str]:
    """ "Quận Ba Đình (001)" → ("Quận Ba Đình", "001")."""
    match = _CODED.match(text)
    if match is None:
        raise ValueError(f"expected 'Name (code)', got {text!r}")
    return match["text"], match["code"].zfill(width)


def share_of(note: str) -> str:
    """The share of a former unit a row gives its new unit, from the note."""
    key = name_key(note)
    if "mot phan" in key or "phan con lai" in key:
        return "people" if "toan bo dan so" in key else "part"
    return "whole"


def data_rows(csv_text: str) -> Iterator[tuple[int, list[str]]]:
    """(line number, cleaned cells) of every data row; headers are skipped."""
    seen_data = False
    for number, row in enumerate(csv.reader(io.StringIO(csv_text)), start=1):
        cells = [clean_cell(cell) for cell in row] + [""] * 8
        if not any(cells[NEW_NAME : OLD_PROVINCE + 1]):
            continue  # blank or section header ("THÀNH PHỐ HÀ NỘI", "Tỉnh Bắc Ninh (24)")
        if re.fullmatch(r"\d{1,5}", cells[NEW_CODE]) and cells[NEW_NAME]:
            seen_data = True
            yield number, cells[:8]
        elif seen_data:
            raise ValueError(f"line {number}: not a data row: {row!r}")


class _Votes:
    """Spelling votes: a code seen with several spellings keeps the commonest."""

    def __init__(self) -> None:
        self.by_key: dict[tuple[str, ...], Counter[tuple[str, ...]]] = defaultdict(Counter)

    def add(self, key: tuple[str, ...], value: tuple[str, ...]) -> None:
        self.by_key[key][value] += 1

    def winner(self, key: tuple[str, ...]) -> tuple[str, ...]:
        return self.by_key[key].most_common(1)[0][0]


class _Tables:
    """Accumulates the rows of the CSV, then emits the sorted document."""

    def __init__(self) -> None:
        self.provinces = _Votes()
        self.units = _Votes()
        self.former_provinces = _Votes()
        self.districts = _Votes()
        self.former = _Votes()
        self.shares: dict[tuple[str, str], dict[str, str]] = defaultdict(dict)

    def add_row(self, cells: list[str]) -> None:
        province, province_code = parse_coded(cells[PROVINCE], 2)
        province_kind, province_name = split_province_kind(province)
        self.provinces.add((province_code,), (province_kind or "", province_name))
        kind, name = split_kind(cells[NEW_NAME])
        if kind not in _UNIT_KINDS:
            raise ValueError(f"unknown unit type in {cells[NEW_NAME]!r}")
        code = cells[NEW_CODE].zfill(5)
        self.units.add((code,), (kind, name, province_code))
        if cells[OLD_CODE]:
            self._add_former(cells, code)

    def _add_former(self, cells: list[str], unit_code: str) -> None:
        old_province, old_province_code = parse_coded(cells[OLD_PROVINCE], 2)
        old_kind, old_province_name = split_province_kind(old_province)
        self.former_provinces.add((old_province_code,), (old_kind or "", old_province_name))
        district, district_code = parse_coded(cells[DISTRICT], 3)
        district_kind, district_name = split_district_kind(district)
        if district_kind is None:
            raise ValueError(f"unknown district type in {cells[DISTRICT]!r}")
        self.districts.add((district_code,), (district_kind, district_name, old_province_code))
        kind, name = split_kind(cells[OLD_NAME])
        if kind is None:
            # Two rows name a former commune without its type ("Xuân Quang 3"):
            # it had the type of the unit it went to.
            kind = split_kind(cells[NEW_NAME])[0]
        if kind not in _FORMER_KINDS:
            raise ValueError(f"unknown former unit type in {cells[OLD_NAME]!r}")
        # One code with two different names is a slip of the source: keep both.
        key = (cells[OLD_CODE].zfill(5), precise_key(name))
        self.former.add(key, (kind, name, district_code))
        shares = self.shares[key]
        share = share_of(cells[NOTE])
        current = shares.get(unit_code)
        if current is None or _SHARE_RANK[share] > _SHARE_RANK[current]:
            shares[unit_code] = share

    def document(self) -> dict[str, object]:
        return {
            "format": 1,
            "source": SOURCE,
            "provinces": self._rows(self.provinces),
            "units": self._rows(self.units),
            "former_provinces": self._former_provinces(),
            "districts": self._rows(self.districts),
            "former": self._former(),
        }

    @staticmethod
    def _rows(votes: _Votes) -> list[list[str]]:
        return [[*key, *votes.winner(key)] for key in sorted(votes.by_key)]

    def _former_provinces(self) -> list[list[str]]:
        # A spelling without the type word ("Quảng Trị (44)") wins only alone.
        rows = []
        for key, counter in sorted(self.former_provinces.by_key.items()):
            typed = [value for value in counter.elements() if value[0]]
            best = Counter(typed).most_common(1)[0][0] if typed else counter.most_common(1)[0][0]
            rows.append([*key, *best])
        return rows

    def _former(self) -> list[list[object]]:
        rows: list[list[object]] = []
        for key in sorted(self.former.by_key):
            kind, name, district_code = self.former.winner(key)
            successors = [[code, share] for code, share in sorted(self.shares[key].items())]
            rows.append([key[0], kind, name, district_code, successors])
        return rows


def transform(csv_text: str) -> dict[str, object]:
    """The registry document of a conversion-table CSV text."""
    tables = _Tables()
    for number, cells in data_rows(csv_text):
        try:
            tables.add_row(cells)
        except ValueError as error:
            raise ValueError(f"line {number}: {error}") from error
    return tables.document()


def encode(document: dict[str, object]) -> bytes:
    """Compact, deterministic gzipped JSON (no timestamp in the gzip header)."""
    text = json.dumps(document, ensure_ascii=False, separators=(",", ":"))
    return gzip.compress(text.encode("utf-8"), compresslevel=9, mtime=0)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--csv", type=Path, default=DEFAULT_CSV, help="the conversion table")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="the file to write")
    args = parser.parse_args(argv)
    document = transform(args.csv.read_text(encoding="utf-8-sig"))
    data = encode(document)
    args.out.write_bytes(data)
    counts = ", ".join(
        f"{len(document[name])} {name}"  # type: ignore[arg-type]
        for name in ("provinces", "units", "districts", "former")
    )
    print(f"wrote {args.out} ({len(data):,} bytes): {counts}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
