"""What a resident means by a ward name: `resolve` (CONTRACT §3).

"tho quan", "Thổ Quan", "P. Thổ Quan", "phường Thổ Quan (cũ)" are one query.
An official name or alias gives the ward; a former unit merged whole gives
its successor (and says so); a former unit split, or a former name shared by
several former districts, gives the choice; anything else gets fuzzy
suggestions or nothing.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from rapidfuzz import fuzz, process

from bot.news.ward_names import name_key, precise_key
from bot.news.ward_records import FormerUnit, Ward

if TYPE_CHECKING:
    from bot.news.ward_registry import NameEntry, WardRegistry

__all__ = ["Resolution", "narrow_former", "query_keys", "resolve", "successors_of"]

ResolutionKind = Literal["ward", "merged", "split", "suggestions", "none"]

MAX_SUGGESTIONS = 5
# Levenshtein ratio of folded keys: one wrong letter in a two-word name
# scores ~90, "caugiay" against "cau giay" 93 (compared without spaces). Many
# names are one letter apart ("ha dinh", "ba dinh"), so only the scores near
# the best one are kept.
SUGGESTION_CUTOFF = 78
SUGGESTION_SPREAD = 8
PART_SCORE = 90  # the query is some whole words of a name: "van mieu", "quoc tu giam"
_MAX_FUZZY_QUERY = 80  # longer text is not a ward name someone typed
_MAX_QUERY = 300

# Words a resident may put before a name, as folded word tuples, longest
# first, with the unit type they imply.
_PREFIXES: tuple[tuple[tuple[str, ...], str | None], ...] = (
    (("thi", "tran"), "thị trấn"),
    (("dac", "khu"), "đặc khu"),
    (("phuong",), "phường"),
    (("p",), "phường"),
    (("xa",), "xã"),
    (("tt",), "thị trấn"),
    (("quan",), None),
    (("q",), None),
)
_SUFFIXES = (("ward",), ("commune",))
_TYPE_WORDS = frozenset(
    " ".join(words) for words, _ in (*_PREFIXES, *((s, None) for s in _SUFFIXES))
)
_FORMER_MARK = re.compile(r"\s*(?:\(\s*(?:cũ|cu)\s*\)|\s+cũ)\s*$", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class Resolution:
    """The answer to a ward query.

    kind "ward": `wards` holds the one ward; "merged": the one successor and
    `former` the unit(s) merged into it; "split": every served successor
    (whole ones first) and `former`; "suggestions": up to five wards; "none".
    """

    kind: ResolutionKind
    wards: tuple[Ward, ...] = ()
    former: tuple[FormerUnit, ...] = ()

    @property
    def ward(self) -> Ward | None:
        """The ward for "ward" and "merged", else None."""
        return self.wards[0] if self.kind in ("ward", "merged") else None

    @property
    def former_name(self) -> str | None:
        """ "phường Thổ Quan" for "merged" and "split" answers."""
        return self.former[0].display_name if self.former else None


NONE = Resolution("none")


def query_keys(query: str) -> tuple[tuple[str, str | None], ...]:
    """(name key, type hint) to try, the whole query first, then without prefix."""
    text = _FORMER_MARK.sub("", unicodedata.normalize("NFC", query))
    words = name_key(text).split()
    keys: list[tuple[str, str | None]] = [(" ".join(words), None)]
    for suffix in _SUFFIXES:
        if len(words) > len(suffix) and tuple(words[-len(suffix) :]) == suffix:
            words = words[: -len(suffix)]
            keys.append((" ".join(words), None))
    for prefix, kind in _PREFIXES:
        if len(words) > len(prefix) and tuple(words[: len(prefix)]) == prefix:
            keys.append((" ".join(words[len(prefix) :]), kind))
            break
    return tuple(dict.fromkeys(key for key in keys if key[0] and key[0] not in _TYPE_WORDS))


def resolve(query: str, registry: WardRegistry) -> Resolution:
    """The served ward(s) a query names (or its code); never raises on any text."""
    if len(query) > _MAX_QUERY:
        return NONE
    by_code = registry.get(query.strip())
    if by_code is not None:
        return Resolution("ward", (by_code,))
    keys = query_keys(query)
    for key, kind in keys:
        entry = registry.entry(key)
        if entry is not None:
            found = _exact(entry, query, kind, registry)
            if found.kind != "none":
                return found
    return _suggest(keys[-1][0], registry) if keys else NONE


def _exact(entry: NameEntry, query: str, kind: str | None, registry: WardRegistry) -> Resolution:
    if entry.official:
        return _choose(entry.official, query, registry)
    units = narrow_former(entry.former, kind, precise_key(_FORMER_MARK.sub("", query)))
    if entry.aliases:
        former = _from_former(units, registry)
        if former.kind == "merged" and former.wards[0].code in entry.aliases:
            return former
        return _choose(entry.aliases, query, registry)
    return _from_former(units, registry)


def _choose(codes: tuple[str, ...], query: str, registry: WardRegistry) -> Resolution:
    """One ward, or a choice when two wards' names fold alike ("Sơn Hà", "Sơn Hạ")."""
    wards = [ward for code in codes if (ward := registry.get(code)) is not None]
    if len(wards) > 1:
        wanted = precise_key(_FORMER_MARK.sub("", query)).split()
        exact = [w for w in wards if _ends_with(wanted, registry.precise(w.code).split())]
        wards = exact if len(exact) == 1 else wards
    if not wards:
        return NONE
    return Resolution("ward", (wards[0],)) if len(wards) == 1 else _suggestions(wards)


