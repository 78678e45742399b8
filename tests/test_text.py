"""Text: cleaning scraped text, the matching fold, and Vietnamese sentences."""

from __future__ import annotations

import html
import re
import unicodedata

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.news.text import (
    clean_again,
    clean_paragraphs,
    clean_text,
    fix_mojibake,
    fold,
    split_sentences,
)

VIETNAMESE = (
    "aăâbcdđeêghiklmnoôơpqrstuưvxyàáảãạằắẳẵặầấẩẫậèéẻẽẹềếểễệìíỉĩịòóỏõọồốổỗộờớởỡợùúủũụừứửữựỳýỷỹỵ"
)
vietnamese_text = st.text(alphabet=VIETNAMESE + VIETNAMESE.upper() + " ", max_size=80)


def mojibake(text: str) -> str:
    """UTF-8 bytes read as Windows-1252 the way browsers do (holes become C1 controls)."""
    out = []
    for byte in text.encode("utf-8"):
        try:
            out.append(bytes([byte]).decode("cp1252"))
        except UnicodeDecodeError:
            out.append(chr(byte))
    return "".join(out)


# --- fold -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("Hoà", "Hòa"),
        ("Thuỷ", "Thủy"),
        ("khoẻ", "khỏe"),
        ("Đường Láng", "duong lang"),
        ("ĐỐNG ĐA", "đống đa"),
        ("Phường  Thổ\tQuan", "phuong tho quan"),
    ],
)
def test_fold_unifies_case_marks_and_tone_placement(a: str, b: str) -> None:
    assert fold(a) == fold(b)


def test_fold_turns_d_with_stroke_into_d() -> None:
    assert fold("Đống Đa đẹp") == "dong da dep"


def test_fold_reads_decomposed_input_like_composed() -> None:
    composed = "Văn Miếu - Quốc Tử Giám"
    assert (
        fold(unicodedata.normalize("NFD", composed)) == fold(composed) == "van mieu - quoc tu giam"
    )


def test_fold_reads_fullwidth_letters_as_letters() -> None:
    assert fold("Ｐ. Ｔｈổ Ｑｕａｎ") == fold("P. Thổ Quan") == "p. tho quan"


@given(st.text(max_size=100))
def test_fold_is_idempotent(text: str) -> None:
    assert fold(fold(text)) == fold(text)


def reference_fold(text: str) -> str:
    """fold as first written (the whole text at once): the one word by word must agree."""
    decomposed = unicodedata.normalize("NFKD", text.translate({ord("đ"): "d", ord("Đ"): "d"}))
    bare = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return " ".join(bare.casefold().split())


# Text of every kind, with the characters the fast paths treat apart.
awkward_text = st.text(
    alphabet=st.one_of(
        st.characters(),
        st.sampled_from(VIETNAMESE + "đĐ \t\n\r\u00a0\u200b\u00ad\ufeff\x85\u2028&;#"),
        st.sampled_from([chr(c) for c in range(0x300, 0x370)] + ["\u034f", "İ", "ǰ", "ᾳ", "ß"]),
    ),
    max_size=120,
)


@given(awkward_text)
def test_fold_agrees_with_the_character_by_character_fold(text: str) -> None:
    assert fold(text) == reference_fold(text)


# --- clean_text -----------------------------------------------------------


def reference_clean_text(s: str) -> str:
    """clean_text as first written: the faster one must give the same text."""
    invisible = dict.fromkeys(map(ord, "\u200b\u200c\u200d\ufeff\u00ad\u2060"))
    text = fix_mojibake(html.unescape(s))
    text = unicodedata.normalize("NFC", text).translate(invisible)
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = re.sub(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]", "", text)
    lines = [re.sub(r"[^\S\n]+", " ", line).strip() for line in text.split("\n")]
    return re.sub(r"\n\s*\n", "\n\n", "\n".join(lines)).strip()


@given(awkward_text)
def test_clean_text_agrees_with_the_first_clean_text(text: str) -> None:
    assert clean_text(text) == reference_clean_text(text)


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("Th&ocirc;ng tin v&agrave; Truyền th&ocirc;ng", "Thông tin và Truyền thông"),
        ("B&#7897; C&ocirc;ng Thương", "Bộ Công Thương"),
        ("TT&amp;TT H&agrave; Nội", "TT&TT Hà Nội"),
        ("&#034;Chạm tới tương lai&#034;", '"Chạm tới tương lai"'),
        ("17:44&nbsp;|&nbsp;Lượt xem", "17:44 | Lượt xem"),
        ("  Thổ\u00a0\u00a0Quan  ", "Thổ Quan"),
        ("Phư\u200bờng\ufeff Kim\u200d Liên", "Phường Kim Liên"),
        ("tuyên\u00adtruyền", "tuyêntruyền"),
        ("a \t b", "a b"),
        ("dòng một  \n  dòng hai", "dòng một\ndòng hai"),
        ("một\n\n\n\nhai", "một\n\nhai"),
        ("ký tự\x00 điều khiển\x07", "ký tự điều khiển"),
    ],
)
def test_clean_text_decodes_entities_and_tidies_whitespace(raw: str, clean: str) -> None:
    assert clean_text(raw) == clean


