"""Vietnamese text: normalisation, the matching fold and sentence splitting.

Everything here is pure: text in, text out. `clean_text` is the one entry for
text scraped from a portal or a feed (entities, mojibake, NFC, invisible
characters, whitespace); `fold` is the diacritics-insensitive matching key;
`split_sentences` is a rule-based splitter that knows Vietnamese
abbreviations, dates, numbers and domains.
"""

from __future__ import annotations

import html
import re
import unicodedata
from functools import lru_cache

_FOLD_EXTRA = str.maketrans({"đ": "d", "Đ": "d"})


def fold(text: str) -> str:
    """The matching key of a text: no marks, đ as d, casefolded, spaces collapsed.

    Both tone placements ("hoà", "hòa") fold to the same key, because every
    combining mark is dropped after decomposition.
    """
    if text.isascii():
        return " ".join(text.lower().split())
    # Each step works character by character, so the key is that of each word,
    # joined; and words repeat, within a text and from one to the next (a
    # 1,300-character body: 45 us word by word, 300 us character by character).
    return " ".join(filter(None, map(_fold_word, text.split())))


@lru_cache(maxsize=8192)  # ~1 MB when full
def _fold_word(word: str) -> str:
    # NFKD, not NFD: fullwidth and other compatibility forms ("Ｔｈổ", "ﬁ") fold to
    # the letters they stand for, as a resident typing on an odd keyboard means them.
    # NFKD can make spaces ("¯" is a space and a combining macron): collapse them.
    decomposed = unicodedata.normalize("NFKD", word.translate(_FOLD_EXTRA))
    bare = "".join(ch for ch in decomposed if not unicodedata.combining(ch)).casefold()
    return " ".join(bare.split())


# --- cleaning -------------------------------------------------------------

# Zero-width space/joiners, BOM, soft hyphen, word joiner: invisible, and they
# break matching and sentence rules.
_INVISIBLE = re.compile("[\u200b\u200c\u200d\ufeff\u00ad\u2060]+")
# C0/C1 control characters except tab and newline (they upset Telegram).
_CONTROLS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
_BLANK_LINES = re.compile(r"\n\s*\n")

_VIETNAMESE_LETTERS = frozenset(
    "àáảãạăắằẳẵặâấầẩẫậđèéẻẽẹêếềểễệìíỉĩịòóỏõọôốồổỗộơớờởỡợùúủũụưứừửữựỳýỷỹỵ"
)


def _cp1252_byte_map() -> dict[str, int]:
    """Character → byte of "sloppy" Windows-1252: cp1252 plus Latin-1 for its holes.

    Browsers decode the five undefined cp1252 bytes (0x81, 0x8D, ...) to the
    C1 controls of the same number, so mojibake keeps them that way.
    """
    table = {chr(b): b for b in range(0x80, 0x100)}
    for b in range(0x80, 0x100):
        try:
            table[bytes([b]).decode("cp1252")] = b
        except UnicodeDecodeError:
            continue
    return table


_CP1252_BYTES = _cp1252_byte_map()
# A UTF-8 lead byte (0xC2-0xF4) read as Latin-1, then a continuation byte
# (0x80-0xBF) read as cp1252: text without this pair holds no mojibake.
_MOJIBAKE_HINT = re.compile(
    "[\u00c2-\u00f4]["
    + re.escape("".join(ch for ch, byte in _CP1252_BYTES.items() if byte < 0xC0))
    + "]"
)
_TOKEN_SEPARATORS = re.compile(r"([ \t\r\n]+)")


def _repair_token(token: str) -> str:
    """One whitespace-free token repaired, or unchanged when repair is not clearly right."""
    if token.isascii():
        return token
    raw = bytearray()
    for ch in token:
        if ch < "\x80":
            raw.append(ord(ch))
        elif ch in _CP1252_BYTES:
            raw.append(_CP1252_BYTES[ch])
        else:
            return token
    try:
        repaired = raw.decode("utf-8")
    except UnicodeDecodeError:
        return token
    if not any(ch.lower() in _VIETNAMESE_LETTERS for ch in repaired):
        return token
    return repaired


def fix_mojibake(s: str) -> str:
    """Repair UTF-8 that was read as Windows-1252 or Latin-1 ("PhÆ°á»\\x9dng" → "Phường").

    Works token by token (UTF-8 sequences never contain an ASCII space), so
    a broken fragment inside good text is repaired too. A token changes only
    when its bytes round-trip as valid UTF-8 and the result holds Vietnamese
    letters; anything else is returned unchanged.
    """
    if s.isascii() or not _MOJIBAKE_HINT.search(s):
        return s
    parts = _TOKEN_SEPARATORS.split(s)
    return "".join(_repair_token(part) for part in parts)


def clean_text(s: str) -> str:
    """Portal text made plain: entities decoded, mojibake fixed, NFC, invisibles out.

    Whitespace runs inside a line become one space; line breaks survive (at
    most one blank line in a row) so paragraphs can still be told apart.
    """
    text = fix_mojibake(html.unescape(s))
    text = _INVISIBLE.sub("", unicodedata.normalize("NFC", text))
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = _CONTROLS.sub("", text)
    # Whitespace runs inside a line become one space, the ends go (str.split()
    # and the regex \s agree on what is whitespace; 5x faster than a regex sub).
    lines = [" ".join(line.split()) for line in text.split("\n")]
    return _BLANK_LINES.sub("\n\n", "\n".join(lines)).strip()


