"""Vehicles as the office keeps them: identity for riders, capacity, areas, depot; editing
and retirement.

The plate number and colour are what a rider looks for at the door, so they are
stored with the vehicle and shown with each booking. A change that would break
promises already made (fewer seats or wheelchair places, other areas, another
depot) is refused while the vehicle has rides booked ahead, and so is retiring
it: ``VehicleBusy`` names the days and how many rides each has, so staff can move
them first. A retired vehicle keeps its history but gets no new shifts (``set_shift``
refuses it, the rota skips it) and so no new rides; bringing it back lets the rota
generate its shifts from its weekly template again.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from dispatch.core import EngineCore
from dispatch.domain import (
    DispatchError,
    IllegalTransition,
    LatLon,
    ShiftInUse,
    UnknownRide,
    VehicleInfo,
    VehicleStatus,
)
from dispatch.state import ACTIVE_RIDE_STATUSES
from dispatch.store.repo import append_event, change_session, read_session, write_session
from dispatch.store.tables import PlanRow, RideRow, ShiftRow, VehicleRow

_ACTIVE = [s.value for s in ACTIVE_RIDE_STATUSES]


class VehicleColour(StrEnum):
    """Body colours a rider can tell apart at a glance (the apps name them in each language)."""

    WHITE = "white"
    BLACK = "black"
    SILVER = "silver"
    GREY = "grey"
    BLUE = "blue"
    NAVY = "navy"
    RED = "red"
    GREEN = "green"
    YELLOW = "yellow"
    ORANGE = "orange"
    BROWN = "brown"
    BEIGE = "beige"
    PINK = "pink"
    PURPLE = "purple"


class VehicleBusy(DispatchError):
    """The vehicle still has rides booked ahead, so it cannot be retired or lose capacity."""

    code = "vehicle_has_rides"

    def __init__(self, vehicle_id: str, days: dict[date, int], *, action_en: str, action_ja: str):
        total = sum(days.values())
        en = ", ".join(f"{d.month}/{d.day} ({n})" for d, n in sorted(days.items()))
        ja = "、".join(f"{d.month}月{d.day}日 {n}件" for d, n in sorted(days.items()))
        super().__init__(
            f"Vehicle {vehicle_id} still has {total} rides booked: {en}. "
            f"Move them to other vehicles before you {action_en}.",
            f"車両 {vehicle_id} にはまだ予約が {total} 件あります（{ja}）。"
            f"{action_ja}前に、ほかの車両へ移してください。",
        )
        self.days = dict(sorted(days.items()))


class VehicleRetired(DispatchError):
    """The vehicle is retired: it gets no shifts (bring it back first)."""

    code = "vehicle_retired"

    def __init__(self, vehicle_id: str) -> None:
        super().__init__(
            f"Vehicle {vehicle_id} is retired; bring it back into service first.",
            f"車両 {vehicle_id} は廃車（運用停止）中です。先に運用を再開してください。",
        )


def info_of(v: VehicleRow) -> VehicleInfo:
    """Return a stored vehicle as the engine's ``VehicleInfo``."""
    pos = LatLon(v.lat, v.lon) if v.lat is not None and v.lon is not None else None
    return VehicleInfo(
        vehicle_id=v.id,
        name=v.name,
        seats=v.seats,
        wheelchairs=v.wheelchairs,
        depot=LatLon(v.depot_lat, v.depot_lon),
        areas=tuple(v.areas) if v.areas is not None else None,
        status=VehicleStatus(v.status),
        position=pos,
        delay_s=v.delay_s,
        plate=v.plate or "",
        colour=v.colour or "",
        depot_name=v.depot_name or "",
        retired_at=v.retired_at,
        retired_reason=v.retired_reason or "",
    )


def unknown_vehicle(vehicle_id: str) -> UnknownRide:
    """The engine's error for a vehicle id it does not know (``unknown_ride``, a 404)."""
    return UnknownRide(f"No vehicle {vehicle_id}.", f"車両 {vehicle_id} は見つかりません。")


def rides_ahead(s: Session, vehicle_id: str, today: date) -> dict[date, int]:
    """Return, per service date from ``today`` on, the vehicle's rides that still hold a
    promise (booked to on board)."""
    q = (
        select(RideRow.service_date, func.count())
        .where(
            RideRow.vehicle_id == vehicle_id,
            RideRow.service_date >= today,
            RideRow.status.in_(_ACTIVE),
        )
        .group_by(RideRow.service_date)
    )
    return {d: int(n) for d, n in s.execute(q).all()}


