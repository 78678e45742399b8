"""The wards a bot serves, built from the shipped registry and the config.

`bot/data/wards.json.gz` (made by scripts/build_wards.py from the official
2025 conversion table) holds every unit since 1 July 2025 and every former
unit with the units it went to. `WardRegistry.from_config` picks one
province's units (CONTRACT §2 [wards]), or only the configured custom wards,
and indexes every name a resident or an article may use: official names,
aliases and former names.
"""

from __future__ import annotations

import gzip
import json
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

from bot.news.ward_config import CustomWard, apply_custom, pick_only
from bot.news.ward_names import name_key, precise_key
from bot.news.ward_records import FormerUnit, Province, Successor, Ward, letter_of

__all__ = ["NameEntry", "WardRegistry", "load_national"]

# A bare name (no "phường" before it) counts in tagging only when it has at
# least this many words: "Văn Miếu - Quốc Tử Giám" yes, "Kim Liên" (a street
# too) no.
_BARE_MIN_WORDS = 4


@dataclass(frozen=True, slots=True)
class NameEntry:
    """Everything one name key may mean among the served wards."""

    key: str
    official: tuple[str, ...]  # codes of wards with this official name
    aliases: tuple[str, ...]  # codes of wards with this alias
    former: tuple[FormerUnit, ...]  # former units so named, with a served successor
    bare: bool  # may be tagged without a "phường"/"xã" before it


@dataclass(frozen=True, slots=True)
class National:
    """The whole shipped registry, parsed once."""

    provinces: dict[str, Province]
    units: dict[str, tuple[str, str, str]]  # code → (kind, name, province code)
    former_by_unit: dict[str, tuple[FormerUnit, ...]]  # unit code → former units


@cache
def load_national() -> National:
    """Parse bot/data/wards.json.gz (cached: the file is read once)."""
    raw = resources.files("bot").joinpath("data/wards.json.gz").read_bytes()
    document: dict[str, Any] = json.loads(gzip.decompress(raw))
    provinces = {code: Province(code, name, kind) for code, kind, name in document["provinces"]}
    old_provinces = {code: name for code, _kind, name in document["former_provinces"]}
    districts = {row[0]: row for row in document["districts"]}
    units = {code: (kind, name, province) for code, kind, name, province in document["units"]}
    by_unit: dict[str, list[FormerUnit]] = {}
    for code, kind, name, district_code, successors in document["former"]:
        _, district_kind, district, province_code = districts[district_code]
        unit = FormerUnit(
            code=code,
            name=name,
            kind=kind,
            district=district,
            district_kind=district_kind,
            district_code=district_code,
            province=old_provinces[province_code],
            province_code=province_code,
            successors=tuple(
                Successor(to, whole=share == "whole", all_people=share == "people")
                for to, share in successors
            ),
        )
        for successor in unit.successors:
            by_unit.setdefault(successor.code, []).append(unit)
    frozen = {code: tuple(found) for code, found in by_unit.items()}
    return National(provinces, units, frozen)


def find_province(query: str, national: National) -> Province:
    """The province named or numbered by `query`; ValueError when unknown."""
    text = query.strip()
    if text.isdigit():
        found = national.provinces.get(text.zfill(2))
        if found is not None:
            return found
    key = _province_key(text)
    for province in national.provinces.values():
        if key and key in (_province_key(province.name), *_province_aliases(province)):
            return province
    names = ", ".join(sorted(p.name for p in national.provinces.values()))
    raise ValueError(
        f"unknown province {query!r}: give a name such as 'Hà Nội' or a code such as '01' "
        f"(known: {names})"
    )


def _province_key(text: str) -> str:
    words = name_key(text.split("(")[0]).split()
    for prefix in (["thanh", "pho"], ["tp"], ["tinh"]):
        if words[: len(prefix)] == prefix and len(words) > len(prefix):
            return " ".join(words[len(prefix) :])
    return " ".join(words)


def _province_aliases(province: Province) -> tuple[str, ...]:
    if province.code == "79":
        return ("hcm", "tphcm", "sai gon", "saigon")
    if province.code == "01":
        return ("hn",)
    return ()