def clean_again(text: str) -> str:
    """`clean_text` of a text that `clean_text` already returned: the same answer.

    Cleaning is done once as text comes off a page; the stages after it
    (noise stripping, `prepare`, the summary) get clean lines. Cleaning a
    clean text again changes it only through what it decodes (an entity
    that was escaped twice, "&amp;quot;", or mojibake of mojibake) or when
    the invisible or control characters it took out had kept marks apart
    (the text is then no longer NFC). Only such a text is cleaned again; any
    other comes back as is.
    """
    if "&" in text:
        return clean_text(text)
    if text.isascii():
        return text
    if _MOJIBAKE_HINT.search(text) or not unicodedata.is_normalized("NFC", text):
        return clean_text(text)
    return text


def clean_paragraphs(s: str) -> list[str]:
    """The non-empty lines of a text, each cleaned; one paragraph per line."""
    return [line for line in clean_text(s).split("\n") if line]


# --- sentences ------------------------------------------------------------

# Words that end in a period but never end a sentence (compared casefolded).
_ABBREVIATIONS = frozenset(
    {
        "tp", "tx", "tt", "ts", "ths", "th.s", "pgs", "gs", "bs", "bsck", "ncs",
        "ks", "st", "đ/c", "mr", "mrs", "ms", "dr", "tr", "nxb", "tskh", "ckii",
        "cki",
    }
)  # fmt: skip
_LIST_MARK = re.compile(r"\d{1,3}(?:\.\d{1,3})*|[ivxlc]{1,6}|[^\W\d_]")
_CANDIDATE = re.compile(r"[.!?…]+[\"'”’»)\]]*(?=\s)")
_OPENERS = "\"'“‘«([-–—•*+ "
_CLOSERS = "\"'”’»)]"


def _next_starts_sentence(line: str, pos: int) -> bool:
    """Whether the text from pos (after spaces, quotes, dashes) opens a sentence."""
    while pos < len(line) and line[pos] in _OPENERS:
        pos += 1
    if pos == len(line):
        return False
    first = line[pos]
    return first.isupper() or first.isdigit()


def _token_before(line: str, pos: int) -> tuple[str, bool]:
    """The word just before pos, trimmed of quotes, and whether it opens the line.

    The line is already whitespace-collapsed and stripped, so a word opens it
    exactly when no space comes before it.
    """
    start = line.rfind(" ", 0, pos) + 1
    token = line[start:pos].strip(_CLOSERS + "“‘«(")
    return token, start == 0


def _is_initials(token: str) -> bool:
    """Capital initials: "Q", "Đ", "N.V.A" (a lone "ạ" or "à" ends sentences)."""
    parts = token.split(".")
    return all(len(part) == 1 and part.isupper() for part in parts)


def _is_abbreviation(token: str) -> bool:
    """An abbreviation ("TP", "PGS.TS") or initials ("N.V.A", "Q") before a period."""
    folded = token.casefold()
    if folded in _ABBREVIATIONS or _is_initials(token):
        return True
    parts = folded.split(".")
    return len(parts) > 1 and all(part in _ABBREVIATIONS for part in parts)


def _is_boundary(line: str, match: re.Match[str]) -> bool:
    """Whether a run of final punctuation followed by a space ends a sentence."""
    if not _next_starts_sentence(line, match.end()):
        return False
    marks = match.group().rstrip(_CLOSERS)
    if marks != ".":
        return True  # !, ?, … and "..." end a sentence before a capital
    token, opens_line = _token_before(line, match.start())
    if not token:
        return True
    if opens_line and _LIST_MARK.fullmatch(token.casefold()):
        return False  # "1. Nội dung", "II. NHIỆM VỤ", "a. Mục tiêu"
    return not _is_abbreviation(token)


def _split_line(line: str) -> list[str]:
    sentences: list[str] = []
    start = 0
    for match in _CANDIDATE.finditer(line):
        if _is_boundary(line, match):
            sentences.append(line[start : match.end()].strip())
            start = match.end()
    sentences.append(line[start:].strip())
    return [s for s in sentences if s]


def split_sentences(text: str) -> list[str]:
    """Sentences of a Vietnamese text, each keeping its final punctuation.

    Breaks at ". ", "! ", "? ", "… " before a capital letter or a digit, and
    at every line break. Does not break after abbreviations ("TP.", "TS.",
    "PGS.TS."), initials ("N.V.A."), list numbers at a line start ("1.",
    "II."), nor inside numbers, dates, phone numbers or domains (no space
    follows their periods), nor before a lowercase word. A period after a
    closing quote, or a closing quote after a period, ends the sentence
    after both.
    """
    sentences: list[str] = []
    for line in text.splitlines():
        stripped = " ".join(line.split())
        if stripped:
            sentences.extend(_split_line(stripped))
    return sentences
