"""Property tests of the pure stages, beyond "never raises" (tests/test_*.py has those).

Dates written in any of the portals' ways read back to the moment written;
sentences built from words split back into themselves; a ward's name in any
spelling a resident might type resolves to that ward; listing and article
pages made of arbitrary text parse to that text; every message the bot
renders is valid HTML whose text is exactly its plain-text fallback; a
summary is whole sentences, within its limit, never cut inside a word; a
URL, however broken, never makes a source's poll fail.
"""

from __future__ import annotations

import html
import re
import unicodedata
from datetime import UTC, datetime, timedelta, timezone
from email.utils import format_datetime

import pytest
from hypothesis import HealthCheck, assume, example, given, settings
from hypothesis import strategies as st

from bot.catalogue import catalogue
from bot.emulator import parse_html, utf16_len
from bot.messages import TEXT_LIMIT, render_item, render_list, render_text
from bot.news.dates import VN_TZ, parse_date
from bot.news.summary import summarise
from bot.news.text import clean_text, fold, split_sentences
from bot.news.wards import WardRegistry, resolve
from bot.sources.archive import parse_article, parse_listing
from bot.sources.canonical import canonical_url
from bot.sources.profiles import get_profile
from tests.test_archive import liferay_article
from tests.test_messages import item, namer

NOW = datetime(2026, 11, 24, 12, 0, tzinfo=VN_TZ)
T = catalogue("vi")
SOME = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])

VIETNAMESE = (
    "aàáảãạăằắẳẵặâầấẩẫậbcdđeèéẻẽẹêềếểễệghiìíỉĩịklmnoòóỏõọôồốổỗộơờớởỡợpqrstuùúủũụưừứửữựvxyỳýỷỹỵ"
)
WORD = st.text(alphabet=VIETNAMESE, min_size=3, max_size=10)


# --- dates ---------------------------------------------------------------------------


def portal_spellings(moment: datetime) -> list[str]:
    """The ways Vietnamese portals and feeds write one moment (local time)."""
    d, m, y, hh, mm = moment.day, moment.month, moment.year, moment.hour, moment.minute
    h12, mark = hh % 12 or 12, ("SA", "CH")[hh >= 12]
    return [
        f"{d:02d}/{m:02d}/{y} {hh:02d}:{mm:02d}",
        f"{d}/{m}/{y} | {hh}:{mm:02d}",
        f"{hh:02d}:{mm:02d} {d:02d}/{m:02d}/{y}",
        f"Ngày đăng {d:02d}/{m:02d}/{y} | {hh:02d}:{mm:02d} | Lượt xem: 32",
        f"{h12}:{mm:02d} {mark}, {d}/{m}/{y}",
        f"Thứ sáu, ngày {d} tháng {m} năm {y} {hh}h{mm:02d}",
        f"{d:02d}-{m:02d}-{y} {hh:02d}:{mm:02d}",
        f"{d:02d}.{m:02d}.{y} {hh:02d}:{mm:02d}",
        f"{y}-{m:02d}-{d:02d} {hh:02d}:{mm:02d}",
        moment.isoformat(),
        moment.astimezone(UTC).isoformat().replace("+00:00", "Z"),
        format_datetime(moment.astimezone(UTC)),
        format_datetime(moment.astimezone(timezone(timedelta(hours=7)))),
        f"{d:02d}/{m:02d}/{y} {hh:02d}:{mm:02d} GMT+7",
        f"{hh:02d}:{mm:02d} {d:02d}/{m:02d}/{y} (GMT+07:00)",
        unicodedata.normalize("NFD", f"Cập nhật lúc {hh:02d} giờ {mm:02d}, ngày {d}/{m}/{y}"),
        f"CẬP NHẬT: {d:02d}/{m:02d}/{y} - {hh:02d}:{mm:02d}",
    ]


MOMENTS = st.datetimes(
    min_value=datetime(1990, 1, 1), max_value=datetime(2026, 11, 24, 11, 59)
).map(lambda naive: naive.replace(second=0, microsecond=0, tzinfo=VN_TZ))


@SOME
@given(moment=MOMENTS, index=st.integers(0, len(portal_spellings(NOW)) - 1))
def test_a_date_written_any_portal_way_reads_back_to_that_moment(moment, index):
    text = portal_spellings(moment)[index]
    assert parse_date(text, NOW) == moment, text


@SOME
@given(moment=MOMENTS, noise=st.text(alphabet="abc xyz|,;:()[]-", max_size=20))
def test_a_date_survives_noise_around_it(moment, noise):
    text = f"{noise} {moment:%d/%m/%Y %H:%M} {noise}"
    assume(not re.search(r"\d", noise))
    assert parse_date(text, NOW) == moment


@SOME
@given(days=st.integers(3, 10_000), hours=st.integers(0, 23))
def test_a_date_far_in_the_future_is_a_misparse(days, hours):
    future = NOW + timedelta(days=days, hours=hours)
    assert parse_date(f"{future:%d/%m/%Y %H:%M}", NOW) is None


