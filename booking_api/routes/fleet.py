"""Admins set up the fleet through the engine: vehicles and shifts (audited)."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field

from booking_api import dates, trips
from booking_api.db import audit
from booking_api.deps import Admin, Db, Engine, Staff, State
from booking_api.errors import ApiError, not_found
from booking_api.routes.bookings import ERRORS
from booking_api.routes.operator import VehicleOut, vehicle_out
from booking_api.schemas.types import Day, Line, WholeNumber
from dispatch.domain import DispatchError, LatLon

router = APIRouter(tags=["fleet"])


class VehicleIn(BaseModel):
    """A vehicle to add or update."""

    id: str = Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_\-]+$")
    name: Line = Field(default="", max_length=100)
    seats: WholeNumber = Field(default=4, ge=0, le=20)
    wheelchairs: WholeNumber = Field(default=0, ge=0, le=4)
    depot_lat: float = Field(ge=-90, le=90, strict=True)
    depot_lon: float = Field(ge=-180, le=180, strict=True)
    areas: list[Annotated[Line, Field(max_length=64)]] | None = Field(default=None, max_length=20)


class ShiftIn(BaseModel):
    """A vehicle's shift on one day, with an optional break window."""

    start: datetime
    end: datetime
    break_earliest: datetime | None = None
    break_latest: datetime | None = None
    break_duration_s: WholeNumber = Field(default=0, ge=0, le=4 * 3600)


class ShiftOut(ShiftIn):
    """A shift as stored by the engine."""

    vehicle_id: str
    service_date: date


def _fleet(engine: Any, name: str) -> Any:
    method = getattr(engine, name, None)
    if method is None:
        raise ApiError(
            503, "unavailable", "The fleet cannot be changed now.", "現在、車両の設定はできません。"
        )
    return method


def _aware(*times: datetime | None) -> None:
    if any(t is not None and t.tzinfo is None for t in times):
        raise ApiError(
            422,
            "naive_time",
            "Give times with a UTC offset.",
            "時刻はタイムゾーン付きで指定してください。",
        )


@router.post("/vehicles", status_code=201, responses={**ERRORS, 422: {}})
def save_vehicle(body: VehicleIn, admin: Admin, db: Db, state: State, engine: Engine) -> VehicleOut:
    """Add a vehicle or change its data (depot must be on the map)."""
    if body.seats + body.wheelchairs == 0:
        raise ApiError(
            422,
            "bad_capacity",
            "A vehicle needs a seat or a wheelchair place.",
            "座席または車いす席が必要です。",
        )
    trips.release(db)
    try:
        info = _fleet(engine, "add_vehicle")(
            body.id,
            depot=LatLon(body.depot_lat, body.depot_lon),
            name=body.name,
            seats=body.seats,
            wheelchairs=body.wheelchairs,
            areas=body.areas,
        )
    except DispatchError as exc:
        raise ApiError(422, exc.code, exc.message_en, exc.message_ja) from exc
    except Exception as exc:
        code = getattr(exc, "code", None)
        if code is None:
            raise
        raise ApiError(
            422,
            str(code),
            str(getattr(exc, "message_en", exc)),
            str(getattr(exc, "message_ja", exc)),
        ) from exc
    out = vehicle_out(info)
    audit(db, admin.id, "vehicle.save", "vehicle", body.id, None, out.model_dump(), state.now())
    db.commit()
    return out


@router.get("/shifts", responses=ERRORS)
def list_shifts(
    staff: Staff,
    state: State,
    engine: Engine,
    date_: Annotated[Day | None, Query(alias="date")] = None,
) -> list[ShiftOut]:
    """The shifts of a day (default today)."""
    day = date_ or trips.local_date(state, state.now())
    return [ShiftOut(**vars(s)) for s in _fleet(engine, "list_shifts")(day)]


@router.put("/shifts/{vehicle_id}/{service_date}", responses=ERRORS)
def set_shift(
    vehicle_id: str,
    service_date: Day,
    body: ShiftIn,
    admin: Admin,
    db: Db,
    state: State,
    engine: Engine,
) -> ShiftOut:
    """Create or replace a vehicle's shift on a day (within a year back and two years ahead;
    its times within a day of it).
    """
    _aware(body.start, body.end, body.break_earliest, body.break_latest)
    dates.shift_day("path.service_date", service_date, trips.local_date(state, state.now()))
    for name, at in vars(body).items():
        if isinstance(at, datetime):
            first, last = service_date - timedelta(days=1), service_date + timedelta(days=2)
            dates.check_within(f"body.{name}", at.date(), first, last)
    if body.end <= body.start:
        raise ApiError(
            422,
            "bad_shift",
            "A shift must end after it starts.",
            "勤務の終了は開始より後にしてください。",
        )
    trips.release(db)
    try:
        shift = _fleet(engine, "set_shift")(
            vehicle_id,
            service_date,
            body.start,
            body.end,
            break_earliest=body.break_earliest,
            break_latest=body.break_latest,
            break_duration_s=body.break_duration_s,
        )
    except DispatchError as exc:
        raise not_found("vehicle", "車両") from exc
    except ValueError as exc:
        raise ApiError(422, "bad_shift", str(exc), "勤務時間が正しくありません。") from exc
    out = ShiftOut(**vars(shift))
    audit(
        db,
        admin.id,
        "shift.set",
        "vehicle",
        vehicle_id,
        None,
        out.model_dump(mode="json"),
        state.now(),
    )
    db.commit()
    return out
