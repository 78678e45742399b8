"""Summary: whole lead sentences, without captions, credits, headings or bylines."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.news.summary import (
    _DATE_DIGITS,
    find_byline,
    is_byline,
    is_caption,
    strip_noise,
    summarise,
)
from bot.news.text import clean_paragraphs

SEED = "samples/tho-quan-article-2021-01-04.txt"

ARTICLE = [
    "TIN TỨC - SỰ KIỆN",
    "Phường Kim Liên ra quân làm sạch ngõ xóm.",
    "Ngày đăng 12/03/2024 | 08:15 | Lượt xem: 57",
    "Sáng 10/3, UBND phường Kim Liên tổ chức ra quân làm sạch các ngõ xóm. "
    "Hơn 200 người dân đã tham gia. Ban tổ chức trao 30 phần quà. "
    "Buổi ra quân kết thúc lúc 11 giờ.",
    "Người dân dọn dẹp ngõ 46",
    "Ảnh: Minh Anh",
    "Phong trào sẽ được duy trì hằng tháng.",
    "Trần Thu Hà",
]


def _seed(shared_dir: Path) -> list[str]:
    return clean_paragraphs((shared_dir / SEED).read_text(encoding="utf-8"))


# --- the seed article -----------------------------------------------------


def test_seed_article_byline_is_found(shared_dir: Path) -> None:
    assert find_byline(_seed(shared_dir)) == "Cao Xuân Dũng"


def test_seed_article_summary_is_its_lead(shared_dir: Path) -> None:
    summary = summarise(_seed(shared_dir))
    assert summary.startswith("Ngày 29/12/2020, tại hội trường")
    assert "Quang cảnh hội trường" not in summary
    assert "Cao Xuân Dũng" not in summary
    assert "Lượt xem" not in summary
    assert len(summary) <= 400
    assert summary[-1] in ".!?…" or summary[-1].isalnum()


def test_seed_article_noise_is_stripped(shared_dir: Path) -> None:
    body = strip_noise(_seed(shared_dir))
    assert body[0].startswith("Ngày 29/12/2020")
    assert "Quang cảnh hội trường" not in body
    assert "Cao Xuân Dũng" not in body
    assert not any(line.startswith("HOẠT ĐỘNG") for line in body)
    assert not any(line.startswith("Đ/c ") for line in body)


# --- summarise ------------------------------------------------------------


def test_summary_takes_three_lead_sentences_after_the_page_header() -> None:
    assert summarise(ARTICLE) == (
        "Sáng 10/3, UBND phường Kim Liên tổ chức ra quân làm sạch các ngõ xóm. "
        "Hơn 200 người dân đã tham gia. Ban tổ chức trao 30 phần quà."
    )


def test_summary_respects_max_sentences() -> None:
    summary = summarise(ARTICLE, max_sentences=2, min_sentences=1)
    assert summary.endswith("Hơn 200 người dân đã tham gia.")


def test_summary_stops_before_a_sentence_that_does_not_fit() -> None:
    summary = summarise(ARTICLE, max_chars=100)
    assert summary == (
        "Sáng 10/3, UBND phường Kim Liên tổ chức ra quân làm sạch các ngõ xóm. "
        "Hơn 200 người dân đã tham gia."
    )


def test_summary_runs_on_into_the_next_paragraph() -> None:
    paragraphs = ["Câu mở đầu ngắn gọn của bài viết này.", "Câu thứ hai nằm ở đoạn sau."]
    assert summarise(paragraphs) == " ".join(paragraphs)


def test_long_first_sentence_is_cut_at_a_word_with_ellipsis() -> None:
    sentence = "Phường " + " ".join(["tổ chức hội nghị tuyên truyền"] * 30) + "."
    summary = summarise([sentence], max_chars=120)
    assert len(summary) <= 120
    assert summary.endswith("…")
    assert sentence.startswith(summary[:-1])
    assert sentence[len(summary) - 1] == " "  # the cut fell between two words


@pytest.mark.parametrize(
    ("lead", "expected"),
    [
        ("(HNM) - Sáng 16/5, phường tổ chức hội nghị.", "Sáng 16/5, phường tổ chức hội nghị."),
        ("HÀ NỘI - Chiều qua, phường họp dân.", "Chiều qua, phường họp dân."),
        ("HNP - Sáng 16/5, UBND phường họp.", "Sáng 16/5, UBND phường họp."),
        ("(Chinhphu.vn) – Sáng nay, phường ra quân.", "Sáng nay, phường ra quân."),
        (
            "Đảng ủy - HĐND - UBND phường họp sáng nay.",
            "Đảng ủy - HĐND - UBND phường họp sáng nay.",
        ),
    ],
)
def test_dateline_is_stripped_from_the_lead(lead: str, expected: str) -> None:
    assert summarise([lead]) == expected


def test_dateline_only_opening_is_skipped() -> None:
    paragraphs = ["Ngày đăng 04/01/2021 | 17:44 | Lượt xem: 32", "Phường họp dân. Dân đồng tình."]
    assert summarise(paragraphs) == "Phường họp dân. Dân đồng tình."


def test_paragraph_without_final_stop_ends_with_a_period() -> None:
    lead = "Ngày 4/1, phường tổ chức hội nghị học tập nghị quyết với sự tham dự của đông đủ cán bộ"
    assert summarise([lead]) == lead + "."


def test_summary_of_only_noise_is_empty() -> None:
    assert summarise(["HOẠT ĐỘNG CÁC PHƯỜNG", "Ngày đăng 04/01/2021 | 17:44", ""]) == ""


def test_short_unpunctuated_lead_is_kept_when_nothing_else_is_left() -> None:
    assert (
        summarise(["Phường Kim Liên ra quân dọn vệ sinh"]) == "Phường Kim Liên ra quân dọn vệ sinh."
    )


def test_bad_sentence_bounds_are_refused() -> None:
    with pytest.raises(ValueError):
        summarise(["Câu."], min_sentences=3, max_sentences=2)


paragraph_lists = st.lists(st.text(max_size=300), max_size=8)


@given(paragraph_lists, st.integers(min_value=1, max_value=600))
def test_summary_never_exceeds_max_chars(paragraphs: list[str], max_chars: int) -> None:
    assert len(summarise(paragraphs, max_chars=max_chars)) <= max_chars


@given(paragraph_lists)
def test_noise_helpers_never_raise(paragraphs: list[str]) -> None:
    strip_noise(paragraphs)
    find_byline(paragraphs)
    for line in paragraphs:
        is_caption(line)
        is_byline(line)


@given(paragraph_lists)
def test_clean_paragraphs_give_the_same_answers_told_they_are_clean(
    paragraphs: list[str],
) -> None:
    clean = [line for p in paragraphs for line in clean_paragraphs(p)]
    assert strip_noise(clean, cleaned=True) == strip_noise(clean) == strip_noise(paragraphs)
    assert find_byline(clean, cleaned=True) == find_byline(clean)
    assert summarise(clean, cleaned=True) == summarise(clean)


def test_lines_told_clean_still_lose_entities_escaped_twice() -> None:
    # The parsers decoded one level already; a second one must still go.
    lines = ["Phường Kim Liên ra quân làm sạch ngõ xóm &amp;amp; đường phố."]
    once = [line for p in lines for line in clean_paragraphs(p)]
    assert strip_noise(once, cleaned=True) == strip_noise(once)
    assert strip_noise(once, cleaned=True) == [
        "Phường Kim Liên ra quân làm sạch ngõ xóm & đường phố."
    ]


@given(st.text(alphabet="0123456789/.-: \t\u00a0aZ", max_size=40))
def test_the_date_digits_regex_finds_what_it_did_before(text: str) -> None:
    before = re.compile(r"\d{1,4}\s*[/.-]\s*\d{1,2}\s*[/.-]\s*\d{1,4}|\d{1,2}:\d{2}")
    assert _DATE_DIGITS.sub("|", text) == before.sub("|", text)


# --- captions and bylines -------------------------------------------------


@pytest.mark.parametrize(
    "line",
    [
        "Quang cảnh hội trường",
        "Ảnh: Minh Anh",
        "Ảnh : Nguyễn Hà",
        "(Ảnh: PV)",
        "Nguồn: Cổng thông tin quận",
        "Tác giả: Lê Văn Bình",
        "Ảnh minh họa",
        "Đại biểu dự hội nghị",
        "Đ/c Đinh Lan - Trưởng ban chủ trì hội nghị và trực tiếp thông tin, quán triệt nội dung",
    ],
)
def test_caption_lines_are_recognised(line: str) -> None:
    assert is_caption(line)


@pytest.mark.parametrize(
    "line",
    [
        "Phường tổ chức hội nghị.",
        "Đồng chí nhấn mạnh: văn kiện được chuẩn bị công phu.",
        "- Tổ dân phố số 5",
        "1. Nội dung thứ nhất",
        "Ảnh hưởng của mưa lớn khiến nhiều tuyến phố ngập sâu.",
        "Ngày 29/12/2020, tại hội trường tầng 4, phường tổ chức hội nghị học tập nghị quyết "
        "đại hội với sự tham dự của toàn thể cán bộ đảng viên trong phường",
        "",
    ],
)
def test_body_lines_are_not_captions(line: str) -> None:
    assert not is_caption(line)


@pytest.mark.parametrize(
    ("line", "name"),
    [
        ("Cao Xuân Dũng", "Cao Xuân Dũng"),
        ("\u00a0\u00a0\u00a0 Cao Xuân Dũng", "Cao Xuân Dũng"),
        ("PV", "PV"),
        ("(PV)", "PV"),
        ("Theo hanoimoi.com.vn", "hanoimoi.com.vn"),
        ("Tác giả: Lê Văn Bình", "Lê Văn Bình"),
        ("Tin, ảnh: Minh Anh", "Minh Anh"),
        ("Minh Anh - Thu Hà", "Minh Anh - Thu Hà"),
        ("Ngọc Lan (TTVH phường)", "Ngọc Lan (TTVH phường)"),
    ],
)
def test_byline_names_the_author(line: str, name: str) -> None:
    assert is_byline(line)
    assert find_byline(["Phường họp dân.", line]) == name


@pytest.mark.parametrize(
    "line",
    [
        "Quang cảnh hội trường",
        "Phường họp dân.",
        "HOẠT ĐỘNG CÁC PHƯỜNG",
        "Hội nghị kết thúc lúc 11 giờ",
        "",
    ],
)
def test_non_bylines_are_refused(line: str) -> None:
    assert not is_byline(line)


def test_article_without_byline_has_none() -> None:
    assert find_byline(["Phường họp dân.", "Quang cảnh hội trường"]) is None


def test_strip_noise_keeps_body_paragraphs_in_order() -> None:
    assert strip_noise(ARTICLE) == [ARTICLE[3], "Phong trào sẽ được duy trì hằng tháng."]


def test_whole_text_in_one_string_is_read_line_by_line() -> None:
    text = "\n".join(ARTICLE)
    assert summarise([text]) == summarise(ARTICLE)
