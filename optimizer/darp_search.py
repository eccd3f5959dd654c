"""A dial-a-ride local search run after OR-Tools' first plan: ruin and recreate with annealing.

Each iteration removes a few requests (at random, or a random one and those most
related to it: near in place and time, as in Ropke and Pisinger 2006) and
re-inserts each, in a random order or by time, at its cheapest feasible pickup
and drop-off positions over all vehicles; the insertion screens every position
pair in constant time and times only the cheapest survivors exactly
(:mod:`optimizer._darp_routes`). A new plan is accepted when it costs less than
the current one plus a threshold falling linearly to zero (deterministic
annealing, Braekers, Caris and Janssens 2014); the search goes back to the best
plan after a long run without improvement.

What the search may not touch stays as it is: a vehicle with breaks still to
take keeps its route, riders on board and locked stops keep their vehicle and
place, and a promised ride that cannot be re-inserted undoes the iteration.
The result is rebuilt with :func:`optimizer.schedule.build_route` and passed by
the independent checker, or the plan given is returned unchanged; it is never
worse than that plan by the search's objective (:func:`plan_cost`).
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import dataclass

from optimizer._darp_routes import MAX_EXACT, Prep, Tables
from optimizer._routing import REASON_UNSERVED
from optimizer.checker import check
from optimizer.model import Plan, Problem, Route, StopKind, StopRef, Unassigned
from optimizer.params import DarpSearchParams
from optimizer.schedule import build_route, context

# Entries of the screening cache before it is cleared (memory bound).
CACHE_LIMIT = 50_000


@dataclass(frozen=True)
class Objective:
    """What a plan costs: scaled travel, place and fixed costs, excess ride, unserved requests."""

    excess_ride_weight: float = 0.0
    vehicle_fixed_cost_s: int = 0
    unserved_penalty_s: int = 86_400


class _State:
    """One solution: a node sequence and its cost per vehicle, and the unserved requests."""

    def __init__(self, seqs: list[tuple[int, ...]], costs: list[int], out: set[int]) -> None:
        self.seqs = seqs
        self.costs = costs
        self.out = out

    def copy(self) -> _State:
        return _State(list(self.seqs), list(self.costs), set(self.out))


class _Search:
    """The search's data: tables, pinned requests, caches and the random generator."""

    def __init__(self, problem: Problem, plan: Plan, objective: Objective, seed: int,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.problem = problem
        self.clock = clock
        self.t = Tables(problem, objective.excess_ride_weight, objective.vehicle_fixed_cost_s)
        self.penalty = objective.unserved_penalty_s * self.t.scale
        self.rng = random.Random(seed)
        self.index = {r.id: ri for ri, r in enumerate(problem.requests)}
        self.vindex = {v.id: vi for vi, v in enumerate(problem.vehicles)}
        ctx = context(problem)
        self.required = {self.index[p.request_id] for p in problem.promises}
        pinned = {self.index[ob.request_id] for s in problem.states for ob in s.onboard}
        pinned |= {self.index[ref.request_id] for s in problem.states for ref in s.locked
                   if ref.kind is not StopKind.BREAK and ref.request_id in self.index}
        self.required |= pinned
        self.frozen = [False for _ in self.t.vehicles]
        seqs: list[tuple[int, ...]] = [() for _ in problem.vehicles]
        for route in plan.routes:
            vi = self.vindex[route.vehicle_id]
            nodes = []
            for s in route.stops:
                if s.kind in (StopKind.PICKUP, StopKind.DROPOFF) and s.request_id:
                    nodes.append(2 * self.index[s.request_id] + (s.kind is StopKind.DROPOFF))
            seqs[vi] = tuple(nodes)
        costs = []
        for vi, seq in enumerate(seqs):
            cost = None if self.frozen[vi] else self.t.evaluate(vi, seq)
            if cost is None:  # timed otherwise than the scheduler would: keep it as it is
                self.frozen[vi] = True
                cost = 0
            costs.append(cost)
        self.pinned = pinned
        out = {self.index[u.request_id] for u in plan.unassigned}
        self.optional_out = [ri for ri in sorted(out) if ri not in self.required
                             and any(self.t.serves[vi][ri] for vi in range(len(seqs)))]
        self.movable = [x >> 1 for vi, seq in enumerate(seqs) if not self.frozen[vi]
                        for x in seq if not x & 1 and x >> 1 not in pinned]
        self.movable += self.optional_out
        self.start = _State(seqs, costs, out)
        self.cache: dict[tuple[int, tuple[int, ...]], Prep] = {}
        self._ctx = ctx

    def total(self, s: _State) -> int:
        """Return the cost of ``s`` (frozen routes count 0: the search never changes them)."""
        return sum(s.costs) + self.penalty * len(s.out)

    def prep(self, vi: int, s: _State) -> Prep:
        key = (vi, s.seqs[vi])
        got = self.cache.get(key)
        if got is None:
            if len(self.cache) > CACHE_LIMIT:
                self.cache.clear()
            got = self.cache[key] = self.t.prep(vi, s.seqs[vi], s.costs[vi])
        return got

    def ruin(self, s: _State, q: int, related: bool) -> list[int]:
        """Remove up to ``q`` movable requests from ``s``; return them."""
        where = {x >> 1: vi for vi, seq in enumerate(s.seqs) if not self.frozen[vi]
                 for x in seq if not x & 1}
        pool = [ri for ri in self.movable if ri in where]
        if not pool:
            return []
        if related:
            seed = self.rng.choice(pool)
            t, dur = self.t, self.t.dur
            ps, ds = t.loc[2 * seed], t.loc[2 * seed + 1]

            def rel(ri: int) -> int:
                p, d = 2 * ri, 2 * ri + 1
                return (dur[ps][t.loc[p]] + dur[ds][t.loc[d]] + abs(t.e[p] - t.e[2 * seed])
                        + abs(t.e[d] - t.e[2 * seed + 1]))

            pool.sort(key=rel)
            chosen = []
            for _ in range(min(q, len(pool))):
                k = int(self.rng.random() ** 4 * len(pool))
                chosen.append(pool.pop(k))
        else:
            chosen = self.rng.sample(pool, min(q, len(pool)))
        removed = []
        by_route: dict[int, set[int]] = {}
        for ri in chosen:
            by_route.setdefault(where[ri], set()).add(ri)
        for vi, gone in by_route.items():
            seq = tuple(x for x in s.seqs[vi] if x >> 1 not in gone)
            cost = self.t.evaluate(vi, seq)
            if cost is not None:
                s.seqs[vi], s.costs[vi] = seq, cost
                removed += sorted(gone)
                continue
            for ri in sorted(gone):  # taking all out breaks it (no triangle inequality)
                seq = tuple(x for x in s.seqs[vi] if x >> 1 != ri)
                cost = self.t.evaluate(vi, seq)
                if cost is not None:
                    s.seqs[vi], s.costs[vi] = seq, cost
                    removed.append(ri)
        return removed

    def recreate(self, s: _State, todo: list[int], noise: float = 0.0) -> bool:
        """Insert ``todo`` one by one at their cheapest places; ``False`` if a required fails.

        With ``noise`` each position's cost is multiplied by a random factor in
        ``[1 - noise, 1 + noise]`` (Ropke and Pisinger 2006): it picks among
        near-equal places and moves the search out of a valley.
        """
        nv = len(s.seqs)
        t = self.t
        rand = self.rng.random
        for ri in todo:
            # every vehicle's screened positions, cheapest first: the first that
            # times exactly is the best insertion over the whole plan
            cands = [(c, vi, i, j) for vi in range(nv)
                     if not self.frozen[vi] and t.serves[vi][ri]
                     for c, i, j in t.candidates(vi, self.prep(vi, s), ri)]
            if noise:
                cands = [(round(c * (1 + noise * (2 * rand() - 1))), vi, i, j)
                         for c, vi, i, j in cands]
            cands.sort()
            if not self._place(s, ri, cands)[0]:
                return False
        return True

    def _place(
        self, s: _State, ri: int, cands: list[tuple[int, int, int, int]]
    ) -> tuple[bool, int | None]:
        """Put ``ri`` at the first of ``cands`` (cheapest first) that times exactly.

        A request with no such place, or only one costing the penalty or more, is
        left out unless it is required. Returns ``(False, None)`` when a required
        request finds no place, else ``(True, vehicle)`` with the vehicle it went
        to, or ``None`` when it was left out.
        """
        best: tuple[int, int, tuple[int, ...]] | None = None
        for _, vi, i, j in cands[:MAX_EXACT]:
            got = self.t.realize(vi, self.prep(vi, s), ri, i, j)
            if got is not None:
                best = (got[0], vi, got[1])
                break
        if best is None or (best[0] >= self.penalty and ri not in self.required):
            if ri in self.required:
                return False, None
            s.out.add(ri)
            return True, None
        delta, vi, seq = best
        s.seqs[vi], s.costs[vi] = seq, s.costs[vi] + delta
        s.out.discard(ri)
        return True, vi

    def regret(self, s: _State, todo: list[int]) -> bool:
        """Insert ``todo`` by regret: first the request whose best vehicle beats its second most.

        Vehicles are compared by their screened cheapest positions (exact for
        travel); the request chosen is then inserted at its cheapest position
        that times exactly. ``False`` if a required request fails.
        """
        t, nv = self.t, len(s.seqs)
        open_v = [vi for vi in range(nv) if not self.frozen[vi]]
        table: dict[int, dict[int, list[tuple[int, int, int]]]] = {
            ri: {vi: t.candidates(vi, self.prep(vi, s), ri) for vi in open_v
                 if t.serves[vi][ri]} for ri in todo}
        left = list(todo)
        while left:
            def key(ri: int) -> tuple[int, int]:
                firsts = sorted(c[0][0] for c in table[ri].values() if c)
                if not firsts:
                    return (1 << 62, 0)  # nowhere to go: settle it first
                second = firsts[1] if len(firsts) > 1 else firsts[0] + self.penalty
                return (second - firsts[0], -firsts[0])

            ri = max(left, key=key)
            left.remove(ri)
            cands = sorted((c, vi, i, j) for vi, lst in table[ri].items()
                           for c, i, j in lst[:MAX_EXACT])
            ok, placed = self._place(s, ri, cands)
            if not ok:
                return False
            if placed is None:
                continue
            vi = placed
            pr = self.prep(vi, s)
            for other in left:
                if vi in table[other]:
                    table[other][vi] = t.candidates(vi, pr, other)
        return True

    def polish(self, s: _State, deadline: float) -> None:
        """Move each request, one at a time, to its cheapest place while that lowers the cost.

        One pass over the movable requests in a random order (relocate descent);
        run on each new best plan so that it is a local optimum for single moves.
        """
        order = list(self.movable)
        self.rng.shuffle(order)
        for ri in order:
            if self.clock() >= deadline:
                return
            trial = s.copy()
            before = self.total(trial)
            if self.ruin_one(trial, ri) and self.recreate(trial, [ri]) \
                    and self.total(trial) < before:
                s.seqs, s.costs, s.out = trial.seqs, trial.costs, trial.out

    def ruin_one(self, s: _State, ri: int) -> bool:
        """Take ``ri`` out of its route in ``s``; ``False`` if it is not served or cannot be."""
        for vi, seq in enumerate(s.seqs):
            if self.frozen[vi] or 2 * ri not in seq:
                continue
            new = tuple(x for x in seq if x >> 1 != ri)
            cost = self.t.evaluate(vi, new)
            if cost is None:
                return False
            s.seqs[vi], s.costs[vi] = new, cost
            return True
        return False

    def order(self, todo: list[int]) -> list[int]:
        """Return ``todo`` in a random order, or by earliest pickup (either direction)."""
        how = self.rng.random()
        if how < 0.5:
            self.rng.shuffle(todo)
            return todo
        return sorted(todo, key=lambda ri: self.t.e[2 * ri], reverse=how < 0.75)


def search(problem: Problem, plan: Plan, *, params: DarpSearchParams,
           objective: Objective = Objective(), time_limit_s: float = 1.0, seed: int = 0,
           clock: Callable[[], float] = time.monotonic) -> Plan:
    """Improve ``plan`` (feasible) by ruin and recreate within ``time_limit_s`` seconds.

    Deterministic given ``seed`` when ``params.max_iterations`` bounds the work
    and the time limit is not reached; ``clock`` (seconds, monotonic) measures
    the limit. Returns a plan the checker passes that costs no more than
    ``plan`` by :func:`plan_cost`, or ``plan`` itself.
    """
    began = clock()
    deadline = began + time_limit_s
    s = _Search(problem, plan, objective, seed, clock)
    if not s.movable and not s.optional_out:
        return plan
    cur = s.start.copy()
    best = s.start.copy()
    cur_cost = best_cost = start_cost = s.total(cur)
    served = max(1, sum(len(q) for q in cur.seqs) // 2)
    n_mov = len(s.movable)
    q_hi = max(params.min_removed, min(params.max_removed,
                                       round(params.max_removed_fraction * n_mov)))
    it = since_best = 0
    limit = params.max_iterations
    while limit is None or it < limit:
        now = clock()
        if now >= deadline:
            break
        it += 1
        frac = it / limit if limit else (now - began) / max(1e-9, time_limit_s)
        threshold = params.start_threshold * (cur_cost - s.penalty * len(cur.out)) / served
        threshold *= max(0.0, 1.0 - (frac * params.cycles) % 1.0)
        new = cur.copy()
        q = s.rng.randint(min(params.min_removed, q_hi), q_hi)
        removed = s.ruin(new, q, s.rng.random() < params.related_share)
        todo = s.order(removed + [ri for ri in s.optional_out if ri in new.out
                                  and ri not in removed])
        how = s.rng.random()
        if how < params.regret_share:
            ok = s.regret(new, todo)
        else:
            noisy = how - params.regret_share < params.noise_share * (1 - params.regret_share)
            ok = s.recreate(new, todo, params.noise if noisy else 0.0)
        if not ok:
            continue
        cost = s.total(new)
        if cost < cur_cost + threshold:
            cur, cur_cost = new, cost
        if cost < best_cost:
            if params.polish:
                s.polish(new, deadline)
                cost = s.total(new)
                cur, cur_cost = new, cost
            best, best_cost, since_best = new.copy(), cost, 0
        else:
            since_best += 1
            if since_best >= params.restart_after:
                cur, cur_cost, since_best = best.copy(), best_cost, 0
    if best_cost >= start_cost:
        return plan
    return _to_plan(s, plan, best) or plan


def _to_plan(s: _Search, plan: Plan, best: _State) -> Plan | None:
    """Rebuild ``best`` as a plan through the scheduler; ``None`` if it or the checker refuses."""
    problem = s.problem
    old = {r.vehicle_id: r for r in plan.routes}
    routes: list[Route] = []
    for vi, v in enumerate(problem.vehicles):
        seq = best.seqs[vi]
        if s.frozen[vi] or seq == s.start.seqs[vi]:
            if v.id in old:
                routes.append(old[v.id])
            continue
        if not seq:
            continue
        refs = [StopRef(problem.requests[x >> 1].id,
                        StopKind.DROPOFF if x & 1 else StopKind.PICKUP) for x in seq]
        route = build_route(s._ctx, v.id, refs)
        if route is None:
            return None
        routes.append(route)
    reasons = {u.request_id: u for u in plan.unassigned}
    unassigned = tuple(reasons.get(problem.requests[ri].id)
                       or Unassigned(problem.requests[ri].id, REASON_UNSERVED)
                       for ri in sorted(best.out))
    new = Plan(tuple(routes), unassigned)
    return None if check(problem, new) else new


def plan_cost(problem: Problem, plan: Plan, objective: Objective = Objective()) -> int:
    """Return the search's objective of ``plan`` (routes the search cannot time count 0)."""
    s = _Search(problem, plan, objective, 0)
    return s.total(s.start)
