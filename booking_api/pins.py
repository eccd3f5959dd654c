"""Which new passwords and PINs are accepted: easy to type, not easy to guess.

Residents may sign in with a PIN of digits only (easy on a phone keypad for an
elderly rider) or with a password. A PIN needs at least ``PIN_MIN_DIGITS`` = 6
digits: 10^6 possibilities. The login limit (``booking_api.security``) allows 5
failures per 15 minutes and 20 per day on an account, however it is named and
from whatever address, so an attacker gets at most 20 × 365 = 7,300 guesses a
year at one member: under 1 % of the space, and the member sees the lock long
before (it tells them to call the operator, whose reset ends every session). A
4-digit PIN would be 10^4: the same year of guessing would find it almost
surely (73 %). That argument holds only for PINs nobody guesses first, so the
guessable ones are refused: one digit repeated (000000), a short block repeated
(121212, 123123), a run up or down (123456, 987654, also wrapping: 890123), any
part of the member's phone number, and the birth date in the forms people use
(YYYYMMDD, YYMMDD, MMDD, DDMM, MMDDYY, DDMMYY, and the Japanese era year:
昭和23年4月1日 → 230401). Passwords with letters need 8 characters and not one
character repeated. The rules apply when a PIN is set (registration, staff
reset); members with older, shorter PINs still log in with them.
"""

from __future__ import annotations

import itertools
import re
import unicodedata
from dataclasses import dataclass
from datetime import date

from booking_api.errors import ApiError

PIN_MIN_DIGITS = 6
PASSWORD_MIN_CHARS = 8
_COMMON = {"password", "passw0rd", "qwertyui", "qwerty123", "abcd1234", "abcdefgh", "iloveyou"}
# Start of each Japanese era (元年), for birth dates written as era year + MMDD.
_ERAS = (date(1926, 12, 25), date(1989, 1, 8), date(2019, 5, 1))


@dataclass(frozen=True)
class WeakPassword(Exception):
    """Why a new password or PIN is refused, in both languages."""

    message_en: str
    message_ja: str


RULE_EN = (
    "Use a PIN of at least 6 digits (not a repeated or consecutive series, "
    "not your phone number or birth date) or a password of at least 8 characters."
)
RULE_JA = (
    "暗証番号は6桁以上の数字（同じ数字の繰り返し・連続した数字・電話番号・生年月日は不可）、"
    "またはパスワードは8文字以上にしてください。"
)


def _date_forms(born: date) -> set[str]:
    y, yy, m, d = (
        f"{born.year:04d}",
        f"{born.year % 100:02d}",
        f"{born.month:02d}",
        f"{born.day:02d}",
    )
    forms = {y + m + d, yy + m + d, m + d, d + m, m + d + yy, d + m + yy, m + d + y, d + m + y}
    for start in reversed(_ERAS):
        if born >= start:
            forms.add(f"{born.year - start.year + 1:02d}{m}{d}")
            break
    return forms


def _is_run(pin: str) -> bool:
    steps = {(int(b) - int(a)) % 10 for a, b in itertools.pairwise(pin)}
    return steps in ({0}, {1}, {9})


def _is_repeated_block(text: str) -> bool:
    """Return whether ``text`` is one block typed again and again (121212, 123123)."""
    return any(
        len(text) % n == 0 and text == text[:n] * (len(text) // n)
        for n in range(1, len(text) // 2 + 1)
    )


def weakness(
    password: str, *, phone: str = "", birth_date: date | None = None
) -> WeakPassword | None:
    """Return why ``password`` may not be set for a member with ``phone`` and ``birth_date``
    (see the module docs), or ``None`` when it is fine.
    """
    text = unicodedata.normalize("NFKC", password).strip()
    if re.fullmatch(r"\d+", text):
        if len(text) < PIN_MIN_DIGITS:
            return WeakPassword(
                f"A PIN needs at least {PIN_MIN_DIGITS} digits.",
                f"暗証番号は{PIN_MIN_DIGITS}桁以上にしてください。",
            )
        if _is_run(text) or _is_repeated_block(text):
            return WeakPassword(
                "This PIN is easy to guess (repeated or consecutive digits); choose another.",
                "同じ数字の繰り返しや連続した数字は推測されやすいため使えません。",
            )
        number = re.sub(r"\D", "", unicodedata.normalize("NFKC", phone))
        if number and (text in number or number[-PIN_MIN_DIGITS:] in text):
            return WeakPassword(
                "Do not use your phone number in the PIN.",
                "電話番号を暗証番号に使わないでください。",
            )
        if birth_date is not None and any(f in text for f in _date_forms(birth_date)):
            return WeakPassword(
                "Do not use your birth date in the PIN.",
                "生年月日を暗証番号に使わないでください。",
            )
        return None
    if len(text) < PASSWORD_MIN_CHARS:
        return WeakPassword(
            f"A password needs at least {PASSWORD_MIN_CHARS} characters "
            f"(or use a PIN of {PIN_MIN_DIGITS} or more digits).",
            f"パスワードは{PASSWORD_MIN_CHARS}文字以上にしてください"
            f"（数字だけの暗証番号なら{PIN_MIN_DIGITS}桁以上）。",
        )
    if len(set(text.lower())) == 1 or text.lower() in _COMMON:
        return WeakPassword(
            "This password is easy to guess; choose another.",
            "このパスワードは推測されやすいため使えません。",
        )
    return None


def require_strong(
    password: str, *, phone: str = "", birth_date: date | None = None, field: str = "password"
) -> None:
    """Raise a 422 on ``body.<field>`` (shown next to that field) unless ``password`` is fine."""
    weak = weakness(password, phone=phone, birth_date=birth_date)
    if weak is None:
        return
    raise ApiError(
        422,
        "weak_password",
        weak.message_en,
        weak.message_ja,
        errors=[
            {
                "field": f"body.{field}",
                "message_en": weak.message_en,
                "message_ja": weak.message_ja,
                "message": weak.message_ja,
            }
        ],
        rule_en=RULE_EN,
        rule_ja=RULE_JA,
    )
