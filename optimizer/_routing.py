"""Translation between an optimizer ``Problem`` and an OR-Tools routing model.

The model has one start and one end node per vehicle (OR-Tools wants distinct
start nodes; a vehicle in service starts at its live position), a pickup and a
drop-off node per request still to be picked up, and a drop-off-only node per
rider on board. Times inside the model are seconds relative to ``t0`` so that
OR-Tools never handles epoch-sized numbers.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
from ortools.constraint_solver import pywrapcp

from optimizer.model import (
    Plan,
    Problem,
    Promise,
    Request,
    StopKind,
    StopRef,
    TimeWindow,
    Unassigned,
    Vehicle,
    VehicleState,
)

# A node that is a request's pickup or drop-off: (request index, kind).
NodeRef = tuple[int, StopKind]

REASON_CARRY = "no vehicle can carry this party (seats, wheelchair places or service area)"
REASON_WINDOW = "no vehicle can reach it within its time window during its shift"
REASON_UNSERVED = (
    "no vehicle could fit it in without breaking a time window, ride time, capacity or shift"
)


# Above this many nodes the travel matrices are evaluated by Python callbacks.
MATRIX_NODES = 2500


class ModelError(ValueError):
    """The problem cannot be planned at all (e.g. a promised ride no vehicle may carry)."""


@dataclass
class RoutingData:
    """Everything needed to go from an OR-Tools assignment back to a ``Plan``."""

    problem: Problem
    t0: int
    horizon: int
    manager: pywrapcp.RoutingIndexManager
    routing: pywrapcp.RoutingModel
    time: pywrapcp.RoutingDimension
    node_loc: list[int]
    node_service: list[int]
    node_ref: list[NodeRef | None]
    node_seats: list[int]
    node_wheel: list[int]
    pickup_node: dict[int, int]
    dropoff_node: dict[int, int]
    modelled: list[int]
    pre_unassigned: list[Unassigned]
    # Per vehicle: (interval, duration, earliest start, latest start) in epoch seconds.
    breaks: dict[int, list[tuple[pywrapcp.IntervalVar, int, int, int]]] = field(
        default_factory=dict)
    cost_scale: int = 1
    positions: dict[str, int] = field(default_factory=dict)

    def node_of(self, ref: StopRef) -> int | None:
        """Return the model node for a request's stop, or ``None`` if not modelled."""
        if not self.positions:
            self.positions.update((r.id, i) for i, r in enumerate(self.problem.requests))
        idx = self.positions.get(ref.request_id)
        if idx is None:
            return None
        table = self.pickup_node if ref.kind is StopKind.PICKUP else self.dropoff_node
        return table.get(idx)


def _start_of(vehicle: Vehicle, state: VehicleState | None) -> tuple[int, int]:
    if state is None:
        return vehicle.start, vehicle.shift.earliest_s
    return state.location, max(state.available_at_s, vehicle.shift.earliest_s)


def _intersect(a: TimeWindow | None, b: TimeWindow | None) -> TimeWindow | None:
    if a is None:
        return b
    if b is None:
        return a
    lo, hi = max(a.earliest_s, b.earliest_s), min(a.latest_s, b.latest_s)
    if hi < lo:
        msg = f"time windows do not overlap: {a} and {b}"
        raise ModelError(msg)
    return TimeWindow(lo, hi)


@dataclass(frozen=True)
class _Bounds:
    pickup: TimeWindow | None
    dropoff_latest: int | None
    dropoff_earliest: int | None


def _bounds(problem: Problem, req: Request, promises: dict[str, Promise]) -> _Bounds:
    promise = promises.get(req.id)
    pickup = req.pickup_window
    dl = req.dropoff_window.latest_s if req.dropoff_window else None
    de = req.dropoff_window.earliest_s if req.dropoff_window else None
    if promise is not None:
        pickup = _intersect(pickup, promise.pickup_window)
        dl = promise.latest_dropoff_s if dl is None else min(dl, promise.latest_dropoff_s)
    return _Bounds(pickup, dl, de)


