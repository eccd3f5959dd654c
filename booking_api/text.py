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


# After NFKC and katakana -> hiragana a reading holds only these: hiragana (with the
# small kana and ゔ ゕ ゖ), the voiced-sound marks, ー for long vowels, ・ between the
# parts of a foreign name, and single spaces.
_READING_RE = re.compile("^[\u3041-\u3096\u3099-\u309f\u30fc\u30fb ]+$")
_DASHES = "‐‑‒–—―−－ー─━ｰ"  # what people type for the hyphen in a phone number


def kana_reading(text: str) -> str | None:
    """Return ``text`` as the one stored form of a ふりがな, or None when it is not kana.

    Hiragana, katakana and half-width katakana are all accepted; the stored form is
    hiragana after NFKC (so ｻﾄｳ, サトウ and さとう are stored as さとう), with each run of
    spaces (half- or full-width) turned into one half-width space. Latin letters,
    kanji or digits (「Sato Kazuko」, 「佐藤」) give None: such a reading could never be
    found by kana.
    """
    folded = unicodedata.normalize("NFKC", text)
    folded = jaconv.kata2hira(folded)
    folded = re.sub(r"\s+", " ", folded).strip()
    if not folded or not _READING_RE.match(folded):
        return None
    return folded


def phone_number(text: str) -> str:
    """Return a phone number as typed, in half-width digits and hyphens.

    Full-width digits become half-width (０９０ → 090), every kind of dash or long-vowel
    mark becomes "-", brackets around an area code become hyphens and spaces go, so
    「０９０ー１２３４ー５６７８」 is stored as 090-1234-5678. Nothing that is a digit is
    ever dropped; other characters are kept for the caller to refuse.
    """
    folded = unicodedata.normalize("NFKC", text)
    folded = folded.translate({ord(c): "-" for c in _DASHES})
    folded = re.sub(r"\s+", "", folded)
    folded = re.sub(r"^\((\d+)\)", r"\1-", folded)
    folded = re.sub(r"\((\d+)\)", r"-\1-", folded)
    return re.sub(r"-{2,}", "-", folded).strip("-")


def phone_prefix(text: str) -> str | None:
    """Return the national digits an international fragment (``+81 90 12``) starts with.

    ``+81``/``0081`` fixes where the number begins, so however few digits follow,
    ``+81 90 12`` means "numbers starting 09012" (``+81 (0)299 4`` likewise ``02994``).
    Anything that is not such a fragment (no ``+81``, letters, under two digits after
    the national 0) gives None, and the caller searches digits anywhere as before.
    """
    folded = unicodedata.normalize("NFKC", text).strip()
    if re.search(rf"[^\d\s()+\-{_DASHES}]", folded) or "+" in folded[1:]:
        return None
    number = digits(folded)
    if folded.startswith("+"):
        if not number.startswith("81"):
            return None
        number = number[2:]
    elif number.startswith("0081"):
        number = number[4:]
    else:
        return None
    number = number if number.startswith("0") else "0" + number
    return number if len(number) >= 2 else None
