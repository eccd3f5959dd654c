"""Instant quotes: the cheapest feasible insertion of a new request into the current plan.

Every vehicle and every pair of positions (pickup after stop ``i``, drop-off
after stop ``j >= i``) is considered (the pruned search is in
:mod:`optimizer.positions`); the quote carries the promise to make (a pickup
window around the estimate, and a latest drop-off) and the plan that keeps it.
When nothing fits, the refusal lists the nearest shifted times that would.
Nothing here breaks an existing promise.
"""

from __future__ import annotations

from dataclasses import dataclass

from optimizer.model import (
    Plan,
    Problem,
    ProblemError,
    Promise,
    Request,
    TimeWindow,
    Unassigned,
)
from optimizer.params import QuoteParams
from optimizer.positions import _index, _RouteArrays, best_insertion, replace_route
from optimizer.schedule import Context, context

__all__ = ["Alternative", "DayBook", "Quote", "QuoteRefusal", "accept", "best_insertion",
           "quote", "quote_in", "replace_route", "unassign"]


@dataclass(frozen=True)
class Quote:
    """A feasible offer: the promise to make, the estimates, and the plan that keeps it.

    ``added_travel_s`` is the extra vehicle travel time the insertion costs.
    """

    request_id: str
    vehicle_id: str
    promise: Promise
    estimated_pickup_s: int
    estimated_dropoff_s: int
    plan: Plan
    added_travel_s: int = 0


@dataclass(frozen=True)
class Alternative:
    """Another time that would fit: the pickup window to offer and the estimated drop-off."""

    pickup_window: TimeWindow
    estimated_dropoff_s: int


@dataclass(frozen=True)
class QuoteRefusal:
    """No vehicle can take the request as asked; ``alternatives`` are the nearest times that fit."""

    reason: str
    alternatives: tuple[Alternative, ...] = ()


def quote(
    problem: Problem, plan: Plan, request: Request, *, params: QuoteParams = QuoteParams()
) -> Quote | QuoteRefusal:
    """Offer ``request`` the cheapest insertion that keeps every promise, or refuse.

    The request may or may not already be listed in ``problem`` (an unassigned
    request is re-quoted the same way). The returned plan serves it; the promise
    is the pickup window to tell the rider and the latest drop-off. A refusal
    carries up to ``params.max_alternatives`` nearest feasible shifted times.
    To book it, build the next problem with :func:`accept`.
    """
    return quote_in(context(problem), plan, request, params)


def quote_in(
    ctx: Context, plan: Plan, request: Request, params: QuoteParams
) -> Quote | QuoteRefusal:
    """:func:`quote` on a prepared context (see :class:`DayBook`)."""
    n = len(ctx.dur)
    if not (0 <= request.pickup < n and 0 <= request.dropoff < n):
        msg = f"request {request.id}: location index out of range 0..{n - 1}"
        raise ProblemError(msg)
    if not any(v.serves(request) for v in ctx.problem.vehicles):
        return QuoteRefusal("no vehicle can carry this party (seats, wheelchair places or area)")
    got = _try(ctx, plan, request, params)
    if got is not None:
        return got
    return QuoteRefusal("no vehicle can fit this trip at the requested time",
                        _alternatives(ctx, plan, request, params))


def _try(
    ctx: Context, plan: Plan, request: Request, params: QuoteParams, *, shifted: bool = False
) -> Quote | None:
    known = ctx.extra.get(request.id)
    if known is None and request.id in ctx.problem._request_index():
        known = ctx.problem.request(request.id)
    if known is not None and not shifted:
        if known != request:
            msg = f"request {request.id} differs from the one in the problem"
            raise ValueError(msg)
        served = None if request.id in _index(plan)[1] else plan.vehicle_of(request.id)
        if served is not None:
            msg = f"request {request.id} is already served by {served}"
            raise ValueError(msg)
        return _best_quote(ctx, plan, request, params)
    saved = ctx.extra.get(request.id)
    ctx.extra[request.id] = request
    ctx._info.pop(request.id, None)
    try:
        return _best_quote(ctx, plan, request, params)
    finally:
        if saved is None:
            del ctx.extra[request.id]
        else:
            ctx.extra[request.id] = saved
        ctx._info.pop(request.id, None)


