"""Telegram's HTML parse mode and text limits, as the emulator enforces them."""

from __future__ import annotations

import html

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.emulator.errors import ApiError
from bot.emulator.formatting import HtmlError, parse_html, render, utf16_len


def test_nested_tags_become_entities_with_utf16_offsets() -> None:
    text, entities = parse_html("😀 <b>đậm <i>nghiêng</i></b>")
    assert text == "😀 đậm nghiêng"
    assert entities == [
        {"type": "bold", "offset": 3, "length": 11},
        {"type": "italic", "offset": 7, "length": 7},
    ]


def test_every_allowed_tag_parses() -> None:
    source = (
        "<b>a</b><strong>a</strong><i>a</i><em>a</em><u>a</u><ins>a</ins><s>a</s>"
        '<strike>a</strike><del>a</del><span class="tg-spoiler">a</span>'
        '<tg-spoiler>a</tg-spoiler><a href="https://x.vn/?a=1&amp;b=2">a</a>'
        '<tg-emoji emoji-id="5368324170671202286">👍</tg-emoji>'
        '<tg-time unix="1647531900" format="wDT">a</tg-time><code>a</code><pre>a</pre>'
        '<pre><code class="language-python">a</code></pre><blockquote>a</blockquote>'
        "<blockquote expandable>a</blockquote>"
    )
    _, entities = parse_html(source)
    kinds = [e["type"] for e in entities]
    assert kinds.count("bold") == 2 and kinds.count("strikethrough") == 3
    assert {"text_link", "custom_emoji", "date_time", "expandable_blockquote"} <= set(kinds)
    pre = [e for e in entities if e["type"] == "pre"]
    assert pre[1] == {
        "type": "pre",
        "offset": pre[0]["offset"] + 1,
        "length": 1,
        "language": "python",
    }
    assert kinds.count("code") == 1, "code inside pre with a language is not its own entity"
    link = next(e for e in entities if e["type"] == "text_link")
    assert link["url"] == "https://x.vn/?a=1&b=2"


def test_named_and_numeric_entities_are_decoded() -> None:
    text, _ = parse_html("&lt;a&gt; &amp; &quot;q&quot; &#273; &#x1F600;")
    assert text == '<a> & "q" đ 😀'


@pytest.mark.parametrize(
    ("source", "message"),
    [
        ("<b>bold", "Can't find end tag corresponding to start tag b"),
        ("<script>x</script>", 'Unsupported start tag "script" at byte offset 0'),
        ("Tin <br> mới", 'Unsupported start tag "br" at byte offset 4'),
        ("A & B", 'Character "&" is reserved'),
        ("1 > 0", 'Character ">" is reserved'),
        ("1 < 2", 'Character "<" is reserved'),
        ("&nbsp;", 'Unsupported HTML entity "&nbsp;"'),
        ("<b><i>x</b></i>", 'Unmatched end tag at byte offset 7, expected "</i>"'),
        ("x</b>", "Unexpected end tag at byte offset 1"),
        ('<span class="x">s</span>', 'Tag "span" must have class "tg-spoiler"'),
        ("<b", 'Unclosed start tag "b"'),
    ],
)
def test_bad_html_is_refused_like_telegram(source: str, message: str) -> None:
    with pytest.raises(HtmlError) as caught:
        parse_html(source)
    assert message in str(caught.value)


def test_byte_offsets_count_utf8_bytes() -> None:
    with pytest.raises(HtmlError, match="byte offset 6"):
        parse_html("Phố <x>")


@given(st.text())
def test_escaped_text_parses_back_to_itself(text: str) -> None:
    assert parse_html(html.escape(text, quote=False)) == (text, [])


def test_limits_count_utf16_code_units_after_parsing() -> None:
    assert utf16_len("😀a") == 3
    render("😀" * 2048, None, None)
    with pytest.raises(ApiError, match="message is too long"):
        render("😀" * 2048 + "a", None, None)
    render("<b>" + "a" * 4096 + "</b>", "HTML", None)


@pytest.mark.parametrize("text", ["", "   ", "<b></b>", "<i> </i>"])
def test_empty_text_is_refused(text: str) -> None:
    with pytest.raises(ApiError, match="message text is empty"):
        render(text, "HTML", None)


def test_captions_may_be_empty_but_not_over_1024() -> None:
    assert render("", "HTML", None, caption=True).text == ""
    with pytest.raises(ApiError, match="message caption is too long"):
        render("a" * 1025, None, None, caption=True)


def test_markdown_v2_is_accepted_unvalidated() -> None:
    assert render("*đậm* _x", "MarkdownV2", None).text == "*đậm* _x"
