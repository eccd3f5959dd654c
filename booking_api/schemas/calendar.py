"""Request and response models of the service calendar, weekly shift templates and capacity.

Times of day are local ``HH:MM`` in the city's zone (``24:00`` ends a day); a
weekly template has one optional entry per weekday. Whether hours make sense
(end after start, the break inside) is a service rule checked by the route
(``bad_shift``), not a field error, because no schema can state it.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated

from pydantic import BaseModel, Field

from booking_api.schemas.types import Day, Line

HHMM = Annotated[
    str,
    Field(
        pattern=r"^(([01][0-9]|2[0-3]):[0-5][0-9]|24:00)$",
        description="Local time of day, HH:MM (24:00 is the end of the day).",
        examples=["08:00"],
    ),
]
WEEKDAY_KEYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


class BreakIn(BaseModel):
    """A break of ``duration_min`` that starts between ``earliest`` and ``latest``."""

    earliest: HHMM
    latest: HHMM
    duration_min: int = Field(ge=1, le=240, strict=True)


class DayHoursIn(BaseModel):
    """A vehicle's hours on one day, with an optional break."""

    start: HHMM
    end: HHMM
    break_window: BreakIn | None = None


class WeekTemplateIn(BaseModel):
    """A vehicle's hours per weekday; a weekday left out (or null) has no shift."""

    mon: DayHoursIn | None = None
    tue: DayHoursIn | None = None
    wed: DayHoursIn | None = None
    thu: DayHoursIn | None = None
    fri: DayHoursIn | None = None
    sat: DayHoursIn | None = None
    sun: DayHoursIn | None = None


class WeekTemplateOut(WeekTemplateIn):
    """A vehicle's weekly template as stored."""

    vehicle_id: str


class UnchangedOut(BaseModel):
    """A shift that was not changed, and why (``has_rides`` or ``set_by_hand``)."""

    vehicle_id: str
    date: date
    reason: str
    message_ja: str
    message_en: str


class GenerationOut(BaseModel):
    """What a generation or a copy did to the concrete shifts."""

    created: int
    updated: int
    removed: int
    unchanged: list[UnchangedOut]


class TemplateSaved(BaseModel):
    """The saved template and what it did to the shifts up to the end of the horizon."""

    template: WeekTemplateOut
    shifts: GenerationOut


class OverrideIn(BaseModel):
    """One day instead of the template: ``off`` (the car is in the garage) or other hours."""

    off: bool = Field(default=False, strict=True)
    hours: DayHoursIn | None = None
    note: Line = Field(default="", max_length=200)


class OverrideDayOut(BaseModel):
    """A stored per-day override: ``off`` (no shift that day) or other hours, and why."""

    vehicle_id: str
    date: date
    off: bool
    hours: DayHoursIn | None
    note: str


class OverrideOut(OverrideDayOut):
    """A stored per-day override and what it did to that day's shift."""

    shifts: GenerationOut


class CopyWeekIn(BaseModel):
    """Copy the shifts of the week starting ``source`` to the week starting ``target``
    (both Mondays)."""

    source: Day
    target: Day


class CalendarDayOut(BaseModel):
    """Whether the service runs on a date and, if not, why (in both languages)."""

    date: date
    weekday: int = Field(description="0 = Monday")
    service: bool
    kind: str = Field(description="service, weekday, holiday or closed")
    reason_ja: str
    reason_en: str


class CapacityDayOut(BaseModel):
    """What the shifts of one day give (breaks taken off)."""

    date: date
    service: bool
    vehicles: int
    vehicle_min: int
    seats: int
    wheelchairs: int
    seat_min: int