class WardRegistry:
    """The served wards and every name that points at them."""

    __slots__ = (
        "_by_code", "_entries", "_first_words", "_names", "_precise", "_safe", "_sorted",
        "province",
    )  # fmt: skip

    def __init__(self, wards: Iterable[Ward], province: Province | None = None) -> None:
        self.province = province
        self._by_code = {ward.code: ward for ward in wards}
        self._sorted = tuple(
            sorted(self._by_code.values(), key=lambda w: (name_key(w.name), w.name, w.code))
        )
        self._precise = {ward.code: precise_key(ward.name) for ward in self._sorted}
        self._names: dict[str, NameEntry] = {}
        self._first_words: dict[str, tuple[int, ...]] = {}
        self._index()
        self._entries = tuple(self._names[key] for key in sorted(self._names))
        self._safe = tuple(entry.key for entry in self._entries if entry.bare)

    @classmethod
    def from_config(
        cls, province: str | None, only: list[str], custom: Iterable[CustomWard]
    ) -> WardRegistry:
        """The registry of CONTRACT §2 [wards]; ValueError on an unknown name."""
        if province is None or not province.strip():
            return cls(apply_custom({}, custom, province="").values())
        national = load_national()
        found = find_province(province, national)
        wards = _province_wards(found, national)
        chosen = pick_only(wards, only, cls(wards.values(), found)) if only else wards
        return cls(apply_custom(chosen, custom, found.name, full=wards).values(), found)

    def get(self, code: str) -> Ward | None:
        """The served ward with this code."""
        return self._by_code.get(code)

    def all(self) -> tuple[Ward, ...]:
        """Every served ward, ordered by folded name."""
        return self._sorted

    def by_letter(self) -> dict[str, tuple[Ward, ...]]:
        """Wards grouped by the first letter of their folded name, for a picker."""
        groups: dict[str, list[Ward]] = {}
        for ward in self._sorted:
            groups.setdefault(letter_of(ward.name), []).append(ward)
        return {letter: tuple(wards) for letter, wards in groups.items()}

    def entry(self, key: str) -> NameEntry | None:
        """What a name key means here (official name, alias, former name)."""
        return self._names.get(key)

    def names(self) -> tuple[NameEntry, ...]:
        """Every name entry, ordered by key (for fuzzy suggestions)."""
        return self._entries

    def safe_keys(self) -> tuple[str, ...]:
        """Keys of the names that may be tagged without a type word before them."""
        return self._safe

    def name_lengths(self, first_word: str) -> tuple[int, ...]:
        """Word counts of the names starting with `first_word`, longest first."""
        return self._first_words.get(first_word, ())

    def precise(self, code: str) -> str:
        """The tone-exact key of a served ward's official name."""
        return self._precise.get(code, "")

    def __len__(self) -> int:
        return len(self._by_code)

    def _index(self) -> None:
        official: dict[str, list[str]] = {}
        aliases: dict[str, list[str]] = {}
        former: dict[str, list[FormerUnit]] = {}
        for ward in self._sorted:
            official.setdefault(name_key(ward.name), []).append(ward.code)
            for alias in ward.aliases:
                aliases.setdefault(name_key(alias), []).append(ward.code)
            for unit in ward.former_units:
                former.setdefault(name_key(unit.name), []).append(unit)
        for key in {*official, *aliases, *former} - {""}:
            self._names[key] = NameEntry(
                key=key,
                official=tuple(official.get(key, ())),
                aliases=tuple(dict.fromkeys(aliases.get(key, ()))),
                former=tuple(dict.fromkeys(former.get(key, ()))),
                bare=(key in official or key in aliases) and len(key.split()) >= _BARE_MIN_WORDS,
            )
        lengths: dict[str, set[int]] = {}
        for key in self._names:
            words = key.split()
            lengths.setdefault(words[0], set()).add(len(words))
        self._first_words = {w: tuple(sorted(n, reverse=True)) for w, n in lengths.items()}


def _province_wards(province: Province, national: National) -> dict[str, Ward]:
    wards = {}
    for code, (kind, name, province_code) in national.units.items():
        if province_code != province.code:
            continue
        units = national.former_by_unit.get(code, ())
        wards[code] = Ward(
            code=code,
            name=name,
            kind=kind,
            province=province.name,
            former=tuple(dict.fromkeys(unit.name for unit in units)),
            former_units=units,
        )
    return wards
