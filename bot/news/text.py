"""Vietnamese text: normalisation, the matching fold and sentence splitting."""

from __future__ import annotations

import unicodedata

_FOLD_EXTRA = str.maketrans({"đ": "d", "Đ": "d"})


def fold(text: str) -> str:
    """The matching key of a text: no marks, đ as d, casefolded, spaces collapsed.

    Both tone placements ("hoà", "hòa") fold to the same key, because every
    combining mark is dropped after decomposition.
    """
    decomposed = unicodedata.normalize("NFD", text.translate(_FOLD_EXTRA))
    bare = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return " ".join(bare.casefold().split())
