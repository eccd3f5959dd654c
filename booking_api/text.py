"""Normalisation of names, kana and phone numbers for the operators' search.

Operators type what they hear: half- or full-width, hiragana or katakana, with
or without spaces. Both the stored value and the query go through ``normalise``.
"""

from __future__ import annotations

import re
import unicodedata

import jaconv


def normalise(text: str) -> str:
    """Return ``text`` in NFKC, hiragana turned to katakana, lower-case, without spaces."""
    folded = unicodedata.normalize("NFKC", text)
    folded = jaconv.hira2kata(folded)
    return re.sub(r"\s+", "", folded).lower()


def digits(text: str) -> str:
    """Return only the digits of ``text`` (full-width digits included)."""
    return re.sub(r"\D", "", unicodedata.normalize("NFKC", text))
