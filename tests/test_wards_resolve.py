"""Ward registry and `resolve`: what a resident means by a ward name.

Runs on the shipped registry (bot/data/wards.json.gz); ../shared not needed.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.news.wards import Resolution, Ward, WardRegistry, resolve, tag


@dataclass(frozen=True, slots=True)
class Custom:
    """What bot.config passes for a [[wards.custom]] entry."""

    name: str
    aliases: tuple[str, ...] = ()


@pytest.fixture(scope="module")
def hanoi() -> WardRegistry:
    return WardRegistry.from_config("Hà Nội", [], [])


VMQTG = "Văn Miếu - Quốc Tử Giám"

# (query, kind, ward names): "ward"/"merged" name the one ward, "split" every
# successor (any order), "suggestions" the names that must be among them.
CASES: list[tuple[str, str, tuple[str, ...]]] = [
    # exact official names, with and without diacritics, any case
    (VMQTG, "ward", (VMQTG,)),
    ("van mieu quoc tu giam", "ward", (VMQTG,)),
    ("VĂN MIẾU - QUỐC TỬ GIÁM", "ward", (VMQTG,)),
    ("Kim Liên", "ward", ("Kim Liên",)),
    ("kim lien", "ward", ("Kim Liên",)),
    ("KIM LIÊN", "ward", ("Kim Liên",)),
    ("Ô Chợ Dừa", "ward", ("Ô Chợ Dừa",)),
    ("o cho dua", "ward", ("Ô Chợ Dừa",)),
    ("Hoàn Kiếm", "ward", ("Hoàn Kiếm",)),
    ("hoan kiem", "ward", ("Hoàn Kiếm",)),
    ("Ba Đình", "ward", ("Ba Đình",)),
    ("ba dinh", "ward", ("Ba Đình",)),
    ("Cầu Giấy", "ward", ("Cầu Giấy",)),
    ("Hai Bà Trưng", "ward", ("Hai Bà Trưng",)),
    ("Giang Vo", "ward", ("Giảng Võ",)),
    ("Tây Mỗ", "ward", ("Tây Mỗ",)),
    ("Bát Tràng", "ward", ("Bát Tràng",)),
    ("Sóc Sơn", "ward", ("Sóc Sơn",)),
    # type words and abbreviations before the name
    ("phường Kim Liên", "ward", ("Kim Liên",)),
    ("Phuong Kim Lien", "ward", ("Kim Liên",)),
    ("P. Kim Liên", "ward", ("Kim Liên",)),
    ("P.Kim Liên", "ward", ("Kim Liên",)),
    ("p kim lien", "ward", ("Kim Liên",)),
    ("xã Bát Tràng", "ward", ("Bát Tràng",)),
    ("Q. Đống Đa", "ward", ("Đống Đa",)),
    ("Hoàn Kiếm ward", "ward", ("Hoàn Kiếm",)),
    # both tone placements
    ("Yên Hòa", "ward", ("Yên Hòa",)),
    ("Yên Hoà", "ward", ("Yên Hòa",)),
    ("Hoà Lạc", "ward", ("Hòa Lạc",)),
    ("Ứng Hoà", "ward", ("Ứng Hòa",)),
    ("xã Dân Hoà", "ward", ("Dân Hòa",)),
    ("Hoà Xá", "ward", ("Hòa Xá",)),
    # hyphens and dashes
    ("Văn Miếu-Quốc Tử Giám", "ward", (VMQTG,)),
    ("Văn Miếu – Quốc Tử Giám", "ward", (VMQTG,)),
    ("Văn Miếu — Quốc Tử Giám", "ward", (VMQTG,)),
    ("Văn Miếu  -  Quốc  Tử  Giám", "ward", (VMQTG,)),
    # former units merged whole
    ("Thổ Quan", "merged", (VMQTG,)),
    ("tho quan", "merged", (VMQTG,)),
    ("THỔ QUAN", "merged", (VMQTG,)),
    ("P. Thổ Quan", "merged", (VMQTG,)),
    ("Ｔｈổ Ｑｕａｎ", "merged", (VMQTG,)),  # fullwidth letters
    ("phường Thổ Quan (cũ)", "merged", (VMQTG,)),
    ("Phường Thổ Quan cũ", "merged", (VMQTG,)),
    ("Văn Chương", "merged", (VMQTG,)),
    ("Khâm Thiên", "merged", (VMQTG,)),
    ("Trúc Bạch", "merged", ("Ba Đình",)),
    ("Quán Thánh", "merged", ("Ba Đình",)),
    ("Hàng Mã", "merged", ("Hoàn Kiếm",)),
    ("Nghĩa Tân", "merged", ("Nghĩa Đô",)),
    ("Đại Hưng", "merged", ("Mỹ Đức",)),
    ("Đại Hùng", "merged", ("Ứng Hòa",)),
    ("Yên Viên", "merged", ("Phù Đổng",)),
    # former units split, or one former name in several former districts
    ("Hàng Bột", "split", ("Ô Chợ Dừa", VMQTG)),
    ("hang bot", "split", ("Ô Chợ Dừa", VMQTG)),
    ("Kim Mã", "split", ("Ba Đình", "Ngọc Hà", "Giảng Võ")),
    ("Láng Hạ", "split", ("Giảng Võ", "Láng", "Đống Đa")),
    ("Phương Mai", "split", ("Kim Liên", "Bạch Mai")),
    ("thị trấn Trâu Quỳ", "split", ("Gia Lâm", "Bát Tràng")),
    ("TT Trâu Quỳ", "split", ("Gia Lâm", "Bát Tràng")),
    ("dai hung", "split", ("Mỹ Đức", "Ứng Hòa")),
    ("phường Quang Trung", "split", ("Kim Liên", "Đống Đa", "Kiến Hưng", "Hà Đông")),
    ("xã Quang Trung", "split", ("Kiều Phú", "Tây Phương")),
    # typos, missing spaces, missing words
    ("Kim Lienn", "suggestions", ("Kim Liên",)),
    ("tho quann", "suggestions", (VMQTG,)),
    ("Hoan Kiemm", "suggestions", ("Hoàn Kiếm",)),
    ("caugiay", "suggestions", ("Cầu Giấy",)),
    ("khuong dinhh", "suggestions", ("Khương Đình",)),
    ("Ô Chợ Dừaa", "suggestions", ("Ô Chợ Dừa",)),
    ("van mieu", "suggestions", (VMQTG,)),
    ("Quốc Tử Giám", "suggestions", (VMQTG,)),
    # names of other provinces are not wards here
    ("Ninh Kiều", "none", ()),
    ("Sa Pa", "none", ()),
    # empty and garbage
    ("", "none", ()),
    ("   ", "none", ()),
    ("!!!", "none", ()),
    ("xyz", "none", ()),
    ("phường", "none", ()),
    ("P.", "none", ()),
    ("a", "none", ()),
    ("12345", "none", ()),
    ("🙂", "none", ()),
    ("x" * 5000, "none", ()),
]


@pytest.mark.parametrize(("query", "kind", "names"), CASES, ids=[c[0][:30] for c in CASES])
def test_resolve_table(hanoi: WardRegistry, query: str, kind: str, names: tuple[str, ...]) -> None:
    found = resolve(query, hanoi)
    got = [ward.name for ward in found.wards]
    assert found.kind == kind, got
    if kind in ("ward", "merged"):
        assert got == list(names)
    elif kind == "split":
        assert sorted(got) == sorted(names)
    else:
        assert set(names) <= set(got)
        assert len(got) <= 5


@pytest.mark.parametrize(
    "query", ["Văn Miếu - Quốc Tử Giám", "Thổ Quan", "phường Hàng Bột", "Hoà Lạc", "Kim Lienn"]
)
def test_nfd_input_resolves_like_nfc(hanoi: WardRegistry, query: str) -> None:
    assert resolve(unicodedata.normalize("NFD", query), hanoi) == resolve(query, hanoi)


def test_merged_answer_names_the_former_ward(hanoi: WardRegistry) -> None:
    found = resolve("tho quan", hanoi)
    assert found.ward is not None and found.ward.code == "00226"
    assert found.former_name == "phường Thổ Quan"
    assert found.former[0].district == "Đống Đa" and found.former[0].code == "00205"
    former = found.former_name[0].upper() + found.former_name[1:]
    sentence = f"{former} (cũ) nay thuộc {found.ward.display_name}."
    assert sentence == "Phường Thổ Quan (cũ) nay thuộc phường Văn Miếu - Quốc Tử Giám."


def test_split_answer_has_no_single_ward(hanoi: WardRegistry) -> None:
    found = resolve("Hàng Bột", hanoi)
    assert found.ward is None
    assert found.former_name == "phường Hàng Bột"


def test_a_served_code_resolves_to_its_ward(hanoi: WardRegistry) -> None:
    assert resolve("00226", hanoi) == Resolution("ward", (hanoi.get("00226"),))


def test_a_shared_name_resolves_within_the_configured_province(hanoi: WardRegistry) -> None:
    nghe_an = WardRegistry.from_config("Nghệ An", [], [])
    assert [w.code for w in resolve("Bình Minh", hanoi).wards] == ["10126"]
    assert [w.code for w in resolve("Bình Minh", nghe_an).wards] == ["17515"]
    assert resolve("Bến Thành", hanoi).kind not in ("ward", "merged", "split")
    hcm = WardRegistry.from_config("TP. Hồ Chí Minh", [], [])
    assert [w.code for w in resolve("ben thanh", hcm).wards] == ["26743"]


def test_a_former_name_of_two_districts_offers_both_successors() -> None:
    hung_yen = WardRegistry.from_config("Hưng Yên", [], [])
    found = resolve("Bình Minh", hung_yen)
    assert found.kind == "split"
    assert {unit.district for unit in found.former} == {"Khoái Châu", "Kiến Xương"}


@pytest.mark.parametrize(
    ("query", "kind", "codes"),
    [
        ("Sơn Hà", "ward", ["21289"]),
        ("Sơn Hạ", "ward", ["21292"]),
        ("xã Sơn Hạ", "ward", ["21292"]),
        ("son ha", "suggestions", ["21289", "21292"]),
    ],
)
def test_names_that_fold_alike_are_told_apart_by_tones(
    query: str, kind: str, codes: list[str]
) -> None:
    quang_ngai = WardRegistry.from_config("Quảng Ngãi", [], [])
    found = resolve(query, quang_ngai)
    assert found.kind == kind
    assert sorted(w.code for w in found.wards) == codes


# Registry construction ---------------------------------------------------------


@pytest.mark.parametrize(
    "province", ["Hà Nội", "Thành phố Hà Nội", "ha noi", "HÀ NỘI", "TP Hà Nội", "01", "1"]
)
def test_province_by_name_or_code(province: str) -> None:
    registry = WardRegistry.from_config(province, [], [])
    assert registry.province is not None and registry.province.code == "01"
    assert len(registry) == 126


def test_hanoi_has_51_phuong_and_75_xa(hanoi: WardRegistry) -> None:
    kinds = [ward.kind for ward in hanoi.all()]
    assert (kinds.count("phường"), kinds.count("xã")) == (51, 75)


def test_unknown_province_is_a_clear_error() -> None:
    with pytest.raises(ValueError, match="unknown province 'Atlantis'"):
        WardRegistry.from_config("Atlantis", [], [])


def test_ward_record_and_display_name(hanoi: WardRegistry) -> None:
    ward = hanoi.get("00226")
    assert ward is not None
    assert (ward.name, ward.kind, ward.province) == (VMQTG, "phường", "Hà Nội")
    assert ward.display_name == "phường Văn Miếu - Quốc Tử Giám"
    assert {"Thổ Quan", "Văn Chương", "Khâm Thiên", "Hàng Bột"} <= set(ward.former)
    assert hanoi.get("00205") is None  # a former code is not a served ward


def test_all_is_ordered_by_folded_name(hanoi: WardRegistry) -> None:
    names = [ward.name for ward in hanoi.all()]
    assert names[0] == "An Khánh"
    assert names.index("Đống Đa") < names.index("Gia Lâm")  # Đ sorts as D
    assert names.index("Ô Chợ Dừa") < names.index("Phù Đổng")


def test_by_letter_groups_wards_for_a_picker(hanoi: WardRegistry) -> None:
    groups = hanoi.by_letter()
    assert "Đống Đa" in [w.name for w in groups["D"]]
    assert "Ô Chợ Dừa" in [w.name for w in groups["O"]]
    assert sum(len(wards) for wards in groups.values()) == 126
    assert list(groups) == sorted(groups)


def test_only_restricts_and_keeps_former_names() -> None:
    registry = WardRegistry.from_config(
        "Hà Nội", ["Văn Miếu - Quốc Tử Giám", "phường Ô Chợ Dừa"], []
    )
    assert sorted(w.code for w in registry.all()) == ["00190", "00226"]
    assert resolve("Thổ Quan", registry).kind == "merged"
    assert [w.code for w in resolve("Hàng Bột", registry).wards] == ["00190", "00226"]
    assert resolve("Láng Hạ", registry).kind == "none"
    assert resolve("Kim Liên", registry).kind != "ward"


def test_only_with_one_successor_served_still_says_split() -> None:
    registry = WardRegistry.from_config("Hà Nội", ["Ô Chợ Dừa"], [])
    found = resolve("Hàng Bột", registry)
    assert found.kind == "split" and [w.code for w in found.wards] == ["00190"]


@pytest.mark.parametrize(
    ("only", "message"),
    [
        (["Atlantis"], "unknown ward 'Atlantis' in Hà Nội"),
        (["Thổ Quan"], "'Thổ Quan' is a former ward of Hà Nội, now part of phường Văn Miếu"),
        (["Kim Lienn"], "did you mean phường Kim Liên"),
    ],
)
def test_only_with_an_unknown_name_is_a_clear_error(only: list[str], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        WardRegistry.from_config("Hà Nội", only, [])


# Custom wards ------------------------------------------------------------------


def test_without_province_the_registry_is_exactly_the_custom_list() -> None:
    custom = [Custom(VMQTG, ("Thổ Quan", "Văn Chương")), Custom("Xã Bát Tràng")]
    registry = WardRegistry.from_config(None, [], custom)
    assert [w.code for w in registry.all()] == ["x-bat-trang", "x-van-mieu-quoc-tu-giam"]
    assert registry.province is None
    vmqtg = registry.get("x-van-mieu-quoc-tu-giam")
    assert vmqtg == Ward("x-van-mieu-quoc-tu-giam", VMQTG, "phường", "", ("Thổ Quan", "Văn Chương"))
    assert registry.get("x-bat-trang") == Ward("x-bat-trang", "Bát Tràng", "xã", "")


def test_a_custom_alias_resolves_and_tags_without_province() -> None:
    registry = WardRegistry.from_config(None, [], [Custom(VMQTG, ("Thổ Quan",))])
    assert resolve("tho quan", registry) == Resolution("ward", registry.all())
    assert resolve("Kim Liên", registry).kind == "none"
    title = "Đảng ủy phường Thổ Quan tổ chức hội nghị"
    assert tag(title, "", registry) == ("x-van-mieu-quoc-tu-giam",)


def test_a_custom_entry_adds_aliases_to_a_known_ward() -> None:
    registry = WardRegistry.from_config(
        "Hà Nội", [], [Custom("van mieu - quoc tu giam", ("Hồ Văn",))]
    )
    ward = registry.get("00226")
    assert ward is not None and ward.aliases == ("Hồ Văn",)
    assert len(registry) == 126
    assert resolve("Hồ Văn", registry).ward == ward
    assert resolve("Thổ Quan", registry).kind == "merged"


def test_a_custom_alias_equal_to_a_former_name_still_says_merged() -> None:
    registry = WardRegistry.from_config("Hà Nội", [], [Custom(VMQTG, ("Thổ Quan",))])
    found = resolve("Thổ Quan", registry)
    assert found.kind == "merged" and found.former_name == "phường Thổ Quan"


def test_a_custom_ward_unknown_to_the_registry_is_added() -> None:
    registry = WardRegistry.from_config("Hà Nội", ["Kim Liên"], [Custom("Khu đô thị Ciputra")])
    assert sorted(w.code for w in registry.all()) == ["00229", "x-khu-do-thi-ciputra"]
    assert resolve("khu do thi ciputra", registry).ward == registry.get("x-khu-do-thi-ciputra")


def test_a_custom_known_ward_outside_only_is_served() -> None:
    registry = WardRegistry.from_config("Hà Nội", ["Kim Liên"], [Custom("Ô Chợ Dừa", ("OCD",))])
    assert sorted(w.code for w in registry.all()) == ["00190", "00229"]


def test_a_custom_entry_with_an_empty_name_is_an_error() -> None:
    with pytest.raises(ValueError, match=r"wards\.custom"):
        WardRegistry.from_config(None, [], [Custom("  ")])


# Never raises ------------------------------------------------------------------

VIETNAMESE = st.text(
    alphabet=st.sampled_from(
        list("aăâbcdđeêghiklmnoôơpqrstuưvxyàáảãạờớởỡợ ĐƠƯ-–.,()P\u0301\u0323")
    ),
    max_size=40,
)


@settings(max_examples=300, deadline=None)
@given(query=st.one_of(st.text(max_size=200), VIETNAMESE))
def test_resolve_never_raises(hanoi: WardRegistry, query: str) -> None:
    found = resolve(query, hanoi)
    assert found.kind in ("ward", "merged", "split", "suggestions", "none")
    if found.kind == "suggestions":
        assert 0 < len(found.wards) <= 5
