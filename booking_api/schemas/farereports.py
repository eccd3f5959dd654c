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
    fare_rules: str = Field(
        description="The fare rules' version that priced the fare ('' if the booking kept none)"
    )


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
    vehicle_s: int = Field(
        description="Vehicle-seconds in service (as operated, else as scheduled; minus breaks)"
    )
    vehicle_hours: float
    passengers: int
    rides: int
    cost_yen: int = Field(description="cost_per_vehicle_hour_yen × vehicle-hours, whole yen")
    revenue_yen: int = Field(description="Fare revenue: the ledger's net yen of the period")
    subsidy_yen: int = Field(description="cost_yen − revenue_yen (negative: a surplus)")
    cost_per_passenger_yen: int | None
    revenue_per_passenger_yen: int | None
    farebox_ratio: float | None = Field(description="revenue ÷ cost (収支率); None if no cost")
    vehicle_days: int = Field(description="Vehicle shifts (one vehicle on one day) counted")
    vehicle_days_actual: int = Field(
        description="Of those, counted from the driver's sign-on to sign-off (both recorded)"
    )
    vehicle_days_scheduled: int = Field(
        description="Of those, counted as scheduled (the tablet recorded neither time)"
    )


class VehicleDayOut(BaseModel):
    """One vehicle's hours on one day and which figure they come from."""

    service_date: date
    vehicle_id: str
    basis: Literal["actual", "actual_start", "actual_end", "scheduled"] = Field(
        description=(
            "actual: the driver's sign-on to sign-off; actual_start / actual_end: that end"
            " recorded, the other as scheduled; scheduled: the shift as planned"
        )
    )
    start_at: datetime | None = Field(description="The start counted (UTC)")
    end_at: datetime | None = Field(description="The end counted (UTC)")
    break_s: int = Field(description="The shift's break, taken out")
    service_s: int = Field(description="Seconds counted: end − start − break (never < 0)")
    scheduled_s: int = Field(description="What the scheduled shift alone would count")


class SubsidyOut(BaseModel):
    """Operating cost per passenger and the subsidy need, per period and for the range."""

    start: date
    end: date
    group: Literal["day", "month"]
    cost_per_vehicle_hour_yen: int
    hours_basis: Literal["operated"] = Field(
        description=(
            "Vehicle-hours are the hours operated (the driver's sign-on to sign-off on the"
            " tablet) minus the shift's break; the scheduled shift where no time was"
            " recorded (vehicle_days says which figure each vehicle-day used)"
        )
    )
    rows: list[SubsidyRowOut]
    total: SubsidyRowOut
    vehicle_days: list[VehicleDayOut]
