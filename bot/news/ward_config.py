"""The [wards] config applied to the registry: `only` and `[[wards.custom]]`."""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import replace
from typing import TYPE_CHECKING, Protocol

from bot.news.ward_names import name_key, precise_key, slug, split_kind
from bot.news.ward_records import Ward
from bot.news.ward_resolve import resolve

if TYPE_CHECKING:
    from bot.news.ward_registry import WardRegistry

__all__ = ["CustomWard", "apply_custom", "pick_only"]


class CustomWard(Protocol):
    """A `[[wards.custom]]` entry: any object with these two attributes."""

    @property
    def name(self) -> str: ...

    @property
    def aliases(self) -> tuple[str, ...]: ...


def _clean(text: str) -> str:
    return " ".join(unicodedata.normalize("NFC", text).split())


def find_by_name(name: str, wards: Mapping[str, Ward]) -> Ward | None:
    """The ward whose official name folds like `name` (tones decide a tie)."""
    key = name_key(name)
    found = [ward for ward in wards.values() if name_key(ward.name) == key]
    if len(found) > 1:
        exact = [ward for ward in found if precise_key(ward.name) == precise_key(name)]
        found = exact or found
    return found[0] if found else None


def apply_custom(
    wards: Mapping[str, Ward],
    custom: Iterable[CustomWard],
    province: str,
    full: Mapping[str, Ward] | None = None,
) -> dict[str, Ward]:
    """`wards` plus the custom entries: new wards, or aliases on known ones.

    A custom name that folds like a ward of the province (`full`, even one
    left out by `only`) adds that ward with the extra aliases.
    """
    result = dict(wards)
    for entry in custom:
        kind, name = split_kind(_clean(entry.name))
        if not name_key(name):
            raise ValueError(f"wards.custom: a ward name is empty ({entry.name!r})")
        aliases = tuple(_clean(alias) for alias in entry.aliases if name_key(alias))
        known = find_by_name(name, result) or find_by_name(name, full or {})
        if known is None:
            code = f"x-{slug(name)}"
            known = result.get(code) or Ward(code, name, kind or "phường", province)
        merged = tuple(dict.fromkeys((*known.aliases, *aliases)))
        result[known.code] = replace(known, aliases=merged)
    return result


def pick_only(
    wards: Mapping[str, Ward], only: Iterable[str], registry: WardRegistry
) -> dict[str, Ward]:
    """The wards named in `only`; ValueError naming any unknown one."""
    chosen = {}
    for raw in only:
        ward = find_by_name(split_kind(_clean(raw))[1], wards)
        if ward is None:
            raise ValueError(_unknown_only(raw, registry))
        chosen[ward.code] = ward
    return chosen


def _unknown_only(name: str, registry: WardRegistry) -> str:
    where = registry.province.name if registry.province else "the registry"
    found = resolve(name, registry)
    targets = ", ".join(ward.display_name for ward in found.wards)
    if found.kind in ("merged", "split"):
        return f"wards.only: {name!r} is a former ward of {where}, now part of {targets}"
    if found.kind == "suggestions":
        return f"wards.only: unknown ward {name!r} in {where}; did you mean {targets}?"
    return f"wards.only: unknown ward {name!r} in {where}"
