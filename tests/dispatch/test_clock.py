"""Clocks say how fast service time runs, so the web apps can keep their own copy."""

from __future__ import annotations

from datetime import UTC, datetime

from dispatch.clock import SimClock, clock_rate, system_clock
from dispatch.sim.live import SpeedClock


def test_clock_rate_of_each_clock() -> None:
    """Real clocks run at 1, the demo's at its speed-up, the simulator's stands still."""
    start = datetime(2026, 12, 1, tzinfo=UTC)
    assert clock_rate(system_clock()) == clock_rate(system_clock(3600)) == 1.0
    assert clock_rate(SpeedClock(start, 12.5)) == 12.5
    assert clock_rate(SimClock(start)) == 0.0
    assert clock_rate(object()) == 1.0