def build(problem: Problem, *, unserved_penalty: int, excess_ride_weight: float,
          vehicle_fixed_cost: int = 0) -> RoutingData:
    """Build the OR-Tools routing model of ``problem`` (see the module docstring).

    ``unserved_penalty`` is the objective cost of leaving an optional request
    unserved, in seconds of vehicle travel; ``excess_ride_weight`` the weight of a
    second of passenger ride time against a second of vehicle travel. Raises
    ``ModelError`` when the bounds contradict each other (OR-Tools' bare
    ``Exception("CP Solver fail")`` while the model is built becomes one, so a
    caller can keep its plan instead of crashing).
    """
    try:
        return _build(problem, unserved_penalty=unserved_penalty,
                      excess_ride_weight=excess_ride_weight,
                      vehicle_fixed_cost=vehicle_fixed_cost)
    except ModelError:
        raise
    except Exception as exc:
        if "CP Solver fail" not in str(exc):
            raise
        msg = "the problem's bounds contradict each other (no plan can satisfy them)"
        raise ModelError(msg) from exc


def _build(problem: Problem, *, unserved_penalty: int, excess_ride_weight: float,
           vehicle_fixed_cost: int) -> RoutingData:
    dur = problem.durations_s
    vehicles = problem.vehicles
    states = {s.vehicle_id: s for s in problem.states}
    onboard_of: dict[str, int] = {}
    for vi, v in enumerate(vehicles):
        st = states.get(v.id)
        for ob in st.onboard if st else ():
            onboard_of[ob.request_id] = vi
    promises = {p.request_id: p for p in problem.promises}
    promised = set(promises)
    locked_of: dict[str, int] = {}
    for vi, v in enumerate(vehicles):
        st = states.get(v.id)
        for ref in st.locked if st else ():
            locked_of[ref.request_id] = vi

    starts = [_start_of(v, states.get(v.id)) for v in vehicles]
    times = [t for _, t in starts] + [v.shift.latest_s for v in vehicles]
    for r in problem.requests:
        for w in (r.pickup_window, r.dropoff_window):
            if w is not None:
                times += [w.earliest_s, w.latest_s]
    t0 = min(times) if times else 0
    horizon = max(times) - t0 if times else 0

    node_loc: list[int] = []
    node_service: list[int] = []
    node_ref: list[NodeRef | None] = []
    node_seats: list[int] = []
    node_wheel: list[int] = []
    for vi, v in enumerate(vehicles):
        node_loc += [starts[vi][0], v.end]
        node_service += [0, 0]
        node_ref += [None, None]
        node_seats += [0, 0]
        node_wheel += [0, 0]

    pickup_node: dict[int, int] = {}
    dropoff_node: dict[int, int] = {}
    modelled: list[int] = []
    pre_unassigned: list[Unassigned] = []
    allowed: dict[int, list[int]] = {}
    bounds: dict[int, _Bounds] = {}
    for ri, r in enumerate(problem.requests):
        must = r.id in promised or r.id in onboard_of or r.id in locked_of
        if r.id in onboard_of:
            ok = [onboard_of[r.id]]
        elif r.id in locked_of:
            ok = [locked_of[r.id]] if vehicles[locked_of[r.id]].serves(r) else []
        else:
            ok = [vi for vi, v in enumerate(vehicles) if v.serves(r)]
        b = _bounds(problem, r, promises)
        if r.id not in onboard_of and ok and b.pickup is not None:
            ok = [
                vi for vi in ok
                if starts[vi][1] + int(dur[starts[vi][0], r.pickup]) <= b.pickup.latest_s
                and b.pickup.earliest_s <= vehicles[vi].shift.latest_s
            ]
            reason = REASON_WINDOW
        else:
            reason = REASON_CARRY
        if not ok:
            if must:
                msg = f"request {r.id} must be served but no vehicle can: {reason}"
                raise ModelError(msg)
            pre_unassigned.append(Unassigned(r.id, reason))
            continue
        modelled.append(ri)
        allowed[ri] = ok
        bounds[ri] = b
        if r.id not in onboard_of:
            pickup_node[ri] = len(node_loc)
            node_loc.append(r.pickup)
            node_service.append(r.pickup_service_s)
            node_ref.append((ri, StopKind.PICKUP))
            node_seats.append(r.seats)
            node_wheel.append(r.wheelchairs)
        dropoff_node[ri] = len(node_loc)
        node_loc.append(r.dropoff)
        node_service.append(r.dropoff_service_s)
        node_ref.append((ri, StopKind.DROPOFF))
        node_seats.append(-r.seats)
        node_wheel.append(-r.wheelchairs)

    n = len(node_loc)
    nv = len(vehicles)
    manager = pywrapcp.RoutingIndexManager(
        n, nv, [2 * vi for vi in range(nv)], [2 * vi + 1 for vi in range(nv)]
    )
    routing = pywrapcp.RoutingModel(manager)
    solver = routing.solver()
    cost_scale = 10 if excess_ride_weight > 0 else 1
    # Node-indexed matrices keep every evaluation in C++ (Python callbacks made the
    # local search several times slower); huge models fall back to callbacks.
    locs = np.asarray(node_loc, dtype=np.int64)
    svc = np.asarray(node_service, dtype=np.int64)
    if n <= MATRIX_NODES:
        travel_m = dur[np.ix_(locs, locs)]
        cost_cb = routing.RegisterTransitMatrix((travel_m * cost_scale).tolist())
        time_cb = routing.RegisterTransitMatrix((travel_m + svc[:, None]).tolist())
    else:
        dl = dur.tolist()
        idx_node = [manager.IndexToNode(i) for i in range(routing.Size() + nv)]
        idx_loc = [node_loc[nd] for nd in idx_node]
        cost_cb = routing.RegisterTransitCallback(
            lambda i, j: int(dl[idx_loc[i]][idx_loc[j]]) * cost_scale)
        time_cb = routing.RegisterTransitCallback(
            lambda i, j: node_service[idx_node[i]] + int(dl[idx_loc[i]][idx_loc[j]]))
    routing.SetArcCostEvaluatorOfAllVehicles(cost_cb)
    for vi, v in enumerate(vehicles):
        if v.wheelchairs == 0 or v.wheelchair_place_cost_s <= 0:
            continue
        # A party without a wheelchair costs its place on the arc out of its pickup.
        extra = [v.place_cost_s(problem.requests[ref[0]]) * cost_scale
                 if ref is not None and ref[1] is StopKind.PICKUP else 0 for ref in node_ref]
        if n <= MATRIX_NODES:
            own = travel_m * cost_scale + np.asarray(extra, dtype=np.int64)[:, None]
            routing.SetArcCostEvaluatorOfVehicle(routing.RegisterTransitMatrix(own.tolist()), vi)
        else:
            routing.SetArcCostEvaluatorOfVehicle(routing.RegisterTransitCallback(
                lambda i, j, e=extra: int(dl[idx_loc[i]][idx_loc[j]]) * cost_scale
                + e[idx_node[i]]), vi)
    if vehicle_fixed_cost:
        routing.SetFixedCostOfAllVehicles(vehicle_fixed_cost * cost_scale)
    routing.AddDimension(time_cb, horizon, horizon, False, "time")
    time = routing.GetDimensionOrDie("time")

    seats_cb = routing.RegisterUnaryTransitVector(node_seats)
    seats0 = [_onboard_load(problem, states.get(v.id), "seats") for v in vehicles]
    routing.AddDimensionWithVehicleCapacity(
        seats_cb, 0, [v.seats for v in vehicles], False, "seats"
    )
    dims = [("seats", seats0)]
    if any(node_wheel):
        wheel_cb = routing.RegisterUnaryTransitVector(node_wheel)
        routing.AddDimensionWithVehicleCapacity(
            wheel_cb, 0, [v.wheelchairs for v in vehicles], False, "wheelchairs"
        )
        dims.append(("wheelchairs", [_onboard_load(problem, states.get(v.id), "wheelchairs")
                                     for v in vehicles]))
    for name, loads in dims:
        dim = routing.GetDimensionOrDie(name)
        for vi in range(nv):
            dim.CumulVar(routing.Start(vi)).SetValue(loads[vi])

    for vi, v in enumerate(vehicles):
        start_t = starts[vi][1] - t0
        time.CumulVar(routing.Start(vi)).SetRange(start_t, max(start_t, v.shift.latest_s - t0))
        time.CumulVar(routing.End(vi)).SetRange(start_t, max(start_t, v.shift.latest_s - t0))
        if v.max_duration_s is not None:
            time.SetSpanUpperBoundForVehicle(v.max_duration_s, vi)

    data = RoutingData(
        problem, t0, horizon, manager, routing, time, node_loc, node_service, node_ref,
        node_seats, node_wheel, pickup_node, dropoff_node, modelled, pre_unassigned,
        cost_scale=cost_scale,
    )
    weight = round(excess_ride_weight * cost_scale)
    onboard_pick = {ob.request_id: ob.picked_up_s for s in problem.states for ob in s.onboard}
    for ri in modelled:
        r = problem.requests[ri]
        b = bounds[ri]
        d_idx = manager.NodeToIndex(dropoff_node[ri])
        max_ride = problem.max_ride_s(r)
        must = r.id in promised or r.id in onboard_of or r.id in locked_of
        d_cum = time.CumulVar(d_idx)
        if b.dropoff_latest is not None:
            d_cum.SetMax(b.dropoff_latest - t0)
        if b.dropoff_earliest is not None:
            d_cum.SetMin(b.dropoff_earliest - t0)
        _allow(routing, d_idx, allowed[ri], nv, must)
        if ri not in pickup_node:
            latest = onboard_pick[r.id] + r.pickup_service_s + max_ride - t0
            if latest < d_cum.Min():
                # reality broke the rule (a long delay): the model cannot keep it
                msg = f"rider {r.id} on board can no longer be dropped off within the ride time"
                raise ModelError(msg)
            d_cum.SetMax(min(d_cum.Max(), latest))
            continue
        p_idx = manager.NodeToIndex(pickup_node[ri])
        p_cum = time.CumulVar(p_idx)
        if b.pickup is not None:
            p_cum.SetRange(b.pickup.earliest_s - t0, b.pickup.latest_s - t0)
        _allow(routing, p_idx, allowed[ri], nv, must)
        routing.AddPickupAndDelivery(p_idx, d_idx)
        solver.Add(routing.VehicleVar(p_idx) == routing.VehicleVar(d_idx))
        # Ride time = drop-off service start - pickup departure <= max_ride.
        time.AddNodePrecedence(d_idx, p_idx, -(max_ride + r.pickup_service_s))
        time.AddNodePrecedence(p_idx, d_idx, r.pickup_service_s + int(dur[r.pickup, r.dropoff]))
        if not must:
            routing.AddDisjunction([p_idx], unserved_penalty * cost_scale)
            routing.AddDisjunction([d_idx], unserved_penalty * cost_scale)
        if weight > 0:
            # Linear cost weight * (cumul(d) - cumul(p)) + a per-request constant.
            # Both bounds are always active, so their sum is weight * (cumul(d) -
            # cumul(p)) plus the small constant weight * (p_hi - d_lo).
            p_hi = int(p_cum.Max())
            d_lo = max(int(d_cum.Min()),
                       int(p_cum.Min()) + r.pickup_service_s + int(dur[r.pickup, r.dropoff]))
            time.SetCumulVarSoftLowerBound(p_idx, p_hi, weight)
            time.SetCumulVarSoftUpperBound(d_idx, d_lo, weight)

    _lock(data, states)
    _add_breaks(data, starts)
    for vi in range(nv):
        routing.AddVariableMinimizedByFinalizer(time.CumulVar(routing.End(vi)))
        routing.AddVariableMaximizedByFinalizer(time.CumulVar(routing.Start(vi)))
    return data


