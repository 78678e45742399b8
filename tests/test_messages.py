"""Messages: valid Telegram HTML within the limits, whatever the item holds."""

from __future__ import annotations

from datetime import UTC, datetime

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.catalogue import catalogue
from bot.emulator import parse_html, utf16_len
from bot.messages import (
    TEXT_LIMIT,
    clip,
    render_item,
    render_list,
    render_text,
    safe_url,
)
from storage.records import StoredItem

T = catalogue("vi")


def item(
    title="Họp tổ dân phố",
    summary="Ngày 29/12/2020, phường tổ chức hội nghị.",
    url="https://example.gov.vn/tin/1",
    wards=("00226",),
    guessed=False,
) -> StoredItem:
    return StoredItem(
        id=1,
        source="s",
        url=url,
        title=title,
        summary=summary,
        author=None,
        published_at=datetime(2021, 1, 4, 10, 44, tzinfo=UTC),
        date_guessed=guessed,
        wards=wards,
    )


def namer(code: str) -> str:
    return {"00226": "phường Văn Miếu - Quốc Tử Giám"}.get(code, code)


def test_item_message_has_title_ward_local_date_summary_and_link():
    rendered = render_item(item(), namer, T)
    text, entities = parse_html(rendered.html)
    assert text.startswith("Họp tổ dân phố")
    assert "phường Văn Miếu - Quốc Tử Giám" in text
    assert "04/01/2021 17:44" in text  # Asia/Ho_Chi_Minh
    assert "hội nghị" in text
    kinds = {e["type"] for e in entities}
    assert {"bold", "text_link"} <= kinds


def test_html_in_title_is_escaped():
    rendered = render_item(item(title="<script>alert(1)</script> & <b>"), namer, T)
    text, _ = parse_html(rendered.html)
    assert "<script>alert(1)</script> & <b>" in text


def test_unsafe_url_gives_no_link():
    assert safe_url("javascript:alert(1)") is None
    assert safe_url('https://x/"onmouseover') == 'https://x/"onmouseover'
    rendered = render_item(item(url="javascript:alert(1)"), namer, T)
    parse_html(rendered.html)


def test_clip_never_cuts_inside_a_word():
    text = "Một hai ba bốn năm sáu bảy tám chín mười " * 20
    clipped = clip(text, 50)
    assert utf16_len(clipped) <= 50
    assert clipped.endswith("…")
    assert clipped[:-1].split()[-1] in text.split()


def test_digest_of_many_items_fits_one_message():
    many = [item(title="Tiêu đề rất dài " * 30) for _ in range(100)]
    rendered = render_list("3 tin mới", many, namer, T)
    text, _ = parse_html(rendered.html)
    assert utf16_len(text) <= TEXT_LIMIT


def test_broadcast_text_keeps_line_breaks():
    rendered = render_text("Dòng một\nDòng hai <b>", header="Thông báo")
    text, _ = parse_html(rendered.html)
    assert "Dòng một\nDòng hai <b>" in text


ANY_TEXT = st.text(min_size=0, max_size=6000)


@settings(max_examples=150, deadline=None)
@given(title=ANY_TEXT, summary=ANY_TEXT, url=st.text(max_size=3000))
def test_any_item_renders_to_valid_html_within_limits(title, summary, url):
    rendered = render_item(item(title=title, summary=summary, url=url), namer, T)
    text, _ = parse_html(rendered.html)
    assert 1 <= utf16_len(text) <= TEXT_LIMIT


@settings(max_examples=100, deadline=None)
@given(body=ANY_TEXT.filter(lambda s: s.strip()), header=st.text(max_size=500))
def test_any_broadcast_renders_to_valid_html_within_limits(body, header):
    rendered = render_text(body, header=header or None)
    text, _ = parse_html(rendered.html)
    assert 1 <= utf16_len(text) <= TEXT_LIMIT
