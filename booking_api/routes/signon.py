"""The driver's sign-on and sign-off (出庫・帰庫) from the tablet: the shift's actual start and end.

The tablet sends ``start`` when the driver begins the day and ``end`` when the
car is back; the engine keeps the first sign-on and the last sign-off on the
day's shift (``shifts.started_at`` / ``ended_at``, UTC, the server's clock)
and logs ``vehicle.available`` / ``vehicle.off_shift`` events; each change is
also an audit-log line of the driver (``driver.shift_start`` / ``driver.shift_end``).
The subsidy report counts the hours operated from these times
(``booking_api.farefacts.service_times``). The tablet resends a queued event
until it hears back, so an ``event_id`` already recorded changes nothing twice.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal

from fastapi import APIRouter
from pydantic import BaseModel, Field
from sqlalchemy import select
from sqlalchemy.orm import Session

from booking_api import trips
from booking_api.db import AccountRow, AuditRow, audit
from booking_api.deps import Db, Driver, Engine, State
from booking_api.errors import ApiError, not_found
from booking_api.openapi import answers
from booking_api.schemas.types import Line
from booking_api.state import AppState
from dispatch.domain import DispatchError
from dispatch.store.tables import ShiftRow

router = APIRouter(tags=["operators"])

ACTIONS = {"start": "driver.shift_start", "end": "driver.shift_end"}


class ShiftEventIn(BaseModel):
    """A sign-on (``start``) or sign-off (``end``) sent by the tablet, once per ``event_id``."""

    action: Literal["start", "end"]
    event_id: Line = Field(min_length=1, max_length=100)


class ShiftStateOut(BaseModel):
    """The driver's vehicle today: its status, the shift as scheduled and as operated."""

    vehicle_id: str
    service_date: date
    status: str = Field(description="off_shift, available, serving, on_break, out_of_service")
    scheduled_start: datetime | None = Field(description="The shift's planned start (UTC)")
    scheduled_end: datetime | None = Field(description="The shift's planned end (UTC)")
    started_at: datetime | None = Field(description="The driver's first sign-on (UTC)")
    ended_at: datetime | None = Field(description="The driver's last sign-off (UTC)")


def _vehicle_of(driver: AccountRow) -> str:
    if not driver.vehicle_id:
        raise not_found("vehicle", "車両")
    return driver.vehicle_id


def _engine_call(engine: Any, name: str) -> Any:
    method = getattr(engine, name, None)
    if method is None:
        raise ApiError(
            503, "unavailable", "The shift cannot be recorded now.", "現在、勤務を記録できません。"
        )
    return method


def _shift(db: Session, vehicle_id: str, day: date) -> ShiftRow | None:
    return db.scalars(
        select(ShiftRow).where(ShiftRow.vehicle_id == vehicle_id, ShiftRow.service_date == day)
    ).first()


def _state(db: Session, state: AppState, engine: Any, vehicle_id: str) -> ShiftStateOut:
    day = trips.local_date(state, state.now())
    try:
        status = str(_engine_call(engine, "get_vehicle")(vehicle_id).status)
    except DispatchError as exc:
        raise not_found("vehicle", "車両") from exc
    shift = _shift(db, vehicle_id, day)
    return ShiftStateOut(
        vehicle_id=vehicle_id,
        service_date=day,
        status=status,
        scheduled_start=shift.start_at if shift else None,
        scheduled_end=shift.end_at if shift else None,
        started_at=shift.started_at if shift else None,
        ended_at=shift.ended_at if shift else None,
    )


def _seen(db: Session, vehicle_id: str, event_id: str) -> bool:
    rows = db.scalars(
        select(AuditRow.after).where(
            AuditRow.action.in_(ACTIONS.values()),
            AuditRow.entity == "vehicle",
            AuditRow.entity_id == vehicle_id,
        )
    )
    return any(isinstance(a, dict) and a.get("event_id") == event_id for a in rows)


@router.get("/driver/shift", responses=answers(404, 503))
def shift_state(driver: Driver, db: Db, state: State, engine: Engine) -> ShiftStateOut:
    """The driver's vehicle today: on shift or not, and the shift as planned and as operated."""
    return _state(db, state, engine, _vehicle_of(driver))


@router.post("/driver/shift", responses=answers(404, 409, 422, 503))
def shift_event(
    body: ShiftEventIn, driver: Driver, db: Db, state: State, engine: Engine
) -> ShiftStateOut:
    """Sign on (``start``: 出庫, the car enters service) or sign off (``end``: 帰庫).

    The times are the server's, stored in UTC on today's shift: the first
    sign-on and the last sign-off count as the hours operated. Refused with
    409 when the vehicle has no shift today (the office adds one first), is
    already on shift (``start``), is not on shift or still has rides to serve
    (``end``). A repeated ``event_id`` answers the state and changes nothing.
    """
    vehicle_id = _vehicle_of(driver)
    if _seen(db, vehicle_id, body.event_id):
        return _state(db, state, engine, vehicle_id)
    before = _state(db, state, engine, vehicle_id)
    if before.scheduled_start is None:
        raise ApiError(
            409,
            "no_shift",
            "This vehicle has no shift today; ask the office to add one.",
            "本日、この車両の勤務予定がありません。営業所に登録を依頼してください。",
        )
    fn = _engine_call(engine, "start_shift" if body.action == "start" else "end_shift")
    trips.release(db)
    try:
        fn(vehicle_id)
    except DispatchError as exc:  # already on shift, not on shift, rides still to serve
        raise ApiError(409, exc.code, exc.message_en, exc.message_ja) from exc
    db.expire_all()
    after = _state(db, state, engine, vehicle_id)
    audit(
        db,
        driver.id,
        ACTIONS[body.action],
        "vehicle",
        vehicle_id,
        before.model_dump(mode="json"),
        {"event_id": body.event_id, **after.model_dump(mode="json")},
        state.now(),
    )
    db.commit()
    return after