def _allow(routing: pywrapcp.RoutingModel, index: int, vehicles: list[int], nv: int,
           must: bool) -> None:
    # SetAllowedVehiclesForIndex's Python binding rejects every list in OR-Tools
    # 9.15, so restrict the vehicle variable itself (-1 = not performed).
    if len(vehicles) < nv:
        routing.VehicleVar(index).SetValues(vehicles if must else [-1, *vehicles])


def _onboard_load(problem: Problem, state: VehicleState | None, what: str) -> int:
    if state is None:
        return 0
    return sum(getattr(problem.request(ob.request_id), what) for ob in state.onboard)


def _lock(data: RoutingData, states: dict[str, VehicleState]) -> None:
    routing, manager = data.routing, data.manager
    for vi, v in enumerate(data.problem.vehicles):
        st = states.get(v.id)
        if st is None or not st.locked:
            continue
        prev = routing.Start(vi)
        for ref in st.locked:
            node = data.node_of(ref)
            if node is None:
                continue
            idx = manager.NodeToIndex(node)
            routing.NextVar(prev).SetValues([idx])
            prev = idx


def _add_breaks(data: RoutingData, starts: list[tuple[int, int]]) -> None:
    problem, routing, solver = data.problem, data.routing, data.routing.solver()
    states = {s.vehicle_id: s for s in problem.states}
    visit = [data.node_service[data.manager.IndexToNode(i)] for i in range(routing.Size())]
    visit += [0] * (routing.Size() + len(problem.vehicles) - len(visit))
    visit_by_node = [0] * len(data.node_loc)
    for i in range(routing.Size()):
        visit_by_node[data.manager.IndexToNode(i)] = visit[i]
    for vi, v in enumerate(problem.vehicles):
        st = states.get(v.id)
        todo = v.breaks[st.breaks_taken if st else 0:]
        intervals = []
        for k, br in enumerate(todo):
            lo = max(br.window.earliest_s, starts[vi][1]) - data.t0
            hi = br.window.latest_s - data.t0
            if hi < lo:
                continue  # the window has passed: nothing left to plan
            iv = solver.FixedDurationIntervalVar(lo, hi, br.duration_s, False, f"break_{vi}_{k}")
            intervals.append(iv)
            data.breaks.setdefault(vi, []).append(
                (iv, br.duration_s, lo + data.t0, hi + data.t0))
            routing.AddIntervalToAssignment(iv)
        if intervals:
            data.time.SetBreakIntervalsOfVehicle(intervals, vi, visit_by_node)


