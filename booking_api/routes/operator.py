"""Operators' day board and vehicles; admins' accounts and audit log; drivers' manifest and taps."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query, Response
from pydantic import BaseModel, Field
from sqlalchemy import select

from booking_api import trips
from booking_api.db import AccountRow, AuditRow, audit
from booking_api.deps import Db, Driver, Engine, Staff, State
from booking_api.errors import ApiError, not_found
from booking_api.fareops import boarding_undo_allowed, fare_settled
from booking_api.routes.bookings import ERRORS
from booking_api.schemas.bookings import BookingOut, DayOut, ManifestOut, TapIn, VehicleDay
from booking_api.schemas.types import Day, Line
from dispatch.domain import (
    DispatchError,
    DriverTap,
    IllegalTransition,
    InvalidPosition,
    NoCapacity,
    UnknownRide,
    VehicleUnavailable,
)

router = APIRouter(tags=["operators"])


class VehicleOut(BaseModel):
    """A vehicle of the fleet."""

    id: str
    name: str
    seats: int
    wheelchairs: int
    areas: list[str] | None
    plate: str = ""
    colour: str = ""
    depot_name: str = ""
    depot_lat: float | None = None
    depot_lon: float | None = None
    retired: bool = False
    retired_at: datetime | None = None
    retired_reason: str = ""
    status: str
    lat: float | None = None
    lon: float | None = None
    delay_s: int = 0


def _day(state: State, day: date | None) -> date:
    return day or trips.local_date(state, state.now())


@router.get("/operator/day", responses=ERRORS)
def day_board(
    staff: Staff,
    db: Db,
    state: State,
    engine: Engine,
    date_: Annotated[Day | None, Query(alias="date")] = None,
) -> DayOut:
    """The day's bookings per vehicle, by pickup time."""
    day = _day(state, date_)
    by_vehicle: dict[str, list[BookingOut]] = {}
    unassigned: list[BookingOut] = []
    for ride in engine.list_rides(service_date=day):
        out = trips.booking_out(db, ride, detail=True)
        if ride.vehicle_id is None:
            unassigned.append(out)
        else:
            by_vehicle.setdefault(ride.vehicle_id, []).append(out)
    vehicles = [VehicleDay(vehicle_id=v, bookings=b) for v, b in sorted(by_vehicle.items())]
    return DayOut(date=day, vehicles=vehicles, unassigned=unassigned)


class MoveIn(BaseModel):
    """The vehicle an operator moves a ride to."""

    vehicle_id: Line = Field(min_length=1, max_length=64)


@router.post("/operator/rides/{ride_id}/move", responses=ERRORS)
def move_ride(
    ride_id: str, body: MoveIn, staff: Staff, db: Db, state: State, engine: Engine
) -> BookingOut:
    """Move a not-yet-boarded ride to another vehicle if the optimizer finds every promise kept.

    404 unknown ride or vehicle; 409 ``illegal_transition`` (already at the door, on
    board or done, or already on that vehicle) or ``no_capacity`` (that vehicle cannot
    keep the promises); 422 ``vehicle_unavailable`` (no shift that day, out of service).
    """
    try:
        before = engine.get_ride(ride_id)
    except UnknownRide as exc:
        raise not_found("booking", "予約") from exc
    mover = getattr(engine, "move_ride", None)
    if mover is None:
        raise ApiError(
            503, "unavailable", "Rides cannot be moved now.", "現在、車両の変更はできません。"
        )
    trips.release(db)
    try:
        ride = mover(ride_id, body.vehicle_id, by=staff.id)
    except UnknownRide as exc:
        raise ApiError(404, "not_found", exc.message_en, exc.message_ja) from exc
    except (IllegalTransition, NoCapacity) as exc:
        extra: dict[str, Any] = {"alternatives": []} if isinstance(exc, NoCapacity) else {}
        raise ApiError(409, exc.code, exc.message_en, exc.message_ja, **extra) from exc
    except VehicleUnavailable as exc:
        raise ApiError(422, exc.code, exc.message_en, exc.message_ja) from exc
    out = trips.booking_out(db, ride, detail=True)
    audit(
        db,
        staff.id,
        "booking.move",
        "booking",
        ride_id,
        {"vehicle_id": before.vehicle_id, "status": str(before.status)},
        {"vehicle_id": ride.vehicle_id, "status": str(ride.status)},
        state.now(),
    )
    db.commit()
    return out


@router.get("/vehicles", responses=ERRORS)
def vehicles(staff: Staff, engine: Engine) -> list[VehicleOut]:
    """The fleet with live status and position (when the engine reports them)."""
    listing = getattr(engine, "list_vehicles", None)
    if listing is None:
        return []
    return [vehicle_out(v) for v in listing()]


def vehicle_out(v: Any) -> VehicleOut:
    """Return the engine's ``VehicleInfo`` as the API shows it."""
    return VehicleOut(
        id=v.vehicle_id,
        name=v.name,
        seats=v.seats,
        wheelchairs=v.wheelchairs,
        areas=list(v.areas) if v.areas is not None else None,
        status=str(v.status),
        lat=v.position.lat if v.position else None,
        lon=v.position.lon if v.position else None,
        delay_s=v.delay_s,
        plate=v.plate,
        colour=v.colour,
        depot_name=v.depot_name,
        depot_lat=v.depot.lat,
        depot_lon=v.depot.lon,
        retired=v.retired_at is not None,
        retired_at=v.retired_at,
        retired_reason=v.retired_reason,
    )


