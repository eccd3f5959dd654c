"""The alternatives offered with a refusal: in time order, none past, and for an arrive-by
request never a pickup at (or after) the appointment time."""

from __future__ import annotations

from datetime import datetime

import pytest
from sqlalchemy import Engine

from dispatch.alternatives import usable_alternatives
from dispatch.domain import Alternative, Refusal
from tests.dispatch.helpers import at, later, make_engine, trip


def alt(start: datetime, minutes: int = 15, ride_min: int = 20) -> Alternative:
    """An alternative whose pickup window starts at ``start``."""
    return Alternative(start, later(start, minutes), later(start, minutes + ride_min))


def test_sorted_earliest_first() -> None:
    """The optimizer's -15, +15, -30, +30 come back as -30, -15, +15, +30."""
    asked = at(13)
    found = [alt(later(asked, m)) for m in (-15, 15, -30, 30)]
    out = usable_alternatives(found, trip((1, 1), (2, 2), asked), at(9))
    assert [a.pickup_window_start for a in out] == [later(asked, m) for m in (-30, -15, 15, 30)]


@pytest.mark.parametrize(
    ("offset_min", "kept"),
    [(-45, True), (-16, True), (-15, False), (-5, False), (0, False), (10, False)],
)
def test_arrive_by_never_picks_up_at_the_appointment(offset_min: int, kept: bool) -> None:
    """For 'arrive by 13:00', a pickup window reaching 13:00 is never offered."""
    appointment = at(13)
    found = [alt(later(appointment, offset_min))]  # windows are 15 min wide
    out = usable_alternatives(found, trip((1, 1), (2, 2), appointment, arrive=True), at(9))
    assert bool(out) is kept


def test_depart_at_keeps_later_times() -> None:
    """For 'leave at 13:00' a later pickup is a fair alternative."""
    asked = at(13)
    out = usable_alternatives([alt(later(asked, 30))], trip((1, 1), (2, 2), asked), at(9))
    assert len(out) == 1


def test_past_and_duplicate_windows_dropped() -> None:
    """A window already over is not offered, and one window is offered once."""
    now = at(10)
    found = [alt(at(9, 30)), alt(at(10, 30)), alt(at(10, 30))]
    out = usable_alternatives(found, trip((1, 1), (2, 2), at(11)), now)
    assert [a.pickup_window_start for a in out] == [at(10, 30)]


def test_engine_refusal_for_arrive_by_is_sorted_and_before_the_appointment(db: Engine) -> None:
    """Through the real engine: an arrive-by request after the shift gets earlier times only,
    in order, each picking up before the appointment."""
    engine, _, _ = make_engine(db, vehicles=1)
    appointment = at(17, 40)
    out = engine.quote(trip((2, 2), (8, 8), appointment, arrive=True))
    assert isinstance(out, Refusal) and out.code == "no_capacity"
    assert out.alternatives
    starts = [a.pickup_window_start for a in out.alternatives]
    assert starts == sorted(starts)
    assert all(a.pickup_window_end < appointment for a in out.alternatives)
