"""Which served wards a news item is about: `tag`.

A name counts when the text marks it as a ward: "phường X", "P. X", "P.X",
"P X" (capital P), "xã X", "thị trấn X", "TT X", "đặc khu X", "X ward", and
the names listed after a plural ("các phường X, Y và Z") or joined by "và".
A bare name counts only when it cannot be a street or a place: an official
name or alias of four words or more ("Văn Miếu - Quốc Tử Giám"), not right
after "phố", "đường", "ngõ", "quận", "chợ", "hồ"... A ward name must start
with a capital letter ("xã hội" is not xã Hội). Conservative on purpose: a
missed ward costs less than a wrong push.

Former names count too: "phường Thổ Quan" (merged whole in 2025) tags
Văn Miếu - Quốc Tử Giám, a split one tags every served successor, and a
former name shared by several former districts needs its district in the
text.

Speed: one regex pass finds the anchors ("phường", "xã", "P."...) in the
lower-cased text; only a short window after each anchor is folded and
looked up in the registry's dict of folded names. See `tests/test_wards_tag.py`
for the measured time.
"""

from __future__ import annotations

import re
import unicodedata
from functools import cache, lru_cache
from itertools import islice
from typing import TYPE_CHECKING

from bot.news.ward_names import LOWER_FOLD, name_key, precise_key, variants_pattern
from bot.news.ward_resolve import resolve, successors_of

if TYPE_CHECKING:
    from bot.news.ward_records import FormerUnit
    from bot.news.ward_registry import NameEntry, WardRegistry

__all__ = ["tag"]

_WINDOW = 96  # characters after an anchor that may hold a ward name
_MAX_NAME_WORDS = 8
_WORD = re.compile(r"[^\W_]+")
_NAME_GAP = re.compile(r"[ \t\u00a0\-\u2010-\u2015'\u2019]+")  # inside a name
_SPACES = re.compile(r"[ \t\u00a0]+")
_ABBREVIATION = re.compile(r"(?:P|TT)(?=[.\s])")  # "P. Kim Liên", "TT Trâu Quỳ"
_AFTER_ABBREVIATION = re.compile(r"\.?[ \t\u00a0]*")
_AND = re.compile(r"[ \t\u00a0]*,?[ \t\u00a0]*(?:và|va|and)[ \t\u00a0]+")
_COMMA = re.compile(r"[ \t\u00a0]*,[ \t\u00a0]*")
_LAST_WORD = re.compile(r"([^\W_]+)[ \t\u00a0]*$")

# Lower-case spellings of the type words before a name, and their type.
_PREFIXES = {
    "phường": "phường", "phuong": "phường", "xã": "xã", "xa": "xã",
    "thị trấn": "thị trấn", "thi tran": "thị trấn", "đặc khu": "đặc khu",
    "dac khu": "đặc khu", "P": "phường", "TT": "thị trấn",
}  # fmt: skip
_SUFFIXES = ("ward", "commune")
_PLURAL = frozenset({"cac", "nhung", "hai", "ba", "bon"})  # "các phường A, B"
_NOT_XA = frozenset({"thi", "tac"})  # "thị xã Sơn Tây" (a former town), "hợp tác xã"
# A bare name right after one of these is a street, a district or a place.
_PLACE_WORDS = frozenset(
    {
        "pho", "duong", "ngo", "ngach", "hem", "kiet", "quan", "huyen", "tinh", "cho", "ho",
        "song", "cau", "vien", "truong", "khu", "lang", "thon", "xom", "ap", "ban", "dinh",
        "chua", "den", "mieu", "ga", "ben", "toa", "nha", "tich", "vinh", "nui", "dao",
    }
)  # fmt: skip
_TYPE_WORDS = re.compile(
    "|".join(
        re.escape(word)
        for word in sorted((*(p for p in _PREFIXES if p.islower()), *_SUFFIXES), key=len)[::-1]
    )
)
Found = list[tuple[int, int, tuple[str, ...]]]  # (start, end, codes) of accepted names


