"""The summary of an article: its 2 to 3 lead sentences, and the noise around them.

Portal article bodies carry more than prose: the category heading, the
title and a "Ngày đăng ... | Lượt xem" line when the page text is taken
whole, photo captions as short lines ("Quang cảnh hội trường"), credit
lines ("Ảnh: ...", "Nguồn: ..."), and the author's name as the last line.
`strip_noise` removes them; `summarise` takes whole lead sentences from
what is left. The archive parser reuses `is_caption`, `is_byline` and
`find_byline`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Sequence
from itertools import chain, islice

from bot.news.text import clean_again, clean_text, fold, split_sentences

_SENTENCE_END = ".!?…:;\"'”’»)"
_CREDIT_PREFIXES = (
    "anh:", "anh :", "anh minh hoa", "nguon:", "nguon :", "tac gia:", "tac gia :",
    "photo:", "source:", "do hoa:", "video:", "clip:", "tin, anh:", "tin anh:",
    "bai, anh:", "bai va anh:", "tin va anh:",
)  # fmt: skip
_LIST_MARKER = re.compile(r"^(?:[-+•*–—]|\d{1,3}[.)]|[a-zđ][.)])\s")
_CAPTION_MAX_WORDS = 15
_HEADING_MAX_WORDS = 15

# "Tác giả: X", "Tin, ảnh: X", "Bài và ảnh: X" name the author after the colon.
_CREDITED_AUTHOR = re.compile(r"^(?:tac gia|(?:tin|bai)(?:,| va)? anh|bai|tin)\s*:")
_BYLINE_STAFF = frozenset({"pv", "p.v", "ctv", "btv", "phong vien", "nhom pv", "pv-ctv"})
_NAME_WORD = re.compile(r"[^\W\d_]+(?:-[^\W\d_]+)?")
_PAREN_TAIL = re.compile(r"\s*\([^()]{1,60}\)$")

_META_LABELS = re.compile(
    r"\b(?:ngay dang|dang ngay|cap nhat|luot xem|view count|posted|updated|ngay|thang|nam"
    r"|gio|thu (?:hai|ba|tu|nam|sau|bay)|chu nhat|gmt|utc|luc|am|pm|sa|ch)\b"
)
# "\d{1,4}\s*[/.-]\s*\d{1,2}\s*[/.-]\s*\d{1,4}|\d{1,2}:\d{2}" with the first digit
# taken out of the branches: the same matches, and the regex engine can skip
# ahead to the next digit instead of trying both branches at every character.
_DATE_DIGITS = re.compile(r"\d(?:\d{0,3}\s*[/.-]\s*\d{1,2}\s*[/.-]\s*\d{1,4}|\d?:\d{2})")
_HEADER_SEARCH = 5
_DATELINE = re.compile(r"^(\([^()]{1,40}\)|[^\W\d_][^()\-–—]{0,40}?)\s*[-–—]+\s+(?=\S)")
_ELLIPSIS = "…"


def _clean(line: str, cleaned: bool = False) -> str:
    return " ".join((clean_again if cleaned else clean_text)(line).split())


def _clean_lines(paragraphs: Iterable[str], cleaned: bool = False) -> Iterator[str]:
    """Cleaned, non-empty lines; a paragraph holding line breaks gives several.

    `cleaned`: every paragraph is `clean_text`'s output already (the parsers
    clean what they take off a page), so `clean_again` gives the same lines
    without doing the work again.
    """
    clean = clean_again if cleaned else clean_text
    for paragraph in paragraphs:
        for line in clean(paragraph).split("\n"):
            if line:
                yield line


def is_meta_line(line: str) -> bool:
    """A line that only says when (and how often read): "Ngày đăng 04/01/2021 | 17:44"."""
    if len(line) > 1000:  # entities can make a raw 120-character line long, not this long
        return False
    if not _DATE_DIGITS.search(line):  # folding keeps digits and separators: look first
        return False
    text = fold(line)
    if len(text) > 120 or not _DATE_DIGITS.search(text):
        return False
    rest = _META_LABELS.sub(" ", _DATE_DIGITS.sub(" ", text))
    return sum(ch.isalpha() for ch in rest) <= 2


def _has_more_words(text: str, count: int) -> bool:
    return len(text.split(maxsplit=count)) > count


def _heading(text: str) -> bool:
    if not text or _has_more_words(text, _HEADING_MAX_WORDS):
        return False
    letters = [ch for ch in text if ch.isalpha()]
    return len(letters) >= 4 and all(ch.isupper() for ch in letters) and text[-1] not in ".!?…"


def is_heading(line: str) -> bool:
    """A category heading in capitals: "HOẠT ĐỘNG CÁC PHƯỜNG"."""
    return _heading(_clean(line))


def _caption(text: str) -> bool:
    if not text:
        return False
    start = fold(text[:40])
    if start.startswith(_CREDIT_PREFIXES) or start.startswith(("(anh", "(nguon")):
        return True
    if text.startswith("(") and text.endswith(")"):
        return True
    if text[-1] in _SENTENCE_END or _LIST_MARKER.match(start):
        return False
    return start.startswith("d/c ") or not _has_more_words(text, _CAPTION_MAX_WORDS)


def is_caption(line: str) -> bool:
    """A photo caption or credit line: "Quang cảnh hội trường", "Ảnh: PV", "(Ảnh: ...)".

    Captions are short lines without final punctuation, lines that start
    with a credit word, lines wholly in parentheses, and the "Đ/c ..." lines
    that name who is in the photo.
    """
    return _caption(_clean(line))


def _is_name(text: str) -> bool:
    """Two to six capitalised words: "Cao Xuân Dũng", "Minh Anh - Thu Hà"."""
    text = _PAREN_TAIL.sub("", text)
    people = [part.strip() for part in re.split(r"\s+[-–]\s+|,\s*", text)]
    for person in people:
        words = person.split()
        if not 2 <= len(words) <= 6:
            return False
        for word in words:
            if not _NAME_WORD.fullmatch(word) or not word[0].isupper():
                return False
            if word[1:] != word[1:].lower():
                return False
    return bool(people)


def _byline_name(line: str, cleaned: bool = False) -> str | None:
    """The author or source a byline names, or None when the line is not one."""
    text = _clean(line, cleaned).rstrip(".")
    if not text or len(text) > 80:
        return None
    bare = text.strip("()")
    if fold(bare) in _BYLINE_STAFF:
        return bare
    if fold(text).startswith("theo "):
        return text.split(None, 1)[1]
    if _CREDITED_AUTHOR.match(fold(text)) and ":" in text:
        return text.split(":", 1)[1].strip() or None
    return text if _is_name(text) else None


def is_byline(line: str) -> bool:
    """An author line: "Cao Xuân Dũng", "PV", "Theo hanoimoi.com.vn", "Tác giả: ..."."""
    return _byline_name(line) is not None


def find_byline(paragraphs: Sequence[str], *, cleaned: bool = False) -> str | None:
    """The author named at the end of an article ("Cao Xuân Dũng"), or None.

    `cleaned`: the paragraphs are `clean_text`'s output already.
    """
    lines = list(_clean_lines(paragraphs, cleaned))
    for line in reversed(lines[-3:]):
        folded = fold(line)
        if folded.startswith(("tac gia", "theo ")):
            name = _byline_name(line, True)
            if name is not None:
                return name
    return _byline_name(lines[-1], True) if lines else None


def _is_noise(line: str) -> bool:
    """Whether a cleaned line is a heading, a date line or a caption."""
    return _heading(line) or is_meta_line(line) or _caption(line)


def _body_lines(paragraphs: Iterable[str], cleaned: bool = False) -> Iterator[str]:
    """Body lines, lazily: the page header (heading, title and the "Ngày đăng"
    line near the top), headings, date lines, captions and a final byline go."""
    lines = _clean_lines(paragraphs, cleaned)
    head = list(islice(lines, _HEADER_SEARCH))
    meta = next((index for index, line in enumerate(head) if is_meta_line(line)), -1)
    previous: str | None = None
    for line in chain(head[meta + 1 :], lines):
        if previous is not None and not _is_noise(previous):
            yield previous
        previous = line
    if previous is None or _is_noise(previous) or _byline_name(previous, True) is not None:
        return
    yield previous


def strip_noise(paragraphs: Sequence[str], *, cleaned: bool = False) -> list[str]:
    """The body paragraphs: no page header, headings, date lines, captions, credits, byline.

    `cleaned`: the paragraphs are `clean_text`'s output already.
    """
    return list(_body_lines(paragraphs, cleaned))


def _strip_dateline(sentence: str) -> str:
    """ "(HNM) - Sáng 16/5, ..." → "Sáng 16/5, ..."; "HÀ NỘI - ..." likewise."""
    match = _DATELINE.match(sentence)
    if match is None:
        return sentence
    prefix = match.group(1)
    if prefix.startswith("(") or (prefix.upper() == prefix and len(prefix.split()) <= 4):
        return sentence[match.end() :]
    return sentence


def _with_stop(sentence: str) -> str:
    """A paragraph that ends without punctuation ends its sentence: add the period."""
    return sentence if sentence[-1] in _SENTENCE_END else sentence + "."


def _cut(text: str, max_chars: int) -> str:
    """The text cut at the last word boundary before max_chars, ending with "…"."""
    if len(text) <= max_chars:
        return text
    room = max(max_chars - len(_ELLIPSIS), 0)
    head = text[: room + 1]
    cut = head.rfind(" ")
    head = head[:cut] if cut > 0 else text[:room]  # one endless word: no boundary
    return head.rstrip(" ,;:-–—") + _ELLIPSIS


def _fallback_lines(paragraphs: Iterable[str], cleaned: bool) -> Iterator[str]:
    """When everything looked like noise: every line but headings and date lines."""
    for line in _clean_lines(paragraphs, cleaned):
        if not (_heading(line) or is_meta_line(line)):
            yield line


def _sentences(lines: Iterable[str], limit: int) -> Iterator[tuple[str, bool]]:
    """Sentences of the lines in order, each with whether it is cut short.

    Only the first `limit` characters of a paragraph are split (a summary
    never reaches further); the last sentence of a longer paragraph is then
    partial, and nothing after it is read.
    """
    for line in lines:
        sentences = split_sentences(line[:limit])
        for index, sentence in enumerate(sentences):
            if len(line) > limit and index == len(sentences) - 1:
                yield sentence, True
                return
            yield _with_stop(sentence), False


def _lead(paragraphs: Sequence[str], limit: int, cleaned: bool) -> Iterator[tuple[str, bool]]:
    body = _sentences(_body_lines(paragraphs, cleaned), limit)
    first = next(body, None)
    if first is None:
        body = _sentences(_fallback_lines(paragraphs, cleaned), limit)
        first = next(body, None)
    if first is not None:
        yield first
        yield from body


def summarise(
    paragraphs: Sequence[str],
    *,
    max_chars: int = 400,
    min_sentences: int = 2,
    max_sentences: int = 3,
    cleaned: bool = False,
) -> str:
    """The article's lead: 2 to 3 whole sentences within max_chars, never cut in a word.

    Sentences are added in order while they fit. `min_sentences` is the aim;
    fewer come out only when the next whole sentence would pass max_chars.
    A first sentence longer than max_chars alone is cut at a word boundary
    and ends with "…". The result is never longer than max_chars.
    `cleaned`: the paragraphs are `clean_text`'s output already.
    """
    if not 1 <= min_sentences <= max_sentences or max_chars < 1:
        raise ValueError("need 1 <= min_sentences <= max_sentences and max_chars >= 1")
    sentences = _lead(paragraphs, 2 * max_chars + 100, cleaned)
    first = next(sentences, None)
    if first is None:
        return ""
    summary, partial = _strip_dateline(first[0]), first[1]
    for count, (sentence, cut_short) in enumerate(sentences, start=2):
        if partial or count > max_sentences or cut_short:
            break
        if len(summary) + 1 + len(sentence) > max_chars:
            break
        summary = f"{summary} {sentence}"
    return _cut(summary, max_chars)
