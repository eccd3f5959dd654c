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
    current plan with ``solver_share`` of the time budget.
    """

    use_solver: bool = True
    solver_share: float = 0.5
    unassigned_penalty_s: int = 100_000
