"""The catalogue of every word the bot says, in Vietnamese and English.

Words live in ``bot/locales/<lang>.toml`` as nested tables; a word is asked
for by its dotted key (``"start.greeting"``). Placeholders are filled with
``str.format``; callers escape values that go into HTML.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from functools import cache
from importlib import resources
from typing import Any

LANGUAGES = ("vi", "en")
DEFAULT_LANGUAGE = "vi"


def _flatten(table: Mapping[str, Any], prefix: str = "") -> dict[str, str]:
    words: dict[str, str] = {}
    for key, value in table.items():
        path = f"{prefix}{key}"
        if isinstance(value, Mapping):
            words |= _flatten(value, f"{path}.")
        else:
            words[path] = str(value)
    return words


@cache
def load_words(language: str) -> dict[str, str]:
    text = resources.files("bot.locales").joinpath(f"{language}.toml").read_text("utf-8")
    return _flatten(tomllib.loads(text))


class Catalogue:
    """Looks words up for one language, falling back to the default language."""

    def __init__(self, language: str) -> None:
        self.language = language if language in LANGUAGES else DEFAULT_LANGUAGE
        self._words = load_words(self.language)

    def __call__(self, key: str, **values: Any) -> str:
        word = self._words.get(key)
        if word is None:
            word = load_words(DEFAULT_LANGUAGE)[key]
        return word.format(**values) if values else word


def catalogue(language: str | None, default: str = DEFAULT_LANGUAGE) -> Catalogue:
    return Catalogue(language or default)
