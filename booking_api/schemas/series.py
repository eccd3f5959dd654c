"""Schemas of standing orders' (series') detail, pauses and guarded cancellation."""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel, Field

from booking_api.schemas.bookings import BookingOut, SeriesFailure, SeriesOut
from booking_api.schemas.types import Day, Line


class SeriesListed(SeriesOut):
    """A series as staff list it: whose it is and how its dates stand."""

    member_number: str | None = None
    member_name: str = ""
    booked: int = 0
    unplaced: int = 0
    paused: int = 0


class OccurrenceOut(BaseModel):
    """One date of a series: ``booked`` (``ride_id``), ``unplaced`` (why), ``paused`` or
    ``cancelled``."""

    date: date
    status: str
    ride_id: str | None = None
    code: str = ""
    message: str = ""
    message_ja: str = ""
    message_en: str = ""


class PauseOut(BaseModel):
    """A pause over a date range, and whether it has been resumed."""

    id: str
    start_date: date
    end_date: date
    reason: str
    resumed: bool


class SeriesDetail(SeriesListed):
    """A series with each of its dates and its pauses."""

    occurrences: list[OccurrenceOut]
    pauses: list[PauseOut]


class PauseIn(BaseModel):
    """Pause a series from ``start_date`` to ``end_date`` (e.g. a holiday), with the reason."""

    start_date: Day
    end_date: Day = Field(description="The last paused day: on or after start_date.")
    reason: Line = Field(min_length=1, max_length=200)


class ReasonIn(BaseModel):
    """Why staff cancel or restore a series (kept in the audit log)."""

    reason: Line | None = Field(default=None, min_length=1, max_length=200)


class SeriesChangeOut(BaseModel):
    """What a pause, resume or restore did: rides cancelled, booked, dates not placed."""

    series: SeriesDetail
    cancelled: list[str] = []
    booked: list[BookingOut] = []
    failed: list[SeriesFailure] = []
