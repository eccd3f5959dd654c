"""Ruin-and-recreate large-neighbourhood search, run inside OR-Tools.

OR-Tools' iterated local search repeatedly removes a set of nearby visits (a
random walk from a random visit through its neighbours), re-inserts them by
cheapest insertion, improves the result by local search and accepts it by
simulated annealing with automatic temperatures; the best plan is kept.

Measured on the Cordeau instances (see ``noriai bench darp``): string removal
(SISR) got stuck, apparently because it splits pickup-delivery pairs; a
Python loop around OR-Tools managed only a few rounds per second and did worse
than guided local search. The random walk reaches the optimum of the small
instances; on the large ones OR-Tools' first local-search descent takes much of
a 10 s budget, which is where the remaining gap comes from.
"""

from __future__ import annotations

from ortools.constraint_solver import pywrapcp, routing_enums_pb2, routing_ils_pb2
from ortools.util import optional_boolean_pb2

from optimizer._routing import RoutingData

# Visits removed per round: this fraction of the stops, clamped to [MIN, MAX].
# Generic values (not tuned to one instance set).
REMOVED_FRACTION = 0.15
MIN_REMOVED = 6
MAX_REMOVED = 30


def configure(sp: pywrapcp.DefaultRoutingSearchParameters, n_stops: int) -> None:
    """Turn ``sp`` into ruin-and-recreate iterated-local-search parameters."""
    sp.local_search_metaheuristic = routing_enums_pb2.LocalSearchMetaheuristic.GREEDY_DESCENT
    # Moving a pair to every pickup x drop-off position costs O(pairs x stops^2)
    # per scan; with tight windows almost all are rejected and the first descent
    # alone ate a 10 s budget. The lighter pair moves (light relocate, subtrip
    # relocate/exchange) and ruin-and-recreate cover the same ground faster.
    sp.local_search_operators.use_relocate_pair = optional_boolean_pb2.BOOL_FALSE
    ils = sp.iterated_local_search_parameters
    ils.perturbation_strategy = routing_ils_pb2.PerturbationStrategy.RUIN_AND_RECREATE
    rr = ils.ruin_recreate_parameters
    del rr.ruin_strategies[:]
    removed = max(MIN_REMOVED, min(MAX_REMOVED, round(REMOVED_FRACTION * n_stops)))
    rr.ruin_strategies.add().random_walk.num_removed_visits = removed
    rr.ruin_composition_strategy = routing_ils_pb2.RuinCompositionStrategy.RUN_ONE_RANDOMLY
    ils.improve_perturbed_solution = True
    ils.reference_solution_acceptance_strategy.simulated_annealing.automatic_temperatures = True


def search(data: RoutingData, sp: pywrapcp.DefaultRoutingSearchParameters
           ) -> pywrapcp.Assignment | None:
    """Run the ruin-and-recreate search on the closed model; the best assignment or ``None``."""
    return data.routing.SolveWithIteratedLocalSearch(sp)
