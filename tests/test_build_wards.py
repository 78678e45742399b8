"""scripts/build_wards.py: the conversion-table CSV → the shipped registry."""

from __future__ import annotations

import gzip
import importlib.util
import json
import unicodedata
from collections import Counter
from functools import cache
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from tests.conftest import REPO_ROOT

SHIPPED = REPO_ROOT / "bot" / "data" / "wards.json.gz"


def _load_script() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "build_wards", REPO_ROOT / "scripts" / "build_wards.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


build = _load_script()


def nfd(text: str) -> str:
    return unicodedata.normalize("NFD", text)


HN = "Thành phố Hà Nội (01)"
CSV_TEXT = "\n".join(
    [
        "Đơn vị hành chính từ ngày 01/7/2025,,,Đơn vị hành chính trước ngày 01/7/2025,,,,,",
        '"Tỉnh, thành phố",Tên Xã mới,Mã Xã mới,Tên Xã cũ,Mã Xã cũ,Ghi chú,Quận/huyện,Tỉnh cũ,',
        "THÀNH PHỐ HÀ NỘI  ,,,,,,,,",
        f"{HN},Phường Văn Miếu - Quốc Tử Giám,00226,Phường Thổ Quan,00205,Nhập toàn bộ,"
        f"Quận Đống Đa (006),{HN},",
        f"{HN},Phường Văn Miếu - Quốc Tử Giám,00226,Phường Hàng Bột,00196,Nhập một phần,"
        f"Quận Đống Đa (006),{HN},",
        nfd(
            f"{HN},Phường Ô Chợ Dừa ,00190,  Phường Hàng Bột,00196,Nhập  một phần ,"
            f"Quận Đống Đa (006),{HN},"
        ),
        f'{HN},"Phường Ô Chợ\nDừa",00190,Phường Ô Chợ Dừa,00190,Nhập toàn bộ,'
        f"Quận Đống Đa (006),{HN},",
        f'{HN},Phường Tây Hồ,00103,Phường Thụy Khuê,00112,"Nhập một phần diện tích, toàn bộ '
        f'dân số",Quận Tây Hồ (003),{HN},',
        "Tỉnh Bắc Ninh (24),,,,,,,,",
        "QUẢNG TRỊ,,,,,,,,",
        "Tỉnh Quảng Trị (44),Đặc khu Cồn Cỏ,19742,,,Sắp xếp toàn bộ huyện Cồn Cỏ thành đặc khu "
        "Cồn Cỏ,Huyện Cồn Cỏ (471),Quảng Trị (44),",
        "Tỉnh Quảng Trị (44),Xã Cửa Việt,19999,Thị trấn Cửa Việt,19990,Giữ nguyên,"
        "Huyện Gio Linh (466),Quảng Trị (45),",
        "Tỉnh Đắk Lắk (66),Xa Ea Kly,24496,Ea Kly,24496,Nhập toàn bộ,Huyện Krông Pắc (654),"
        "Tỉnh Đắk Lắk (66),",
    ]
)

EXPECTED: dict[str, Any] = {
    "format": 1,
    "source": build.SOURCE,
    "provinces": [
        ["01", "thành phố", "Hà Nội"],
        ["44", "tỉnh", "Quảng Trị"],
        ["66", "tỉnh", "Đắk Lắk"],
    ],
    "units": [
        ["00103", "phường", "Tây Hồ", "01"],
        ["00190", "phường", "Ô Chợ Dừa", "01"],
        ["00226", "phường", "Văn Miếu - Quốc Tử Giám", "01"],
        ["19742", "đặc khu", "Cồn Cỏ", "44"],
        ["19999", "xã", "Cửa Việt", "44"],
        ["24496", "xã", "Ea Kly", "66"],
    ],
    "former_provinces": [
        ["01", "thành phố", "Hà Nội"],
        ["45", "", "Quảng Trị"],
        ["66", "tỉnh", "Đắk Lắk"],
    ],
    "districts": [
        ["003", "quận", "Tây Hồ", "01"],
        ["006", "quận", "Đống Đa", "01"],
        ["466", "huyện", "Gio Linh", "45"],
        ["654", "huyện", "Krông Pắc", "66"],
    ],
    "former": [
        ["00112", "phường", "Thụy Khuê", "003", [["00103", "people"]]],
        ["00190", "phường", "Ô Chợ Dừa", "006", [["00190", "whole"]]],
        ["00196", "phường", "Hàng Bột", "006", [["00190", "part"], ["00226", "part"]]],
        ["00205", "phường", "Thổ Quan", "006", [["00226", "whole"]]],
        ["19990", "thị trấn", "Cửa Việt", "466", [["19999", "whole"]]],
        ["24496", "xã", "Ea Kly", "654", [["24496", "whole"]]],
    ],
}


def test_transform_cleans_a_small_table() -> None:
    assert build.transform(CSV_TEXT) == EXPECTED


def test_transform_reads_nfd_rows_like_nfc_rows() -> None:
    assert build.transform(nfd(CSV_TEXT)) == EXPECTED


