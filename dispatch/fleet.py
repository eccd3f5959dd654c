"""Fleet side of the engine: vehicles, shifts, driver taps, positions, delays, breakdowns.

Also the background ``tick`` the leading engine runs: it re-times every live
route from the vehicles' real positions, and when reality breaks a promise
(a vehicle far behind) it alerts the board and gives the rider a new time.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import UTC, date, datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from dispatch.departures import set_off
from dispatch.domain import (
    IllegalTransition,
    LatLon,
    Ride,
    RideStatus,
    ShiftInfo,
    ShiftInUse,
    VehicleInfo,
    VehicleStatus,
)
from dispatch.gps import check_position, city_bbox
from dispatch.state import vehicle_transition
from dispatch.store.repo import (
    append_event,
    change_session,
    read_session,
    ride_of,
    write_session,
)
from dispatch.store.tables import PlanRow, RideRow, ShiftRow, VehicleRow
from dispatch.taps import TapOps
from dispatch.vehicles import VehicleOps, VehicleRetired, info_of, unknown_vehicle
from optimizer import Quote, quote

log = logging.getLogger("noriai.fleet")


def _refuse_if_rides(s: Session, vehicle_id: str, day: date) -> None:
    """Raise ``ShiftInUse`` when the vehicle has rides (not cancelled or refused) on ``day``."""
    rides = s.scalar(
        select(func.count())
        .select_from(RideRow)
        .where(
            RideRow.vehicle_id == vehicle_id,
            RideRow.service_date == day,
            RideRow.status.not_in(["cancelled", "rejected"]),
        )
    )
    if rides:
        raise ShiftInUse(vehicle_id, day, int(rides))


class FleetOps(TapOps, VehicleOps):
    """Vehicle, shift and live-event operations of ``DispatchEngine``."""

    # -- vehicles and shifts ---------------------------------------------------
    def add_vehicle(
        self,
        vehicle_id: str,
        *,
        depot: LatLon,
        name: str = "",
        seats: int = 4,
        wheelchairs: int = 0,
        areas: Sequence[str] | None = None,
        plate: str | None = None,
        colour: str | None = None,
        depot_name: str | None = None,
    ) -> VehicleInfo:
        """Add a vehicle (or update its data, keeping its live status; a plate, colour or
        depot name not given is kept). ``edit_vehicle`` is the guarded change."""
        if seats < 0 or wheelchairs < 0 or seats + wheelchairs == 0:
            msg = "a vehicle needs at least one seat or wheelchair place"
            raise ValueError(msg)
        self.snap(depot.lat, depot.lon)  # a depot off the map is refused here
        with change_session(self.db) as s:
            v = s.get(VehicleRow, vehicle_id)
            if v is None:
                v = VehicleRow(id=vehicle_id, created_at=self.now(), status="off_shift", delay_s=0)
                s.add(v)
            v.name, v.seats, v.wheelchairs = name or vehicle_id, seats, wheelchairs
            v.depot_lat, v.depot_lon = depot.lat, depot.lon
            v.areas = list(areas) if areas is not None else None
            v.plate = plate if plate is not None else v.plate or ""
            v.colour = colour if colour is not None else v.colour or ""
            v.depot_name = depot_name if depot_name is not None else v.depot_name or ""
            append_event(s, "vehicle.saved", self.now(), vehicle_id=vehicle_id)
            s.flush()
            return info_of(v)

    def list_vehicles(self) -> list[VehicleInfo]:
        """Return every vehicle, by id."""
        with read_session(self.db) as s:
            return [info_of(v) for v in s.scalars(select(VehicleRow).order_by(VehicleRow.id))]

    def get_vehicle(self, vehicle_id: str) -> VehicleInfo:
        """Return one vehicle or raise ``UnknownRide`` (code ``unknown_ride``)."""
        with read_session(self.db) as s:
            v = s.get(VehicleRow, vehicle_id)
            if v is None:
                raise unknown_vehicle(vehicle_id)
            return info_of(v)

    def set_shift(
        self,
        vehicle_id: str,
        service_date: date,
        start: datetime,
        end: datetime,
        *,
        break_earliest: datetime | None = None,
        break_latest: datetime | None = None,
        break_duration_s: int = 0,
        origin: str = "manual",
        if_free: bool = False,
    ) -> ShiftInfo:
        """Create or replace a vehicle's shift on ``service_date``.

        ``origin`` says who made it (``dispatch.rota`` redoes only the shifts it
        generated); with ``if_free`` an existing shift of a vehicle that has rides
        that day is left alone (``ShiftInUse``), checked under the day's lock.
        """
        if end <= start:
            msg = "a shift must end after it starts"
            raise ValueError(msg)
        with write_session(self.db, service_date) as s:
            vehicle = s.get(VehicleRow, vehicle_id)
            if vehicle is None:
                raise unknown_vehicle(vehicle_id)
            if vehicle.retired_at is not None:
                raise VehicleRetired(vehicle_id)
            q = select(ShiftRow).where(
                ShiftRow.vehicle_id == vehicle_id, ShiftRow.service_date == service_date
            )
            row = s.scalars(q).first()
            if row is None:
                row = ShiftRow(vehicle_id=vehicle_id, service_date=service_date)
                s.add(row)
            elif if_free:
                _refuse_if_rides(s, vehicle_id, service_date)
            row.start_at, row.end_at = start, end
            row.break_earliest, row.break_latest = break_earliest, break_latest
            row.break_duration_s = break_duration_s
            row.origin = origin
        return ShiftInfo(
            vehicle_id,
            service_date,
            start,
            end,
            break_earliest,
            break_latest,
            break_duration_s,
            origin,
        )

    def remove_shift(self, vehicle_id: str, service_date: date) -> bool:
        """Remove a vehicle's shift (and its empty plan) on ``service_date``; return whether
        there was one. Refused with ``ShiftInUse`` while the vehicle has rides that day.
        """
        with write_session(self.db, service_date) as s:
            q = select(ShiftRow).where(
                ShiftRow.vehicle_id == vehicle_id, ShiftRow.service_date == service_date
            )
            row = s.scalars(q).first()
            if row is None:
                return False
            _refuse_if_rides(s, vehicle_id, service_date)
            plan = s.get(PlanRow, (vehicle_id, service_date))
            if plan is not None:
                s.delete(plan)
            s.delete(row)
            append_event(s, "shift.removed", self.now(), vehicle_id=vehicle_id,
                         payload={"service_date": service_date.isoformat()})
        return True

    def list_shifts(self, service_date: date) -> list[ShiftInfo]:
        """Return the shifts of ``service_date``, by vehicle."""
        q = select(ShiftRow).where(ShiftRow.service_date == service_date)
        with read_session(self.db) as s:
            return [
                ShiftInfo(
                    r.vehicle_id,
                    r.service_date,
                    r.start_at,
                    r.end_at,
                    r.break_earliest,
                    r.break_latest,
                    r.break_duration_s,
                    r.origin,
                )
                for r in s.scalars(q.order_by(ShiftRow.vehicle_id))
            ]

    def _set_vehicle_status(
        self,
        vehicle_id: str,
        target: VehicleStatus,
        payload: dict[str, int] | None = None,
        *,
        sign_on: bool = False,
    ) -> VehicleInfo:
        day = self.local_date(self.now())
        with self.publishing(), write_session(self.db, day) as s:
            v = s.get(VehicleRow, vehicle_id)
            if v is None:
                raise unknown_vehicle(vehicle_id)
            v.status = vehicle_transition(
                VehicleStatus(v.status), target, vehicle_id=vehicle_id
            ).value
            shift = s.scalars(
                select(ShiftRow).where(
                    ShiftRow.vehicle_id == vehicle_id, ShiftRow.service_date == day
                )
            ).first()
            if target is VehicleStatus.AVAILABLE and shift is not None:
                shift.started_at = shift.started_at or self.now()
                if sign_on:  # signed on again after a sign-off: the shift is planned again
                    shift.ended_at = None
                if v.lat is None:
                    v.lat, v.lon = v.depot_lat, v.depot_lon
            if target is VehicleStatus.OFF_SHIFT and shift is not None:
                shift.ended_at = self.now()
            on_break = target is VehicleStatus.ON_BREAK
            kind = "vehicle.break" if on_break else f"vehicle.{target.value}"
            append_event(s, kind, self.now(), vehicle_id=vehicle_id, payload=payload)
            self.pending.append(
                ("board", {"type": "vehicle", "vehicle_id": vehicle_id, "status": v.status})
            )
            if target is VehicleStatus.OUT_OF_SERVICE:
                self._reassign(s, day, vehicle_id)
            else:
                self.reschedule(s, day, [vehicle_id])
            return info_of(v)

    def start_shift(self, vehicle_id: str) -> VehicleInfo:
        """The driver starts the day: the vehicle becomes available at its position or depot.

        The shift keeps the first sign-on as ``started_at`` (UTC); signing on again
        after a sign-off clears ``ended_at`` so the shift is planned again. Refused
        (``IllegalTransition``) while the vehicle is already on shift.
        """
        status = self.get_vehicle(vehicle_id).status
        if status in (VehicleStatus.AVAILABLE, VehicleStatus.SERVING, VehicleStatus.ON_BREAK):
            raise IllegalTransition(
                f"vehicle {vehicle_id} is already on shift",
                f"車両 {vehicle_id} はすでに勤務中です",
            )
        return self._set_vehicle_status(vehicle_id, VehicleStatus.AVAILABLE, sign_on=True)

    def end_shift(self, vehicle_id: str) -> VehicleInfo:
        """The driver ends the day; refused while rides are still assigned to the vehicle."""
        day = self.local_date(self.now())
        active = [
            r
            for r in self.list_rides_active(day)
            if r.vehicle_id == vehicle_id and r.status is not RideStatus.BOOKED
        ]
        if active:
            raise IllegalTransition(
                f"vehicle {vehicle_id} still has {len(active)} rides to serve",
                f"車両 {vehicle_id} にはまだ {len(active)} 件の予約があります",
            )
        return self._set_vehicle_status(vehicle_id, VehicleStatus.OFF_SHIFT)

    def start_break(self, vehicle_id: str) -> VehicleInfo:
        """The driver starts the shift's break: no stop until it ends (or its duration passes)."""
        day = self.local_date(self.now())
        with read_session(self.db) as s:
            shift = s.scalars(
                select(ShiftRow).where(
                    ShiftRow.vehicle_id == vehicle_id, ShiftRow.service_date == day
                )
            ).first()
            duration = shift.break_duration_s if shift is not None else 0
        until = int(self.now().timestamp()) + max(duration, 0)
        return self._set_vehicle_status(vehicle_id, VehicleStatus.ON_BREAK, {"until_s": until})

    def end_break(self, vehicle_id: str) -> VehicleInfo:
        """The driver ends the break and is available again (refused when not on a break)."""
        if self.get_vehicle(vehicle_id).status is not VehicleStatus.ON_BREAK:
            raise IllegalTransition(
                f"vehicle {vehicle_id} is not on a break",
                f"車両 {vehicle_id} は休憩中ではありません",
            )
        return self._set_vehicle_status(vehicle_id, VehicleStatus.AVAILABLE)

    def breakdown(self, vehicle_id: str) -> VehicleInfo:
        """Take a vehicle out of service; its waiting rides move to others or get alerts."""
        return self._set_vehicle_status(vehicle_id, VehicleStatus.OUT_OF_SERVICE)

    def list_rides_active(self, day: date) -> list[Ride]:
        """Return the rides of ``day`` that still hold a promise."""
        q = select(RideRow).where(RideRow.service_date == day)
        with read_session(self.db) as s:
            rides = [ride_of(r) for r in s.scalars(q)]
        return [
            r
            for r in rides
            if r.status
            in (RideStatus.BOOKED, RideStatus.ASSIGNED, RideStatus.EN_ROUTE, RideStatus.ARRIVED,
                RideStatus.ON_BOARD)
        ]

    def _reassign(self, s: Session, day: date, vehicle_id: str) -> None:
        """Move the not-yet-boarded rides of a broken vehicle to others, keeping promises."""
        s.flush()
        waiting = s.scalars(
            select(RideRow).where(
                RideRow.vehicle_id == vehicle_id,
                RideRow.service_date == day,
                RideRow.status.in_(["assigned", "en_route", "arrived"]),
            )
        ).all()
        for ride in waiting:
            if ride.status != RideStatus.ASSIGNED.value:
                self.set_ride_status(s, ride, RideStatus.ASSIGNED)
            self.set_ride_status(s, ride, RideStatus.BOOKED)
            ride.vehicle_id = None
        s.flush()
        for ride in waiting:
            b = self.builder()
            problem, plan = b.build(self.load_day(s, day), live=self.is_live(day))
            res = quote(problem, plan, problem.request(ride.id))
            if not isinstance(res, Quote):
                self.pending.append(self.alert("unassigned", vehicle_id, ride.id))
                continue
            ride.vehicle_id = res.vehicle_id
            self.set_ride_status(s, ride, RideStatus.ASSIGNED)
            self.save_route(s, day, res.vehicle_id, b, res.plan.route_of(res.vehicle_id))
            s.flush()
        self.save_route(s, day, vehicle_id, self.builder(), None)

    def alert(
        self, kind: str, vehicle_id: str | None, ride_id: str | None, new_pickup: int | None = None
    ) -> tuple[str, dict[str, object]]:
        texts = {
            "late": ("Vehicle {v} is late for ride {r}", "{v}は予約{r}に遅れています"),
            "unassigned": ("Ride {r} lost its vehicle {v}", "予約{r}の車両{v}が運休しました"),
            "breakdown": ("Vehicle {v} is out of service", "{v}は運休中です"),
        }
        en, ja = texts[kind]
        data: dict[str, object] = {
            "kind": kind,
            "vehicle_id": vehicle_id,
            "ride_id": ride_id,
            "message_en": en.format(v=vehicle_id, r=ride_id),
            "message_ja": ja.format(v=vehicle_id, r=ride_id),
        }
        if new_pickup is not None:
            data["new_pickup"] = datetime.fromtimestamp(new_pickup, tz=UTC).isoformat()
        return ("alert", data)

    # -- live events -----------------------------------------------------------
    def report_position(self, vehicle_id: str, lat: float, lon: float) -> None:
        """Record a vehicle's GPS position, show it on the board, and mark its next
        pickup en route when the vehicle must have set off for it.

        Raises ``InvalidPosition`` (nothing stored or published) for a point that is
        not finite or far outside the city (``dispatch.gps``)."""
        lat, lon = check_position(lat, lon, city_bbox(self.travel))
        with change_session(self.db) as s:
            v = s.get(VehicleRow, vehicle_id)
            if v is None:
                raise unknown_vehicle(vehicle_id)
            v.lat, v.lon, v.position_at = lat, lon, self.now()
            v.gps_lat, v.gps_lon, v.gps_at = lat, lon, self.now()  # for the 到着 geofence
            status, delay = v.status, v.delay_s
        self.bus.publish(
            "board",
            {
                "type": "position",
                "vehicle_id": vehicle_id,
                "lat": lat,
                "lon": lon,
                "status": status,
                "delay_s": delay,
                "at": self.now().isoformat(),
            },
        )
        set_off(self, self.local_date(self.now()), [vehicle_id])

    def report_delay(self, vehicle_id: str, delay_s: int) -> None:
        """Record that a vehicle runs ``delay_s`` behind (0 clears it); re-time its route."""
        day = self.local_date(self.now())
        with self.publishing(), write_session(self.db, day) as s:
            v = s.get(VehicleRow, vehicle_id)
            if v is None:
                raise unknown_vehicle(vehicle_id)
            v.delay_s = max(0, int(delay_s))
            append_event(s, "vehicle.delay", self.now(), vehicle_id=vehicle_id,
                         payload={"delay_s": v.delay_s})
            self.reschedule(s, day, [vehicle_id])
        self.check_promises(day)

    # -- background ------------------------------------------------------------
    def check_promises(self, day: date | None = None) -> list[str]:
        """Alert on rides whose promise reality broke and give riders a new time (once each)."""
        from dispatch.promises import check_promises

        return check_promises(self, day or self.local_date(self.now()))

    def tick(self) -> list[str]:
        """One round of the background loop (leader only).

        First give stranded rides (booked, no vehicle) a vehicle where their
        promise fits, then mark en route the rides whose vehicle must set off
        now, re-plan today, and check promises. Returns the ids of rides found
        late in this round. Once a day it first generates the shifts of the
        booking horizon from the vehicles' templates (``dispatch.rota``).
        """
        from dispatch.replan import replan
        from dispatch.rota import roll_forward
        from dispatch.stranded import place_stranded

        today = self.local_date(self.now())
        try:  # once a day: shifts from the templates for the booking horizon
            roll_forward(self, today)
        except Exception:  # shifts can wait a day; the rides cannot
            log.exception("shift generation failed")
        place_stranded(self, today)
        set_off(self, today)  # before re-planning, so a car that set off keeps its pickup
        replan(self, today)
        return self.check_promises()
