"""The search behind instant quotes: every vehicle, every pair of positions, pruned.

Each route keeps, per stop, its earliest schedule and its latest feasible start
(a forward time slack), so the pickup positions that can meet the window are
found by bisection and each position is tested in constant time, with load
checks as the drop-off position moves on. Candidates are then fully rescheduled
in order of added travel time; the first that passes every rule (ride times of
the riders already planned included) is the cheapest feasible insertion.
"""

from __future__ import annotations

import heapq
from bisect import bisect_left, bisect_right

from optimizer.model import Plan, Request, Route, StopKind, StopRef
from optimizer.schedule import INF, Context, ReqInfo, build_route


class _RouteArrays:
    """Per-stop arrays of one route used to test insertions in constant time."""

    __slots__ = (
        "a",
        "b",
        "d",
        "early",
        "is_break",
        "late",
        "locked",
        "locs",
        "ls",
        "lsn",
        "nxt",
        "refs",
        "route",
        "seats",
        "wcs",
    )

    def __init__(self, ctx: Context, route: Route) -> None:
        v = ctx.vehicles[route.vehicle_id]
        st = ctx.states.get(v.id)
        body = list(route.stops)
        if body and body[0].kind is StopKind.START:
            body.pop(0)
        if body and body[-1].kind is StopKind.END:
            body.pop()
        self.route = route
        self.refs = [StopRef(s.request_id or "", s.kind) for s in body]
        self.locked = len(st.locked) if st else 0
        breaks = v.breaks[st.breaks_taken if st else 0 :]
        loc0, t0 = ctx.start(v.id)
        locs, early, late, svc = [loc0], [t0], [INF], [0]
        nb = 0
        for s in body:
            locs.append(s.location)
            if s.kind is StopKind.BREAK:
                w = breaks[nb].window
                early.append(w.earliest_s)
                late.append(w.latest_s)
                svc.append(breaks[nb].duration_s)
                nb += 1
                continue
            info = ctx.info(s.request_id or "")
            if s.kind is StopKind.PICKUP:
                early.append(info.e_p)
                late.append(info.l_p)
                svc.append(info.s_p)
            else:
                early.append(info.e_d)
                late.append(info.l_d)
                svc.append(info.s_d)
        locs.append(v.end)
        early.append(0)
        late.append(v.shift.latest_s)
        svc.append(0)
        dur = ctx.dur
        m = len(locs)
        a, b, d = [t0] * m, [t0] * m, [t0] * m
        for k in range(1, m):
            a[k] = d[k - 1] + dur[locs[k - 1]][locs[k]]
            b[k] = max(a[k], early[k])
            d[k] = b[k] + svc[k]
        ls = list(late)
        for k in range(m - 2, -1, -1):
            ls[k] = min(late[k], ls[k + 1] - svc[k] - dur[locs[k]][locs[k + 1]])
        self.locs, self.early, self.late = locs, early, late
        self.a, self.b, self.d, self.ls = a, b, d, ls
        onboard = [ctx.info(ob.request_id) for ob in st.onboard] if st else []
        seats = [sum(x.seats for x in onboard)]
        wcs = [sum(x.wheelchairs for x in onboard)]
        for s in body:
            seats.append(s.seats_after)
            wcs.append(s.wheelchairs_after)
        self.seats, self.wcs = [*seats, 0], [*wcs, 0]
        self.is_break = [False, *(s.kind is StopKind.BREAK for s in body), False]
        nxt = list(range(m))
        for k in range(m - 2, 0, -1):
            if self.is_break[k]:
                nxt[k] = nxt[k + 1]
        self.nxt = nxt
        self.lsn = [ls[k] for k in nxt]


def _arrays(ctx: Context, route: Route) -> _RouteArrays:
    cache: dict[int, _RouteArrays] = ctx.__dict__.setdefault("route_arrays", {})
    got = cache.get(id(route))
    if got is None or got.route is not route:
        got = cache[id(route)] = _RouteArrays(ctx, route)
    return got


def _empty_route(ctx: Context, vehicle_id: str) -> Route | None:
    cache: dict[str, Route | None] = ctx.__dict__.setdefault("empty_routes", {})
    if vehicle_id not in cache:
        cache[vehicle_id] = build_route(ctx, vehicle_id, [])
    return cache[vehicle_id]


def _candidates(
    ctx: Context, ra: _RouteArrays, info: ReqInfo, seats_cap: int, wc_cap: int
) -> list[tuple[int, int, int]]:
    """Return ``(added_travel_s, i, j)`` for every insertion passing the O(1) tests."""
    out: list[tuple[int, int, int]] = []
    for _lb, i in _pickups(ctx, ra, info, seats_cap, wc_cap):
        out.extend(_from_pickup(ctx, ra, info, i, seats_cap, wc_cap))
    return out


