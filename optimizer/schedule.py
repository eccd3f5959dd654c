"""Turn an ordered list of stops into a timed route, or say it cannot be done.

``schedule_route`` propagates times forward from the vehicle's live state (or
its depot at shift start), waits for windows, and, only when some ride is too
long, delays the start and the pickups as in Cordeau & Laporte's eight-step
scheme. It returns ``None`` when any window, promise, ride time, capacity, shift
end, break window, locked prefix or on-board rule cannot be met. The solver, the
insertion heuristic and the re-optimizer all build their routes through here.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from optimizer.model import (
    Problem,
    ProblemError,
    Promise,
    Request,
    Route,
    ScheduledStop,
    StopKind,
    StopRef,
    Vehicle,
    VehicleState,
)

INF = 1 << 62


@dataclass(frozen=True)
class ReqInfo:
    """A request's effective windows (promise included), service times and load.

    Windows are tightened by what the other end implies: an arrive-by trip gets
    a latest pickup, a depart-at trip a latest drop-off.
    """

    id: str
    pickup: int
    dropoff: int
    e_p: int
    l_p: int
    e_d: int
    l_d: int
    s_p: int
    s_d: int
    max_ride: int
    seats: int
    wheelchairs: int


def request_info(
    problem: Problem, r: Request, promise: Promise | None = None, picked_up_s: int | None = None
) -> ReqInfo:
    """Return the effective windows of ``r`` under ``promise`` and ``problem``'s ride rule.

    ``picked_up_s`` is given for a rider already on board: the pickup happened
    then, whatever its window said, so the drop-off's bounds follow from that
    time and the request's own drop-off window only (a rider who boarded before
    the pickup window is not held on board until the window's time).
    """
    direct = int(problem.durations_s[r.pickup, r.dropoff])
    ride = problem.max_ride_s(r)
    e_p, l_p = (r.pickup_window.earliest_s, r.pickup_window.latest_s) if r.pickup_window else (
        0, INF)
    e_d, l_d = (r.dropoff_window.earliest_s, r.dropoff_window.latest_s) if r.dropoff_window else (
        0, INF)
    pr = promise
    if pr is not None:
        l_d = min(l_d, pr.latest_dropoff_s)
    if picked_up_s is not None:
        l_d = min(l_d, picked_up_s + r.pickup_service_s + ride)
        return ReqInfo(r.id, r.pickup, r.dropoff, picked_up_s, picked_up_s, e_d, l_d,
                       r.pickup_service_s, r.dropoff_service_s, ride, r.seats, r.wheelchairs)
    if pr is not None:
        e_p = max(e_p, pr.pickup_window.earliest_s)
        l_p = min(l_p, pr.pickup_window.latest_s)
    l_p = min(l_p, l_d - r.pickup_service_s - direct)
    e_p = max(e_p, e_d - r.pickup_service_s - ride)
    e_d = max(e_d, e_p + r.pickup_service_s + direct)
    l_d = min(l_d, l_p + r.pickup_service_s + ride)
    return ReqInfo(r.id, r.pickup, r.dropoff, e_p, l_p, e_d, l_d, r.pickup_service_s,
                   r.dropoff_service_s, ride, r.seats, r.wheelchairs)


class Context:
    """Per-problem lookups (vehicles, states, promises, request infos), built once."""

    def __init__(self, problem: Problem, base: Context | None = None) -> None:
        self.problem = problem
        self.vehicles: dict[str, Vehicle] = {v.id: v for v in problem.vehicles}
        self.states: dict[str, VehicleState] = {s.vehicle_id: s for s in problem.states}
        self.promises = {p.request_id: p for p in problem.promises}
        self._info: dict[str, ReqInfo] = {}
        self.picked_up: dict[str, int] = {
            ob.request_id: ob.picked_up_s for st in problem.states for ob in st.onboard
        }
        self.extra: dict[str, Request] = {}
        same = base is not None and base.problem.durations_s is problem.durations_s
        # a booking only adds a request and its promise: what was derived stays true
        if base is not None and same and base.problem.vehicles is problem.vehicles:
            self._info = {
                rid: info for rid, info in base._info.items()
                if base.promises.get(rid) is self.promises.get(rid)
                and base.picked_up.get(rid) == self.picked_up.get(rid)
            }
        self.dur: list[list[int]] = base.dur if base is not None and same else (
            problem.durations_s.tolist())

    def info(self, rid: str) -> ReqInfo:
        """Return the :class:`ReqInfo` of request ``rid`` (KeyError if unknown)."""
        got = self._info.get(rid)
        if got is None:
            r = self.extra.get(rid) or self.problem.request(rid)
            got = self._info[rid] = request_info(
                self.problem, r, self.promises.get(rid), self.picked_up.get(rid)
            )
        return got

    def start(self, vehicle_id: str) -> tuple[int, int]:
        """Return where and when ``vehicle_id`` is next free."""
        st = self.states.get(vehicle_id)
        if st is not None:
            return st.location, st.available_at_s
        v = self.vehicles[vehicle_id]
        return v.start, v.shift.earliest_s


def context(problem: Problem) -> Context:
    """Return the cached :class:`Context` of ``problem``."""
    ctx = problem.__dict__.get("_opt_ctx")
    if ctx is None:
        ctx = Context(problem)
        object.__setattr__(problem, "_opt_ctx", ctx)
    return ctx


def schedule_route(
    problem: Problem, vehicle_id: str, stops: Sequence[StopRef]
) -> Route | None:
    """Return the timed route of ``vehicle_id`` through ``stops``, or ``None`` if infeasible.

    ``stops`` are pickups, drop-offs and breaks (a BREAK ref's request id is
    ignored), without START/END. Missing breaks of the shift are inserted where
    they first fit. Riders on board must be dropped, locked stops must come
    first, and every window, promise, ride time and capacity must hold.
    """
    ctx = context(problem)
    if vehicle_id not in ctx.vehicles:
        msg = f"unknown vehicle {vehicle_id}"
        raise ProblemError(msg)
    known = problem._request_index()
    for ref in stops:
        if ref.kind is not StopKind.BREAK and ref.request_id not in known:
            msg = f"unknown request {ref.request_id} in the stops of {vehicle_id}"
            raise ProblemError(msg)
        if ref.kind in (StopKind.START, StopKind.END):
            msg = "stops are pickups, drop-offs and breaks; START and END are added"
            raise ProblemError(msg)
    return build_route(ctx, vehicle_id, stops)


def build_route(ctx: Context, vehicle_id: str, stops: Sequence[StopRef]) -> Route | None:
    """:func:`schedule_route` on a prepared context (and its extra requests)."""
    v = ctx.vehicles[vehicle_id]
    st = ctx.states.get(vehicle_id)
    todo = v.breaks[st.breaks_taken if st else 0 :]
    have = sum(1 for s in stops if s.kind is StopKind.BREAK)
    if have > len(todo):
        return None
    if have == len(todo):
        return _build(ctx, v, st, stops)
    refs = list(stops)
    locked = len(st.locked) if st else 0
    last_break = max((i for i, s in enumerate(refs) if s.kind is StopKind.BREAK), default=-1)
    for pos in range(max(locked, last_break + 1), len(refs) + 1):
        trial = [*refs[:pos], StopRef("", StopKind.BREAK), *refs[pos:]]
        route = build_route(ctx, vehicle_id, trial)
        if route is not None:
            return route
    return None


def _build(
    ctx: Context, v: Vehicle, st: VehicleState | None, refs: Sequence[StopRef]
) -> Route | None:
    dur = ctx.dur
    loc, t0 = ctx.start(v.id)
    if st is not None:
        if tuple(refs[: len(st.locked)]) != st.locked and not _locked_ok(st, refs):
            return None
        onboard = {ob.request_id: ob.picked_up_s for ob in st.onboard}
        breaks = v.breaks[st.breaks_taken :]
    else:
        onboard = {}
        breaks = v.breaks
    seats = wcs = 0
    for rid in onboard:
        info = ctx.info(rid)
        seats += info.seats
        wcs += info.wheelchairs
    n = len(refs)
    locs = [loc] * (n + 2)
    early = [t0] + [0] * (n + 1)
    late = [INF] * (n + 2)
    svc = [0] * (n + 2)
    origin = [-1] * (n + 2)  # pickup index of a drop-off; -2 on board
    limit = [INF] * (n + 2)
    base = [0] * (n + 2)
    loads: list[tuple[int, int]] = [(seats, wcs)]
    picked: dict[str, int] = {}
    nb = 0
    for k, ref in enumerate(refs, start=1):
        if ref.kind is StopKind.BREAK:
            br = breaks[nb]
            nb += 1
            locs[k] = locs[k - 1]
            early[k], late[k], svc[k] = br.window.earliest_s, br.window.latest_s, br.duration_s
        else:
            info = ctx.info(ref.request_id)
            if ref.kind is StopKind.PICKUP:
                if ref.request_id in picked or ref.request_id in onboard:
                    return None
                picked[ref.request_id] = k
                locs[k], early[k], late[k], svc[k] = info.pickup, info.e_p, info.l_p, info.s_p
                seats += info.seats
                wcs += info.wheelchairs
                if seats > v.seats or wcs > v.wheelchairs:
                    return None
            elif ref.kind is StopKind.DROPOFF:
                o = picked.pop(ref.request_id, None)
                if o is None:
                    if ref.request_id not in onboard:
                        return None
                    base[k] = onboard.pop(ref.request_id) + info.s_p
                    o = -2
                origin[k], limit[k] = o, info.max_ride
                locs[k], early[k], late[k], svc[k] = info.dropoff, info.e_d, info.l_d, info.s_d
                seats -= info.seats
                wcs -= info.wheelchairs
            else:
                return None
        loads.append((seats, wcs))
    if picked or onboard:
        return None
    locs[n + 1] = v.end
    late[n + 1] = v.shift.latest_s
    a = [t0] * (n + 2)
    b = [t0] * (n + 2)
    d = [t0] * (n + 2)
    for k in range(1, n + 2):
        a[k] = d[k - 1] + dur[locs[k - 1]][locs[k]]
        b[k] = a[k] if a[k] > early[k] else early[k]
        if b[k] > late[k]:
            return None
        d[k] = b[k] + svc[k]
    max_dur = v.max_duration_s if v.max_duration_s is not None else INF
    if not _rides_ok(b, d, origin, limit, base) or b[n + 1] - d[0] > max_dur:
        _delay(dur, locs, early, late, svc, origin, limit, base, a, b, d)
        if (
            not _rides_ok(b, d, origin, limit, base)
            or b[n + 1] - d[0] > max_dur
            or any(b[k] > late[k] for k in range(n + 2))
        ):
            return None
    out = [ScheduledStop(StopKind.START, locs[0], t0, t0, d[0], None, *loads[0])]
    for k, ref in enumerate(refs, start=1):
        stop_rid = None if ref.kind is StopKind.BREAK else ref.request_id
        out.append(ScheduledStop(ref.kind, locs[k], a[k], b[k], d[k], stop_rid, *loads[k]))
    out.append(ScheduledStop(StopKind.END, v.end, a[n + 1], b[n + 1], b[n + 1]))
    return Route(v.id, tuple(out))


def _locked_ok(st: VehicleState, refs: Sequence[StopRef]) -> bool:
    """Locked stops match by kind, and by request except for breaks."""
    if len(refs) < len(st.locked):
        return False
    for lk, ref in zip(st.locked, refs, strict=False):
        if lk.kind is not ref.kind:
            return False
        if lk.kind is not StopKind.BREAK and lk.request_id != ref.request_id:
            return False
    return True


def _rides_ok(b: list[int], d: list[int], origin: list[int], limit: list[int],
              base: list[int]) -> bool:
    for k, o in enumerate(origin):
        if o == -1:
            continue
        start = base[k] if o == -2 else d[o]
        if b[k] - start > limit[k]:
            return False
    return True


def _delay(
    dur: list[list[int]], locs: list[int], early: list[int], late: list[int], svc: list[int],
    origin: list[int], limit: list[int], base: list[int],
    a: list[int], b: list[int], d: list[int],
) -> None:
    """Delay the start, then each pickup, by as much as shortens rides without harm."""
    q = len(locs) - 1

    def forward(frm: int) -> None:
        for k in range(frm + 1, q + 1):
            a[k] = d[k - 1] + dur[locs[k - 1]][locs[k]]
            b[k] = max(a[k], early[k])
            d[k] = b[k] + svc[k]

    def slack(i: int) -> int:
        best, waits = INF, 0
        for j in range(i, q + 1):
            if j > i:
                waits += b[j] - a[j]
            room = late[j] - b[j]
            o = origin[j]
            if o == -2 or 0 <= o < i:
                start = base[j] if o == -2 else d[o]
                room = min(room, limit[j] - (b[j] - start))
            best = min(best, waits + max(0, room))
        return best

    pickups = {o for o in origin if o > 0}
    for i in range(q):
        if i > 0 and i not in pickups:
            continue
        wait = sum(b[k] - a[k] for k in range(i + 1, q))
        delay = min(slack(i), wait)
        if delay > 0:
            b[i] += delay
            d[i] = b[i] + svc[i]
            forward(i)
