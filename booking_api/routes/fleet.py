"""Admins set up the fleet through the engine: vehicles (add, edit, retire, bring back) and
shifts, each audited; a change that would break riders' promises is refused (409)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Annotated, Any, cast

from fastapi import APIRouter, Query

from booking_api import dates, trips
from booking_api.db import audit
from booking_api.deps import Admin, CityMap, Db, Engine, Staff, State
from booking_api.errors import ApiError, not_found
from booking_api.openapi import answers
from booking_api.routes.bookings import ERRORS
from booking_api.routes.operator import VehicleOut, vehicle_out
from booking_api.rules import tz
from booking_api.schemas.fleet import RetireIn, ShiftIn, ShiftOut, VehicleIn, VehiclePatch
from booking_api.schemas.types import Day
from dispatch import rota
from dispatch.domain import DispatchError, IllegalTransition, LatLon, UnknownRide
from dispatch.vehicles import VehicleBusy, VehicleRetired

router = APIRouter(tags=["fleet"])


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


def _engine_error(exc: Exception) -> ApiError:
    """Return the API's answer to an engine refusal of a vehicle change."""
    if isinstance(exc, VehicleBusy):
        days = [{"date": d.isoformat(), "rides": n} for d, n in exc.days.items()]
        return ApiError(409, exc.code, exc.message_en, exc.message_ja, days=days)
    if isinstance(exc, UnknownRide):
        return not_found("vehicle", "車両")
    if isinstance(exc, IllegalTransition):
        return ApiError(409, exc.code, exc.message_en, exc.message_ja)
    if isinstance(exc, DispatchError):
        return ApiError(422, exc.code, exc.message_en, exc.message_ja)
    code = getattr(exc, "code", None)  # the map's refusal of a depot (outside_boundary ...)
    if code is None:
        raise exc
    return ApiError(
        422,
        str(code),
        str(getattr(exc, "message_en", exc)),
        str(getattr(exc, "message_ja", exc)),
    )


def _check(seats: int, wheelchairs: int, areas: list[str] | None, city_map: Any) -> None:
    """Refuse a vehicle with no place at all, or serving an area the city does not have."""
    if seats + wheelchairs == 0:
        raise ApiError(
            422,
            "bad_capacity",
            "A vehicle needs a seat or a wheelchair place.",
            "座席または車いす席が必要です。",
            field="seats",
        )
    known = {a.id for a in city_map.areas.areas}
    unknown = sorted(set(areas or ()) - known)
    if unknown:
        raise ApiError(
            422,
            "unknown_area",
            f"No service area {', '.join(unknown)}.",
            f"運行区域 {'、'.join(unknown)} はありません。",
            field="areas",
        )


@router.post("/vehicles", status_code=201, responses={**ERRORS, 422: {}})
def save_vehicle(
    body: VehicleIn, admin: Admin, db: Db, state: State, engine: Engine, city_map: CityMap
) -> VehicleOut:
    """Add a vehicle or change its data (depot must be on the map; areas the city's)."""
    _check(body.seats, body.wheelchairs, body.areas, city_map)
    identity = {k: getattr(body, k) for k in ("plate", "colour", "depot_name")}
    trips.release(db)
    try:
        info = _fleet(engine, "add_vehicle")(
            body.id,
            depot=LatLon(body.depot_lat, body.depot_lon),
            name=body.name,
            seats=body.seats,
            wheelchairs=body.wheelchairs,
            areas=body.areas,
            **{k: v for k, v in identity.items() if v is not None},
        )
    except Exception as exc:
        raise _engine_error(exc) from exc
    out = vehicle_out(info)
    audit(db, admin.id, "vehicle.save", "vehicle", body.id, None, out.model_dump(), state.now())
    db.commit()
    return out


