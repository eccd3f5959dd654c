"""Service-rule checks applied before a trip is quoted or a member registered.

Pure functions over ``CityRules``: each refusal is a ``RuleViolation`` with a
stable code and a sentence in Japanese and English, so the rider hears why
(closed day, outside hours, too short notice, areas not connected, ...).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from booking_api.city import CityRules

WEEKDAYS_JA = "月火水木金土日"


class RuleViolation(ValueError):
    """A request breaks one of the city's service rules."""

    def __init__(self, code: str, message_en: str, message_ja: str) -> None:
        super().__init__(message_en)
        self.code = code
        self.message_en = message_en
        self.message_ja = message_ja


def tz(rules: CityRules) -> ZoneInfo:
    """Return the city's time zone."""
    return ZoneInfo(rules.timezone)


def in_closed_period(rules: CityRules, day: date) -> bool:
    """Return whether ``day`` falls in a yearly closed period such as 12/29–1/3."""
    md = day.strftime("%m-%d")
    for start, end in rules.closed_periods:
        inside = start <= md <= end if start <= end else (md >= start or md <= end)
        if inside:
            return True
    return False


def is_service_day(rules: CityRules, day: date) -> bool:
    """Return whether vehicles run on ``day`` (the city's calendar: weekday, holidays,
    closed periods and dates; ``dispatch.calendar``)."""
    return rules.calendar.is_service_day(day)


def check_service_time(
    rules: CityRules, when: datetime, now: datetime, *, horizon: bool = True
) -> None:
    """Refuse a time on a closed day, outside hours, too soon or (``horizon``) too far ahead.

    Recurring bookings are standing orders and skip the horizon check.
    """
    zone = tz(rules)
    local = when.astimezone(zone)
    day = local.date()
    if when <= now:  # a past time is not "too soon": say that it has passed
        when_ja = f"{local.month}月{local.day}日 {local:%H:%M}"
        raise RuleViolation(
            "time_passed",
            f"{local:%d %b %H:%M} has already passed; please choose a later date or time.",
            f"{when_ja} はすでに過ぎています。これから先の日時をお選びください。",
        )
    status = rules.calendar.day_status(day)
    if not status.service:  # says why: the weekday, the holiday's name, the closure
        ja, en = status.refusal()
        raise RuleViolation("closed_day", en, ja)
    start, end = rules.service_start, rules.service_end
    if not start <= local.time() <= end:
        hours = f"{start:%H:%M}–{end:%H:%M}"
        raise RuleViolation(
            "outside_hours",
            f"The service runs from {hours}; please choose a time in those hours.",
            f"運行時間は {hours} です。この時間内でお選びください。",
        )
    if when - now < timedelta(minutes=rules.min_notice_min):
        raise RuleViolation(
            "too_late_to_book",
            f"Bookings must be made at least {rules.min_notice_min} minutes before the trip.",
            f"ご予約は乗車の {rules.min_notice_min} 分前までにお願いします。",
        )
    today = now.astimezone(zone).date()
    if horizon and (day - today).days > rules.booking_horizon_days:
        raise RuleViolation(
            "too_early_to_book",
            f"Bookings open {rules.booking_horizon_days} days ahead; "
            f"please book on or after {(day - timedelta(days=rules.booking_horizon_days))}.",
            f"ご予約は {rules.booking_horizon_days} 日前から受け付けています。",
        )


def check_party(rules: CityRules, party_size: int) -> None:
    """Refuse a party larger than a vehicle can take under the rules."""
    if party_size > rules.max_party_size:
        raise RuleViolation(
            "party_too_large",
            f"At most {rules.max_party_size} people can ride on one booking.",
            f"1件のご予約でご乗車いただけるのは {rules.max_party_size} 名までです。",
        )


def check_areas(
    rules: CityRules,
    from_area: str | None,
    to_area: str | None,
    *,
    to_category: str | None = None,
    to_place_id: str | None = None,
    from_category: str | None = None,
    from_place_id: str | None = None,
) -> None:
    """Refuse a trip between areas that do not connect, unless one end is a designated place."""
    if from_area is None or to_area is None or from_area == to_area:
        return
    if (from_area, to_area) in rules.area_links or (to_area, from_area) in rules.area_links:
        return
    for category, place_id in ((to_category, to_place_id), (from_category, from_place_id)):
        if category in rules.cross_area_categories or place_id in rules.cross_area_places:
            return
    raise RuleViolation(
        "areas_not_connected",
        f"Trips from area {from_area} to area {to_area} are not available "
        "(except to designated hospitals and city offices).",
        f"エリア{from_area}からエリア{to_area}へは運行していません（指定の病院・市役所などを除く）。",
    )


def check_daily_limit(rules: CityRules, rides_that_day: int) -> None:
    """Refuse one more ride when the member already has the day's maximum."""
    if rides_that_day >= rules.max_rides_per_day:
        raise RuleViolation(
            "daily_limit",
            f"You can book at most {rules.max_rides_per_day} rides a day.",
            f"ご予約は1日 {rules.max_rides_per_day} 回までです。",
        )


def age_on(birth: date, day: date) -> int:
    """Return the age in whole years on ``day``."""
    return day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))


def check_eligibility(rules: CityRules, birth: date, today: date, category: str) -> None:
    """Refuse a member who does not meet the configured age condition (exempt categories pass)."""
    if birth > today:
        raise RuleViolation(
            "not_eligible",
            "The birth date is in the future.",
            "生年月日が未来の日付になっています。",
        )
    if category in rules.exempt_categories or age_on(birth, today) >= rules.min_age:
        return
    raise RuleViolation(
        "not_eligible",
        f"Membership is for people aged {rules.min_age} or over "
        "(or with a disability certificate).",
        f"ご利用は {rules.min_age} 歳以上の方（または障害者手帳をお持ちの方）が対象です。",
    )


def local_to_utc(rules: CityRules, day: date, hhmm: str) -> datetime:
    """Return the UTC instant of local ``day`` at ``HH:MM`` in the city's zone."""
    hour, minute = (int(x) for x in hhmm.split(":"))
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=tz(rules)).astimezone(UTC)
