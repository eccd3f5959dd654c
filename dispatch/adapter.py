"""The only translator between the persisted dispatch state and ``optimizer`` data.

``ProblemBuilder`` turns one service day (vehicles, shifts, active rides, plans,
live positions) into an ``optimizer.Problem`` and ``Plan``: datetimes become
epoch seconds, road nodes become indices of a location list that grows as
places are added (each road node once), a "depart at T" request gets the
pickup window ``[T, T+flex]`` and an "arrive by T" one the drop-off window
``[T-flex, T]``; every booked ride carries its ``Promise``.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

import numpy as np

from dispatch.config import EngineConfig
from dispatch.domain import RideStatus, TripRequest
from dispatch.ports import TravelTimes
from dispatch.store.tables import PlanRow, RideRow, ShiftRow, VehicleRow
from dispatch.whereabouts import Whereabouts, on_its_way, planning_start, set_off_s, waiting
from optimizer.model import (
    Break,
    OnBoard,
    Plan,
    Problem,
    Promise,
    Request,
    RideTimeRule,
    Route,
    ScheduledStop,
    StopKind,
    StopRef,
    TimeWindow,
    Vehicle,
    VehicleState,
)

if TYPE_CHECKING:
    from dispatch.daycache import Locations


_MEMO = "_noriai_built"  # attribute of a kept day's record: (locations, what it became)


def epoch(t: datetime) -> int:
    """Return a UTC-aware datetime as integer epoch seconds."""
    return int(t.timestamp())


def node_key(node: Any) -> str:
    """Return a road node as the string stored in the database."""
    return str(node)


def parse_node(text: str) -> Any:
    """Return a stored node string as the node (integers for OSM and grid nodes)."""
    s = text.strip()
    return int(s) if s.lstrip("-").isdigit() else s


def _pending(stop: dict[str, Any], rides: dict[str, RideRow]) -> bool:
    """Whether a persisted stop still has to be served (its ride active, not yet done)."""
    ride = rides.get(stop.get("ride_id") or "")
    if ride is None:
        return False
    return not (stop["kind"] == StopKind.PICKUP.value and ride.status == RideStatus.ON_BOARD.value)


@dataclass
class DayData:
    """Everything persisted about one service day that the optimizer needs."""

    vehicles: list[VehicleRow]
    shifts: dict[str, ShiftRow]
    rides: list[RideRow]
    plans: dict[str, PlanRow]
    depot_nodes: dict[str, Any] = field(default_factory=dict)
    position_nodes: dict[str, Any] = field(default_factory=dict)
    breaks_taken: dict[str, int] = field(default_factory=dict)
    busy_until_s: dict[str, int] = field(default_factory=dict)


class ProblemBuilder:
    """Build an ``optimizer.Problem`` for one day; remembers which index is which node."""

    def __init__(
        self,
        travel: TravelTimes,
        config: EngineConfig,
        now: datetime,
        locations: Locations | None = None,
    ) -> None:
        self.travel = travel
        self.config = config
        self.now_s = epoch(now)
        # the day's shared, incrementally grown locations (dispatch.daycache), or our own
        self.locations = locations
        self.nodes: list[Any] = locations.nodes if locations is not None else []
        self._index: dict[str, int] = {}
        # vehicles planned from the stop they are driving to: (that stop, when they left)
        self.set_off: dict[str, tuple[int, int]] = {}

    def index(self, node: Any) -> int:
        """Return the location index of ``node``, adding it the first time."""
        if self.locations is not None:
            return self.locations.index(node)
        key = node_key(node)
        i = self._index.get(key)
        if i is None:
            i = self._index[key] = len(self.nodes)
            self.nodes.append(node)
        return i

    def service_s(self, needs_extra_time: bool) -> int:
        """Return the boarding/alighting time of a party."""
        return self.config.extra_service_s if needs_extra_time else self.config.service_s

    def ride_request(self, row: RideRow) -> tuple[Request, Promise]:
        """Return a booked ride as a request with its promise (a hard constraint)."""
        if self.locations is None:
            return self._ride_request(row)
        # a kept day's record never changes (a change is a new record) and its location
        # indices are the day's: what it becomes is kept with it (dispatch.daycache)
        memo = getattr(row, _MEMO, None)
        if memo is None or memo[0] is not self.locations:
            memo = (self.locations, *self._ride_request(row))
            setattr(row, _MEMO, memo)
        return memo[1], memo[2]

    def _ride_request(self, row: RideRow) -> tuple[Request, Promise]:
        pw = TimeWindow(epoch(row.pickup_window_start), epoch(row.pickup_window_end))
        latest = epoch(row.latest_dropoff)
        svc = self.service_s(row.needs_extra_time)
        # the drop-off cannot come before the pickup window opens, while the rider is
        # still to be fetched; a rider who boarded early (乗車 before the car reached
        # the stop, or before the window) is taken straight on: a drop-off bound at the
        # window's start would hold them on board past their ride time (and made the
        # routing model unsolvable, issue 10)
        earliest = pw.earliest_s
        if row.status == RideStatus.ON_BOARD.value and row.picked_up_at is not None:
            earliest = min(earliest, epoch(row.picked_up_at))
        req = Request(
            id=row.id,
            pickup=self.index(parse_node(row.pickup_node)),
            dropoff=self.index(parse_node(row.dropoff_node)),
            pickup_window=pw,
            dropoff_window=TimeWindow(earliest, max(latest, earliest)),
            seats=row.party_size,
            wheelchairs=row.wheelchairs,
            pickup_service_s=svc,
            dropoff_service_s=svc,
            areas=frozenset(row.areas or ()),
        )
        return req, Promise(row.id, pw, latest)

    def new_request(
        self, rid: str, trip: TripRequest, pickup: Any, dropoff: Any, areas: Iterable[str]
    ) -> Request:
        """Return a not-yet-promised request with its window from depart-at / arrive-by."""
        flex = self.config.flex_s
        pw = dw = None
        if trip.depart_at is not None:
            t = epoch(trip.depart_at)
            pw = TimeWindow(t, t + flex)
        if trip.arrive_by is not None:
            t = epoch(trip.arrive_by)
            dw = TimeWindow(t - flex, t)
        svc = self.service_s(trip.needs_extra_time)
        return Request(
            id=rid,
            pickup=self.index(pickup),
            dropoff=self.index(dropoff),
            pickup_window=pw,
            dropoff_window=dw,
            seats=trip.party_size,
            wheelchairs=trip.wheelchairs,
            pickup_service_s=svc,
            dropoff_service_s=svc,
            areas=frozenset(areas),
        )

    def vehicle(self, row: VehicleRow, shift: ShiftRow, depot: Any) -> Vehicle:
        """Return a vehicle on its shift (with its break, if any)."""
        d = self.index(depot)
        breaks: tuple[Break, ...] = ()
        if shift.break_earliest and shift.break_latest and shift.break_duration_s > 0:
            bw = TimeWindow(epoch(shift.break_earliest), epoch(shift.break_latest))
            breaks = (Break(bw, shift.break_duration_s),)
        return Vehicle(
            id=row.id,
            start=d,
            end=d,
            shift=TimeWindow(epoch(shift.start_at), epoch(shift.end_at)),
            seats=row.seats,
            wheelchairs=row.wheelchairs,
            breaks=breaks,
            areas=frozenset(row.areas) if row.areas is not None else None,
            wheelchair_place_cost_s=self.config.wheelchair_place_cost_s,
        )

    def build(
        self,
        day: DayData,
        extra: Sequence[Request] = (),
        *,
        live: bool = True,
        extra_promises: Sequence[Promise] = (),
    ) -> tuple[Problem, Plan]:
        """Return the problem and the current plan of ``day`` plus ``extra`` requests.

        With ``live`` (the day is today), every vehicle gets a state at its
        position (or depot) no earlier than now, its riders on board and its
        committed next stop locked.
        """
        requests: list[Request] = []
        promises: list[Promise] = []
        by_id = {r.id: r for r in day.rides}
        for row in day.rides:
            req, prom = self.ride_request(row)
            requests.append(req)
            promises.append(prom)
        requests.extend(extra)
        promises.extend(extra_promises)
        vehicles: list[Vehicle] = []
        routes: list[Route] = []
        pending_states: list[tuple[VehicleRow, list[dict[str, Any]], Whereabouts]] = []
        for vrow in day.vehicles:
            shift = day.shifts.get(vrow.id)
            if shift is None:
                continue
            v = self.vehicle(vrow, shift, day.depot_nodes[vrow.id])
            vehicles.append(v)
            plan_stops = day.plans[vrow.id].stops if vrow.id in day.plans else []
            stops = [s for s in plan_stops if _pending(s, by_id)]
            if live:
                where = self._whereabouts(vrow, v, day, plan_stops)
                pending_states.append((vrow, stops, where))
            if stops:
                made = self._stops_of(day.plans[vrow.id])
                routes.append(Route(vrow.id, tuple(made(s) for s in stops)))
        if self.locations is not None:
            dur, dist = self.locations.matrices()
            n = dur.shape[0]
        else:
            n = len(self.nodes)
            dur, dist = self.travel.matrix(self.nodes, self.nodes) if n else (np.zeros((0, 0)),) * 2
            dur = np.asarray(dur, dtype=np.int64).reshape(n, n)
        aboard: dict[str, list[OnBoard]] = {}
        for r in day.rides:  # once for the day: per vehicle it was O(vehicles x rides)
            if r.vehicle_id is not None and r.status == RideStatus.ON_BOARD.value:
                picked = epoch(r.picked_up_at or r.pickup_window_start)
                aboard.setdefault(r.vehicle_id, []).append(OnBoard(r.id, picked))
        states = [
            self._state(vrow, day, stops, by_id, where, dur, tuple(aboard.get(vrow.id, ())))
            for vrow, stops, where in pending_states
        ]
        c = self.config
        rule = RideTimeRule(c.ride_factor, c.ride_offset_s, c.ride_cap_s)
        problem = Problem(
            durations_s=dur,
            distances_m=np.asarray(dist, dtype=np.int64).reshape(n, n),
            requests=tuple(requests),
            vehicles=tuple(vehicles),
            states=tuple(states),
            promises=tuple(promises),
            ride_rule=rule,
        )
        return problem, Plan(tuple(routes))

    def _whereabouts(
        self, vrow: VehicleRow, v: Vehicle, day: DayData, plan_stops: list[dict[str, Any]]
    ) -> Whereabouts:
        """Return what is known of a live vehicle's position (indexing the nodes it needs)."""
        pos = day.position_nodes.get(vrow.id)
        loc = self.index(pos) if pos is not None else v.start
        ready = max(self.now_s + max(vrow.delay_s, 0), v.shift.earliest_s)
        if vrow.status == "on_break":
            ready = max(ready, day.busy_until_s.get(vrow.id, 0))  # on a break until then
        # only a vehicle driving its plan moves between reports; a reported delay holds
        # it where it was seen until now + delay (the driver's word beats the estimate)
        moving = vrow.status == "serving" and vrow.delay_s <= 0 and bool(plan_stops)
        if not moving or pos is None or vrow.position_at is None:
            return Whereabouts(loc, ready)
        first = plan_stops[0]  # as persisted: a ride cancelled a moment ago still counts
        target = self.index(parse_node(first["node"]))
        leave = first.get("leave_s")
        return Whereabouts(loc, ready, epoch(vrow.position_at), target, int(first["start_s"]),
                           None if leave is None else int(leave))

    def _state(
        self,
        vrow: VehicleRow,
        day: DayData,
        stops: list[dict[str, Any]],
        by_id: dict[str, RideRow],
        where: Whereabouts,
        dur: np.ndarray,
        onboard: tuple[OnBoard, ...],
    ) -> VehicleState:
        drive = int(dur[where.location, where.target]) if where.target is not None else 0
        loc, at = planning_start(where, drive, noise_s=self.config.position_noise_s)
        free = waiting(where, drive)  # on its way or at the door: its next pickup is locked
        # seen driving to its next pickup before anything marked the ride en route
        driving = on_its_way(where, drive)
        left = set_off_s(where, drive)
        if left is not None and where.target is not None:
            self.set_off[vrow.id] = (where.target, left)
        locked: list[StopRef] = []
        for i, s in enumerate(stops):
            ride = by_id[s["ride_id"]]
            committed = (
                ride.status == RideStatus.ARRIVED.value
                or (ride.status == RideStatus.EN_ROUTE.value and not free)
                or (
                    i == 0
                    and driving
                    and ride.status == RideStatus.ASSIGNED.value
                    and self.index(parse_node(s["node"])) == where.target
                )
            )
            if s["kind"] == StopKind.PICKUP.value and committed:
                locked.append(StopRef(ride.id, StopKind.PICKUP))
                continue
            break
        taken = day.breaks_taken.get(vrow.id, 0)
        return VehicleState(vrow.id, loc, at, onboard, tuple(locked), breaks_taken=taken)

    def _stops_of(self, plan: PlanRow) -> Any:
        """Return the function making a plan's stops (kept with a kept day's record)."""
        if self.locations is None:
            return self._stop
        memo = getattr(plan, _MEMO, None)
        if memo is None or memo[0] is not self.locations:
            memo = (self.locations, {})
            setattr(plan, _MEMO, memo)
        made: dict[int, ScheduledStop] = memo[1]

        def stop(s: dict[str, Any]) -> ScheduledStop:
            got = made.get(id(s))
            if got is None:
                got = made[id(s)] = self._stop(s)
            return got

        return stop

    def _stop(self, s: dict[str, Any]) -> ScheduledStop:
        return ScheduledStop(
            StopKind(s["kind"]),
            self.index(parse_node(s["node"])),
            int(s["arrival_s"]),
            int(s["start_s"]),
            int(s["departure_s"]),
            s.get("ride_id"),
            int(s.get("seats_after", 0)),
            int(s.get("wheelchairs_after", 0)),
        )

    def stops_json(self, route: Route | None) -> list[dict[str, Any]]:
        """Return the persisted form of a route (pickup, drop-off and break stops)."""
        if route is None:
            return []
        # leave_s: the latest time to leave the stop before and still start this one
        # on time (the vehicle sets off for its next pickup then; dispatch.departures)
        leave = {
            id(s): s.start_s - (s.arrival_s - prev.departure_s)
            for prev, s in zip(route.stops, route.stops[1:], strict=False)
        }
        gone = self.set_off.get(route.vehicle_id)
        if gone is not None and len(route.stops) > 1 and route.stops[1].location == gone[0]:
            # planned from the stop it drives to: it left for it then, not on arrival
            leave[id(route.stops[1])] = gone[1]
        return [
            {
                "kind": s.kind.value,
                "ride_id": s.request_id,
                "node": node_key(self.nodes[s.location]),
                "arrival_s": s.arrival_s,
                "start_s": s.start_s,
                "departure_s": s.departure_s,
                "leave_s": leave.get(id(s), s.start_s),
                "seats_after": s.seats_after,
                "wheelchairs_after": s.wheelchairs_after,
            }
            for s in route.stops
            if s.kind in (StopKind.PICKUP, StopKind.DROPOFF, StopKind.BREAK)
        ]
