"""Japanese phone numbers: one stored form, and what kind of line a number is.

A number is typed in many ways (「０９０ー１２３４ー５６７８」, ``+81 90 1234 5678``,
``+81 (0)299-44-5566``, ``0081…``); every form comes to one national number
(``09012345678``) and one written form (``090-1234-5678``). The kind follows the
Japanese numbering plan: 070/080/090 (and 060) are mobiles and take an SMS, 050 is an
IP phone, everything else is treated as a landline (an automated call reaches it).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from enum import StrEnum

_DASHES = "‐‑‒–—―−－ー─━ｰ"  # what people type for the hyphen in a phone number
_ELEVEN = re.compile(r"^0(?:[6-9]0|50|20)\d{8}$|^0800\d{7}$")  # mobile, IP, M2M, freephone
_LONG = ("060", "070", "080", "090", "050", "020")  # prefixes of 11-digit numbers
_TEN = re.compile(r"^0[1-9]\d{8}$")  # landlines (area code + subscriber), 0120, 0570


class LineKind(StrEnum):
    """What a number is, as far as the notifier cares."""

    MOBILE = "mobile"
    IP = "ip"
    LANDLINE = "landline"


@dataclass(frozen=True)
class PhoneNumber:
    """A checked Japanese number: its national digits, written form and kind."""

    national: str  # 09012345678
    written: str  # 090-1234-5678
    kind: LineKind


class BadPhone(ValueError):
    """The text is not a Japanese phone number; ``message_en``/``message_ja`` say why."""

    code = "bad_phone"  # the API answers with this code when it is the only error

    def __init__(self, message_en: str, message_ja: str) -> None:
        super().__init__(message_en)
        self.message_en = message_en
        self.message_ja = message_ja


def kind_of(national: str) -> LineKind:
    """Return the kind of a national number (070/080/090/060 mobile, 050 IP, else landline)."""
    if re.match(r"^0[6-9]0", national) and not national.startswith("0800"):
        return LineKind.MOBILE
    if national.startswith("050"):
        return LineKind.IP
    return LineKind.LANDLINE


def _groups(text: str) -> tuple[str, list[str]]:
    """Return the national digits and the groups the person typed (after +81 / 0081)."""
    folded = unicodedata.normalize("NFKC", text).translate({ord(c): "-" for c in _DASHES})
    folded = re.sub(r"\(0\)", "", folded)  # +81 (0)299 …: the national 0 in brackets
    folded = re.sub(r"[\s()]+", "-", folded.strip())
    if re.search(r"[^\d+\-]", folded) or "+" in folded.lstrip("+"):
        raise BadPhone(
            "A phone number has only digits and hyphens (e.g. 090-1234-5678).",
            "電話番号は数字とハイフンで入力してください（例：090-1234-5678）。",
        )
    groups = [g for g in re.split(r"-+", folded.lstrip("+")) if g]
    if folded.startswith("+") or (groups and groups[0].startswith("0081")):
        if groups:
            groups[0] = groups[0].removeprefix("00")
        first = "".join(groups)
        if not first.startswith("81"):
            raise BadPhone(
                "Only Japanese numbers can be registered (+81 …).",
                "登録できるのは日本の電話番号（+81 …）だけです。",
            )
        groups[0] = groups[0][2:] if len(groups[0]) > 2 else ""
        groups = [g for g in groups if g]
        if groups and not groups[0].startswith("0"):
            groups[0] = "0" + groups[0]
    return "".join(groups), groups


def _written(national: str, typed: list[str]) -> str:
    """Return the hyphenated form: fixed for mobiles and IP, the typed grouping for landlines."""
    if len(national) == 11:
        cut = (4, 7) if national.startswith("0800") else (3, 7)
    elif national[:4] in ("0120", "0570"):
        cut = (4, 7)
    elif len(typed) == 3 and typed[0].startswith("0") and 2 <= len(typed[0]) <= 5:
        return "-".join(typed)  # the area code is as long as the person wrote it
    elif national[:2] in ("03", "06"):
        cut = (2, 6)
    else:
        # Area codes are 2 to 5 digits; without the typed grouping the city's own
        # four-digit pattern (0299-xx-xxxx) is the likeliest. Only for reading.
        cut = (4, 6)
    return f"{national[: cut[0]]}-{national[cut[0] : cut[1]]}-{national[cut[1] :]}"


def parse_phone(text: str) -> PhoneNumber:
    """Return the one stored form of a Japanese phone number, or raise ``BadPhone``.

    Full-width digits, every kind of dash, spaces and brackets are accepted, and so are
    ``+81``/``0081`` for the national 0. The number must have the length the numbering
    plan gives its prefix (11 digits for 070/080/090/050/020/0800, 10 for the others).
    """
    national, typed = _groups(text)
    if not national.startswith("0"):
        raise BadPhone(
            "Start with the area code or 0 (e.g. 0299-12-3456, 090-1234-5678) or with +81.",
            "市外局番（0から）または +81 から入力してください（例：0299-12-3456、090-1234-5678）。",
        )
    long_prefix = national[:3] in _LONG or national.startswith("0800")
    if not (_ELEVEN if long_prefix else _TEN).match(national):
        need = 11 if long_prefix else 10
        raise BadPhone(
            f"This number has {len(national)} digits; a number starting {national[:3]} "
            f"has {need} (e.g. 090-1234-5678, 0299-12-3456).",
            f"電話番号の桁数が違います（{len(national)}桁）。{national[:3]}で始まる番号は"
            f"{need}桁です。市外局番から入力してください（例：090-1234-5678、0299-12-3456）。",
        )
    return PhoneNumber(national, _written(national, typed), kind_of(national))
