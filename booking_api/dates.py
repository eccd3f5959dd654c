"""Date ranges relative to today, per purpose: what a route accepts beyond the static ``Day``.

``Day`` (booking_api.schemas.types) keeps every date in 2000..2099 so no date
arithmetic overflows; these narrow it to what makes sense for the purpose —
a recurring booking starts within a year, a shift lies within a few years of
today, a report ends at most a year ahead — and refuse the rest with a 422
that names the field and the range, in the house error shape.
"""

from __future__ import annotations

from datetime import date, timedelta

from booking_api.errors import ApiError
from booking_api.schemas.types import FIRST_DAY

SERIES_AHEAD_DAYS = 365  # a standing order starts within a year
SERIES_MAX_DAYS = 62  # and is booked at most this far at once
SHIFT_BEHIND_DAYS = 366  # shifts can be corrected up to a year back
SHIFT_AHEAD_DAYS = 2 * 366  # and planned two years ahead
REPORT_AHEAD_DAYS = 365  # reports end at most a year ahead (planned service)


def check_within(field: str, day: date, first: date, last: date) -> None:
    """Refuse ``day`` outside ``first``..``last`` with a field message that says the range."""
    if first <= day <= last:
        return
    en = f"Must be a date from {first} to {last}."
    ja = f"{first}から{last}までの日付で入力してください。"
    raise ApiError(
        422,
        "date_out_of_range",
        f"{field}: {en}",
        f"{field}: {ja}",
        errors=[{"field": field, "message_en": en, "message_ja": ja}],
    )


def series_start(field: str, day: date, today: date) -> None:
    """A recurring booking starts today or within a year."""
    check_within(field, day, today, today + timedelta(days=SERIES_AHEAD_DAYS))


def shift_day(field: str, day: date, today: date) -> None:
    """A shift's day lies within a year back and two years ahead."""
    check_within(
        field,
        day,
        today - timedelta(days=SHIFT_BEHIND_DAYS),
        today + timedelta(days=SHIFT_AHEAD_DAYS),
    )


def report_day(field: str, day: date, today: date) -> None:
    """A report's day is after the service could start and at most a year ahead."""
    check_within(field, day, FIRST_DAY, today + timedelta(days=REPORT_AHEAD_DAYS))


def series_period(start: date, until: date) -> None:
    """A recurring booking ends on or after its start and lasts at most 62 days (a rule on
    two fields, which the schema cannot state, so it is the ``bad_period`` refusal).
    """
    if start <= until and (until - start).days <= SERIES_MAX_DAYS:
        return
    raise ApiError(
        422,
        "bad_period",
        f"The period must end after it starts and last at most {SERIES_MAX_DAYS} days.",
        f"期間は開始日以降、{SERIES_MAX_DAYS}日以内で指定してください。",
    )