@router.patch("/vehicles/{vehicle_id}", responses=answers(404, 409, 422, 503))
def edit_vehicle(
    vehicle_id: str,
    body: VehiclePatch,
    admin: Admin,
    db: Db,
    state: State,
    engine: Engine,
    city_map: CityMap,
) -> VehicleOut:
    """Change a vehicle's name, plate, colour, places, areas or depot (only the fields given).

    Fewer places, other areas or another depot are refused (409 ``vehicle_has_rides``,
    with the days and their rides) while it has rides booked ahead: move them first.
    """
    try:
        before = _fleet(engine, "get_vehicle")(vehicle_id)
    except UnknownRide as exc:
        raise not_found("vehicle", "車両") from exc
    given = body.model_fields_set
    merged: dict[str, Any] = {
        "name": body.name if body.name is not None else before.name,
        "plate": body.plate if body.plate is not None else before.plate,
        "colour": body.colour if body.colour is not None else before.colour,
        "seats": body.seats if body.seats is not None else before.seats,
        "wheelchairs": body.wheelchairs if body.wheelchairs is not None else before.wheelchairs,
        "areas": body.areas if "areas" in given else before.areas,
        "depot_name": body.depot_name if body.depot_name is not None else before.depot_name,
    }
    depot = LatLon(
        body.depot_lat if body.depot_lat is not None else before.depot.lat,
        body.depot_lon if body.depot_lon is not None else before.depot.lon,
    )
    areas = list(merged["areas"]) if merged["areas"] is not None else None
    _check(merged["seats"], merged["wheelchairs"], areas, city_map)
    trips.release(db)
    try:
        info = _fleet(engine, "edit_vehicle")(vehicle_id, depot=depot, **{**merged, "areas": areas})
    except Exception as exc:
        raise _engine_error(exc) from exc
    out = vehicle_out(info)
    audit(
        db, admin.id, "vehicle.edit", "vehicle", vehicle_id,
        vehicle_out(before).model_dump(mode="json"), out.model_dump(mode="json"), state.now(),
    )  # fmt: skip
    db.commit()
    return out


@router.post("/vehicles/{vehicle_id}/retire", responses=answers(404, 409, 422, 503))
def retire_vehicle(
    vehicle_id: str, body: RetireIn, admin: Admin, db: Db, state: State, engine: Engine
) -> VehicleOut:
    """Retire a vehicle: it keeps its history but gets no new shifts or rides; its shifts
    from today on are removed. Refused (409) while it has rides booked ahead
    (``vehicle_has_rides``: the days and how many, move them first) or is on shift."""
    reason = body.reason.strip()
    if not reason:
        raise ApiError(
            422, "reason_required", "Say why the vehicle is retired.",
            "廃車（運用停止）の理由を入力してください。", field="reason",
        )  # fmt: skip
    trips.release(db)
    try:
        before = _fleet(engine, "get_vehicle")(vehicle_id)
        info = _fleet(engine, "retire_vehicle")(vehicle_id, reason)
    except Exception as exc:
        raise _engine_error(exc) from exc
    out = vehicle_out(info)
    audit(
        db, admin.id, "vehicle.retire", "vehicle", vehicle_id,
        vehicle_out(before).model_dump(mode="json"),
        {**out.model_dump(mode="json"), "reason": reason}, state.now(),
    )  # fmt: skip
    db.commit()
    return out


@router.post("/vehicles/{vehicle_id}/unretire", responses=answers(404, 503))
def unretire_vehicle(
    vehicle_id: str, admin: Admin, db: Db, state: State, engine: Engine
) -> VehicleOut:
    """Bring a retired vehicle back into service: its shifts are generated again from its
    weekly template for the booking horizon."""
    trips.release(db)
    try:
        before = _fleet(engine, "get_vehicle")(vehicle_id)
        info = _fleet(engine, "unretire_vehicle")(vehicle_id)
    except Exception as exc:
        raise _engine_error(exc) from exc
    today = trips.local_date(state, state.now())
    first, last = rota.horizon(today, state.rules.booking_horizon_days)
    rota.generate(
        state.db, cast(rota.ShiftFleet, engine), state.rules.calendar, tz(state.rules), first, last,
        today=today, vehicle_ids=[vehicle_id],
    )  # fmt: skip
    out = vehicle_out(info)
    audit(
        db, admin.id, "vehicle.unretire", "vehicle", vehicle_id,
        vehicle_out(before).model_dump(mode="json"), out.model_dump(mode="json"), state.now(),
    )  # fmt: skip
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
    except VehicleRetired as exc:
        raise ApiError(409, exc.code, exc.message_en, exc.message_ja) from exc
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
