"""`tag`: which served wards a news item is about, from portal-style text.

Runs on the shipped registry (bot/data/wards.json.gz); only the seed-article
test needs ../shared.
"""

from __future__ import annotations

import timeit
import unicodedata
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.news.wards import WardRegistry, tag


@pytest.fixture(scope="module")
def hanoi() -> WardRegistry:
    return WardRegistry.from_config("Hà Nội", [], [])


VMQTG, KIM_LIEN, O_CHO_DUA, DONG_DA = "00226", "00229", "00190", "00235"


def code_of(registry: WardRegistry, name: str) -> str:
    (ward,) = [w for w in registry.all() if w.name == name]
    return ward.code


# (sentence, official names of the wards it must tag, in order of mention)
CASES: list[tuple[str, tuple[str, ...]]] = [
    # "phường X", "xã X", "thị trấn X" with the usual ward bodies before them
    (
        "Đảng ủy phường Thổ Quan tổ chức hội nghị học tập, quán triệt Nghị quyết Đại hội Đại "
        "biểu Đảng bộ thành phố Hà Nội lần thứ XVII, nhiệm kỳ 2020 - 2025.",
        ("Văn Miếu - Quốc Tử Giám",),
    ),
    (
        "UBND phường Văn Miếu - Quốc Tử Giám tổ chức Lễ ra mắt Trung tâm phục vụ hành chính công",
        ("Văn Miếu - Quốc Tử Giám",),
    ),
    ("Phường Kim Liên ra quân tổng vệ sinh môi trường", ("Kim Liên",)),
    ("HĐND phường Đống Đa khóa I tổ chức kỳ họp thứ nhất", ("Đống Đa",)),
    ("Công an phường Hoàn Kiếm tuyên truyền phòng cháy chữa cháy", ("Hoàn Kiếm",)),
    ("MTTQ xã Bát Tràng trao quà cho hộ nghèo dịp Tết", ("Bát Tràng",)),
    ("Trạm Y tế xã Sóc Sơn tiêm chủng mở rộng", ("Sóc Sơn",)),
    ("Khánh thành nhà văn hóa tổ dân phố số 5, phường Khương Đình", ("Khương Đình",)),
    ("Xã Hòa Lạc tổ chức lễ giao nhận quân năm 2026", ("Hòa Lạc",)),
    ("UBND phường Phương Liệt tiếp công dân định kỳ", ("Phương Liệt",)),
    ("Phường Yên Hoà tổ chức Hội thi tiếng hát người cao tuổi", ("Yên Hòa",)),
    (
        "PHƯỜNG VĂN MIẾU - QUỐC TỬ GIÁM TỔ CHỨC HỘI NGHỊ TRIỂN KHAI NHIỆM VỤ",
        ("Văn Miếu - Quốc Tử Giám",),
    ),
    ("Đoàn viên phường Văn Miếu-Quốc Tử Giám tham gia hiến máu", ("Văn Miếu - Quốc Tử Giám",)),
    # abbreviations: "P. X", "P.X", "P X", "TT X"
    ("P. Ô Chợ Dừa: Tổ chức Hội nghị tiếp xúc cử tri", ("Ô Chợ Dừa",)),
    ("P.Láng tổ chức Ngày hội toàn dân bảo vệ an ninh Tổ quốc", ("Láng",)),
    ("P Giảng Võ triển khai cài đặt VNeID cho người dân", ("Giảng Võ",)),
    ("TT Trâu Quỳ (cũ) tổng kết phong trào thi đua", ("Gia Lâm", "Bát Tràng")),
    # several wards, lists after a plural, "và"
    (
        "Hội nghị giao ban các phường Kim Liên, Văn Miếu - Quốc Tử Giám và Ô Chợ Dừa",
        ("Kim Liên", "Văn Miếu - Quốc Tử Giám", "Ô Chợ Dừa"),
    ),
    ("Phường Kim Liên và phường Đống Đa phối hợp ra quân", ("Kim Liên", "Đống Đa")),
    ("Phường Láng phối hợp với phường Giảng Võ diễn tập phòng cháy", ("Láng", "Giảng Võ")),
    (
        "Các phường Thổ Quan, Văn Chương và Khâm Thiên hoàn thành bàn giao trụ sở",
        ("Văn Miếu - Quốc Tử Giám",),
    ),
    # former names: merged whole, split, shared by two former districts
    (
        "UBND phường Hàng Bột tổ chức tổng kết công tác năm 2020",
        ("Ô Chợ Dừa", "Văn Miếu - Quốc Tử Giám"),
    ),
    ("Phường Trúc Bạch (cũ) tổ chức lễ dâng hương", ("Ba Đình",)),
    ("Thị trấn Trâu Quỳ đón Bằng công nhận đô thị văn minh", ("Gia Lâm", "Bát Tràng")),
    ("Phường Quang Trung, quận Hà Đông tổ chức Đại hội Đảng bộ", ("Kiến Hưng", "Hà Đông")),
    ("Nông dân xã Đại Hùng, huyện Ứng Hòa thu hoạch lúa", ("Ứng Hòa",)),
    (
        "Phường Phương Liên - Trung Tự ra mắt câu lạc bộ dưỡng sinh",
        ("Văn Miếu - Quốc Tử Giám", "Kim Liên"),
    ),
    ("Trụ sở tại phường Thổ Quan, Đống Đa, Hà Nội", ("Văn Miếu - Quốc Tử Giám",)),
    # English
    (
        "Van Mieu - Quoc Tu Giam ward holds its first People's Council meeting",
        ("Văn Miếu - Quốc Tử Giám",),
    ),
    ("Residents of Tho Quan ward join the clean-up campaign", ("Văn Miếu - Quốc Tử Giám",)),
    # a bare name long enough to be safe
    (
        "Văn Miếu - Quốc Tử Giám ra mắt mô hình chính quyền địa phương hai cấp",
        ("Văn Miếu - Quốc Tử Giám",),
    ),
    # streets, districts, places, other words: nothing
    ("Thông xe tuyến phố Láng Hạ sau cải tạo", ()),
    ("Sửa chữa mặt đường Kim Liên mới", ()),
    ("Ngõ 79 Cầu Giấy ngập sâu sau mưa lớn", ()),
    ("Quận ủy Đống Đa tổng kết công tác năm 2020", ()),
    ("Quận Đống Đa triển khai chuyển đổi số", ()),
    ("Chợ Hàng Da mở cửa trở lại sau cải tạo", ()),
    ("Hồ Hoàn Kiếm đón hàng nghìn lượt khách dịp Tết", ()),
    ("Khai mạc triển lãm tại Khu di tích Văn Miếu - Quốc Tử Giám", ()),
    ("Thị xã Sơn Tây (cũ) tổng kết 10 năm xây dựng nông thôn mới", ()),
    ("Hợp tác xã Bát Tràng giới thiệu sản phẩm gốm", ()),
    ("Đẩy mạnh phát triển kinh tế - xã hội Hoài Đức", ()),
    ("Tuyến đường Hai Bà Trưng được chỉnh trang", ()),
    ("Bệnh viện Bạch Mai tiếp nhận bệnh nhân nặng", ()),
    ("Ga Hà Đông đông khách dịp lễ", ()),
    ("Trường THCS Văn Chương khai giảng năm học mới", ()),
    ("p. kim liên ra quân", ()),
    ("Ảnh: P.Linh", ()),
    ("Phường 15 (TP.HCM) tổ chức lễ ra mắt", ()),
    ("Các phường, xã trên địa bàn thành phố triển khai", ()),
    ("Phường Quang Trung tổ chức đối thoại với nhân dân", ()),  # which of three?
    ("Đoàn công tác làm việc tại phường Trung Tự", ()),  # not the former xã Trung Tú
    ("", ()),
]


