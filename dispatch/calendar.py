"""The service calendar: on which dates the service runs, and if not, why.

Pure: a ``ServiceCalendar`` (built from the city file by ``booking_api.city``)
answers for one date whether vehicles run (``day_status``) with the reason
when they do not: the weekday, a national holiday (by name, from the
maintained ``jpholiday`` library when ``national_holidays = "jp"``), one of the
city's yearly closed periods (month-day ranges such as 12-29..01-03) or a
one-off closed date. Shift generation (``dispatch.rota``) and the quote rules
ask the same question here, so a closed day has neither shifts nor bookings.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from enum import StrEnum

WEEKDAYS_JA = "月火水木金土日"
WEEKDAYS_EN = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
MONTHS_EN = (
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
)  # fmt: skip

# English names of the holidays jpholiday names (国民の祝日に関する法律); it has Japanese only.
HOLIDAY_NAMES_EN = {
    "元日": "New Year's Day",
    "成人の日": "Coming of Age Day",
    "建国記念の日": "National Foundation Day",
    "天皇誕生日": "The Emperor's Birthday",
    "春分の日": "Vernal Equinox Day",
    "昭和の日": "Showa Day",
    "憲法記念日": "Constitution Memorial Day",
    "みどりの日": "Greenery Day",
    "こどもの日": "Children's Day",
    "海の日": "Marine Day",
    "山の日": "Mountain Day",
    "敬老の日": "Respect for the Aged Day",
    "秋分の日": "Autumnal Equinox Day",
    "スポーツの日": "Sports Day",
    "体育の日": "Health and Sports Day",
    "文化の日": "Culture Day",
    "勤労感謝の日": "Labour Thanksgiving Day",
    "振替休日": "substitute holiday",
    "国民の休日": "citizens' holiday",
}


class DayKind(StrEnum):
    """Why a date is (not) a service day."""

    SERVICE = "service"
    WEEKDAY = "weekday"  # the service does not run on this weekday
    HOLIDAY = "holiday"  # a national or city holiday
    CLOSED = "closed"  # a yearly closed period or a one-off closed date


@dataclass(frozen=True)
class ClosedPeriod:
    """A yearly closed period, ``start``..``end`` inclusive as ``MM-DD`` (may wrap the year)."""

    start: str
    end: str
    reason_ja: str = ""
    reason_en: str = ""

    def __post_init__(self) -> None:
        for md in (self.start, self.end):
            try:
                date.fromisoformat(f"2000-{md}")  # a leap year: 02-29 is a valid day
            except ValueError as exc:
                msg = f"closed period: not a month-day MM-DD: {md!r}"
                raise ValueError(msg) from exc

    def contains(self, day: date) -> bool:
        """Return whether ``day`` falls in this period (in any year)."""
        md = day.strftime("%m-%d")
        if self.start <= self.end:
            return self.start <= md <= self.end
        return md >= self.start or md <= self.end


@dataclass(frozen=True)
class ClosedDate:
    """A one-off closed date with its reason (e.g. a city event, a system change)."""

    day: date
    reason_ja: str = ""
    reason_en: str = ""


@dataclass(frozen=True)
class DayStatus:
    """Whether the service runs on ``day``; if not, the kind of reason and its words."""

    day: date
    kind: DayKind
    reason_ja: str = ""
    reason_en: str = ""

    @property
    def service(self) -> bool:
        """Whether vehicles run on the day."""
        return self.kind is DayKind.SERVICE

    def refusal(self) -> tuple[str, str]:
        """Return the sentence (Japanese, English) telling a rider the service does not run."""
        d = self.day
        ja_day = f"{d.month}月{d.day}日（{WEEKDAYS_JA[d.weekday()]}）"
        en_day = f"{WEEKDAYS_EN[d.weekday()]} {d.day} {MONTHS_EN[d.month - 1]}"
        ja = (
            f"{ja_day}は運休日です（{self.reason_ja}）。"
            if self.reason_ja
            else (f"{ja_day}は運休日です。")
        )
        en = f"The service does not run on {en_day}" + (
            f" ({self.reason_en})." if self.reason_en else "."
        )
        return ja, en


def _national(kind: str, day: date) -> str | None:
    """Return the name of the national holiday on ``day`` (``kind`` "jp"), or None."""
    if kind == "jp":
        import jpholiday

        return jpholiday.is_holiday_name(day)
    return None


@dataclass(frozen=True)
class ServiceCalendar:
    """The city's service days (see the module docstring; defaults: every day).

    ``operating_weekdays`` (0 = Monday); ``national_holidays`` names the holiday
    law to follow ("jp", or "" for none); ``runs_on_holidays`` whether vehicles
    run on such a holiday anyway; ``holidays`` the city's own holidays by date
    with their names; ``closed_periods`` yearly and ``closed_dates`` one-off
    closures, which close the service whatever the weekday.
    """

    operating_weekdays: frozenset[int] = frozenset(range(7))
    national_holidays: str = ""
    runs_on_holidays: bool = False
    holidays: Mapping[date, str] = field(default_factory=dict)
    closed_periods: tuple[ClosedPeriod, ...] = ()
    closed_dates: tuple[ClosedDate, ...] = ()

    def __post_init__(self) -> None:
        if not self.operating_weekdays <= frozenset(range(7)):
            msg = "operating_weekdays: each must be 0 (Monday) to 6 (Sunday)"
            raise ValueError(msg)
        if self.national_holidays not in ("", "jp"):
            msg = f"national_holidays: unknown holiday calendar {self.national_holidays!r}"
            raise ValueError(msg)

    def holiday_name(self, day: date) -> str | None:
        """Return the name of the (national or city) holiday on ``day``, or None."""
        return self.holidays.get(day) or _national(self.national_holidays, day)

    def day_status(self, day: date) -> DayStatus:
        """Return whether the service runs on ``day`` and, if not, why.

        A closure wins over a holiday, a holiday over the weekday, so the rider
        hears the most particular reason (12/31 is the year-end closure, not a Thursday).
        """
        for one in self.closed_dates:
            if one.day == day:
                return DayStatus(day, DayKind.CLOSED, one.reason_ja, one.reason_en)
        for period in self.closed_periods:
            if period.contains(day):
                return DayStatus(day, DayKind.CLOSED, period.reason_ja, period.reason_en)
        name = self.holiday_name(day)
        if name is not None and not self.runs_on_holidays:
            return DayStatus(day, DayKind.HOLIDAY, name, HOLIDAY_NAMES_EN.get(name, name))
        if day.weekday() not in self.operating_weekdays:
            en = WEEKDAYS_EN[day.weekday()]
            return DayStatus(
                day, DayKind.WEEKDAY, f"{WEEKDAYS_JA[day.weekday()]}曜日", f"no service on {en}s"
            )
        return DayStatus(day, DayKind.SERVICE)

    def is_service_day(self, day: date) -> bool:
        """Return whether vehicles run on ``day``."""
        return self.day_status(day).service

    def days(self, first: date, last: date) -> Iterator[DayStatus]:
        """Yield the status of every date from ``first`` to ``last`` inclusive."""
        day = first
        while day <= last:
            yield self.day_status(day)
            day += timedelta(days=1)
