"""Fast exact route evaluation and best insertion for the dial-a-ride local search.

A route is a tuple of integer nodes: ``2 * ri`` is the pickup and ``2 * ri + 1``
the drop-off of request index ``ri`` (a drop-off without its pickup belongs to a
rider already on board). ``Tables.evaluate`` times a route as
:func:`optimizer.schedule.build_route` does (earliest starts, then Cordeau and
Laporte's delays when a ride or the route's duration is too long) and returns
its cost or ``None``; it must agree with that scheduler, which builds the final
routes, and the independent checker judges the result.

``Tables.best_insertion`` finds the cheapest feasible pickup and drop-off
positions of a request in a route. Each position pair is screened in constant
time with the route's earliest departures, its latest feasible starts (windows
and shift end, computed backward) and its loads; only the survivors, cheapest
first, are timed exactly, so the first one that passes is the best insertion by
travel (Cordeau and Laporte 2003; Gschwind and Drexl 2019 for the screening).
"""

from __future__ import annotations

from bisect import bisect_left
from dataclasses import dataclass
from itertools import pairwise

from optimizer._darp_delay import delay as _delay
from optimizer._darp_delay import rides_ok as _rides_ok
from optimizer.model import Problem, StopKind, StopRef
from optimizer.schedule import INF, build_route, context

# Exactly timed candidates per (request, route) at most: beyond that the route
# is taken as unable to take the request (a bound on the work, rarely reached).
MAX_EXACT = 25
# Remembered route evaluations before the memo is cleared (a bound on memory).
MEMO_LIMIT = 100_000


@dataclass(frozen=True)
class VehicleInfo:
    """What evaluation needs of a vehicle: start, end, capacity, limits, costs, pinned stops."""

    start: int
    t0: int
    end: int
    shift_end: int
    seats: int
    wheelchairs: int
    max_duration: int
    seats0: int
    wheelchairs0: int
    n_locked: int
    onboard_base: dict[int, int]  # request index -> when its ride began (on board)
    breaks: bool  # breaks still to take: timed by build_route itself


@dataclass(frozen=True)
class Prep:
    """A route's cached timing: earliest starts and departures, latest starts, loads."""

    seq: tuple[int, ...]
    cost: int
    locs: list[int]
    early: list[int]
    dep: list[int]
    latest: list[int]
    svc: list[int]
    seats: list[int]
    wheel: list[int]


