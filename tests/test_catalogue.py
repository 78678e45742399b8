"""The catalogue: the same keys in Vietnamese and English, none empty, placeholders alike."""

from __future__ import annotations

import re

import pytest

from bot.catalogue import LANGUAGES, catalogue, load_words

PLACEHOLDER = re.compile(r"{(\w+)}")


def test_languages_have_the_same_keys():
    assert set(load_words("vi")) == set(load_words("en"))


@pytest.mark.parametrize("language", LANGUAGES)
def test_no_word_is_empty(language):
    empty = [key for key, word in load_words(language).items() if not word.strip()]
    assert empty == []


def test_placeholders_match_between_languages():
    vi, en = load_words("vi"), load_words("en")
    for key in vi:
        assert set(PLACEHOLDER.findall(vi[key])) == set(PLACEHOLDER.findall(en[key])), key


def test_unknown_language_falls_back_to_vietnamese():
    assert catalogue("fr")("lang.set") == catalogue("vi")("lang.set")
