"""The dispatch tables: vehicles, shifts (weekly templates, day overrides), rides, offers,
plans, events, taps, service days.

Rows hold plain columns (times as UTC, points as lat/lon floats); JSON columns
carry lists (areas, plan stops) and event payloads. ``ServiceDay`` rows exist
only to be locked: every writer of a day's plan locks its row first.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from dispatch.store.base import Base, UTCDateTime


class ServiceDay(Base):
    """One row per local service date; locked ``FOR UPDATE`` to serialise plan writers."""

    __tablename__ = "service_days"

    service_date: Mapped[date] = mapped_column(Date, primary_key=True)
    version: Mapped[int] = mapped_column(Integer, default=0)


class VehicleRow(Base):
    """A vehicle: capacity, depot, areas it may serve, live status and last position."""

    __tablename__ = "vehicles"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    name: Mapped[str] = mapped_column(String(100), default="")
    seats: Mapped[int] = mapped_column(Integer, default=4)
    wheelchairs: Mapped[int] = mapped_column(Integer, default=0)
    depot_lat: Mapped[float] = mapped_column(Float)
    depot_lon: Mapped[float] = mapped_column(Float)
    areas: Mapped[list[str] | None] = mapped_column(JSON, nullable=True)
    status: Mapped[str] = mapped_column(String(20), default="off_shift")
    lat: Mapped[float | None] = mapped_column(Float, nullable=True)
    lon: Mapped[float | None] = mapped_column(Float, nullable=True)
    position_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    # the last GPS report only (a tap also moves lat/lon to the stop): the 到着 geofence
    gps_lat: Mapped[float | None] = mapped_column(Float, nullable=True)
    gps_lon: Mapped[float | None] = mapped_column(Float, nullable=True)
    gps_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    delay_s: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # the car's identity for riders ("which car do I get into"), and the depot's name
    plate: Mapped[str] = mapped_column(String(40), default="", server_default="")
    colour: Mapped[str] = mapped_column(String(40), default="", server_default="")
    depot_name: Mapped[str] = mapped_column(String(100), default="", server_default="")
    # a retired vehicle stays for the history of its rides but gets no new shifts or rides
    retired_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    retired_reason: Mapped[str] = mapped_column(String(200), default="", server_default="")


class ShiftRow(Base):
    """A vehicle's shift on one service date, with an optional break window."""

    __tablename__ = "shifts"
    __table_args__ = (UniqueConstraint("vehicle_id", "service_date"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    vehicle_id: Mapped[str] = mapped_column(ForeignKey("vehicles.id", ondelete="CASCADE"))
    service_date: Mapped[date] = mapped_column(Date)
    start_at: Mapped[datetime] = mapped_column(UTCDateTime)
    end_at: Mapped[datetime] = mapped_column(UTCDateTime)
    break_earliest: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    break_latest: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    break_duration_s: Mapped[int] = mapped_column(Integer, default=0)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    # "manual" (set by hand), "template", "override" (generated: dispatch.rota may redo them)
    origin: Mapped[str] = mapped_column(String(20), default="manual", server_default="manual")


class ShiftTemplateRow(Base):
    """A vehicle's weekly shift: hours on one weekday (local minutes after midnight).

    No foreign key to ``vehicles``: templates of a vehicle that is gone are ignored.
    """

    __tablename__ = "shift_templates"

    vehicle_id: Mapped[str] = mapped_column(String(40), primary_key=True)
    weekday: Mapped[int] = mapped_column(Integer, primary_key=True)  # 0 = Monday
    start_min: Mapped[int] = mapped_column(Integer)
    end_min: Mapped[int] = mapped_column(Integer)
    break_earliest_min: Mapped[int | None] = mapped_column(Integer, nullable=True)
    break_latest_min: Mapped[int | None] = mapped_column(Integer, nullable=True)
    break_duration_s: Mapped[int] = mapped_column(Integer, default=0)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class ShiftOverrideRow(Base):
    """A vehicle's hours on one date instead of its template (``off``: no shift that day)."""

    __tablename__ = "shift_overrides"

    vehicle_id: Mapped[str] = mapped_column(String(40), primary_key=True)
    service_date: Mapped[date] = mapped_column(Date, primary_key=True)
    off: Mapped[bool] = mapped_column(Boolean, default=False)
    start_min: Mapped[int | None] = mapped_column(Integer, nullable=True)
    end_min: Mapped[int | None] = mapped_column(Integer, nullable=True)
    break_earliest_min: Mapped[int | None] = mapped_column(Integer, nullable=True)
    break_latest_min: Mapped[int | None] = mapped_column(Integer, nullable=True)
    break_duration_s: Mapped[int] = mapped_column(Integer, default=0)
    note: Mapped[str] = mapped_column(String(200), default="")
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class RideRow(Base):
    """A ride: every ``TripRequest`` field, its status, promise, vehicle and estimates."""

    __tablename__ = "rides"
    __table_args__ = (
        Index("ix_rides_day_status", "service_date", "status"),
        Index("ix_rides_member", "member_id"),
    )

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    member_id: Mapped[str] = mapped_column(String(40))
    pickup_lat: Mapped[float] = mapped_column(Float)
    pickup_lon: Mapped[float] = mapped_column(Float)
    dropoff_lat: Mapped[float] = mapped_column(Float)
    dropoff_lon: Mapped[float] = mapped_column(Float)
    pickup_node: Mapped[str] = mapped_column(String(40), default="")
    dropoff_node: Mapped[str] = mapped_column(String(40), default="")
    areas: Mapped[list[str]] = mapped_column(JSON, default=list)
    depart_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    arrive_by: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    party_size: Mapped[int] = mapped_column(Integer, default=1)
    wheelchairs: Mapped[int] = mapped_column(Integer, default=0)
    needs_extra_time: Mapped[bool] = mapped_column(Boolean, default=False)
    pickup_label: Mapped[str] = mapped_column(String(200), default="")
    dropoff_label: Mapped[str] = mapped_column(String(200), default="")
    channel: Mapped[str] = mapped_column(String(20), default="online")
    notes: Mapped[str] = mapped_column(Text, default="")
    rider_name: Mapped[str] = mapped_column(String(200), default="")
    rider_phone: Mapped[str] = mapped_column(String(40), default="")
    status: Mapped[str] = mapped_column(String(20))
    service_date: Mapped[date] = mapped_column(Date)
    pickup_window_start: Mapped[datetime] = mapped_column(UTCDateTime)
    pickup_window_end: Mapped[datetime] = mapped_column(UTCDateTime)
    latest_dropoff: Mapped[datetime] = mapped_column(UTCDateTime)
    vehicle_id: Mapped[str | None] = mapped_column(
        ForeignKey("vehicles.id", ondelete="SET NULL"), nullable=True
    )
    estimated_pickup: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    estimated_dropoff: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    picked_up_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    dropped_off_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    cancelled_by: Mapped[str] = mapped_column(String(80), default="")
    cancel_reason: Mapped[str] = mapped_column(Text, default="")
    late_cancellation: Mapped[bool] = mapped_column(Boolean, default=False)
    offer_id: Mapped[str] = mapped_column(String(40), default="")
    idempotency_key: Mapped[str | None] = mapped_column(String(200), nullable=True, unique=True)


class OfferRow(Base):
    """A quote held for the rider until ``expires_at``; ``ride_id`` is set once confirmed."""

    __tablename__ = "offers"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    request: Mapped[dict[str, Any]] = mapped_column(JSON)
    service_date: Mapped[date] = mapped_column(Date)
    vehicle_id: Mapped[str] = mapped_column(String(40))
    pickup_window_start: Mapped[datetime] = mapped_column(UTCDateTime)
    pickup_window_end: Mapped[datetime] = mapped_column(UTCDateTime)
    estimated_pickup: Mapped[datetime] = mapped_column(UTCDateTime)
    estimated_dropoff: Mapped[datetime] = mapped_column(UTCDateTime)
    latest_dropoff: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ride_id: Mapped[str | None] = mapped_column(String(40), nullable=True)


class PlanRow(Base):
    """A vehicle's current stop list for one service date; ``version`` grows on each change."""

    __tablename__ = "plans"

    vehicle_id: Mapped[str] = mapped_column(
        ForeignKey("vehicles.id", ondelete="CASCADE"), primary_key=True
    )
    service_date: Mapped[date] = mapped_column(Date, primary_key=True)
    stops: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    version: Mapped[int] = mapped_column(Integer, default=0)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class EventRow(Base):
    """Append-only log of what happened to rides and vehicles (never updated)."""

    __tablename__ = "events"
    __table_args__ = (Index("ix_events_ride", "ride_id"), Index("ix_events_vehicle", "vehicle_id"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    kind: Mapped[str] = mapped_column(String(40))
    ride_id: Mapped[str | None] = mapped_column(String(40), nullable=True)
    vehicle_id: Mapped[str | None] = mapped_column(String(40), nullable=True)
    payload: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class DriverTapRow(Base):
    """A processed driver tap, so that a repeated ``tap_id`` changes nothing twice.

    Also what the tap was based on (the reason picked, the fix and its distance to
    the stop) and what it changed (``before``), so that it can be undone.
    """

    __tablename__ = "driver_taps"

    tap_id: Mapped[str] = mapped_column(String(80), primary_key=True)
    vehicle_id: Mapped[str] = mapped_column(String(40))
    ride_id: Mapped[str] = mapped_column(String(40))
    tap: Mapped[str] = mapped_column(String(20))
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    reason: Mapped[str | None] = mapped_column(String(40), nullable=True)
    distance_m: Mapped[int | None] = mapped_column(Integer, nullable=True)
    before: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    undone_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