def routes_of(data: RoutingData, assignment: pywrapcp.Assignment) -> list[list[int]]:
    """Return each vehicle's visited model nodes in order (start and end left out)."""
    routing, manager = data.routing, data.manager
    out = []
    for vi in range(len(data.problem.vehicles)):
        idx = assignment.Value(routing.NextVar(routing.Start(vi)))
        nodes = []
        while not routing.IsEnd(idx):
            nodes.append(manager.IndexToNode(idx))
            idx = assignment.Value(routing.NextVar(idx))
        out.append(nodes)
    return out


def plan_routes(data: RoutingData, plan: Plan) -> list[list[int]]:
    """Return ``plan``'s routes as model nodes per vehicle (for a warm start)."""
    by_vehicle = {r.vehicle_id: r for r in plan.routes}
    out: list[list[int]] = []
    for v in data.problem.vehicles:
        route = by_vehicle.get(v.id)
        nodes: list[int] = []
        for s in route.stops if route else ():
            if s.request_id is None or s.kind not in (StopKind.PICKUP, StopKind.DROPOFF):
                continue
            node = data.node_of(StopRef(s.request_id, s.kind))
            if node is not None:
                nodes.append(node)
        out.append(nodes)
    return out


def read_routes(data: RoutingData, routes: Sequence[Sequence[int]]) -> pywrapcp.Assignment | None:
    """Return an assignment for routes of model nodes, or ``None`` if OR-Tools rejects it."""
    idx_routes = [[data.manager.NodeToIndex(n) for n in r] for r in routes]
    return data.routing.ReadAssignmentFromRoutes(idx_routes, True)