@pytest.mark.parametrize(("text", "names"), CASES, ids=[c[0][:40] for c in CASES])
def test_tag_table(hanoi: WardRegistry, text: str, names: tuple[str, ...]) -> None:
    expected = tuple(code_of(hanoi, name) for name in names)
    assert tag(text, "", hanoi) == expected
    assert tag("", text, hanoi) == expected


def test_the_seed_article_is_about_van_mieu_quoc_tu_giam(
    hanoi: WardRegistry, shared_dir: Path
) -> None:
    lines = (shared_dir / "samples" / "tho-quan-article-2021-01-04.txt").read_text().splitlines()
    title, body = lines[2], "\n".join(lines[3:])
    assert title.startswith("Đảng ủy phường Thổ Quan")
    assert tag(title, body, hanoi) == (VMQTG,)


def test_title_wards_come_before_body_wards(hanoi: WardRegistry) -> None:
    assert tag("Phường Kim Liên ra quân", "cùng phường Ô Chợ Dừa", hanoi) == (KIM_LIEN, O_CHO_DUA)
    assert tag("Phường Kim Liên", "phường Kim Liên và phường Kim Liên", hanoi) == (KIM_LIEN,)


def test_nfd_text_tags_like_nfc(hanoi: WardRegistry) -> None:
    title = "Đảng ủy phường Thổ Quan và P. Kim Liên tổ chức hội nghị"
    assert tag(unicodedata.normalize("NFD", title), "", hanoi) == (VMQTG, KIM_LIEN)