def test_clean_text_composes_decomposed_text() -> None:
    decomposed = unicodedata.normalize("NFD", "Nghị quyết Đại hội")
    assert clean_text(decomposed) == "Nghị quyết Đại hội"
    assert unicodedata.is_normalized("NFC", clean_text(decomposed))


def test_clean_text_repairs_mojibake() -> None:
    assert clean_text(mojibake("Phường Thổ Quan")) == "Phường Thổ Quan"


def test_mojibake_of_phuong_is_repaired() -> None:
    assert fix_mojibake("PhÆ°á»\x9dng") == "Phường"


def test_mojibake_fragment_inside_good_text_is_repaired() -> None:
    assert fix_mojibake("Tin " + mojibake("Hà Nội") + " hôm nay") == "Tin Hà Nội hôm nay"


@pytest.mark.parametrize(
    "text",
    ["Hà Nội", "Thông báo số 5", "Café ©2021", "Ã là chữ cái", "plain ascii", "Phường Thổ Quan"],
)
def test_text_that_is_not_mojibake_is_unchanged(text: str) -> None:
    assert fix_mojibake(text) == text


@given(vietnamese_text)
def test_mojibake_round_trip_restores_vietnamese(text: str) -> None:
    assert fix_mojibake(mojibake(text)) == text


@given(st.text(max_size=200))
def test_clean_text_never_raises(text: str) -> None:
    cleaned = clean_text(text)
    assert cleaned == cleaned.strip()
    assert "\u200b" not in cleaned


@given(awkward_text)
def test_cleaning_clean_text_again_is_clean_again(text: str) -> None:
    once = clean_text(text)
    assert clean_again(once) == clean_text(once)


@pytest.mark.parametrize(
    ("raw", "twice"),
    [
        ("&amp;quot;Chạm tới tương lai&amp;quot;", '"Chạm tới tương lai"'),  # escaped twice
        (mojibake(mojibake("Thổ Quan")), "Thổ Quan"),  # mojibake of mojibake
        ("e\u200b\u0301", "é"),  # the zero-width space kept the mark apart
        ("Phường Thổ Quan", "Phường Thổ Quan"),
    ],
)
def test_clean_again_cleans_what_a_second_cleaning_changes(raw: str, twice: str) -> None:
    once = clean_text(raw)
    assert clean_again(once) == clean_text(once) == twice


def test_clean_paragraphs_drops_blank_and_space_only_lines() -> None:
    raw = "Đoạn một.\n\n\u00a0\n  Đoạn hai  \r\n\r\nĐoạn ba."
    assert clean_paragraphs(raw) == ["Đoạn một.", "Đoạn hai", "Đoạn ba."]


# --- split_sentences ------------------------------------------------------