def tag(
    title: str, body: str, registry: WardRegistry, pinned: str | None = None
) -> tuple[str, ...]:
    """Codes of the served wards an item is about, in order of first mention.

    `pinned` (a source's `ward`: a code or a name) overrides the text; "auto"
    and None mean "read the text". An unknown pinned ward gives ().
    """
    if pinned is not None and name_key(pinned) not in ("", "auto"):
        return _pinned(pinned, registry)
    found: dict[str, None] = {}
    for text in (title, body):
        for code in _tag_text(unicodedata.normalize("NFC", text), registry):
            found[code] = None
    return tuple(found)


def _pinned(pinned: str, registry: WardRegistry) -> tuple[str, ...]:
    if registry.get(pinned.strip()) is not None:
        return (pinned.strip(),)
    ward = resolve(pinned, registry).ward
    return (ward.code,) if ward is not None else ()


@cache
def _safe_pattern(safe_keys: tuple[str, ...]) -> re.Pattern[str] | None:
    """The safe bare names, on lower-cased NFC text (a regex apart from the
    type words: mixing them would lose the regex engine's literal prefix scan)."""
    if not safe_keys:
        return None
    return re.compile("|".join(variants_pattern(key) for key in safe_keys))


def _anchors(source: str, lower: str, registry: WardRegistry) -> list[tuple[int, int, str]]:
    """(start, end, what) of every place a ward name may follow or sit:
    what is a type word, "P"/"TT", a suffix, or "" for a safe bare name."""
    hits = [(m.start(), m.end(), m.group()) for m in _TYPE_WORDS.finditer(lower)]
    hits += [(m.start(), m.end(), m.group()) for m in _ABBREVIATION.finditer(source)]
    safe = _safe_pattern(registry.safe_keys())
    if safe is not None:
        hits += [(m.start(), m.end(), "") for m in safe.finditer(lower)]
    hits.sort()
    return hits


def _tag_text(source: str, registry: WardRegistry) -> list[str]:
    lower = source.lower()
    if len(lower) != len(source):  # a rare letter that lowers to two
        lower = "".join(ch.lower() if len(ch.lower()) == 1 else ch for ch in source)
    codes: list[tuple[int, str]] = []
    done = 0  # text before this offset is used up by an accepted name
    for start, end, what in _anchors(source, lower, registry):
        if start < done or not _is_word(source, start, end):
            continue
        if not what:
            found = _bare(source, start, end, registry)
        elif what in _SUFFIXES:
            found = _before_suffix(source, start, registry)
        else:
            found = _after_prefix(source, start, end, what, registry)
        for at, until, codes_here in found:
            codes.extend((at, code) for code in codes_here)
            done = max(done, until)
    return [code for _, code in sorted(codes, key=lambda pair: pair[0])]


def _is_word(source: str, start: int, end: int) -> bool:
    before = source[start - 1] if start > 0 else " "
    after = source[end] if end < len(source) else " "
    return not before.isalnum() and not after.isalnum()


def _after_prefix(source: str, start: int, end: int, word: str, registry: WardRegistry) -> Found:
    """The name after a type word, and the names listed after it."""
    gap = (_AFTER_ABBREVIATION if word in ("P", "TT") else _SPACES).match(source, end)
    if gap is None or gap.end() == end:
        return []
    name = _name_at(source, gap.end(), registry)
    if name is None:  # most often a lower-case word: "phường đề nghị"
        return []
    previous = _previous_word(source, start)
    kind = _PREFIXES[word]
    if kind == "xã" and previous in _NOT_XA:
        return []
    found: Found = []
    plural = previous in _PLURAL
    while name is not None:
        entry, at, until = name
        found.append((at, until, _codes(entry, kind, source, at, until, registry)))
        name = _next_in_list(source, until, plural, registry)
    return found


def _next_in_list(
    source: str, end: int, plural: bool, registry: WardRegistry
) -> tuple[NameEntry, int, int] | None:
    """The next name of "các phường A, B và C"; a comma needs the plural."""
    link = _AND.match(source, end) or (_COMMA.match(source, end) if plural else None)
    return _name_at(source, link.end(), registry) if link else None