# --- sentences -------------------------------------------------------------------------


# Two words at least, the last one long: a lone word before a period at a line's
# start may be a list number ("II. NHIỆM VỤ"), and short ones abbreviations
# ("TP.", "CKI."); neither rightly ends a sentence.
SENTENCE = st.builds(
    lambda first, middle, last, end: " ".join([first.capitalize(), *middle, last]) + end,
    WORD,
    st.lists(WORD, max_size=11),
    st.text(alphabet=VIETNAMESE, min_size=6, max_size=12),
    st.sampled_from([".", "!", "?", "…", "...", '."', "!”"]),
)


@SOME
@given(sentences=st.lists(SENTENCE, min_size=1, max_size=8), gap=st.sampled_from([" ", "  ", "\n"]))
def test_sentences_joined_split_back_into_themselves(sentences, gap):
    assert split_sentences(gap.join(sentences)) == sentences


@SOME
@given(text=st.text(max_size=400))
def test_splitting_a_sentence_again_changes_nothing(text):
    for sentence in split_sentences(text):
        assert split_sentences(sentence) == [sentence]


@SOME
@given(sentences=st.lists(SENTENCE, min_size=1, max_size=6))
def test_decomposed_text_splits_like_composed_text(sentences):
    text = " ".join(sentences)
    decomposed = split_sentences(unicodedata.normalize("NFD", text))
    assert [unicodedata.normalize("NFC", s) for s in decomposed] == split_sentences(text)


# --- summaries -------------------------------------------------------------------------


@SOME
@given(paragraphs=st.lists(st.lists(SENTENCE, min_size=1, max_size=5), min_size=1, max_size=5))
def test_summary_is_whole_sentences_within_the_limit(paragraphs):
    lines = [" ".join(p) for p in paragraphs]
    summary = summarise(lines)
    sentences = [s for p in paragraphs for s in p]
    assert 0 < len(summary) <= 400
    if summary.endswith("…") and summary not in sentences and not summary.startswith(sentences[0]):
        # Only a first sentence longer than the limit is cut, and at a word's end.
        head = summary[:-1].rstrip(" ,;:-–—")
        assert sentences[0].startswith(head)
        assert sentences[0][len(head)] in " ,;:-–—"
        return
    taken = split_sentences(summary)
    assert taken == sentences[: len(taken)]
    assert 1 <= len(taken) <= 3
    if len(taken) < 2 <= len(sentences):
        assert len(summary) + 1 + len(sentences[1]) > 400  # the next one did not fit


# --- wards ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def hanoi() -> WardRegistry:
    return WardRegistry.from_config("Hà Nội", [], [])


SPELLINGS = {
    "upper": str.upper,
    "lower": str.lower,
    "decomposed": lambda name: unicodedata.normalize("NFD", name),
    "zero-width": lambda name: "\u200b".join(name.split(" ", 1)) + "\ufeff",
    "spaces": lambda name: "  " + "   ".join(name.split()) + " ",
    "nbsp": lambda name: name.replace(" ", "\u00a0"),
}


@settings(max_examples=200, deadline=None)
@given(index=st.integers(0, 10_000), spelling=st.sampled_from(sorted(SPELLINGS)))
def test_a_ward_typed_any_way_resolves_like_its_name(hanoi, index, spelling):
    ward = hanoi.all()[index % len(hanoi.all())]
    expected = resolve(ward.name, hanoi)
    found = resolve(SPELLINGS[spelling](ward.name), hanoi)
    assert (found.kind, found.wards) == (expected.kind, expected.wards)


@settings(max_examples=100, deadline=None)
@given(index=st.integers(0, 10_000))
def test_a_ward_with_its_kind_in_front_is_that_ward(hanoi, index):
    ward = hanoi.all()[index % len(hanoi.all())]
    prefixes = [ward.kind, ward.kind.upper()] + (["P.", "p."] if ward.kind == "phường" else [])
    for prefix in prefixes:
        assert resolve(f"{prefix} {ward.name}", hanoi).ward == ward, prefix


# --- archive pages ---------------------------------------------------------------------

LIFERAY = get_profile("liferay", {})
ANY_LINE = st.text(
    alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"),
    max_size=80,
)


def liferay_listing(entries: list[tuple[int, str, str]]) -> str:
    blocks = "".join(
        f'<div class="asset-abstract"><h3 class="asset-title">'
        f'<a href="/web/phuong/-/view_content/{number}-tin.html">{html.escape(title)}</a></h3>'
        f'<div class="assetPublishDate">{html.escape(date)}</div></div>'
        for number, title, date in entries
    )
    return f"<html><body><div class='portlet-asset-publisher'>{blocks}</div></body></html>"