def successors_of(
    units: tuple[FormerUnit, ...], registry: WardRegistry
) -> tuple[tuple[str, ...], bool]:
    """Served successor codes (whole, then all people, then part) and whether all are whole."""
    ranked: dict[str, int] = {}
    all_whole = True
    for unit in units:
        for successor in unit.successors:
            if registry.get(successor.code) is None:
                continue
            rank = 0 if successor.whole else 1 if successor.all_people else 2
            ranked[successor.code] = min(rank, ranked.get(successor.code, rank))
            all_whole = all_whole and successor.whole
    codes = tuple(sorted(ranked, key=lambda code: ranked[code]))
    return codes, all_whole


def narrow_former(
    units: tuple[FormerUnit, ...], kind: str | None, wanted: str
) -> tuple[FormerUnit, ...]:
    """The former units of one folded name that the given type and exact
    spelling single out ("xã Đại Hưng" is not "xã Đại Hùng"); all if none do."""
    units = tuple(unit for unit in units if unit.kind == kind) or units
    words = wanted.split()
    exact = tuple(unit for unit in units if _ends_with(words, precise_key(unit.name).split()))
    return exact or units


def _ends_with(words: list[str], tail: list[str]) -> bool:
    return len(tail) <= len(words) and words[len(words) - len(tail) :] == tail


def _from_former(units: tuple[FormerUnit, ...], registry: WardRegistry) -> Resolution:
    codes, all_whole = successors_of(units, registry)
    wards = tuple(ward for code in codes if (ward := registry.get(code)) is not None)
    if not wards:
        return NONE
    if len(wards) == 1 and all_whole:
        return Resolution("merged", wards, units)
    return Resolution("split", wards, units)


def _suggestions(wards: list[Ward] | tuple[Ward, ...]) -> Resolution:
    unique = tuple(dict.fromkeys(wards))[:MAX_SUGGESTIONS]
    return Resolution("suggestions", unique) if unique else NONE


def _suggest(key: str, registry: WardRegistry) -> Resolution:
    """Wards whose names are close to `key`: typos, missing spaces, missing words."""
    if len(key.replace(" ", "")) < 3 or len(key) > _MAX_FUZZY_QUERY:
        return NONE
    scored = _fuzzy_scores(key, registry)
    if not scored:
        return NONE
    best = max(score for score, _ in scored)
    wards: list[Ward] = []
    for score, entry in sorted(scored, key=lambda pair: (-pair[0], pair[1].key)):
        if score < best - SUGGESTION_SPREAD:
            break
        codes = entry.official or entry.aliases or successors_of(entry.former, registry)[0]
        wards.extend(ward for code in codes if (ward := registry.get(code)) is not None)
    return _suggestions(wards)


def _fuzzy_scores(key: str, registry: WardRegistry) -> list[tuple[float, NameEntry]]:
    entries = registry.names()
    keys = [entry.key for entry in entries]
    scores: dict[int, float] = {}
    for query, choices in ((key, keys), (key.replace(" ", ""), [k.replace(" ", "") for k in keys])):
        for _, score, index in process.extract(
            query, choices, scorer=fuzz.ratio, limit=None,
            score_cutoff=SUGGESTION_CUTOFF, processor=None,
        ):  # fmt: skip
            scores[index] = max(score, scores.get(index, 0.0))
    padded = f" {key} "
    for index, candidate in enumerate(keys):
        if padded in f" {candidate} ":
            scores[index] = max(PART_SCORE, scores.get(index, 0.0))
    return [(score, entries[index]) for index, score in scores.items()]
