"""Day-ahead solve: the OR-Tools dial-a-ride model with a ruin-and-recreate loop around it.

``solve`` builds the routing model of a ``Problem`` (see ``optimizer._routing``),
finds a first plan with OR-Tools and improves it with a ruin-and-recreate
large-neighbourhood search (``optimizer.lns``) until the time limit, then (when
``SolveParams.darp.share`` is positive) with the dial-a-ride local search of
``optimizer.darp_search`` for that share of the time, and returns the best plan
found with full schedules and the requests it leaves unserved (with a reason).
"""

from __future__ import annotations

import time as _time
from dataclasses import dataclass, field

from ortools.constraint_solver import pywrapcp, routing_enums_pb2

from optimizer import _routing, darp_search, lns
from optimizer._routing import ModelError
from optimizer._routing_plan import to_plan
from optimizer.model import Plan, Problem, Unassigned
from optimizer.params import DarpSearchParams
from optimizer.repair import feasible_part

__all__ = ["ModelError", "NoSolution", "SolveParams", "solve"]


class NoSolution(RuntimeError):
    """No plan serving every promised ride was found within the time limit."""


@dataclass(frozen=True)
class SolveParams:
    """Tuning of ``solve``.

    ``unserved_penalty_s`` is what leaving an optional request unserved costs, in
    seconds of vehicle travel; ``excess_ride_weight`` weighs a second of passenger
    ride time against a second of vehicle travel (0 turns it off and makes the
    search faster); ``vehicle_fixed_cost_s`` is charged once per vehicle used.
    ``first_solution`` and ``metaheuristic`` name OR-Tools strategies; ``lns``
    turns on the ruin-and-recreate loop; ``plain`` uses OR-Tools' default search
    settings and nothing else (the benchmarks' baseline). ``solution_limit``
    bounds the search by work instead of wall time: it stops after that many
    solutions, so a busy machine gets the same plan as an idle one (the time
    limit still applies as a ceiling). ``darp`` runs the dial-a-ride local search
    (``optimizer.darp_search``) after OR-Tools with ``darp.share`` of the time.
    """

    unserved_penalty_s: int = 86_400
    excess_ride_weight: float = 0.1
    vehicle_fixed_cost_s: int = 0
    first_solution: str = "PARALLEL_CHEAPEST_INSERTION"
    metaheuristic: str = "GUIDED_LOCAL_SEARCH"
    lns: bool = True
    plain: bool = False
    solution_limit: int | None = None
    darp: DarpSearchParams = field(default_factory=DarpSearchParams)


def search_parameters(
    params: SolveParams, time_limit_s: float
) -> pywrapcp.DefaultRoutingSearchParameters:
    """Return OR-Tools search parameters for ``params`` and a time limit in seconds."""
    sp = pywrapcp.DefaultRoutingSearchParameters()
    sp.time_limit.FromMilliseconds(max(1, int(time_limit_s * 1000)))
    if params.solution_limit is not None:
        sp.solution_limit = params.solution_limit
    if params.plain:
        return sp
    strategy = routing_enums_pb2.FirstSolutionStrategy.Value
    meta = routing_enums_pb2.LocalSearchMetaheuristic.Value
    sp.first_solution_strategy = strategy.Value(params.first_solution)
    sp.local_search_metaheuristic = meta.Value(params.metaheuristic)
    return sp