@pytest.mark.parametrize(
    ("cell", "clean"),
    [
        ("  Phường Thổ Quan ", "Phường Thổ Quan"),
        ("Nhập  một\nphần", "Nhập một phần"),
        (nfd("Phường Hàng Bột"), "Phường Hàng Bột"),
        ("THÀNH PHỐ HÀ NỘI  ", "THÀNH PHỐ HÀ NỘI"),
    ],
)
def test_clean_cell_gives_nfc_without_stray_whitespace(cell: str, clean: str) -> None:
    assert build.clean_cell(cell) == clean


@pytest.mark.parametrize(
    ("text", "parsed"),
    [
        ("Thành phố Hà Nội (01)", ("Thành phố Hà Nội", "01")),
        ("Quận Ba Đình (001)", ("Quận Ba Đình", "001")),
        ("Quảng Trị (44)", ("Quảng Trị", "44")),
    ],
)
def test_parse_coded_splits_name_and_code(text: str, parsed: tuple[str, str]) -> None:
    assert build.parse_coded(text, len(parsed[1])) == parsed


def test_parse_coded_rejects_a_cell_without_code() -> None:
    with pytest.raises(ValueError, match="Name \\(code\\)"):
        build.parse_coded("Quận Ba Đình", 3)


@pytest.mark.parametrize(
    ("note", "share"),
    [
        ("Nhập toàn bộ", "whole"),
        ("Nhập toàn bộ diện tích", "whole"),
        ("Giữ nguyên", "whole"),
        ("Đổi tên", "whole"),
        ("Nhập một phần", "part"),
        ("Nhâp một phần diện tích", "part"),
        ("Nhập một  phần", "part"),
        ("Nhập một phần diện tích, toàn bộ dân số", "people"),
        ("Phần còn lại sau khi tách một phần vào xã Canh Vinh", "part"),
    ],
)
def test_share_of_reads_the_note(note: str, share: str) -> None:
    assert build.share_of(note) == share


def test_a_broken_row_after_the_data_names_its_line() -> None:
    broken = CSV_TEXT + "\nThành phố Hà Nội (01),Phường Lạ,abc,,,,,,"
    with pytest.raises(ValueError, match="line 14"):
        build.transform(broken)


def test_an_unknown_unit_type_is_an_error() -> None:
    bad = CSV_TEXT + f"\n{HN},Khu phố Lạ,00001,,,Nhập toàn bộ,Quận Đống Đa (006),{HN},"
    with pytest.raises(ValueError, match="unknown unit type"):
        build.transform(bad)


def test_encode_is_deterministic_gzip() -> None:
    first = build.encode(EXPECTED)
    assert first == build.encode(EXPECTED)
    assert json.loads(gzip.decompress(first)) == EXPECTED


@cache
def _build_real(csv_path: Path) -> dict[str, Any]:
    return build.transform(csv_path.read_text(encoding="utf-8-sig"))


@pytest.fixture
def national(shared_dir: Path) -> dict[str, Any]:
    """The real conversion table, transformed once per test session."""
    return _build_real(shared_dir / "data" / "vn-admin-units-2025-07.csv")


def test_hanoi_has_126_units_51_phuong_75_xa(national: dict[str, Any]) -> None:
    kinds = Counter(kind for _, kind, _, province in national["units"] if province == "01")
    assert kinds == {"phường": 51, "xã": 75}


def _former(national: dict[str, Any], code: str) -> list[Any]:
    return [row for row in national["former"] if row[0] == code]


def test_tho_quan_merged_whole_into_van_mieu_quoc_tu_giam(national: dict[str, Any]) -> None:
    assert _former(national, "00205") == [
        ["00205", "phường", "Thổ Quan", "006", [["00226", "whole"]]]
    ]
    units = {row[0]: row[2] for row in national["units"]}
    assert units["00226"] == "Văn Miếu - Quốc Tử Giám"


def test_hang_bot_split_between_o_cho_dua_and_van_mieu(national: dict[str, Any]) -> None:
    (hang_bot,) = _former(national, "00196")
    assert hang_bot[2] == "Hàng Bột"
    assert hang_bot[4] == [["00190", "part"], ["00226", "part"]]


def test_a_code_means_different_units_before_and_after_2025(national: dict[str, Any]) -> None:
    units = {row[0]: row[2] for row in national["units"]}
    assert units["00004"] == "Ba Đình"
    assert [row[2] for row in _former(national, "00004")] == ["Trúc Bạch"]


def test_every_name_is_clean_nfc(national: dict[str, Any]) -> None:
    names = [
        row[2] for key in ("units", "former", "districts", "provinces") for row in national[key]
    ]
    for name in names:
        assert name == unicodedata.normalize("NFC", name)
        assert name == " ".join(name.split()) and name


def test_shipped_file_equals_a_fresh_build(national: dict[str, Any]) -> None:
    assert json.loads(gzip.decompress(SHIPPED.read_bytes())) == national