def _pickups(
    ctx: Context, ra: _RouteArrays, info: ReqInfo, seats_cap: int, wc_cap: int
) -> list[tuple[int, int]]:
    """Return ``(lower_bound_s, i)`` for each pickup position ``i`` that can meet the window.

    The bound is the pickup's own detour: with travel times that obey the
    triangle inequality, placing the drop-off anywhere only adds to it.
    """
    dur = ctx.dur
    p, e_p, l_p = info.pickup, info.e_p, info.l_p
    locs, d, nxt, seats, wcs = ra.locs, ra.d, ra.nxt, ra.seats, ra.wcs
    rs, rw = info.seats, info.wheelchairs
    i_lo = max(ra.locked, bisect_left(ra.lsn, e_p) - 1)
    i_hi = min(len(locs) - 1, bisect_right(d, l_p))
    row_p = dur[p]
    out = []
    for i in range(i_lo, i_hi):
        if seats[i] + rs > seats_cap or wcs[i] + rw > wc_cap:
            continue
        li = locs[i]
        to_p = dur[li][p]
        if max(d[i] + to_p, e_p) > l_p:
            continue
        ln = locs[nxt[i + 1]]
        out.append((to_p + row_p[ln] - dur[li][ln], i))
    return out


def _from_pickup(
    ctx: Context, ra: _RouteArrays, info: ReqInfo, i: int, seats_cap: int, wc_cap: int
) -> list[tuple[int, int, int]]:
    """Return ``(added_travel_s, i, j)`` for the drop-off positions after pickup ``i``.

    A break happens where the vehicle is, so a stop inserted just before a break
    moves the break: travel is costed to the next real stop, and such positions
    skip the slack test (the full reschedule decides).
    """
    dur = ctx.dur
    p, dl = info.pickup, info.dropoff
    e_p, l_p, e_d, l_d = info.e_p, info.l_p, info.e_d, info.l_d
    s_p, s_d, ride = info.s_p, info.s_d, info.max_ride
    locs, b, d, ls, early, a = ra.locs, ra.b, ra.d, ra.ls, ra.early, ra.a
    seats, wcs, nxt = ra.seats, ra.wcs, ra.nxt
    rs, rw = info.seats, info.wheelchairs
    m = len(locs)
    out: list[tuple[int, int, int]] = []
    row_p = dur[p]
    li = locs[i]
    n1 = nxt[i + 1]
    ln = locs[n1]
    moved = n1 != i + 1  # a break right after: it moves to the new stop
    ap = d[i] + dur[li][p]
    bp = ap if ap > e_p else e_p
    dp = bp + s_p
    # drop-off right after the pickup;
    # ride times are tested against the latest the pickup could be delayed to
    ad = dp + row_p[dl]
    bd = ad if ad > e_d else e_d
    if bd <= l_d and bd - l_p - s_p <= ride and (
        moved or bd + s_d + dur[dl][ln] <= ls[i + 1]
    ):
        out.append((dur[li][p] + row_p[dl] + dur[dl][ln] - dur[li][ln], i, i))
    if i + 1 >= m - 1:
        return out
    cost_p = dur[li][p] + row_p[ln] - dur[li][ln]
    if moved:
        out.extend(_after_moved_break(ra, dur, info, cost_p, i, seats_cap, wc_cap))
        return out
    nb = max(dp + row_p[ln], early[i + 1])
    if nb > ls[i + 1]:
        return out
    dp_late = min(l_p, ls[i + 1] - s_p - row_p[ln]) + s_p
    delta = nb - b[i + 1]
    for j in range(i + 1, m - 1):
        if seats[j] + rs > seats_cap or wcs[j] + rw > wc_cap:
            break
        if j > i + 1:
            delta = delta - (b[j] - a[j])
        shift = delta if delta > 0 else 0
        dj = d[j] + shift
        if dj - dp_late > ride or dj > l_d:
            break
        delta = shift
        lj = locs[j]
        ad = dj + dur[lj][dl]
        bd = ad if ad > e_d else e_d
        if bd > l_d or bd - dp_late > ride:
            continue
        nk = nxt[j + 1]
        lk = locs[nk]
        if nk == j + 1 and bd + s_d + dur[dl][lk] > ls[j + 1]:
            continue
        out.append((cost_p + dur[lj][dl] + dur[dl][lk] - dur[lj][lk], i, j))
    return out


