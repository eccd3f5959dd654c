"""``EngineConfig``: the dispatch engine's own settings (built from the service settings)."""

from __future__ import annotations

from dataclasses import dataclass, field

from dispatch.calendar import ServiceCalendar


@dataclass(frozen=True)
class TapReason:
    """A reason the driver may pick for 到着 away from the stop (``code`` is stored)."""

    code: str
    label_ja: str
    label_en: str


@dataclass(frozen=True)
class TapRules:
    """Guards on the driver's taps, so a mis-tap cannot hurt a rider (city file ``[driver_taps]``).

    到着 is accepted within ``arrive_radius_m`` of the pickup, measured from the
    tap's own GPS fix or else the vehicle's last GPS report if at most
    ``gps_max_age_s`` old; farther away only with one of ``arrive_reasons``
    (with no recent fix at all, only with a reason when ``arrive_without_gps``
    is ``"reason"``; ``"allow"`` accepts it). ``arrive_radius_m`` None switches
    the geofence off. 不在 is accepted only on an arrived ride, ``no_show_wait_s``
    after the later of the arrival and the pickup window's start. With
    ``boarded_needs_arrived`` 乗車 needs 到着 first. The vehicle's last tap can be
    undone for ``undo_s`` seconds (0: never). The defaults are the permissive
    rules of old; the service takes its rules from the city file.
    """

    arrive_radius_m: int | None = None
    gps_max_age_s: int = 120
    arrive_without_gps: str = "allow"
    arrive_reasons: tuple[TapReason, ...] = ()
    no_show_wait_s: int = 0
    boarded_needs_arrived: bool = False
    undo_s: int = 60

    def __post_init__(self) -> None:
        if self.arrive_without_gps not in ("allow", "reason"):
            msg = "TapRules: arrive_without_gps must be 'allow' or 'reason'"
            raise ValueError(msg)
        if (self.arrive_radius_m is not None and self.arrive_radius_m <= 0) or min(
            self.gps_max_age_s, self.no_show_wait_s, self.undo_s
        ) < 0:
            msg = "TapRules: radius must be > 0, ages and waits >= 0"
            raise ValueError(msg)

    def reason(self, code: str | None) -> TapReason | None:
        """Return the configured reason with ``code``, or None."""
        return next((r for r in self.arrive_reasons if r.code == code), None)

    def as_json(self) -> dict[str, object]:
        """Return the rules as the tablet reads them (in its manifest)."""
        return {
            "arrive_radius_m": self.arrive_radius_m,
            "arrive_without_gps": self.arrive_without_gps,
            "arrive_reasons": [
                {"code": r.code, "label_ja": r.label_ja, "label_en": r.label_en}
                for r in self.arrive_reasons
            ],
            "no_show_wait_s": self.no_show_wait_s,
            "boarded_needs_arrived": self.boarded_needs_arrived,
            "undo_s": self.undo_s,
        }


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
    ``reoptimize_darp_share`` of the re-optimisation's solver budget goes to the
    dial-a-ride search (``optimizer.darp_search``; city file ``[dispatch]
    darp_share``, 0: off); bounded by rounds, the search runs alone for
    ``reoptimize_darp_iterations`` iterations instead, so a seed still gives one day.
    ``taps`` guards the driver's taps (``TapRules``). Shifts are generated from the
    vehicles' weekly templates for ``booking_horizon_days`` ahead on the days of
    ``calendar`` (``dispatch.rota``). ``wheelchair_place_cost_s`` is what the
    optimizer charges, in seconds of travel, for giving a place on a vehicle with
    wheelchair places to a party without a wheelchair (city file ``[dispatch]``):
    those vehicles stay free for wheelchair riders where a sedan costs little more.
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
    reoptimize_darp_share: float = 0.0
    reoptimize_darp_iterations: int = 300
    seed: int = 0
    taps: TapRules = field(default_factory=TapRules)
    calendar: ServiceCalendar = field(default_factory=ServiceCalendar)
    booking_horizon_days: int = 7
    wheelchair_place_cost_s: int = 0
    # keep each service day in memory (dispatch.daycache), checked against its stored
    # version; False reads the whole day from the database for every quote (the old path)
    day_cache: bool = True

    def __post_init__(self) -> None:
        if self.flex_s < 0 or self.promise_width_s <= 0 or self.offer_hold_s <= 0:
            msg = "EngineConfig: flex_s must be >= 0, promise_width_s and offer_hold_s > 0"
            raise ValueError(msg)
        if self.reoptimize_max_rounds is not None and self.reoptimize_max_rounds < 1:
            msg = "EngineConfig: reoptimize_max_rounds must be None or at least 1"
            raise ValueError(msg)
        if not 0.0 <= self.reoptimize_darp_share < 1.0 or self.reoptimize_darp_iterations < 1:
            msg = ("EngineConfig: reoptimize_darp_share must be in [0, 1) and "
                   "reoptimize_darp_iterations at least 1")
            raise ValueError(msg)