def _best_quote(ctx: Context, plan: Plan, request: Request, params: QuoteParams) -> Quote | None:
    info = ctx.info(request.id)
    best = best_insertion(ctx, plan, request, info, params.max_verifications)
    if best is None:
        return None
    cost, route = best
    cost -= next(v for v in ctx.problem.vehicles if v.id == route.vehicle_id).place_cost_s(request)
    pick = next(s for s in route.stops if s.request_id == request.id)
    drop = next(s for s in route.stops if s.request_id == request.id and s is not pick)
    start = max(info.e_p, pick.start_s - params.promise_lead_s)
    end = max(pick.start_s, min(info.l_p, start + params.promise_width_s))
    latest_drop = min(info.l_d, end + info.s_p + info.max_ride)
    promise = Promise(request.id, TimeWindow(start, end), max(latest_drop, drop.start_s))
    return Quote(request.id, route.vehicle_id, promise, pick.start_s, drop.start_s,
                 replace_route(plan, route), cost)


def _alternatives(
    ctx: Context, plan: Plan, request: Request, params: QuoteParams
) -> tuple[Alternative, ...]:
    out: list[Alternative] = []
    step = params.alternative_step_s
    k = 1
    while k * step <= params.alternative_max_shift_s and len(out) < params.max_alternatives:
        for shift in (-k * step, k * step):
            moved = _shifted(request, shift)
            got = _try(ctx, plan, moved, params, shifted=True)
            if got is not None and len(out) < params.max_alternatives:
                out.append(Alternative(got.promise.pickup_window, got.estimated_dropoff_s))
        k += 1
    return tuple(out)


def _shifted(r: Request, shift: int) -> Request:
    def move(w: TimeWindow | None) -> TimeWindow | None:
        return None if w is None else TimeWindow(w.earliest_s + shift, w.latest_s + shift)

    return Request(r.id, r.pickup, r.dropoff, move(r.pickup_window), move(r.dropoff_window),
                   r.seats, r.wheelchairs, r.pickup_service_s, r.dropoff_service_s,
                   r.max_ride_s, r.areas)


def accept(problem: Problem, quote: Quote, request: Request) -> Problem:
    """Return ``problem`` with the quoted request and its promise added (a confirmed booking).

    Cached per-route data of the routes that did not change is carried over, so a
    day filled by successive quotes stays fast.
    """
    requests = problem.requests
    if request.id not in problem._request_index():
        requests = (*requests, request)
    promises = tuple(p for p in problem.promises if p.request_id != request.id)
    new = problem.replace(requests=requests, promises=(*promises, quote.promise))
    old_ctx = context(problem)
    ctx = Context(new, base=old_ctx)
    old_arrays: dict[int, _RouteArrays] = old_ctx.__dict__.get("route_arrays", {})
    ctx.__dict__["route_arrays"] = {
        id(r): old_arrays[id(r)] for r in quote.plan.routes if id(r) in old_arrays
    }
    object.__setattr__(new, "_opt_ctx", ctx)
    return new


def unassign(plan: Plan, request_id: str, reason: str) -> Plan:
    """Return ``plan`` with ``request_id`` listed as unassigned (it must not be routed)."""
    return Plan(plan.routes, (*plan.unassigned, Unassigned(request_id, reason)))


class DayBook:
    """A day being filled by successive bookings, kept fast by updating one context in place.

    ``quote`` works as :func:`quote` against the current plan; ``accept`` books
    the latest quote (its request and promise join the context, its plan becomes
    the current plan) without rebuilding the problem; ``to_problem`` returns the
    equivalent :class:`Problem`. Accept only a quote made on the current plan.
    """

    def __init__(self, problem: Problem, plan: Plan) -> None:
        self.ctx = Context(problem)
        self.plan = plan
        self._requests: dict[str, Request] = {}
        self._promises: dict[str, Promise] = {}

    def quote(
        self, request: Request, *, params: QuoteParams = QuoteParams()
    ) -> Quote | QuoteRefusal:
        """Quote ``request`` against the current plan."""
        return quote_in(self.ctx, self.plan, request, params)

    def accept(self, quote: Quote, request: Request) -> None:
        """Book ``quote`` for ``request``: keep its promise from now on."""
        if quote.request_id != request.id:
            msg = f"quote is for {quote.request_id}, not {request.id}"
            raise ValueError(msg)
        self.ctx.extra[request.id] = request
        self.ctx.promises[request.id] = quote.promise
        self.ctx._info.pop(request.id, None)
        self.plan = quote.plan
        self._requests[request.id] = request
        self._promises[request.id] = quote.promise

    def to_problem(self) -> Problem:
        """Return the problem with every accepted request and promise."""
        p = self.ctx.problem
        known = p._request_index()
        requests = (*p.requests, *(r for rid, r in self._requests.items() if rid not in known))
        promises = (*(x for x in p.promises if x.request_id not in self._promises),
                    *self._promises.values())
        return p.replace(requests=requests, promises=promises)
