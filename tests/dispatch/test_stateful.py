"""Random days through the real engine: it never crashes, never stores a broken plan,
never breaks a promise (issue 10).

A Hypothesis state machine books (quote + confirm), cancels, taps (到着, 乗車, 不在,
降車, in any order and at any time: mis-taps included), reports positions and
delays, moves the clock (the drivers serving their stops on time as it goes) and
runs background rounds, on SQLite with the in-process bus and the small grid city.
After every step:

- nothing but the domain's own errors (``DispatchError``: a clear refusal with
  ``code``, ``message_en``, ``message_ja``) came out of the engine;
- after each background round, the OR-Tools model of the day as it is then builds
  and what it returns passes the independent checker (the production re-plan
  warm-starts that solver on this problem; here the round itself runs bounded by
  work, without it, to stay fast; ``ModelError``/``NoSolution`` is a refusal the
  re-plan survives). On the code before issue 10's fix this finds the crash:
  a booking, 乗車 tapped before the car got there, a round -> ``CP Solver fail``;
- the stored plan serves every active ride exactly once, in a structure the
  checker accepts (pairing, capacity, riders on board kept), and, for the cars
  no delay, position report off the plan or mis-tap touched, keeps every
  promise, window, ride time and shift (the stored arrival times of a waiting car
  age as the clock moves; the checker's own schedule of the stored order is graded);
- the board's snapshot is strict JSON.

Bounded for ``make test``: 20 generated days of 20 steps, derandomized (the same
days on every run); the engine's ids come from a counter so a run is reproducible.
A failure is reported as found, without shrinking (a shrink of a slow stateful
test would outlast the suite's timeout).
"""

from __future__ import annotations

import inspect
import json
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, Phase, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    Bundle,
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
)

from dispatch.adapter import ProblemBuilder
from dispatch.domain import DispatchError, DriverTap, Offer, RideStatus
from dispatch.store import create_all, read_session
from dispatch.store import make_engine as make_db
from optimizer import check, solve
from optimizer.checker import ViolationKind
from optimizer.solver import ModelError, NoSolution
from tests.dispatch.helpers import DAY, at, make_engine, point, trip

# Violations no reality (a delay, a late car, a mis-tap) can excuse in a stored plan.
# (an overfull car is reality too when a mis-tap boards a party that is not there)
_STRUCTURAL = {
    ViolationKind.UNKNOWN, ViolationKind.DUPLICATE, ViolationKind.MISSING,
    ViolationKind.STRUCTURE, ViolationKind.PAIRING, ViolationKind.CANNOT_SERVE,
    ViolationKind.ONBOARD,
}
_VEHICLES = ("V1", "V2")
cell = st.tuples(st.integers(0, 19), st.integers(0, 19))


@contextmanager
def _refusals() -> Iterator[None]:
    """Let the domain's own refusals pass (each must be a clear, bilingual one); anything
    else is a crash and fails the test."""
    try:
        yield
    except DispatchError as exc:
        assert exc.code and exc.message_en and exc.message_ja, exc


def _no_nan(text: str) -> Any:
    msg = f"not JSON: {text}"
    raise ValueError(msg)