class Tables:
    """Per-problem integer tables (nodes' places, windows, services, loads) and evaluation.

    ``scale`` multiplies travel seconds in the cost (10 when ``excess_ride_weight``
    is positive, as in the OR-Tools model); the cost of a route is its scaled
    travel, its vehicle's place costs and fixed cost, and the weighted excess
    ride time of its riders (drop-off start minus pickup start beyond the direct
    ride). Request indices are positions in ``problem.requests``.
    """

    def __init__(self, problem: Problem, excess_ride_weight: float = 0.0,
                 vehicle_fixed_cost_s: int = 0) -> None:
        ctx = context(problem)
        self.problem = problem
        self.dur = ctx.dur
        self.scale = 10 if excess_ride_weight > 0 else 1
        self.weight = round(excess_ride_weight * self.scale)
        self.fixed = vehicle_fixed_cost_s * self.scale
        self._memo: dict[tuple[int, tuple[int, ...]], int | None] = {}
        self._cands: dict[tuple[int, tuple[int, ...], int], list[tuple[int, int, int]]] = {}
        reqs = problem.requests
        nn = 2 * len(reqs)
        self.loc = [0] * nn
        self.e = [0] * nn
        self.lat = [INF] * nn
        self.svc = [0] * nn
        self.dseat = [0] * nn
        self.dwheel = [0] * nn
        self.ride = [INF] * len(reqs)
        self.direct = [0] * len(reqs)
        for ri, r in enumerate(reqs):
            info = ctx.info(r.id)
            p, d = 2 * ri, 2 * ri + 1
            self.loc[p], self.loc[d] = r.pickup, r.dropoff
            self.e[p], self.lat[p], self.e[d], self.lat[d] = info.e_p, info.l_p, info.e_d, info.l_d
            self.svc[p], self.svc[d] = info.s_p, info.s_d
            self.dseat[p], self.dseat[d] = r.seats, -r.seats
            self.dwheel[p], self.dwheel[d] = r.wheelchairs, -r.wheelchairs
            self.ride[ri] = info.max_ride
            self.direct[ri] = self.dur[r.pickup][r.dropoff]
        index = self._index = {r.id: ri for ri, r in enumerate(reqs)}
        self._ctx = ctx
        self.vehicles: list[VehicleInfo] = []
        self.place: list[list[int]] = []
        self.serves: list[list[bool]] = []
        for v in problem.vehicles:
            st = ctx.states.get(v.id)
            loc, t0 = ctx.start(v.id)
            onboard = {index[ob.request_id]: ob.picked_up_s + ctx.info(ob.request_id).s_p
                       for ob in (st.onboard if st else ())}
            todo = v.breaks[st.breaks_taken if st else 0:]
            self.vehicles.append(VehicleInfo(
                loc, t0, v.end, v.shift.latest_s, v.seats, v.wheelchairs,
                v.max_duration_s if v.max_duration_s is not None else INF,
                sum(reqs[ri].seats for ri in onboard), sum(reqs[ri].wheelchairs for ri in onboard),
                len(st.locked) if st else 0, onboard, bool(todo)))
            self.place.append([v.place_cost_s(r) * self.scale for r in reqs])
            self.serves.append([v.serves(r) for r in reqs])

    def evaluate(self, vi: int, seq: tuple[int, ...]) -> int | None:
        """Return the cost of vehicle ``vi`` driving ``seq``, or ``None`` if it is infeasible.

        Results are remembered (a search meets the same routes again and again).
        """
        key = (vi, seq)
        if key in self._memo:
            return self._memo[key]
        if len(self._memo) >= MEMO_LIMIT:
            self._memo.clear()
        cost = self._memo[key] = self._evaluate(vi, seq)
        return cost

    def _evaluate(self, vi: int, seq: tuple[int, ...]) -> int | None:
        if self.vehicles[vi].breaks:
            return self._evaluate_with_breaks(vi, seq)
        got = self.times(vi, seq)
        if got is None:
            return None
        b, _, locs = got
        if not seq:
            return 0
        dur = self.dur
        travel = sum(dur[locs[k]][locs[k + 1]] for k in range(len(locs) - 1))
        cost = travel * self.scale + self.fixed
        place = self.place[vi]
        for node in seq:
            if not node & 1:
                cost += place[node >> 1]
        if self.weight:
            where = {node: k for k, node in enumerate(seq, start=1)}
            for node, k in where.items():
                if node & 1 and (node - 1) in where:
                    ri = node >> 1
                    cost += self.weight * (b[k] - b[where[node - 1]] - self.svc[node - 1]
                                           - self.direct[ri])
        return cost

    def _evaluate_with_breaks(self, vi: int, seq: tuple[int, ...]) -> int | None:
        """Cost of a route with breaks to take: timed by the scheduler, which places them.

        A break is taken where the vehicle stands, so it changes no travel; the
        scheduler puts it where it first fits, as it will in the final plan.
        """
        reqs = self.problem.requests
        refs = [StopRef(reqs[x >> 1].id, StopKind.DROPOFF if x & 1 else StopKind.PICKUP)
                for x in seq]
        route = build_route(self._ctx, self.problem.vehicles[vi].id, refs)
        if route is None:
            return None
        if not seq:  # an unused vehicle: the plan leaves it out
            return 0
        dur = self.dur
        stops = route.stops
        cost = sum(dur[a.location][b.location] for a, b in pairwise(stops))
        cost = cost * self.scale + self.fixed
        place = self.place[vi]
        cost += sum(place[x >> 1] for x in seq if not x & 1)
        if self.weight:
            start = {st.request_id: st.start_s for st in stops if st.kind is StopKind.PICKUP}
            for st in stops:
                rid = st.request_id
                if st.kind is StopKind.DROPOFF and rid is not None and rid in start:
                    ri = self._index[rid]
                    cost += self.weight * (st.start_s - start[rid] - self.svc[2 * ri]
                                           - self.direct[ri])
        return cost

    def times(self, vi: int, seq: tuple[int, ...]
              ) -> tuple[list[int], list[int], list[int]] | None:
        """Return service starts, departures and places of ``seq`` (start and end included)."""
        v = self.vehicles[vi]
        n = len(seq)
        dur, loc_of, e_of, l_of, s_of = self.dur, self.loc, self.e, self.lat, self.svc
        locs = [v.start, *(loc_of[x] for x in seq), v.end]
        early = [v.t0, *(e_of[x] for x in seq), 0]
        late = [INF, *(l_of[x] for x in seq), v.shift_end]
        svc = [0, *(s_of[x] for x in seq), 0]
        origin = [-1] * (n + 2)
        limit = [INF] * (n + 2)
        base = [0] * (n + 2)
        seats, wheel = v.seats0, v.wheelchairs0
        picked: dict[int, int] = {}
        dropped = 0
        for k, x in enumerate(seq, start=1):
            seats += self.dseat[x]
            wheel += self.dwheel[x]
            if seats > v.seats or wheel > v.wheelchairs:
                return None
            if x & 1:
                ri = x >> 1
                o = picked.pop(x - 1, None)
                if o is None:
                    if ri not in v.onboard_base:
                        return None
                    base[k] = v.onboard_base[ri]
                    o = -2
                    dropped += 1
                origin[k], limit[k] = o, self.ride[ri]
            else:
                picked[x] = k
        if picked or dropped != len(v.onboard_base):
            return None
        b = [v.t0] * (n + 2)
        d = [v.t0] * (n + 2)
        a = v.t0
        for k in range(1, n + 2):
            a = d[k - 1] + dur[locs[k - 1]][locs[k]]
            bk = a if a > early[k] else early[k]
            if bk > late[k]:
                return None
            b[k] = bk
            d[k] = bk + svc[k]
        if not _rides_ok(b, d, origin, limit, base) or b[n + 1] - d[0] > v.max_duration:
            _delay(dur, locs, early, late, svc, origin, limit, base, b, d)
            if (not _rides_ok(b, d, origin, limit, base) or b[n + 1] - d[0] > v.max_duration
                    or any(b[k] > late[k] for k in range(n + 2))):
                return None
        return b, d, locs

    def prep(self, vi: int, seq: tuple[int, ...], cost: int) -> Prep:
        """Return the screening data of a feasible route ``seq`` of vehicle ``vi``."""
        v = self.vehicles[vi]
        dur = self.dur
        locs = [v.start, *(self.loc[x] for x in seq), v.end]
        early = [v.t0, *(self.e[x] for x in seq), 0]
        late = [INF, *(self.lat[x] for x in seq), v.shift_end]
        svc = [0, *(self.svc[x] for x in seq), 0]
        n = len(seq)
        dep = [v.t0] * (n + 2)
        for k in range(1, n + 2):
            a = dep[k - 1] + dur[locs[k - 1]][locs[k]]
            dep[k] = (a if a > early[k] else early[k]) + svc[k]
        latest = list(late)
        for k in range(n, 0, -1):
            latest[k] = min(late[k], latest[k + 1] - svc[k] - dur[locs[k]][locs[k + 1]])
        seats = [v.seats0] * (n + 2)
        wheel = [v.wheelchairs0] * (n + 2)
        for k, x in enumerate(seq, start=1):
            seats[k] = seats[k - 1] + self.dseat[x]
            wheel[k] = wheel[k - 1] + self.dwheel[x]
        return Prep(seq, cost, locs, early, dep, latest, svc, seats, wheel)

    def best_insertion(self, vi: int, pr: Prep, ri: int) -> tuple[int, tuple[int, ...]] | None:
        """Return the cost increase and route of the cheapest feasible insertion of ``ri``."""
        for _, i, j in self.candidates(vi, pr, ri)[:MAX_EXACT]:
            got = self.realize(vi, pr, ri, i, j)
            if got is not None:
                return got
        return None

    def realize(self, vi: int, pr: Prep, ri: int, i: int, j: int
                ) -> tuple[int, tuple[int, ...]] | None:
        """Time the insertion of ``ri`` (pickup after stop ``i``, drop-off after ``j``) exactly.

        Returns the cost increase and the new route, or ``None`` if it is infeasible.
        """
        seq, p = pr.seq, 2 * ri
        if i == j:
            new = (*seq[:i], p, p + 1, *seq[i:])
        else:
            new = (*seq[:i], p, *seq[i:j], p + 1, *seq[j:])
        cost = self.evaluate(vi, new)
        return None if cost is None else (cost - pr.cost, new)

    def candidates(self, vi: int, pr: Prep, ri: int) -> list[tuple[int, int, int]]:
        """Return ``(cost increase, i, j)`` of every insertion of ``ri`` the screening lets pass.

        Cheapest first; remembered per route and request (do not change the list).

        The increase is exact for travel, place and fixed costs (the excess ride
        time is left out); ``i`` and ``j`` are the stops the pickup and the
        drop-off follow (0 is the start; ``j == i``: the drop-off right after).
        """
        key = (vi, pr.seq, ri)
        got = self._cands.get(key)
        if got is None:
            if len(self._cands) >= MEMO_LIMIT:
                self._cands.clear()
            got = self._cands[key] = self._candidates(vi, pr, ri)
        return got

    def _candidates(self, vi: int, pr: Prep, ri: int) -> list[tuple[int, int, int]]:
        v = self.vehicles[vi]
        if not self.serves[vi][ri]:
            return []
        dur = self.dur
        p, dn = 2 * ri, 2 * ri + 1
        pl, dl = self.loc[p], self.loc[dn]
        e_p, l_p, e_d, l_d = self.e[p], self.lat[p], self.e[dn], self.lat[dn]
        s_p, s_d, ride = self.svc[p], self.svc[dn], self.ride[ri]
        rs, rw = self.dseat[p], self.dwheel[p]
        locs, early, dep, latest, svc = pr.locs, pr.early, pr.dep, pr.latest, pr.svc
        seats, wheel = pr.seats, pr.wheel
        n = len(pr.seq)
        cands: list[tuple[int, int, int]] = []
        tpd = dur[pl][dl]
        # latest starts never decrease along a route: the pickup cannot go before a
        # stop that must start before the pickup's window even opens
        first = bisect_left(latest, e_p + s_p, v.n_locked + 1, n + 2) - 1
        for i in range(max(first, v.n_locked), n + 1):
            if dep[i] > l_p:
                break
            if seats[i] + rs > v.seats or wheel[i] + rw > v.wheelchairs:
                continue
            li, ln = locs[i], locs[i + 1]
            a = dep[i] + dur[li][pl]
            bp = a if a > e_p else e_p
            if bp > l_p:
                continue
            dp = bp + s_p
            base = dur[li][pl] - dur[li][ln]
            a = dp + tpd
            bd = a if a > e_d else e_d
            if bd <= l_d:
                a = bd + s_d + dur[dl][ln]
                if (a if a > early[i + 1] else early[i + 1]) <= latest[i + 1]:
                    cands.append((base + tpd + dur[dl][ln], i, i))
            t, prev, acc = dp, pl, 0
            for k in range(i + 1, n + 1):
                lk = locs[k]
                step = dur[prev][lk]
                a = t + step
                bk = a if a > early[k] else early[k]
                if bk > latest[k] or seats[k] + rs > v.seats or wheel[k] + rw > v.wheelchairs:
                    break
                acc += step
                if acc + dur[lk][dl] > ride:
                    break
                t = bk + svc[k]
                acc += svc[k]
                prev = lk
                a = t + dur[lk][dl]
                bd = a if a > e_d else e_d
                if bd > l_d:
                    if t > l_d:
                        break
                    continue
                nk = locs[k + 1]
                a = bd + s_d + dur[dl][nk]
                if (a if a > early[k + 1] else early[k + 1]) > latest[k + 1]:
                    continue
                cands.append((base + dur[pl][locs[i + 1]] + dur[lk][dl] + dur[dl][nk]
                              - dur[lk][nk], i, k))
        extra = self.place[vi][ri] * self.scale + (self.fixed if n == 0 else 0)
        scale = self.scale
        if scale != 1 or extra:
            cands = [(c * scale + extra, i, j) for c, i, j in cands]
        cands.sort()
        return cands
