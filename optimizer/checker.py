"""An independent checker: recompute every route of a plan and list every violation.

The checker shares no code with the solver, the scheduler or the insertion
heuristic. It rebuilds each route's schedule from the raw problem data (earliest
service starts, then Cordeau & Laporte's delays that shorten ride times), and
grades the plan against windows, deadlines, ride times, capacity, shifts (and
route durations, from leaving the start to reaching the end depot), breaks,
promises, riders on board and locked stops. It also checks that the times the
plan reports are physically possible and inside the windows.

Conventions a plan must follow: a route may begin with a START stop (at the
vehicle's live position, or its depot) and end with an END stop (at its end
depot); a BREAK stop happens where the vehicle already is; the k-th BREAK stop of
a route is the vehicle's break number ``breaks_taken + k``. Ride time is measured
from the end of the pickup service (``OnBoard.picked_up_s`` plus the pickup
service time for a rider already on board) to the start of the drop-off service.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from optimizer._checker_times import INF, Vertex, eight_step, ride_of
from optimizer.model import (
    OnBoard,
    Plan,
    Problem,
    Request,
    Route,
    ScheduledStop,
    StopKind,
    Vehicle,
)


class ViolationKind(StrEnum):
    """The kinds of violation the checker reports."""

    UNKNOWN = "unknown"
    DUPLICATE = "duplicate"
    MISSING = "missing"
    STRUCTURE = "structure"
    PAIRING = "pairing"
    CANNOT_SERVE = "cannot_serve"
    CAPACITY = "capacity"
    LOAD = "load"
    PICKUP_WINDOW = "pickup_window"
    DROPOFF_WINDOW = "dropoff_window"
    RIDE_TIME = "ride_time"
    SHIFT = "shift"
    BREAK = "break"
    PROMISE = "promise"
    ONBOARD = "onboard"
    LOCKED = "locked"
    TIMES = "times"


@dataclass(frozen=True)
class Violation:
    """One broken rule: its kind, the vehicle and request involved, and a sentence."""

    kind: ViolationKind
    vehicle_id: str | None
    request_id: str | None
    message: str


def check(problem: Problem, plan: Plan) -> list[Violation]:
    """Return every violation of ``plan`` against ``problem`` (an empty list if it is feasible).

    Each route is rescheduled from scratch; the reported times are graded too.
    Requests must each be served at most once or listed as unassigned; promised
    requests and riders on board may not be unassigned.
    """
    out: list[Violation] = []
    reqs = {r.id: r for r in problem.requests}
    vehicles = {v.id: v for v in problem.vehicles}
    onboard_vehicle = {ob.request_id: s.vehicle_id for s in problem.states for ob in s.onboard}
    promised = {p.request_id for p in problem.promises}
    served: dict[str, str] = {}
    seen_vehicles: set[str] = set()
    for route in plan.routes:
        vid = route.vehicle_id
        if vid not in vehicles:
            out.append(Violation(ViolationKind.UNKNOWN, vid, None, f"unknown vehicle {vid}"))
            continue
        if vid in seen_vehicles:
            msg = f"vehicle {vid} has more than one route"
            out.append(Violation(ViolationKind.DUPLICATE, vid, None, msg))
            continue
        seen_vehicles.add(vid)
        _RouteCheck(problem, vehicles[vid], route, reqs, onboard_vehicle, served, out).run()
    listed: set[str] = set()
    for u in plan.unassigned:
        rid = u.request_id
        if rid not in reqs:
            out.append(Violation(ViolationKind.UNKNOWN, None, rid, f"unknown request {rid}"))
            continue
        if rid in served or rid in listed:
            msg = f"request {rid} is unassigned and also served or listed twice"
            out.append(Violation(ViolationKind.DUPLICATE, served.get(rid), rid, msg))
        listed.add(rid)
        if rid in promised:
            msg = f"request {rid} was promised a ride but is left unassigned"
            out.append(Violation(ViolationKind.PROMISE, None, rid, msg))
        if rid in onboard_vehicle:
            msg = f"rider {rid} is on board vehicle {onboard_vehicle[rid]} but left unassigned"
            out.append(Violation(ViolationKind.ONBOARD, onboard_vehicle[rid], rid, msg))
    for r in problem.requests:
        if r.id not in served and r.id not in listed:
            msg = f"request {r.id} is neither served nor listed as unassigned"
            out.append(Violation(ViolationKind.MISSING, None, r.id, msg))
    for s in problem.states:
        if s.vehicle_id in seen_vehicles:
            continue
        for ob in s.onboard:
            msg = f"rider {ob.request_id} on board {s.vehicle_id} is never dropped off"
            out.append(Violation(ViolationKind.ONBOARD, s.vehicle_id, ob.request_id, msg))
        if s.locked:
            msg = f"vehicle {s.vehicle_id} has locked stops but no route"
            out.append(Violation(ViolationKind.LOCKED, s.vehicle_id, None, msg))
    return out


class _RouteCheck:
    """Checks one route; appends its violations to ``out``."""

    def __init__(
        self,
        problem: Problem,
        vehicle: Vehicle,
        route: Route,
        reqs: dict[str, Request],
        onboard_vehicle: dict[str, str],
        served: dict[str, str],
        out: list[Violation],
    ) -> None:
        self.p = problem
        self.v = vehicle
        self.route = route
        self.reqs = reqs
        self.onboard_vehicle = onboard_vehicle
        self.served = served
        self.out = out
        self.state = next((s for s in problem.states if s.vehicle_id == vehicle.id), None)
        self.promises = {p.request_id: p for p in problem.promises}

    def add(self, kind: ViolationKind, rid: str | None, message: str) -> None:
        self.out.append(Violation(kind, self.v.id, rid, message))

    def run(self) -> None:
        v, st = self.v, self.state
        start_loc = st.location if st else v.start
        start_t = st.available_at_s if st else v.shift.earliest_s
        stops = list(self.route.stops)
        if stops and stops[0].kind is StopKind.START:
            first = stops.pop(0)
            if first.location != start_loc:
                self.add(ViolationKind.STRUCTURE, None, f"route starts at {first.location}, "
                         f"not at the vehicle's position {start_loc}")
        else:
            first = ScheduledStop(StopKind.START, start_loc, start_t, start_t, start_t)
        if stops and stops[-1].kind is StopKind.END:
            last = stops.pop()
            if last.location != v.end:
                self.add(ViolationKind.STRUCTURE, None,
                         f"route ends at {last.location}, not at the end depot {v.end}")
        else:
            last = None
        verts = self._vertices(first, stops, start_loc, start_t)
        end = Vertex(last or ScheduledStop(StopKind.END, v.end, 0, 0, 0), v.end,
                      0, v.shift.latest_s, 0)
        verts.append(end)
        eight_step(self.p, verts)
        self._grade(verts)
        self._reported(verts, last is not None)

    def _vertices(
        self, first: ScheduledStop, stops: list[ScheduledStop], start_loc: int, start_t: int
    ) -> list[Vertex]:
        st, v = self.state, self.v
        onboard = {ob.request_id: ob for ob in st.onboard} if st else {}
        verts = [Vertex(first, start_loc, start_t, INF, 0)]
        pick_index: dict[str, int] = {}
        dropped: set[str] = set()
        seats = sum(self.reqs[r].seats for r in onboard if r in self.reqs)
        wcs = sum(self.reqs[r].wheelchairs for r in onboard if r in self.reqs)
        locked = list(st.locked) if st else []
        breaks = v.breaks[st.breaks_taken if st else 0 :]
        n_breaks = 0
        loc = start_loc
        for k, s in enumerate(stops):
            if k < len(locked) and (locked[k].kind is not s.kind or (
                    s.kind is not StopKind.BREAK and locked[k].request_id != s.request_id)):
                self.add(ViolationKind.LOCKED, s.request_id,
                         f"stop {k + 1} is {s.kind.value} {s.request_id}, but the locked stop "
                         f"is {locked[k].kind.value} {locked[k].request_id}")
            if s.kind is StopKind.BREAK:
                if s.location != loc:
                    self.add(ViolationKind.STRUCTURE, None,
                             f"break at {s.location} but the vehicle is at {loc}")
                if n_breaks >= len(breaks):
                    self.add(ViolationKind.BREAK, None, "more break stops than breaks to take")
                    verts.append(Vertex(s, loc, 0, INF, 0))
                else:
                    br = breaks[n_breaks]
                    verts.append(Vertex(s, loc, br.window.earliest_s, br.window.latest_s,
                                         br.duration_s))
                n_breaks += 1
            elif s.kind in (StopKind.PICKUP, StopKind.DROPOFF):
                vert = self._request_stop(s, len(verts), onboard, pick_index, dropped)
                if vert is None:
                    continue
                r = self.reqs[s.request_id or ""]
                sign = 1 if s.kind is StopKind.PICKUP else -1
                seats += sign * r.seats
                wcs += sign * r.wheelchairs
                if seats > v.seats or wcs > v.wheelchairs:
                    self.add(ViolationKind.CAPACITY, r.id,
                             f"load {seats} seats/{wcs} wheelchairs exceeds "
                             f"{v.seats}/{v.wheelchairs}")
                if (s.seats_after, s.wheelchairs_after) != (seats, wcs):
                    self.add(ViolationKind.LOAD, r.id,
                             f"reported load {s.seats_after}/{s.wheelchairs_after} "
                             f"but recomputed {seats}/{wcs}")
                verts.append(vert)
                loc = s.location
            else:
                self.add(ViolationKind.STRUCTURE, s.request_id,
                         f"{s.kind.value} stop in the middle of the route")
        if len(locked) > len(stops):
            self.add(ViolationKind.LOCKED, None, "the route is shorter than its locked stops")
        for rid in pick_index:
            if rid not in dropped:
                self.add(ViolationKind.PAIRING, rid, f"request {rid} picked up, never dropped off")
        for rid in onboard:
            if rid not in dropped:
                self.add(ViolationKind.ONBOARD, rid, f"rider {rid} on board is never dropped off")
        if n_breaks < len(breaks):
            self.add(ViolationKind.BREAK, None,
                     f"{len(breaks) - n_breaks} break(s) of the shift not taken")
        return verts

    def _request_stop(
        self,
        s: ScheduledStop,
        index: int,
        onboard: dict[str, OnBoard],
        pick_index: dict[str, int],
        dropped: set[str],
    ) -> Vertex | None:
        rid = s.request_id
        r = self.reqs.get(rid or "")
        if r is None:
            self.add(ViolationKind.UNKNOWN, rid, f"unknown request {rid}")
            return None
        promise = self.promises.get(r.id)
        if s.kind is StopKind.PICKUP:
            elsewhere = self.served.get(r.id, self.v.id) != self.v.id
            if r.id in pick_index or r.id in onboard or elsewhere:
                self.add(ViolationKind.DUPLICATE, r.id, f"request {r.id} picked up more than once")
                return None
            if r.id in self.onboard_vehicle:
                self.add(ViolationKind.ONBOARD, r.id,
                         f"rider {r.id} is already on board {self.onboard_vehicle[r.id]}")
            if not self.v.serves(r):
                self.add(ViolationKind.CANNOT_SERVE, r.id,
                         f"vehicle {self.v.id} may not carry request {r.id}")
            self.served[r.id] = self.v.id
            pick_index[r.id] = index
            if s.location != r.pickup:
                self.add(ViolationKind.STRUCTURE, r.id,
                         f"pickup at {s.location}, request says {r.pickup}")
            e = r.pickup_window.earliest_s if r.pickup_window else 0
            lat = r.pickup_window.latest_s if r.pickup_window else INF
            if promise:
                e = max(e, promise.pickup_window.earliest_s)
                lat = min(lat, promise.pickup_window.latest_s)
            return Vertex(s, s.location, e, lat, r.pickup_service_s)
        if r.id in dropped:
            self.add(ViolationKind.DUPLICATE, r.id, f"request {r.id} dropped off more than once")
            return None
        if r.id in onboard:
            origin, base = -2, onboard[r.id].picked_up_s + r.pickup_service_s
            self.served[r.id] = self.v.id
        elif r.id in pick_index:
            origin, base = pick_index[r.id], 0
        else:
            where = self.onboard_vehicle.get(r.id)
            why = f"is on board {where}" if where else "was not picked up before"
            kind = ViolationKind.ONBOARD if where else ViolationKind.PAIRING
            self.add(kind, r.id, f"drop-off of {r.id} on {self.v.id}, but the rider {why}")
            return None
        dropped.add(r.id)
        if s.location != r.dropoff:
            self.add(ViolationKind.STRUCTURE, r.id,
                     f"drop-off at {s.location}, request says {r.dropoff}")
        e = r.dropoff_window.earliest_s if r.dropoff_window else 0
        lat = r.dropoff_window.latest_s if r.dropoff_window else INF
        if promise:
            lat = min(lat, promise.latest_dropoff_s)
        return Vertex(s, s.location, e, lat, r.dropoff_service_s, self.p.max_ride_s(r),
                       origin, base)

    def _grade(self, verts: list[Vertex]) -> None:
        for x in verts[1:]:
            s = x.stop
            rid = s.request_id
            if s.kind is StopKind.BREAK:
                if x.b > x.latest:
                    self.add(ViolationKind.BREAK, None, f"break starts at {x.b}, after its "
                             f"window closes at {x.latest}")
            elif s.kind is StopKind.END:
                if x.b > self.v.shift.latest_s:
                    self.add(ViolationKind.SHIFT, None, f"back at the depot at {x.b}, after "
                             f"the shift ends at {self.v.shift.latest_s}")
                limit = self.v.max_duration_s
                if limit is not None and x.b - verts[0].d > limit:
                    self.add(ViolationKind.SHIFT, None, f"route lasts {x.b - verts[0].d} s, "
                             f"more than {limit} s")
            elif s.kind is StopKind.PICKUP:
                self._grade_pickup(x, rid or "")
            else:
                self._grade_dropoff(x, verts, rid or "")

    def _grade_pickup(self, x: Vertex, rid: str) -> None:
        r = self.reqs[rid]
        if r.pickup_window and x.b > r.pickup_window.latest_s:
            self.add(ViolationKind.PICKUP_WINDOW, rid, f"pickup of {rid} at {x.b}, window "
                     f"[{r.pickup_window.earliest_s}, {r.pickup_window.latest_s}]")
        pr = self.promises.get(rid)
        if pr and not pr.pickup_window.contains(x.b):
            self.add(ViolationKind.PROMISE, rid, f"pickup of {rid} at {x.b} breaks the promised "
                     f"window [{pr.pickup_window.earliest_s}, {pr.pickup_window.latest_s}]")

    def _grade_dropoff(self, x: Vertex, verts: list[Vertex], rid: str) -> None:
        r = self.reqs[rid]
        if r.dropoff_window and x.b > r.dropoff_window.latest_s:
            self.add(ViolationKind.DROPOFF_WINDOW, rid, f"drop-off of {rid} at {x.b}, after "
                     f"the deadline {r.dropoff_window.latest_s}")
        pr = self.promises.get(rid)
        if pr and x.b > pr.latest_dropoff_s:
            self.add(ViolationKind.PROMISE, rid, f"drop-off of {rid} at {x.b}, after the "
                     f"promised latest drop-off {pr.latest_dropoff_s}")
        ride = ride_of(verts, x)
        if ride > x.ride_limit:
            self.add(ViolationKind.RIDE_TIME, rid,
                     f"ride time of {rid} is {ride} s, more than {x.ride_limit} s")

    def _reported(self, verts: list[Vertex], has_end: bool) -> None:
        """Grade the times the plan reports: possible, and inside every window."""
        first = verts[0].stop
        if first.start_s < verts[0].earliest or first.departure_s < first.start_s:
            self.add(ViolationKind.TIMES, None, f"reported start {first.start_s}/"
                     f"{first.departure_s} before the vehicle is free at {verts[0].earliest}")
        prev_dep, prev_loc = first.departure_s, verts[0].location
        n = len(verts) if has_end else len(verts) - 1
        for x in verts[1:n]:
            s = x.stop
            travel = int(self.p.durations_s[prev_loc, x.location])
            problem = None
            if s.arrival_s < prev_dep + travel:
                problem = f"arrives at {s.arrival_s}, earliest possible {prev_dep + travel}"
            elif s.start_s < s.arrival_s or s.departure_s < s.start_s + x.service:
                problem = f"times {s.arrival_s}/{s.start_s}/{s.departure_s} out of order"
            elif not x.earliest <= s.start_s <= x.latest:
                problem = f"starts at {s.start_s}, outside [{x.earliest}, {x.latest}]"
            elif x.origin != -1:
                begin = (x.ride_base if x.origin == -2
                         else verts[x.origin].stop.start_s + verts[x.origin].service)
                if s.start_s - begin > x.ride_limit:
                    problem = f"reported ride time {s.start_s - begin} s over {x.ride_limit} s"
            if problem:
                self.add(ViolationKind.TIMES, s.request_id, f"{s.kind.value} {problem}")
            prev_dep, prev_loc = s.departure_s, x.location
