"""Operators' manual override: move a booked ride to another vehicle, checked by the optimizer.

The ride leaves its current route (re-timed without it) and is inserted into
the target vehicle's route at the cheapest position that keeps its own promise
and every other one: ``optimizer.quote`` on the day's problem restricted to the
target vehicle. The new plan is graded by ``optimizer.check`` (it may add no
violation) and both routes are saved inside the day's writer lock, like a
confirmation, so a concurrent booking cannot slip into the same gap.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy.orm import Session

from dispatch.domain import (
    IllegalTransition,
    NoCapacity,
    Ride,
    RideStatus,
    UnknownRide,
    VehicleUnavailable,
)
from dispatch.fleet import FleetOps
from dispatch.retime import schedule, stops_of
from dispatch.store.repo import append_event, read_session, ride_of, write_session
from dispatch.store.tables import RideRow, VehicleRow
from optimizer import Quote, QuoteParams, check, quote, schedule_route
from optimizer.model import Plan, Problem, Route, StopRef

_MOVABLE = {RideStatus.BOOKED.value, RideStatus.ASSIGNED.value, RideStatus.EN_ROUTE.value}


def _unknown_ride(ride_id: str) -> UnknownRide:
    return UnknownRide(f"No ride {ride_id}.", f"予約 {ride_id} は見つかりません。")


def _new_violations(problem: Problem, before: Plan, after: Plan) -> list[str]:
    """Return the checker's complaints about ``after`` that ``before`` did not already have."""
    old = {(v.kind, v.vehicle_id, v.request_id) for v in check(problem, before)}
    new = check(problem, after)
    return [v.message for v in new if (v.kind, v.vehicle_id, v.request_id) not in old]


class MoveOps(FleetOps):
    """The manual "move this ride to that vehicle" operation of ``DispatchEngine``."""

    def move_ride(self, ride_id: str, vehicle_id: str, *, by: str) -> Ride:
        """Move a not-yet-boarded ride to ``vehicle_id`` if every promise still holds, or raise.

        Raises ``UnknownRide`` (no such ride or vehicle), ``IllegalTransition``
        (the rider is already at the door, on board or done, or the ride is
        already on that vehicle), ``VehicleUnavailable`` (the vehicle has no
        shift that day or is out of service) and ``NoCapacity`` (the target
        vehicle cannot keep this ride's promise and all of its own).
        """
        with read_session(self.db) as s:
            row = s.get(RideRow, ride_id)
            if row is None:
                raise _unknown_ride(ride_id)
            day = row.service_date
        with self.publishing(), write_session(self.db, day) as s:
            return self._move(s, day, ride_id, vehicle_id, by)

    def _move(self, s: Session, day: date, ride_id: str, vehicle_id: str, by: str) -> Ride:
        row = s.get(RideRow, ride_id)
        if row is None:
            raise _unknown_ride(ride_id)
        if row.status not in _MOVABLE:
            status = row.status
            raise IllegalTransition(
                f"Ride {ride_id} is {status}: only rides not yet picked up can be moved.",
                f"予約 {ride_id} は「{status}」のため車両を変更できません"
                "（乗車前の予約のみ変更できます）。",
            )
        if row.vehicle_id == vehicle_id:
            raise IllegalTransition(
                f"Ride {ride_id} is already on vehicle {vehicle_id}.",
                f"予約 {ride_id} はすでに車両 {vehicle_id} に割り当てられています。",
            )
        if s.get(VehicleRow, vehicle_id) is None:
            raise UnknownRide(f"No vehicle {vehicle_id}.", f"車両 {vehicle_id} は見つかりません。")
        source = row.vehicle_id
        if row.status == RideStatus.EN_ROUTE.value:
            # the source vehicle is heading there: unlock the stop before it leaves the route
            self.set_ride_status(s, row, RideStatus.ASSIGNED)
            s.flush()
        data = self.load_day(s, day)
        if vehicle_id not in {v.id for v in data.vehicles}:
            raise VehicleUnavailable(
                f"Vehicle {vehicle_id} is not on shift on {day.isoformat()} or is out of service.",
                f"車両 {vehicle_id} は {day.isoformat()} に勤務予定がないか、運休中です。",
            )
        b = self.builder()
        problem, plan = b.build(data, live=self.is_live(day))
        src_route = self._without(problem, plan, source, ride_id) if source else None
        target_only = problem.replace(
            vehicles=tuple(v for v in problem.vehicles if v.id == vehicle_id),
            states=tuple(st for st in problem.states if st.vehicle_id == vehicle_id),
        )
        current = plan.route_of(vehicle_id)
        res = quote(
            target_only, Plan((current,) if current else ()), problem.request(ride_id),
            params=QuoteParams(max_alternatives=0),  # the ride keeps its own promise
        )
        if not isinstance(res, Quote):
            raise NoCapacity(
                f"Vehicle {vehicle_id} cannot take ride {ride_id} without breaking a promise.",
                f"車両 {vehicle_id} では予約 {ride_id} または他の予約の約束時刻を守れません。",
            )
        new_route = res.plan.route_of(vehicle_id)
        changed = {source, vehicle_id}
        routes = [r for r in plan.routes if r.vehicle_id not in changed]
        routes += [r for r in (src_route, new_route) if r is not None]
        broken = _new_violations(problem, plan, Plan(tuple(routes)))
        if broken:
            raise NoCapacity(
                f"Moving ride {ride_id} to {vehicle_id} would break: {broken[0]}",
                f"予約 {ride_id} を車両 {vehicle_id} に移すと約束が守れなくなります。",
            )
        if source:
            self.save_route(s, day, source, b, src_route)
        if row.status == RideStatus.BOOKED.value:
            row.vehicle_id = vehicle_id
            self.set_ride_status(s, row, RideStatus.ASSIGNED)
        self.save_route(s, day, vehicle_id, b, new_route)
        append_event(
            s, "ride.moved", self.now(), ride_id=ride_id, vehicle_id=vehicle_id,
            payload={"from_vehicle_id": source, "to_vehicle_id": vehicle_id, "by": by},
        )
        s.flush()
        self.pending.append(
            ("ride", {"ride_id": ride_id, "status": row.status, "vehicle_id": vehicle_id,
                      "from_vehicle_id": source})
        )
        return ride_of(row)

    def _without(self, problem: Problem, plan: Plan, vehicle_id: str, ride_id: str) -> Route | None:
        """Return ``vehicle_id``'s route re-timed without ``ride_id`` (None when it is empty)."""
        stops = [(k, r) for k, r in stops_of(plan.route_of(vehicle_id)) if r != ride_id]
        if not stops:
            return None
        route = schedule_route(problem, vehicle_id, [StopRef(r, k) for k, r in stops])
        if route is None:  # already running late: keep the order, the lateness is not ours
            v = next(v for v in problem.vehicles if v.id == vehicle_id)
            state = next((st for st in problem.states if st.vehicle_id == vehicle_id), None)
            route = schedule(problem, v, state, stops, strict=False)
        return route