class EngineDay(RuleBasedStateMachine):
    """One service day of a two-car engine, driven by random events."""

    rides = Bundle("rides")

    def __init__(self) -> None:
        super().__init__()
        self._dir = tempfile.TemporaryDirectory()
        self.db = make_db(f"sqlite:///{Path(self._dir.name) / 'day.sqlite'}")
        create_all(self.db)
        self.engine, self.clock, self.bus = make_engine(
            self.db, vehicles=2, seats=3, start=at(7, 30), reoptimize_time_limit_s=5.0,
            reoptimize_max_rounds=2,
        )
        counter = iter(range(1, 1_000_000))
        self.engine._ids = lambda prefix: f"{prefix}{next(counter):06d}"  # reproducible runs
        self.touched: set[str] = set()  # cars a delay, breakdown or mis-tap changed
        self.taps = 0
        self.reason = self._reason()

    def _reason(self) -> str | None:
        rules = getattr(self.engine.config, "taps", None)
        reasons = getattr(rules, "arrive_reasons", ()) or ()
        return reasons[0].code if reasons else None

    def teardown(self) -> None:
        self.db.dispose()
        self._dir.cleanup()

    # -- helpers -------------------------------------------------------------------
    def _tap(self, vid: str, rid: str, tap: DriverTap) -> None:
        self.taps += 1
        kw: dict[str, Any] = {"tap_id": f"t{self.taps}"}
        params = inspect.signature(self.engine.driver_tap).parameters
        if "reason" in params and tap is DriverTap.ARRIVED and self.reason:
            kw["reason"] = self.reason  # 到着 away from the stop, with the driver's reason
        with _refusals():
            self.engine.driver_tap(vid, rid, tap, **kw)

    def _serve_due(self) -> None:
        """The drivers do, on time, every stop planned to start by now (taps, in order)."""
        now_s = int(self.clock.now().timestamp())
        for vid in _VEHICLES:
            for _ in range(12):
                stops = self.engine.plan_stops(vid, DAY)
                if not stops or stops[0]["start_s"] > now_s or not stops[0].get("ride_id"):
                    break
                first = stops[0]
                rid = first["ride_id"]
                status = self.engine.get_ride(rid).status
                if first["kind"] == "pickup":
                    if status in (RideStatus.ASSIGNED, RideStatus.EN_ROUTE):
                        self._tap(vid, rid, DriverTap.ARRIVED)
                    self._tap(vid, rid, DriverTap.BOARDED)
                else:
                    self._tap(vid, rid, DriverTap.DROPPED_OFF)
                if self.engine.plan_stops(vid, DAY) == stops:
                    break  # refused: leave it to the next round

    @initialize()
    def start_the_day(self) -> None:
        self.clock.set(at(8))
        for vid in _VEHICLES:
            self.engine.start_shift(vid)

    # -- rules ---------------------------------------------------------------------
    @rule(target=rides, frm=cell, to=cell, minutes=st.integers(5, 240), party=st.integers(1, 3))
    def book(self, frm: tuple[int, int], to: tuple[int, int], minutes: int, party: int) -> str:
        when = self.clock.now() + timedelta(minutes=minutes)
        if when >= at(16) or frm == to:
            return ""
        try:
            offer = self.engine.quote(trip(frm, to, when, party=party))
            if not isinstance(offer, Offer):
                return ""
            return self.engine.confirm(offer.offer_id).ride_id
        except DispatchError:
            return ""

    @rule(rid=rides)
    def cancel(self, rid: str) -> None:
        if rid:
            with _refusals():
                self.engine.cancel(rid, by="member")

    @rule(rid=rides, tap=st.sampled_from(list(DriverTap)))
    def mis_tap(self, rid: str, tap: DriverTap) -> None:
        """Any tap on any ride at any time (before the car is there, twice, out of order)."""
        if not rid:
            return
        ride = self.engine.get_ride(rid)
        if ride.vehicle_id is None:
            return
        self.touched.add(ride.vehicle_id)
        self._tap(ride.vehicle_id, rid, tap)

    @rule(vid=st.sampled_from(_VEHICLES), where=cell)
    def position(self, vid: str, where: tuple[int, int]) -> None:
        p = point(*where)
        self.touched.add(vid)  # a car seen somewhere off its plan
        with _refusals():
            self.engine.report_position(vid, p.lat, p.lon)

    @rule(vid=st.sampled_from(_VEHICLES), minutes=st.integers(0, 30))
    def delay(self, vid: str, minutes: int) -> None:
        self.touched.add(vid)
        with _refusals():
            self.engine.report_delay(vid, minutes * 60)

    @rule(minutes=st.integers(1, 45))
    def time_passes(self, minutes: int) -> None:
        if self.clock.now() + timedelta(minutes=minutes) >= at(16, 30):
            return
        self.clock.set(self.clock.now() + timedelta(minutes=minutes))
        self._serve_due()

    @precondition(lambda self: self.clock.now() < at(16, 30))
    @rule()
    def background_round(self) -> None:
        """The leader's round, then the OR-Tools model of the day as it is now: it builds,
        and what it returns passes the checker (the re-plan's solver sees this problem)."""
        self.engine.tick()
        problem, plan = self._day()
        if not problem.requests:
            return
        try:
            got = solve(problem, time_limit_s=0.05, initial=plan)
        except (ModelError, NoSolution):
            return  # a refusal: the re-plan keeps its plan
        assert check(problem, got) == []

    # -- invariants ----------------------------------------------------------------
    def _day(self) -> tuple[Any, Any]:
        with read_session(self.db) as s:
            b = ProblemBuilder(self.engine.travel, self.engine.config, self.engine.now())
            return b.build(self.engine.load_day(s, DAY), live=True)

    @invariant()
    def the_stored_plan_is_sound(self) -> None:
        problem, plan = self._day()
        for v in check(problem, plan):
            if v.kind in _STRUCTURAL:
                raise AssertionError(v)
            if v.kind is ViolationKind.TIMES:
                # the stored arrival times of a car waiting for its next stop are from when
                # the plan was made; the checker's own schedule (graded above) is what counts
                continue
            if v.vehicle_id not in self.touched:  # late with nothing to excuse it
                raise AssertionError(v)

    @invariant()
    def the_board_snapshot_is_strict_json(self) -> None:
        text = json.dumps(self.engine.board_snapshot(), default=str)
        json.loads(text, parse_constant=_no_nan)


EngineDay.TestCase.settings = settings(
    max_examples=20,
    stateful_step_count=20,
    deadline=None,
    derandomize=True,
    phases=[Phase.explicit, Phase.reuse, Phase.generate],
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
TestEngineDay = EngineDay.TestCase
