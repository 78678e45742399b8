"""Wards: the registry a bot serves, resolving residents' names, tagging news.

The public face of the ward modules (CONTRACT §2 [wards], §3):

- `WardRegistry.from_config(province, only, custom)`: the served wards.
- `resolve(query, registry)`: what a resident means by a name.
- `tag(title, body, registry, pinned)`: which served wards an item is about.

The parts live beside it: `ward_names` (keys), `ward_records` (records),
`ward_registry` (the shipped data and the index), `ward_config` (`only`,
`[[wards.custom]]`), `ward_resolve` and `ward_tagging`.
"""

from __future__ import annotations

from bot.news.ward_config import CustomWard
from bot.news.ward_names import name_key, precise_key
from bot.news.ward_records import FormerUnit, Province, Successor, Ward
from bot.news.ward_registry import NameEntry, WardRegistry
from bot.news.ward_resolve import Resolution, resolve
from bot.news.ward_tagging import tag

__all__ = [
    "CustomWard",
    "FormerUnit",
    "NameEntry",
    "Province",
    "Resolution",
    "Successor",
    "Ward",
    "WardRegistry",
    "name_key",
    "precise_key",
    "resolve",
    "tag",
]