def solve(
    problem: Problem,
    *,
    params: SolveParams = SolveParams(),
    time_limit_s: float = 10.0,
    seed: int = 0,
    initial: Plan | None = None,
) -> Plan:
    """Plan ``problem``: every promised ride served with its promise kept, others if worth it.

    Runs for at most about ``time_limit_s`` seconds and returns the best plan found;
    OR-Tools' search is deterministic given its settings (its ruin-and-recreate
    draws from its own fixed-seed generator); ``seed`` seeds the dial-a-ride
    search (``params.darp``), whose plan is the same for the same seed when
    ``params.darp.max_iterations`` bounds it; ``initial`` warm-starts from a
    previous plan (its stops that no longer exist are ignored), and the result is
    never worse than it while it is still feasible (otherwise the search starts
    afresh). Raises ``ModelError`` when a promised ride cannot be
    served by any vehicle at all, ``NoSolution`` when no plan keeping every
    promise was found in time.
    """
    if not problem.vehicles:
        return _without_vehicles(problem)
    final_deadline = _time.monotonic() + time_limit_s
    share = 0.0 if params.plain else min(0.95, max(0.0, params.darp.share))
    deadline = final_deadline - share * time_limit_s
    data = _routing.build(
        problem,
        unserved_penalty=params.unserved_penalty_s,
        excess_ride_weight=0.0 if params.plain else params.excess_ride_weight,
        vehicle_fixed_cost=params.vehicle_fixed_cost_s,
    )
    routing = data.routing
    sp = search_parameters(params, max(0.05, deadline - _time.monotonic()))
    # OR-Tools 9.15's iterated local search never returns (time limit ignored) when
    # most vehicles have no request to carry (seen with 16+ vehicles and under 9
    # requests), so it runs only when there are at least as many requests as
    # vehicles; otherwise guided local search does the work.
    use_lns = (params.lns and not params.plain and initial is None
               and 0 < len(problem.vehicles) <= len(data.modelled))
    if use_lns:
        lns.configure(sp, len(data.node_loc) - 2 * len(problem.vehicles))
    routing.CloseModelWithParameters(sp)
    assignment = None
    if initial is not None:
        # OR-Tools' ruin-and-recreate cannot start from a given plan: guided local
        # search from it instead, which never returns anything worse.
        start = _routing.read_routes(data, _routing.plan_routes(data, initial))
        if start is not None:
            assignment = routing.SolveFromAssignmentWithParameters(start, sp)
    if assignment is None:
        sp.time_limit.FromMilliseconds(max(50, int((deadline - _time.monotonic()) * 1000)))
        assignment = lns.search(data, sp) if use_lns else routing.SolveWithParameters(sp)
    bound_ids = _bound_requests(problem)
    if assignment is None and share > 0 and not bound_ids:
        # OR-Tools found nothing in its part of the time (a busy machine): nothing
        # is promised, so the dial-a-ride search starts from an empty plan instead
        plan = Plan((), tuple(data.pre_unassigned) + tuple(
            Unassigned(problem.requests[ri].id, _routing.REASON_UNSERVED)
            for ri in data.modelled))
    elif assignment is None:
        msg = "no plan that serves every promised ride was found within the time limit"
        raise NoSolution(msg)
    else:
        plan, dropped = feasible_part(problem, to_plan(data, assignment))
        bound = bound_ids & set(dropped)
        if bound:
            msg = f"the plan found cannot keep the promise of {', '.join(sorted(bound))} in time"
            raise NoSolution(msg)
    if share > 0:
        objective = darp_search.Objective(
            excess_ride_weight=params.excess_ride_weight,
            vehicle_fixed_cost_s=params.vehicle_fixed_cost_s,
            unserved_penalty_s=params.unserved_penalty_s)
        plan = darp_search.search(problem, plan, params=params.darp, objective=objective,
                                  time_limit_s=max(0.0, final_deadline - _time.monotonic()),
                                  seed=seed)
    return plan


def _bound_requests(problem: Problem) -> set[str]:
    """Requests a plan must serve: promised, on board, or locked to a vehicle."""
    ids = {p.request_id for p in problem.promises}
    for state in problem.states:
        ids |= {ob.request_id for ob in state.onboard}
        ids |= {ref.request_id for ref in state.locked}
    return ids


def _without_vehicles(problem: Problem) -> Plan:
    # OR-Tools aborts the whole process on a model with no vehicle, so the
    # trivial answer is given here: nothing can be served.
    if problem.promises:
        msg = "no vehicle is available for the promised rides"
        raise ModelError(msg)
    return Plan(
        routes=(),
        unassigned=tuple(Unassigned(r.id, "no vehicle available") for r in problem.requests),
    )
