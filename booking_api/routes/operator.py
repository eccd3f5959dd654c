"""Operators' day board and vehicles; admins' accounts and audit log; drivers' manifest and taps."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query, Response
from pydantic import BaseModel, Field
from sqlalchemy import select

from booking_api import trips
from booking_api.db import AccountRow, AuditRow, audit
from booking_api.deps import Admin, Db, Driver, Engine, Staff, State
from booking_api.errors import ApiError, not_found
from booking_api.pins import require_strong
from booking_api.routes.bookings import ERRORS
from booking_api.schemas.accounts import AccountPasswordIn, AccountPatch
from booking_api.schemas.bookings import BookingOut, DayOut, ManifestOut, TapIn, VehicleDay
from booking_api.schemas.members import AccountIn, AccountOut
from booking_api.schemas.types import Day, Line
from booking_api.security import clear_failures, failure_key, hash_password, revoke_sessions
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
    plate: str = ""
    colour: str = ""
    depot_name: str = ""
    depot_lat: float | None = None
    depot_lon: float | None = None
    retired: bool = False
    retired_at: datetime | None = None
    retired_reason: str = ""
    name: str
    seats: int
    wheelchairs: int
    areas: list[str] | None
    status: str
    lat: float | None = None
    lon: float | None = None
    delay_s: int = 0


class AuditOut(BaseModel):
    """One audit-log line."""

    at: datetime
    actor: str
    action: str
    entity: str
    entity_id: str
    before: Any
    after: Any


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
        plate=v.plate,
        colour=v.colour,
        depot_name=v.depot_name,
        depot_lat=v.depot.lat,
        depot_lon=v.depot.lon,
        retired=v.retired_at is not None,
        retired_at=v.retired_at,
        retired_reason=v.retired_reason,
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
    )


def account_out(row: AccountRow) -> AccountOut:
    """Return an account without its secret."""
    return AccountOut(
        id=row.id,
        username=row.username,
        role=row.role,
        display_name=row.display_name,
        vehicle_id=row.vehicle_id,
        active=row.active,
    )


@router.get("/accounts")
def list_accounts(admin: Admin, db: Db) -> list[AccountOut]:
    """Staff, driver and admin accounts."""
    rows = db.scalars(
        select(AccountRow).where(AccountRow.username.is_not(None)).order_by(AccountRow.username)
    )
    return [account_out(r) for r in rows]


@router.post("/accounts", status_code=201, responses={409: {}, 422: {}})
def create_account(body: AccountIn, admin: Admin, db: Db, state: State) -> AccountOut:
    """Create an operator, driver (per vehicle) or admin account."""
    if body.role == "driver" and not body.vehicle_id:
        raise ApiError(
            422,
            "vehicle_required",
            "A driver account needs a vehicle.",
            "運転手アカウントには車両の指定が必要です。",
        )
    if db.scalar(select(AccountRow.id).where(AccountRow.username == body.username)) is not None:
        raise ApiError(
            409,
            "already_exists",
            "This username is taken.",
            "このユーザー名はすでに使われています。",
        )
    require_strong(body.password)
    row = AccountRow(
        username=body.username,
        role=body.role,
        password_hash=hash_password(body.password),
        display_name=body.display_name or body.username,
        vehicle_id=body.vehicle_id,
        active=True,
        created_at=state.now(),
    )
    db.add(row)
    db.flush()
    audit(
        db,
        admin.id,
        "account.create",
        "account",
        row.id,
        None,
        account_out(row).model_dump(),
        state.now(),
    )
    db.commit()
    return account_out(row)


def _staff_account(db: Db, account_id: str) -> AccountRow:
    row = db.get(AccountRow, account_id)
    if row is None or row.username is None:  # residents are managed under /members
        raise not_found("account", "アカウント")
    return row


@router.patch("/accounts/{account_id}", responses={404: {}, 409: {}, 422: {}})
def edit_account(
    account_id: str, body: AccountPatch, admin: Admin, db: Db, state: State
) -> AccountOut:
    """Disable (ends every session of the account at once) or enable an account; audited."""
    row = _staff_account(db, account_id)
    before = account_out(row).model_dump()
    if body.active is False and row.id == admin.id:
        raise ApiError(
            409,
            "cannot_disable_self",
            "You cannot disable your own account; ask another admin.",
            "ご自身のアカウントは無効にできません。別の管理者に依頼してください。",
        )
    if body.display_name is not None:
        row.display_name = body.display_name
    action = "account.edit"
    if body.active is not None and body.active != row.active:
        row.active = body.active
        action = "account.enable" if body.active else "account.disable"
    if not row.active:
        revoke_sessions(db, row.id)  # enabling again must not revive a lost device's token
    after = account_out(row).model_dump()
    audit(db, admin.id, action, "account", row.id, before, after, state.now())
    db.commit()
    return account_out(row)


@router.post("/accounts/{account_id}/password", status_code=204, responses={404: {}, 422: {}})
def reset_account_password(
    account_id: str, body: AccountPasswordIn, admin: Admin, db: Db, state: State
) -> Response:
    """Set a new password for an account; ends its sessions and lifts a login lock; audited."""
    row = _staff_account(db, account_id)
    require_strong(body.password)
    row.password_hash = hash_password(body.password)
    revoke_sessions(db, row.id)
    clear_failures(db, failure_key(row, ""))
    audit(db, admin.id, "account.password_reset", "account", row.id, None, None, state.now())
    db.commit()
    return Response(status_code=204)


@router.get("/audit")
def audit_log(
    admin: Admin, db: Db, limit: Annotated[int, Query(ge=1, le=1000)] = 100
) -> list[AuditOut]:
    """The latest staff writes, newest first."""
    rows = db.scalars(select(AuditRow).order_by(AuditRow.id.desc()).limit(limit))
    return [
        AuditOut(
            at=r.at,
            actor=r.actor,
            action=r.action,
            entity=r.entity,
            entity_id=r.entity_id,
            before=r.before,
            after=r.after,
        )
        for r in rows
    ]


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
def tap(body: TapIn, driver: Driver, db: Db, engine: Engine) -> BookingOut:
    """Arrived, boarded, no-show or dropped off; a repeated ``tap_id`` changes nothing twice."""
    vehicle_id = _vehicle_of(driver)
    try:
        ride = engine.get_ride(body.ride_id)
    except UnknownRide as exc:
        raise not_found("booking", "予約") from exc
    if ride.vehicle_id != vehicle_id:
        raise not_found("booking", "予約")
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
    return trips.booking_out(db, ride, detail=True)


def _refused(exc: DispatchError) -> ApiError:
    """A refused tap or undo as a 409 the tablet shows (with the rule's details)."""
    return ApiError(409, exc.code, exc.message_en, exc.message_ja, **getattr(exc, "details", {}))


@router.post("/driver/taps/{tap_id}/undo", responses=ERRORS)
def undo_tap(tap_id: str, driver: Driver, db: Db, engine: Engine) -> BookingOut:
    """Undo the vehicle's last tap within the city's undo window (「取り消す」); twice is once."""
    vehicle_id = _vehicle_of(driver)
    trips.release(db)
    try:
        ride = engine.undo_tap(vehicle_id, tap_id)
    except UnknownRide as exc:
        raise not_found("tap", "操作") from exc
    except DispatchError as exc:
        raise _refused(exc) from exc
    return trips.booking_out(db, ride, detail=True)
