"""Answers of the fare reports: rides by fare category, unpaid rides, the subsidy picture."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, Field


class CategoryRowOut(BaseModel):
    """Completed rides of one period and fare category, and the people they carried."""

    period: str = Field(description="YYYY-MM-DD, YYYY-MM, or 'total' (the whole range)")
    category: str = Field(description="The member's fare category (general, senior ...)")
    rides: int
    passengers: int = Field(description="People carried: the member, companions and carers")
    companions: int
    carers: int
    fare_yen: int = Field(description="The fares owed for these rides (booked, whole yen)")


class CategoriesOut(BaseModel):
    """Rides by fare category: rows per period, and a total per category of the range."""

    start: date
    end: date
    group: Literal["day", "month"]
    rows: list[CategoryRowOut]
    totals: list[CategoryRowOut]


class UnpaidRideOut(BaseModel):
    """A completed ride not paid (``kind`` not_paid, with the driver's reason) or unrecorded."""

    ride_id: str
    service_date: date
    member_number: str
    vehicle_id: str
    fare_yen: int
    kind: Literal["not_paid", "no_record"]
    reason: str = Field(description="The reason's code from the city file ('' if none)")
    reason_ja: str
    reason_en: str
    recorded_by: str = Field(description="The account that recorded it ('' if no record)")
    dropped_off_at: datetime | None


class UnpaidOut(BaseModel):
    """The period's unpaid rides and their fares."""

    start: date
    end: date
    rides: list[UnpaidRideOut]
    count: int
    fare_yen: int


class SubsidyRowOut(BaseModel):
    """The subsidy picture of one period (or the range's ``total``)."""

    period: str
    vehicle_s: int = Field(description="Vehicle-seconds in service (shifts minus breaks)")
    vehicle_hours: float
    passengers: int
    rides: int
    cost_yen: int = Field(description="cost_per_vehicle_hour_yen × vehicle-hours, whole yen")
    revenue_yen: int = Field(description="Fare revenue: the ledger's net yen of the period")
    subsidy_yen: int = Field(description="cost_yen − revenue_yen (negative: a surplus)")
    cost_per_passenger_yen: int | None
    revenue_per_passenger_yen: int | None
    farebox_ratio: float | None = Field(description="revenue ÷ cost (収支率); None if no cost")


class SubsidyOut(BaseModel):
    """Operating cost per passenger and the subsidy need, per period and for the range."""

    start: date
    end: date
    group: Literal["day", "month"]
    cost_per_vehicle_hour_yen: int
    hours_basis: Literal["shifts"] = Field(
        description="Vehicle-hours are the shifts' scheduled hours minus their breaks"
    )
    rows: list[SubsidyRowOut]
    total: SubsidyRowOut
