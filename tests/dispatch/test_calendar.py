"""The service calendar: weekdays, national holidays (jpholiday), closed periods and dates."""

from __future__ import annotations

from datetime import date

import pytest

from dispatch.calendar import ClosedDate, ClosedPeriod, DayKind, ServiceCalendar

KAMISU_LIKE = ServiceCalendar(
    operating_weekdays=frozenset({0, 1, 2, 3, 4}),
    national_holidays="jp",
    closed_periods=(ClosedPeriod("12-29", "01-03", "年末年始", "year-end closure"),),
    closed_dates=(ClosedDate(date(2027, 2, 15), "システム更新", "system update"),),
)


def test_a_weekday_runs_and_the_weekend_does_not() -> None:
    assert KAMISU_LIKE.day_status(date(2026, 12, 2)).service  # Wednesday
    sunday = KAMISU_LIKE.day_status(date(2026, 12, 6))
    assert sunday.kind is DayKind.WEEKDAY and sunday.reason_ja == "日曜日"
    ja, en = sunday.refusal()
    assert ja == "12月6日（日）は運休日です（日曜日）。"
    assert en == "The service does not run on Sunday 6 December (no service on Sundays)."


def test_a_national_holiday_is_named_from_jpholiday() -> None:
    labour = KAMISU_LIKE.day_status(date(2026, 11, 23))  # a Monday
    assert labour.kind is DayKind.HOLIDAY
    assert (labour.reason_ja, labour.reason_en) == ("勤労感謝の日", "Labour Thanksgiving Day")
    # the citizens' holiday between two holidays comes from the law, not from a list
    assert KAMISU_LIKE.day_status(date(2026, 9, 22)).reason_ja == "国民の休日"
    # a city whose service runs on holidays, or that follows no holiday law
    assert ServiceCalendar(national_holidays="jp", runs_on_holidays=True).is_service_day(
        date(2026, 11, 23)
    )
    assert ServiceCalendar().is_service_day(date(2026, 11, 23))


def test_the_year_end_closure_wraps_the_year_and_wins_over_the_holiday() -> None:
    for day in (date(2026, 12, 29), date(2026, 12, 31), date(2027, 1, 1), date(2027, 1, 3)):
        status = KAMISU_LIKE.day_status(day)
        assert status.kind is DayKind.CLOSED and status.reason_ja == "年末年始", day
    ja, en = KAMISU_LIKE.day_status(date(2026, 12, 30)).refusal()
    assert ja == "12月30日（水）は運休日です（年末年始）。"
    assert en == "The service does not run on Wednesday 30 December (year-end closure)."
    assert KAMISU_LIKE.is_service_day(date(2026, 12, 28))
    assert KAMISU_LIKE.is_service_day(date(2027, 1, 4))


def test_a_one_off_closed_date() -> None:
    status = KAMISU_LIKE.day_status(date(2027, 2, 15))  # a Monday
    assert status.kind is DayKind.CLOSED and status.reason_en == "system update"
    assert KAMISU_LIKE.is_service_day(date(2027, 2, 22))


def test_days_lists_a_range_and_bad_data_is_refused() -> None:
    days = list(KAMISU_LIKE.days(date(2026, 12, 28), date(2027, 1, 4)))
    assert [d.service for d in days] == [True] + [False] * 6 + [True]
    with pytest.raises(ValueError, match="month-day"):
        ClosedPeriod("13-01", "01-03")
    with pytest.raises(ValueError, match="weekdays"):
        ServiceCalendar(operating_weekdays=frozenset({7}))
    with pytest.raises(ValueError, match="holiday calendar"):
        ServiceCalendar(national_holidays="xx")