def _name_at(source: str, pos: int, registry: WardRegistry) -> tuple[NameEntry, int, int] | None:
    """The longest served name whose first word starts exactly at `pos`."""
    window = source[pos : pos + _WINDOW]
    if not window or not (window[0].isupper() or window[0].isdigit()):
        return None
    folded = window.translate(LOWER_FOLD).lower()
    tokens = list(islice(_WORD.finditer(folded), _MAX_NAME_WORDS))
    if not tokens or tokens[0].start() != 0:
        return None
    for length in registry.name_lengths(tokens[0].group()):
        if length > len(tokens) or not _joined(folded, tokens, length):
            continue
        entry = registry.entry(" ".join(token.group() for token in tokens[:length]))
        if entry is not None:
            return entry, pos, pos + tokens[length - 1].end()
    return None


def _joined(folded: str, tokens: list[re.Match[str]], length: int) -> bool:
    return all(
        _NAME_GAP.fullmatch(folded, tokens[k].end(), tokens[k + 1].start())
        for k in range(length - 1)
    )


def _before_suffix(source: str, start: int, registry: WardRegistry) -> Found:
    """ "Tho Quan ward": the longest name ending right before the suffix."""
    head = source[max(0, start - _WINDOW) : start]
    folded = head.translate(LOWER_FOLD).lower()
    tokens = list(_WORD.finditer(folded))[-_MAX_NAME_WORDS:]
    if not tokens or not _SPACES.fullmatch(folded, tokens[-1].end()):
        return []
    offset = start - len(head)
    for first in range(len(tokens)):
        at = offset + tokens[first].start()
        if at > 0 and source[at - 1].isalnum():
            continue  # a word cut by the window
        name = _name_at(source, at, registry)
        if name is not None and name[2] == offset + tokens[-1].end():
            entry, at, until = name
            return [(at, until, _codes(entry, "", source, at, until, registry))]
    return []


def _bare(source: str, start: int, end: int, registry: WardRegistry) -> Found:
    """A safe bare name: capitalised, and not right after "phố", "quận"..."""
    if not source[start].isupper() or _previous_word(source, start) in _PLACE_WORDS:
        return []
    entry = registry.entry(name_key(source[start:end]))
    if entry is None:
        return []
    return [(start, end, _codes(entry, "", source, start, end, registry))]


def _previous_word(source: str, start: int) -> str:
    match = _LAST_WORD.search(source, max(0, start - 16), start)
    return match.group(1).translate(LOWER_FOLD).lower() if match else ""


def _codes(
    entry: NameEntry, kind: str, source: str, start: int, end: int, registry: WardRegistry
) -> tuple[str, ...]:
    """The served wards a marked name means; () when it stays ambiguous."""
    if entry.official:
        if len(entry.official) == 1:
            return entry.official
        wanted = _precise(source[start:end])
        exact = tuple(code for code in entry.official if registry.precise(code) == wanted)
        return exact if len(exact) == 1 else ()
    if entry.aliases:
        return entry.aliases if len(entry.aliases) == 1 else ()
    units = _strict_former(entry.former, kind, source[start:end])
    return successors_of(_one_district(units, source, registry), registry)[0]


def _strict_former(units: tuple[FormerUnit, ...], kind: str, span: str) -> tuple[FormerUnit, ...]:
    """Former units whose type and spelling fit the text. Stricter than
    `resolve`: "phường Trung Tự" is not the former "xã Trung Tú"."""
    if kind:
        units = tuple(unit for unit in units if unit.kind == kind)
    if span.translate(LOWER_FOLD).lower() == span.lower():
        return units  # written without diacritics: any spelling fits
    wanted = _precise(span)
    return tuple(unit for unit in units if _precise(unit.name) == wanted)


@lru_cache(maxsize=4096)
def _precise(name: str) -> str:
    """`precise_key`, cached: names repeat within and across articles."""
    return precise_key(name)


def _one_district(
    units: tuple[FormerUnit, ...], source: str, registry: WardRegistry
) -> tuple[FormerUnit, ...]:
    """The former units a shared name means: all, if they went to the same
    wards; else those whose former district the text names; else none."""
    if len({successors_of((unit,), registry)[0] for unit in units}) <= 1:
        return units
    text = f" {name_key(source)} "
    named = tuple(unit for unit in units if f" {name_key(unit.district)} " in text)
    if len({successors_of((unit,), registry)[0] for unit in named}) == 1:
        return named
    return ()
