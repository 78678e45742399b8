"""Keys for ward names: the matching key, the tone-exact key, type words.

Three views of a name, each for one job:

- `name_key`: the folded key ("Văn Miếu-Quốc Tử Giám" → "van mieu quoc tu
  giam"). Dashes, apostrophes and other punctuation are word separators.
- `precise_key`: keeps letters and tone but not tone placement, so "Hoà" and
  "Hòa" are equal while "Sơn Hà" and "Sơn Hạ" (two communes of one province)
  are not.
- `split_kind`: "Phường Thổ Quan" → ("phường", "Thổ Quan").

It also holds the character tables the tagger uses to fold a text without
changing its length, so a match in the folded text maps back onto the
original characters.
"""

from __future__ import annotations

import re
import unicodedata

from bot.news.text import fold

_NON_WORD = re.compile(r"[\W_]+")
_TONE_MARKS = frozenset("\u0300\u0301\u0303\u0309\u0323")
_WORD_WITH_MARKS = re.compile(r"[^\W_][^\W_\u0300-\u036f]*|[\u0300-\u036f]+")

# Type words, longest first; keys are folded word tuples.
_KINDS: tuple[tuple[tuple[str, ...], str], ...] = (
    (("dac", "khu"), "đặc khu"),
    (("thi", "tran"), "thị trấn"),
    (("phuong",), "phường"),
    (("xa",), "xã"),
)
_DISTRICT_KINDS: tuple[tuple[tuple[str, ...], str], ...] = (
    (("thanh", "pho"), "thành phố"),
    (("thi", "xa"), "thị xã"),
    (("quan",), "quận"),
    (("huyen",), "huyện"),
)
_PROVINCE_KINDS: tuple[tuple[tuple[str, ...], str], ...] = (
    (("thanh", "pho"), "thành phố"),
    (("tinh",), "tỉnh"),
)


def name_key(text: str) -> str:
    """The matching key: folded, punctuation as spaces, spaces collapsed."""
    folded = fold(unicodedata.normalize("NFC", text))
    return " ".join(_NON_WORD.sub(" ", folded).split())


def precise_key(text: str) -> str:
    """A key that keeps letters and tones but ignores where the tone mark sits."""
    decomposed = unicodedata.normalize("NFD", text.casefold())
    words = []
    for raw in _WORD_WITH_MARKS.findall(decomposed):
        tone = "".join(sorted(ch for ch in raw if ch in _TONE_MARKS))
        base = "".join(ch for ch in raw if ch not in _TONE_MARKS)
        words.append(unicodedata.normalize("NFC", base) + tone)
    return " ".join(words)


def _split_by(text: str, kinds: tuple[tuple[tuple[str, ...], str], ...]) -> tuple[str | None, str]:
    words = text.split()
    folded = tuple(name_key(word) for word in words)
    for prefix, kind in kinds:
        if folded[: len(prefix)] == prefix and len(words) > len(prefix):
            return kind, " ".join(words[len(prefix) :])
    return None, " ".join(words)


def split_kind(text: str) -> tuple[str | None, str]:
    """("phường" | "xã" | "thị trấn" | "đặc khu" | None, the name without it)."""
    return _split_by(text, _KINDS)


def split_district_kind(text: str) -> tuple[str | None, str]:
    """("quận" | "huyện" | "thị xã" | "thành phố" | None, the name without it)."""
    return _split_by(text, _DISTRICT_KINDS)


def split_province_kind(text: str) -> tuple[str | None, str]:
    """("thành phố" | "tỉnh" | None, the name without it)."""
    return _split_by(text, _PROVINCE_KINDS)


def slug(text: str) -> str:
    """A folded ASCII-ish slug: "Văn Miếu - Quốc Tử Giám" → "van-mieu-quoc-tu-giam"."""
    return "-".join(name_key(text).split())


def _fold_char(ch: str, lower: bool) -> str:
    if ch in "đĐ":
        base = "d" if lower or ch == "đ" else "D"
        return base
    bare = "".join(c for c in unicodedata.normalize("NFD", ch) if not unicodedata.combining(c))
    if lower:
        bare = bare.lower()
    return bare if len(bare) == 1 else ch


def _fold_table(lower: bool) -> dict[int, str]:
    ranges = (range(0x41, 0x5B), range(0xC0, 0x250), range(0x1E00, 0x1F00))
    table = {}
    for block in ranges:
        for code in block:
            folded = _fold_char(chr(code), lower)
            if folded != chr(code):
                table[code] = folded
    return table


# Both tables map one character to one character, so folded texts keep the
# length (and offsets) of the NFC text they come from.
CASED_FOLD = _fold_table(lower=False)
LOWER_FOLD = _fold_table(lower=True)


def _lower_variants() -> dict[str, str]:
    variants: dict[str, set[str]] = {}
    for code, base in LOWER_FOLD.items():
        char = chr(code)
        if char == char.lower():
            variants.setdefault(base, {base}).add(char)
    return {base: "[" + "".join(sorted(chars)) + "]" for base, chars in variants.items()}


_VARIANTS = _lower_variants()
_PATTERN_GAP = r"[ \t\u00a0\-\u2010-\u2015'\u2019]+"


def variants_pattern(key: str) -> str:
    """A regex for every lower-case NFC spelling of a name key.

    "van mieu" → "v[aàáạảãâầấậẩẫăằắặẳẵ]n[ -]+m[iìíịỉĩ]..." (tones, dashes).
    """
    words = ("".join(_VARIANTS.get(ch, re.escape(ch)) for ch in word) for word in key.split())
    return _PATTERN_GAP.join(words)