class VehicleOps(EngineCore):
    """Editing, retiring and bringing back vehicles (part of ``DispatchEngine``)."""

    def edit_vehicle(
        self,
        vehicle_id: str,
        *,
        name: str,
        plate: str,
        colour: str,
        seats: int,
        wheelchairs: int,
        areas: Sequence[str] | None,
        depot: LatLon,
        depot_name: str,
    ) -> VehicleInfo:
        """Change a vehicle's data (every field given: the caller merges a partial change).

        Name, plate and colour change at once. Fewer seats or wheelchair places, other
        areas or another depot are refused with ``VehicleBusy`` while the vehicle has
        rides booked ahead, since their promises were made with the car as it was.
        """
        if seats < 0 or wheelchairs < 0 or seats + wheelchairs == 0:
            msg = "a vehicle needs at least one seat or wheelchair place"
            raise ValueError(msg)
        if colour and colour not in set(VehicleColour):
            msg = f"unknown colour {colour!r}"
            raise ValueError(msg)
        self.snap(depot.lat, depot.lon)  # a depot off the map is refused here
        new_areas = sorted(areas) if areas is not None else None
        with change_session(self.db) as s:
            v = s.get(VehicleRow, vehicle_id)
            if v is None:
                raise unknown_vehicle(vehicle_id)
            old_areas = sorted(v.areas) if v.areas is not None else None
            narrower = (
                seats < v.seats
                or wheelchairs < v.wheelchairs
                or new_areas != old_areas
                or (depot.lat, depot.lon) != (v.depot_lat, v.depot_lon)
            )
            if narrower and (busy := rides_ahead(s, vehicle_id, self.local_date(self.now()))):
                raise VehicleBusy(
                    vehicle_id, busy,
                    action_en="reduce its capacity, areas or depot",
                    action_ja="定員・運行区域・車庫を変える",
                )  # fmt: skip
            v.name, v.plate, v.colour = name or vehicle_id, plate, colour
            v.seats, v.wheelchairs = seats, wheelchairs
            v.areas = list(areas) if areas is not None else None
            v.depot_lat, v.depot_lon, v.depot_name = depot.lat, depot.lon, depot_name
            append_event(s, "vehicle.edited", self.now(), vehicle_id=vehicle_id)
            s.flush()
            return info_of(v)

    def retire_vehicle(self, vehicle_id: str, reason: str) -> VehicleInfo:
        """Take a vehicle out of the fleet for good (it can be brought back).

        Refused with ``VehicleBusy`` while it has rides booked ahead (move them first)
        and with ``IllegalTransition`` while its driver is on shift. Its shifts from
        today on are removed (today's is ended instead when it already served rides).
        """
        today = self.local_date(self.now())
        with change_session(self.db) as s:
            v = s.get(VehicleRow, vehicle_id)
            if v is None:
                raise unknown_vehicle(vehicle_id)
            if v.retired_at is not None:
                return info_of(v)
            if busy := rides_ahead(s, vehicle_id, today):
                raise VehicleBusy(vehicle_id, busy, action_en="retire it", action_ja="廃車にする")
            if v.status not in (VehicleStatus.OFF_SHIFT.value, VehicleStatus.OUT_OF_SERVICE.value):
                raise IllegalTransition(
                    f"Vehicle {vehicle_id} is on shift; its driver ends the shift first.",
                    f"車両 {vehicle_id} は勤務中です。"
                    "運転手が勤務を終了してから廃車にしてください。",
                )
            # retired first: from here on no shift can be set, so no ride can be booked
            v.retired_at, v.retired_reason = self.now(), reason
            days = list(
                s.scalars(
                    select(ShiftRow.service_date).where(
                        ShiftRow.vehicle_id == vehicle_id, ShiftRow.service_date >= today
                    )
                )
            )
        try:
            for day in sorted(days):
                self._drop_shift(vehicle_id, day, ended=day == today)
        except ShiftInUse:  # a ride was booked in between: stay in service
            with change_session(self.db) as s:
                v = s.get(VehicleRow, vehicle_id)
                assert v is not None
                v.retired_at, v.retired_reason = None, ""
                busy = rides_ahead(s, vehicle_id, today)
            raise VehicleBusy(
                vehicle_id, busy, action_en="retire it", action_ja="廃車にする"
            ) from None
        with change_session(self.db) as s:
            append_event(s, "vehicle.retired", self.now(), vehicle_id=vehicle_id,
                         payload={"reason": reason, "shifts_removed": len(days)})  # fmt: skip
            v = s.get(VehicleRow, vehicle_id)
            assert v is not None
            return info_of(v)

    def _drop_shift(self, vehicle_id: str, day: date, *, ended: bool) -> None:
        """Remove a retiring vehicle's shift of ``day`` under the day's lock; today's is
        ended instead when rides were served on it (their history stays)."""
        with write_session(self.db, day) as s:
            if rides_ahead(s, vehicle_id, day).get(day):
                raise ShiftInUse(vehicle_id, day, rides_ahead(s, vehicle_id, day)[day])
            shift = s.scalars(
                select(ShiftRow).where(
                    ShiftRow.vehicle_id == vehicle_id, ShiftRow.service_date == day
                )
            ).first()
            if shift is None:
                return
            served = s.scalar(
                select(func.count())
                .select_from(RideRow)
                .where(RideRow.vehicle_id == vehicle_id, RideRow.service_date == day)
            )
            if ended and served:
                shift.ended_at = shift.ended_at or self.now()
                return
            plan = s.get(PlanRow, (vehicle_id, day))
            if plan is not None:
                s.delete(plan)
            s.delete(shift)

    def unretire_vehicle(self, vehicle_id: str) -> VehicleInfo:
        """Bring a retired vehicle back; its shifts come from its template again (the
        caller runs the rota over the booking horizon)."""
        with change_session(self.db) as s:
            v = s.get(VehicleRow, vehicle_id)
            if v is None:
                raise unknown_vehicle(vehicle_id)
            if v.retired_at is not None:
                v.retired_at, v.retired_reason = None, ""
                append_event(s, "vehicle.unretired", self.now(), vehicle_id=vehicle_id)
            return info_of(v)

    def is_retired(self, vehicle_id: str) -> bool:
        """Whether the vehicle is retired (an unknown one raises ``UnknownRide``)."""
        with read_session(self.db) as s:
            v = s.get(VehicleRow, vehicle_id)
            if v is None:
                raise unknown_vehicle(vehicle_id)
            return v.retired_at is not None


def retired_at(s: Session, vehicle_id: str) -> datetime | None:
    """When the vehicle was retired (None: in service or unknown), read in ``s``."""
    return s.scalar(select(VehicleRow.retired_at).where(VehicleRow.id == vehicle_id))