def _after_moved_break(
    ra: _RouteArrays, dur: list[list[int]], info: ReqInfo, cost_p: int, i: int,
    seats_cap: int, wc_cap: int,
) -> list[tuple[int, int, int]]:
    """Drop-off positions after a pickup that moves the next break: costs and loads only."""
    out = []
    real = False
    for j in range(i + 1, len(ra.locs) - 1):
        if ra.seats[j] + info.seats > seats_cap or ra.wcs[j] + info.wheelchairs > wc_cap:
            break
        real = real or not ra.is_break[j]
        lj = ra.locs[j] if real else info.pickup
        lk = ra.locs[ra.nxt[j + 1]]
        out.append((cost_p + dur[lj][info.dropoff] + dur[info.dropoff][lk] - dur[lj][lk], i, j))
    return out


def _insert_refs(refs: list[StopRef], rid: str, i: int, j: int) -> list[StopRef]:
    """Refs with the pickup after body stop ``i`` and the drop-off after ``j`` (1-based)."""
    pick, drop = StopRef(rid, StopKind.PICKUP), StopRef(rid, StopKind.DROPOFF)
    return [*refs[:i], pick, *refs[i:j], drop, *refs[j:]]


def _index(plan: Plan) -> tuple[dict[str, Route], set[str]]:
    """Routes by vehicle and the unassigned ids of ``plan``, cached on the plan."""
    got = plan.__dict__.get("_opt_index")
    if got is None:
        got = ({r.vehicle_id: r for r in plan.routes}, {u.request_id for u in plan.unassigned})
        object.__setattr__(plan, "_opt_index", got)
    return got  # type: ignore[no-any-return]


def best_insertion(
    ctx: Context, plan: Plan, request: Request, info: ReqInfo, max_verifications: int
) -> tuple[int, Route] | None:
    """Return ``(added_cost_s, new_route)`` of the cheapest feasible insertion, or ``None``.

    The cost is the added travel plus the vehicle's ``place_cost_s`` for the request.

    Pickup positions of every vehicle are ranked by a lower bound (their own
    detour); drop-off positions are only explored for pickups whose bound does
    not exceed the best candidate still to verify, and candidates are verified
    cheapest first, so the first that reschedules cleanly is the cheapest.
    """
    routes = _index(plan)[0]
    e_p, l_p = info.e_p, info.l_p
    cache: dict[int, _RouteArrays] = ctx.__dict__.setdefault("route_arrays", {})
    vehicles = ctx.problem.vehicles
    bounds: list[tuple[int, int, int]] = []
    arrays: dict[int, _RouteArrays] = {}
    for vi, v in enumerate(vehicles):
        if not v.serves(request):
            continue
        route = routes.get(v.id) or _empty_route(ctx, v.id)
        if route is None:
            continue
        ra = cache.get(id(route))
        if ra is None or ra.route is not route:
            ra = cache[id(route)] = _RouteArrays(ctx, route)
        # cheap rejection before the position loops: no stop near the pickup window
        if ra.b[-1] > ra.late[-1] or bisect_right(ra.d, l_p) <= max(
            ra.locked, bisect_left(ra.lsn, e_p) - 1
        ):
            continue
        arrays[vi] = ra
        extra = v.place_cost_s(request)
        for lb, i in _pickups(ctx, ra, info, v.seats, v.wheelchairs):
            bounds.append((lb + extra, vi, i))
    bounds.sort()
    heap: list[tuple[int, int, int, int]] = []
    k = tried = 0
    while tried < max_verifications:
        # (cost, vehicle, i, j) ties are all in the heap before the first is popped
        while k < len(bounds) and (not heap or bounds[k][0] <= heap[0][0]):
            _lb, vi, i = bounds[k]
            k += 1
            v = vehicles[vi]
            extra = v.place_cost_s(request)
            for cost, _i, j in _from_pickup(ctx, arrays[vi], info, i, v.seats, v.wheelchairs):
                heapq.heappush(heap, (cost + extra, vi, i, j))
        if not heap:
            return None
        cost, vi, i, j = heapq.heappop(heap)
        tried += 1
        ra = arrays[vi]
        new = build_route(ctx, ra.route.vehicle_id, _insert_refs(ra.refs, request.id, i, j))
        if new is not None:
            return cost, new
    return None


def replace_route(plan: Plan, route: Route) -> Plan:
    """Return ``plan`` with ``route`` as its vehicle's route; served requests leave the
    unassigned list."""
    by_vehicle, unassigned_ids = _index(plan)
    if route.vehicle_id in by_vehicle:
        routes = tuple(route if r.vehicle_id == route.vehicle_id else r for r in plan.routes)
    else:
        routes = (*plan.routes, route)
    served = set(route.request_ids) & unassigned_ids
    if served:
        unassigned = tuple(u for u in plan.unassigned if u.request_id not in served)
        unassigned_ids = unassigned_ids - served
    else:
        unassigned = plan.unassigned
    new = Plan(routes, unassigned)
    object.__setattr__(new, "_opt_index", ({**by_vehicle, route.vehicle_id: route},
                                           unassigned_ids))
    return new
