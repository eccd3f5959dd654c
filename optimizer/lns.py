"""Ruin-and-recreate large-neighbourhood search, run inside OR-Tools.

OR-Tools' iterated local search repeatedly removes a string of related visits
(SISR: consecutive stops on routes near a random seed stop), re-inserts them by
cheapest insertion, improves the result by local search and accepts it by
simulated annealing with automatic temperatures; the best plan is kept. Doing
this in C++ gives far more rounds within a budget than a Python loop calling
OR-Tools (measured on the Cordeau instances: a Python loop around OR-Tools
managed only a few rounds per second and did worse than guided local search).
"""

from __future__ import annotations

from ortools.constraint_solver import pywrapcp, routing_enums_pb2, routing_ils_pb2

from optimizer._routing import RoutingData

# Removed visits per round, as a fraction of the stops (clamped to [4, 20]), and the
# longest string taken from one route: generic values, not tuned to an instance set.
REMOVED_FRACTION = 0.07
MAX_STRING = 10


def configure(sp: pywrapcp.DefaultRoutingSearchParameters, n_stops: int) -> None:
    """Turn ``sp`` into ruin-and-recreate iterated-local-search parameters."""
    sp.local_search_metaheuristic = routing_enums_pb2.LocalSearchMetaheuristic.GREEDY_DESCENT
    ils = sp.iterated_local_search_parameters
    ils.perturbation_strategy = routing_ils_pb2.PerturbationStrategy.RUIN_AND_RECREATE
    rr = ils.ruin_recreate_parameters
    del rr.ruin_strategies[:]
    ruin = rr.ruin_strategies.add()
    ruin.sisr.max_removed_sequence_size = MAX_STRING
    ruin.sisr.avg_num_removed_visits = max(4, min(20, round(REMOVED_FRACTION * n_stops)))
    ruin.sisr.bypass_factor = 0.01
    rr.ruin_composition_strategy = routing_ils_pb2.RuinCompositionStrategy.RUN_ONE_RANDOMLY
    ils.improve_perturbed_solution = True
    sa = ils.reference_solution_acceptance_strategy.simulated_annealing
    sa.automatic_temperatures = True


def search(data: RoutingData, sp: pywrapcp.DefaultRoutingSearchParameters
           ) -> pywrapcp.Assignment | None:
    """Run the ruin-and-recreate search on the closed model; the best assignment or ``None``."""
    return data.routing.SolveWithIteratedLocalSearch(sp)