@SOME
@given(
    entries=st.lists(
        st.tuples(st.integers(1, 10**9), ANY_LINE, ANY_LINE),
        min_size=1,
        max_size=12,
        unique_by=lambda e: e[0],
    )
)
def test_a_listing_gives_each_article_once_in_page_order(entries):
    found = parse_listing(liferay_listing(entries), "https://phuong.example.vn/tin", LIFERAY)
    assert [e.url for e in found] == [
        f"https://phuong.example.vn/web/phuong/-/view_content/{n}-tin.html" for n, _, _ in entries
    ]
    for entry, (_, title, _) in zip(found, entries, strict=True):
        assert entry.title.split() == clean_text(title).split()  # HTML folds whitespace


def letters(text: str) -> str:
    """Letters and digits only: HTML and cleaning may change spaces and controls."""
    return "".join(ch for ch in fold(text) if ch.isalnum())


@SOME
@given(
    title=ANY_LINE,
    paragraphs=st.lists(ANY_LINE, max_size=6),
    moment=MOMENTS,
    author=st.text(alphabet=VIETNAMESE + " ", max_size=20),
)
@example(title="", paragraphs=["Ã\x88"], moment=datetime(2000, 1, 1, tzinfo=VN_TZ), author="")
def test_an_article_page_parses_to_its_text_and_date(title, paragraphs, moment, author):
    date_line = f"Ngày đăng {moment:%d/%m/%Y} | {moment:%H:%M} &nbsp;|&nbsp;Lượt xem: 32"
    page = liferay_article(title, date_line, paragraphs, author)
    url = "https://phuong.example.vn/web/phuong/-/view_content/5-tin.html"
    # An article without any text is another matter (a page of photos): see below.
    assume(any(clean_text(p) for p in paragraphs) or clean_text(author))
    item = parse_article(page, url, LIFERAY, NOW)
    assert item.published_at == moment
    if clean_text(title):
        assert item.title.split() == clean_text(title).split()
    # As cleaned: cleaning repairs mojibake ("Ã\x88" is "È"), which changes letters.
    written = "".join(letters(clean_text(p)) for p in paragraphs)
    for line in filter(None, item.body.split("\n")):
        assert letters(line) in written, line  # nothing from elsewhere on the page
    assert item.body == unicodedata.normalize("NFC", item.body)


# --- messages --------------------------------------------------------------------------

TEXT = st.text(max_size=600)
URLS = st.one_of(
    st.just("https://phuong.example.vn/tin/1?a=1&b=<2>"),
    st.text(max_size=200),
    st.builds(lambda s: "https://a.vn/" + s, st.text(max_size=100)),
)


def check_rendered(rendered) -> None:
    text, entities = parse_html(rendered.html)
    assert text == rendered.plain  # the plain fallback says exactly what the HTML shows
    assert 1 <= utf16_len(text) <= TEXT_LIMIT
    for entity in entities:
        if entity["type"] == "text_link":
            assert entity["url"].startswith(("http://", "https://"))


@SOME
@given(title=TEXT, summary=TEXT, url=URLS, guessed=st.booleans())
def test_an_item_renders_to_its_plain_text_in_valid_html(title, summary, url, guessed):
    check_rendered(render_item(item(title, summary, url, guessed=guessed), namer, T))


@SOME
@given(
    header=st.text(max_size=400),
    items=st.lists(st.tuples(TEXT, URLS), max_size=40),
    start=st.integers(1, 10_000),
)
def test_a_list_renders_to_its_plain_text_in_valid_html(header, items, start):
    assume(header.strip())
    shown = [item(title, "", url) for title, url in items]
    check_rendered(render_list(header, shown, namer, T, start=start))


@SOME
@given(body=st.text(min_size=1, max_size=5000), header=st.one_of(st.none(), st.text(max_size=300)))
def test_a_broadcast_renders_to_its_plain_text_in_valid_html(body, header):
    check_rendered(render_text(body, header))


# --- URLs ------------------------------------------------------------------------------

LABEL = st.text(alphabet=VIETNAMESE + "0123456789", min_size=1, max_size=12)
HOST = st.lists(LABEL, min_size=1, max_size=3).map(lambda labels: ".".join(labels) + ".vn")


@settings(max_examples=300, deadline=None)
@given(url=st.text(max_size=80), base=st.one_of(st.none(), st.text(max_size=40)))
def test_any_link_text_gives_a_string_never_an_error(url, base):
    assert isinstance(canonical_url(url, base), str)
    assert isinstance(canonical_url("http://" + url, "http://" + (base or "")), str)


@SOME
@given(
    scheme=st.sampled_from(["http", "https", "HTTPS"]),
    host=HOST,
    port=st.one_of(st.none(), st.integers(1, 65535)),
    path=st.text(max_size=40),
    query=st.text(max_size=40),
)
def test_a_canonical_url_is_its_own_canonical_form(scheme, host, port, path, query):
    url = f"{scheme}://{host}{f':{port}' if port else ''}/{path}?{query}#x"
    once = canonical_url(url)
    assert canonical_url(once) == once
