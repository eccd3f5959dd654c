"""``EngineConfig``: the dispatch engine's own settings (built from the service settings)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class EngineConfig:
    """Service rules and time budgets of the live engine.

    A "depart at T" request may be picked up in ``[T, T + flex_s]``; an "arrive
    by T" request dropped off in ``[T - flex_s, T]``. The rider is promised a
    pickup window ``promise_width_s`` wide around the estimate. Offers are held
    ``offer_hold_s``. A cancellation less than ``late_cancel_notice_s`` before the
    promised window is flagged late. A vehicle more than ``late_alert_s`` behind
    a promise raises an alert and the rider gets a new time. A position report
    that puts a vehicle on its way less than ``position_noise_s`` behind its plan
    is taken as GPS and travel-time noise: the plan's times stand. A vehicle is on
    its way to its next pickup (the ride ``en_route``) from ``departure_lead_s``
    before the latest time it can set off for it. The background
    re-optimisation runs for ``reoptimize_time_limit_s``; with
    ``reoptimize_max_rounds`` it is bounded by work instead (the time limit stays a
    cap) and reproducible for a seed, leaving out the time-bounded OR-Tools warm start.
    """

    timezone: str = "Asia/Tokyo"
    flex_s: int = 1800
    promise_width_s: int = 900
    offer_hold_s: int = 300
    late_cancel_notice_s: int = 3600
    service_s: int = 60
    extra_service_s: int = 180
    late_alert_s: int = 300
    position_noise_s: int = 60
    departure_lead_s: int = 60
    ride_factor: float = 1.5
    ride_offset_s: int = 600
    ride_cap_s: int = 5400
    alternatives_step_s: int = 1800
    alternatives_max_shift_s: int = 7200
    max_alternatives: int = 3
    reoptimize_time_limit_s: float = 2.0
    reoptimize_max_rounds: int | None = None
    seed: int = 0

    def __post_init__(self) -> None:
        if self.flex_s < 0 or self.promise_width_s <= 0 or self.offer_hold_s <= 0:
            msg = "EngineConfig: flex_s must be >= 0, promise_width_s and offer_hold_s > 0"
            raise ValueError(msg)
        if self.reoptimize_max_rounds is not None and self.reoptimize_max_rounds < 1:
            msg = "EngineConfig: reoptimize_max_rounds must be None or at least 1"
            raise ValueError(msg)