SENTENCES = [
    ("Phường tổ chức họp. Mọi người đều dự.", ["Phường tổ chức họp.", "Mọi người đều dự."]),
    ("Xin chào! Tôi gửi tin.", ["Xin chào!", "Tôi gửi tin."]),
    ("Bạn khỏe không? Ổn cả.", ["Bạn khỏe không?", "Ổn cả."]),
    ("Họ chờ rất lâu… Đến trưa mới xong.", ["Họ chờ rất lâu…", "Đến trưa mới xong."]),
    ("Họ chờ... Đến trưa mới xong.", ["Họ chờ...", "Đến trưa mới xong."]),
    ("Họ chờ… rồi ra về.", ["Họ chờ… rồi ra về."]),
    ("Họ chờ... rồi ra về.", ["Họ chờ... rồi ra về."]),
    (
        "Ông về TP. Hồ Chí Minh hôm qua. Sau đó đi tiếp.",
        ["Ông về TP. Hồ Chí Minh hôm qua.", "Sau đó đi tiếp."],
    ),
    ("Trụ sở ở Q. Đống Đa.", ["Trụ sở ở Q. Đống Đa."]),
    ("Họp tại P. Thổ Quan. Đông đủ.", ["Họp tại P. Thổ Quan.", "Đông đủ."]),
    ("TS. Nguyễn Văn An trình bày.", ["TS. Nguyễn Văn An trình bày."]),
    ("ThS. Lê Thị Bình phát biểu.", ["ThS. Lê Thị Bình phát biểu."]),
    ("PGS. Trần Công và GS. Vũ Minh dự.", ["PGS. Trần Công và GS. Vũ Minh dự."]),
    ("PGS.TS. Trần Công dự họp.", ["PGS.TS. Trần Công dự họp."]),
    (
        "BS. Hoàng Lan khám bệnh. Người dân hài lòng.",
        ["BS. Hoàng Lan khám bệnh.", "Người dân hài lòng."],
    ),
    ("Đội St. Martin đến thăm.", ["Đội St. Martin đến thăm."]),
    ("Đ/c Hương phát biểu. Đồng chí nhấn mạnh.", ["Đ/c Hương phát biểu.", "Đồng chí nhấn mạnh."]),
    ("Th.S Phạm Hải chủ trì. Hội nghị kết thúc.", ["Th.S Phạm Hải chủ trì.", "Hội nghị kết thúc."]),
    ("Ghé TT. Văn Điển sáng nay.", ["Ghé TT. Văn Điển sáng nay."]),
    ("Ông N.V.A. Nguyễn trình bày.", ["Ông N.V.A. Nguyễn trình bày."]),
    ("Ngày 29/12/2020 phường họp. Đủ mặt.", ["Ngày 29/12/2020 phường họp.", "Đủ mặt."]),
    ("Ngày 05.11.2026 sẽ họp.", ["Ngày 05.11.2026 sẽ họp."]),
    ("Hỗ trợ 500.000 đồng. Tổng 1.000 hộ.", ["Hỗ trợ 500.000 đồng.", "Tổng 1.000 hộ."]),
    ("Tăng 3,5 phần trăm. Vượt kế hoạch.", ["Tăng 3,5 phần trăm.", "Vượt kế hoạch."]),
    ("Gọi 024.3851.2345 để hỏi.", ["Gọi 024.3851.2345 để hỏi."]),
    ("Xem hanoi.gov.vn để biết thêm.", ["Xem hanoi.gov.vn để biết thêm."]),
    ("Truy cập hanoi.gov.vn. Sau đó đăng ký.", ["Truy cập hanoi.gov.vn.", "Sau đó đăng ký."]),
    (
        "Chủ đề: “Đoàn kết, sáng tạo”. Chủ đề rõ ràng.",
        ["Chủ đề: “Đoàn kết, sáng tạo”.", "Chủ đề rõ ràng."],
    ),
    (
        "Ông nói: “Chúng tôi sẽ làm.” Sau đó ông đi.",
        ["Ông nói: “Chúng tôi sẽ làm.”", "Sau đó ông đi."],
    ),
    ("Báo cáo của UBND. Ủy ban sẽ làm tiếp.", ["Báo cáo của UBND.", "Ủy ban sẽ làm tiếp."]),
    ("Vâng ạ. Tôi hiểu rồi.", ["Vâng ạ.", "Tôi hiểu rồi."]),
    ("Đạt 20 tỷ đồng. 3 dự án hoàn thành.", ["Đạt 20 tỷ đồng.", "3 dự án hoàn thành."]),
    ("1. Nội dung thứ nhất", ["1. Nội dung thứ nhất"]),
    ("II. NHIỆM VỤ TRỌNG TÂM", ["II. NHIỆM VỤ TRỌNG TÂM"]),
    ("a. Mục tiêu chung", ["a. Mục tiêu chung"]),
    ("Dòng một không dấu chấm\nDòng hai.", ["Dòng một không dấu chấm", "Dòng hai."]),
    ("Đoạn một.\n\nĐoạn hai.", ["Đoạn một.", "Đoạn hai."]),
    (
        "Năm học mới. Ân tình thầy trò. Ơn nghĩa.",
        ["Năm học mới.", "Ân tình thầy trò.", "Ơn nghĩa."],
    ),
    ("Xong rồi. (Ảnh: Minh Anh)", ["Xong rồi.", "(Ảnh: Minh Anh)"]),
    ("giá tăng.giảm sau", ["giá tăng.giảm sau"]),
    ("", []),
    ("   \n  ", []),
]


@pytest.mark.parametrize(("text", "expected"), SENTENCES)
def test_sentence_splitter(text: str, expected: list[str]) -> None:
    assert split_sentences(text) == expected


@given(st.text(max_size=300))
def test_split_sentences_keeps_all_text(text: str) -> None:
    sentences = split_sentences(text)
    assert all(s and s == s.strip() and "\n" not in s for s in sentences)
    assert "".join("".join(sentences).split()) == "".join(text.split())
