"""Small frozen parameter sets for quoting and re-optimization (passed in, never global)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class QuoteParams:
    """How instant quotes are made and what they promise.

    ``promise_width_s`` is the width of the promised pickup window; it opens
    ``promise_lead_s`` before the estimated pickup (clipped to the request's own
    window), which leaves most of the width for later insertions. When nothing
    fits, alternatives are searched ``alternative_step_s`` apart, earlier and
    later, up to ``alternative_max_shift_s``; at most ``max_alternatives`` are
    returned. ``max_verifications`` caps how many of the cheapest candidate
    insertions are fully rescheduled before giving up.
    """

    promise_width_s: int = 900
    promise_lead_s: int = 120
    alternative_step_s: int = 900
    alternative_max_shift_s: int = 3600
    max_alternatives: int = 3
    max_verifications: int = 200


@dataclass(frozen=True)
class ReoptParams:
    """How the insertion-based improvement moves requests between and within routes.

    ``use_solver`` also tries ``optimizer.solver.solve`` warm-started from the
    current plan with ``solver_share`` of the time budget; ``darp_share`` of
    that goes to the dial-a-ride search after OR-Tools (0, the default, leaves
    it out). Without the solver (a re-optimisation bounded by rounds) a positive
    ``darp_share`` runs the search alone from the improved plan, for at most
    ``darp_max_iterations`` iterations (the same plan for a seed on every run)
    within that share of the time left.
    """

    use_solver: bool = True
    solver_share: float = 0.5
    unassigned_penalty_s: int = 100_000
    darp_share: float = 0.0
    darp_max_iterations: int | None = None


@dataclass(frozen=True)
class DarpSearchParams:
    """The dial-a-ride local search run after OR-Tools' plan (``optimizer.darp_search``).

    ``share`` is the part of ``solve``'s time limit the search gets (OR-Tools
    keeps the rest for the first plan); 0 turns it off. Each iteration removes
    between ``min_removed`` and ``max_removed_fraction`` of the movable requests
    (at most ``max_removed``), by random or related removal (``related_share``
    of the iterations), and re-inserts them at their cheapest feasible
    positions, greedily or by regret (``regret_share`` of the iterations); a
    greedy insertion has ``noise_share`` chances of seeing costs blurred by up
    to ``noise`` (a fraction). A new plan is accepted when it costs less than the current one plus a
    threshold that falls linearly to 0, ``cycles`` times over the search
    (deterministic annealing); the threshold starts at ``start_threshold``
    times the current cost per served request. After ``restart_after``
    iterations without a new best the search goes back to the best plan. With
    ``polish`` each new best plan is improved by moving single requests first.
    ``max_iterations`` bounds the search by work (the same plan on a busy
    machine as on an idle one; the time limit stays a ceiling); ``None`` leaves
    only the time limit. The defaults are generic, not tuned to one instance.
    """

    share: float = 0.0
    min_removed: int = 2
    max_removed_fraction: float = 0.4
    max_removed: int = 15
    related_share: float = 0.5
    regret_share: float = 0.5
    noise_share: float = 0.5
    noise: float = 0.1
    start_threshold: float = 0.5
    cycles: int = 4
    restart_after: int = 1000
    polish: bool = True
    max_iterations: int | None = None