def test_non_breaking_spaces_and_newlines(hanoi: WardRegistry) -> None:
    assert tag("UBND phường\u00a0Kim\u00a0Liên", "", hanoi) == (KIM_LIEN,)
    assert tag("", "Đảng ủy\nphường Thổ Quan\ntổ chức", hanoi) == (VMQTG,)


@pytest.mark.parametrize(
    ("pinned", "expected"),
    [
        ("00229", (KIM_LIEN,)),
        ("Kim Liên", (KIM_LIEN,)),
        ("phường Thổ Quan", (VMQTG,)),  # merged whole: its successor
        ("Hàng Bột", ()),  # split: no single ward to pin to
        ("Atlantis", ()),
    ],
)
def test_a_pinned_ward_overrides_the_text(
    hanoi: WardRegistry, pinned: str, expected: tuple[str, ...]
) -> None:
    assert tag("Phường Đống Đa ra quân", "", hanoi, pinned=pinned) == expected


@pytest.mark.parametrize("pinned", [None, "auto", "AUTO", ""])
def test_auto_or_no_pin_reads_the_text(hanoi: WardRegistry, pinned: str | None) -> None:
    assert tag("Phường Đống Đa ra quân", "", hanoi, pinned=pinned) == (DONG_DA,)


def test_names_that_fold_alike_are_told_apart_by_tones() -> None:
    quang_ngai = WardRegistry.from_config("Quảng Ngãi", [], [])
    assert tag("UBND xã Sơn Hạ họp dân", "", quang_ngai) == ("21292",)
    assert tag("xã Sơn Hà và xã Sơn Hạ ký kết", "", quang_ngai) == ("21289", "21292")
    assert tag("UBND xa Son Ha hop dan", "", quang_ngai) == ()  # cannot tell which


def test_only_served_wards_are_tagged() -> None:
    registry = WardRegistry.from_config("Hà Nội", ["Ô Chợ Dừa"], [])
    assert tag("UBND phường Hàng Bột và phường Kim Liên", "", registry) == (O_CHO_DUA,)


def test_tagging_5000_characters_is_fast(hanoi: WardRegistry) -> None:
    sentence = (
        "Ngày 29/12/2020, tại hội trường tầng 4 trụ sở Đảng ủy - HĐND - UBND phường Thổ Quan "
        "tổ chức hội nghị học tập; đồng chí Trưởng Ban Tuyên giáo Quận ủy Đống Đa chủ trì. "
    )
    body = (sentence * (5000 // len(sentence) + 1))[:5000]
    runs = 50
    seconds = timeit.timeit(lambda: tag("Tin tức", body, hanoi), number=runs) / runs
    assert seconds < 0.01  # measured ~0.3 ms; the bound only catches a regression


# Never raises --------------------------------------------------------------------

WARDISH = st.lists(
    st.sampled_from(
        ["phường", "Phường", "P.", "P", "xã", "Xã", "thị trấn", "TT", "các", "và", ",", "-",
         "Thổ Quan", "Hàng Bột", "Văn Miếu", "Quốc Tử Giám", "Quang Trung", "Đống Đa", "quận",
         "ward", "(cũ)", "\u0301", "\u00a0", "\n", "İ", "ß", "Ǆ"]
    ),
    max_size=30,
).map(" ".join)  # fmt: skip


@settings(max_examples=300, deadline=None)
@given(
    title=st.one_of(st.text(max_size=300), WARDISH),
    body=st.one_of(st.text(), WARDISH),
    pinned=st.one_of(st.none(), st.text(max_size=30), WARDISH),
)
def test_tag_never_raises(hanoi: WardRegistry, title: str, body: str, pinned: str | None) -> None:
    codes = tag(title, body, hanoi, pinned=pinned)
    assert all(hanoi.get(code) is not None for code in codes)
    assert len(set(codes)) == len(codes)