def _vehicle_of(driver: AccountRow) -> str:
    if not driver.vehicle_id:
        raise not_found("vehicle", "車両")
    return driver.vehicle_id


@router.get("/driver/manifest", responses=ERRORS)
def manifest(
    driver: Driver,
    db: Db,
    state: State,
    engine: Engine,
    date_: Annotated[Day | None, Query(alias="date")] = None,
) -> ManifestOut:
    """The driver's own vehicle's bookings of the day (with phone and notes)."""
    vehicle_id = _vehicle_of(driver)
    day = _day(state, date_)
    rides = engine.list_rides(vehicle_id=vehicle_id, service_date=day)
    return ManifestOut(
        vehicle_id=vehicle_id,
        date=day,
        bookings=[trips.booking_out(db, r, detail=True) for r in rides],
    )


class PositionIn(BaseModel):
    """The tablet's GPS position (finite degrees; the city's box is checked by the engine)."""

    lat: float = Field(ge=-90, le=90, allow_inf_nan=False)
    lon: float = Field(ge=-180, le=180, allow_inf_nan=False)


@router.post("/driver/position", status_code=204, response_class=Response, responses=ERRORS)
def report_position(body: PositionIn, driver: Driver, db: Db, engine: Engine) -> Response:
    """Record where the driver's car is (the socket's ``position`` message over HTTP).

    A point that is not finite or more than the margin outside the city's box is
    refused with 422 and nothing is stored or shown on the board.
    """
    vehicle_id = _vehicle_of(driver)
    trips.release(db)
    try:
        engine.report_position(vehicle_id, body.lat, body.lon)
    except InvalidPosition as exc:
        raise ApiError(422, exc.code, exc.message_en, exc.message_ja) from exc
    return Response(status_code=204)


@router.post("/driver/taps", responses=ERRORS)
def tap(body: TapIn, driver: Driver, db: Db, state: State, engine: Engine) -> BookingOut:
    """Arrived, boarded, no-show or dropped off; a repeated ``tap_id`` changes nothing twice."""
    vehicle_id = _vehicle_of(driver)
    try:
        ride = engine.get_ride(body.ride_id)
    except UnknownRide as exc:
        raise not_found("booking", "予約") from exc
    if ride.vehicle_id != vehicle_id:
        raise not_found("booking", "予約")
    if body.tap == "dropped_off":  # a ride is completed only with its fare settled (fares)
        fare_settled(db, state, body.ride_id)
    trips.release(db)
    try:
        ride = engine.driver_tap(
            vehicle_id, body.ride_id, DriverTap(body.tap), tap_id=body.tap_id,
            reason=body.reason, lat=body.lat, lon=body.lon,
        )  # fmt: skip
    except UnknownRide as exc:
        raise not_found("booking", "予約") from exc
    except DispatchError as exc:  # refused by the tap rules or the ride's state machine
        raise _refused(exc) from exc
    extra = {"tap": body.tap, "reason": body.reason}
    _audit_tap(db, driver, "driver.tap", ride, body.tap_id, extra, state.now())
    return trips.booking_out(db, ride, detail=True)


def _audit_tap(
    db: Db,
    driver: AccountRow,
    action: str,
    ride: Any,
    tap_id: str,
    extra: dict[str, Any],
    now: datetime,
) -> None:
    """Log a driver's tap or undo once per ``tap_id`` (the tablet resends until it hears back).

    The engine's event log has the tap too; this line puts it beside the staff's own
    writes, so the audit screen shows who tapped what on a ride.
    """
    seen = db.scalars(
        select(AuditRow.after).where(
            AuditRow.action == action,
            AuditRow.entity == "booking",
            AuditRow.entity_id == ride.ride_id,
        )
    )
    if any(isinstance(a, dict) and a.get("tap_id") == tap_id for a in seen):
        return
    after = {"tap_id": tap_id, "vehicle_id": ride.vehicle_id, "status": str(ride.status), **extra}
    audit(db, driver.id, action, "booking", ride.ride_id, None, after, now)
    db.commit()


def _refused(exc: DispatchError) -> ApiError:
    """A refused tap or undo as a 409 the tablet shows (with the rule's details)."""
    return ApiError(409, exc.code, exc.message_en, exc.message_ja, **getattr(exc, "details", {}))


@router.post("/driver/taps/{tap_id}/undo", responses=ERRORS)
def undo_tap(tap_id: str, driver: Driver, db: Db, state: State, engine: Engine) -> BookingOut:
    """Undo the vehicle's last tap within the city's undo window (「取り消す」); twice is once."""
    vehicle_id = _vehicle_of(driver)
    boarding_undo_allowed(db, vehicle_id, tap_id)  # 乗車 with its fare recorded: office first
    trips.release(db)
    try:
        ride = engine.undo_tap(vehicle_id, tap_id)
    except UnknownRide as exc:
        raise not_found("tap", "操作") from exc
    except DispatchError as exc:
        raise _refused(exc) from exc
    _audit_tap(db, driver, "driver.tap_undo", ride, tap_id, {}, state.now())
    return trips.booking_out(db, ride, detail=True)
