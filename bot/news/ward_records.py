"""Ward records: served wards, former units and where those went in 2025."""

from __future__ import annotations

from dataclasses import dataclass, field

from bot.news.ward_names import name_key


@dataclass(frozen=True, slots=True)
class Province:
    """A province or centrally-run city since 1 July 2025 ("01", "Hà Nội")."""

    code: str
    name: str
    kind: str  # "thành phố" | "tỉnh"


@dataclass(frozen=True, slots=True)
class Successor:
    """A unit since 2025 that received (part of) a former unit."""

    code: str
    whole: bool  # "Nhập toàn bộ": the whole former unit went here
    all_people: bool = False  # part of the area but all of the population


@dataclass(frozen=True, slots=True)
class FormerUnit:
    """A ward, commune or township before 1 July 2025 (codes of that era)."""

    code: str
    name: str  # without the type word: "Thổ Quan"
    kind: str  # "phường" | "xã" | "thị trấn"
    district: str  # the former district, without its type word: "Đống Đa"
    district_kind: str  # "quận" | "huyện" | "thị xã" | "thành phố"
    district_code: str
    province: str  # the former province: "Hà Nội"
    province_code: str
    successors: tuple[Successor, ...]

    @property
    def display_name(self) -> str:
        """ "phường Thổ Quan" """
        return f"{self.kind} {self.name}"

    @property
    def merged_whole_into(self) -> str | None:
        """The code of the unit it went to as a whole, if it did."""
        whole = [successor.code for successor in self.successors if successor.whole]
        return whole[0] if len(whole) == 1 else None


@dataclass(frozen=True, slots=True)
class Ward:
    """A served ward: an official unit since 2025, or a custom one from the config.

    Custom wards absent from the registry get a synthetic code "x-<slug>".
    """

    code: str
    name: str  # official name without the type word: "Văn Miếu - Quốc Tử Giám"
    kind: str  # "phường" | "xã" | "đặc khu"
    province: str  # "Hà Nội"; "" for a custom ward without a province
    aliases: tuple[str, ...] = ()  # extra names from the config
    former: tuple[str, ...] = ()  # names of the former units merged into it
    former_units: tuple[FormerUnit, ...] = field(default=(), repr=False)

    @property
    def display_name(self) -> str:
        """The full official name, as GLOSSARY asks: "phường Văn Miếu - Quốc Tử Giám"."""
        return f"{self.kind} {self.name}"


def letter_of(name: str) -> str:
    """The picker letter of a name: first letter of its folded key, upper case."""
    key = name_key(name)
    if not key:
        return "#"
    first = key[0]
    return first.upper() if first.isalpha() else "#"
