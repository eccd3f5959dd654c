"""Ride and vehicle state machines accept the documented moves and refuse the rest."""

from __future__ import annotations

import itertools

import pytest

from dispatch.domain import IllegalTransition, RideStatus, VehicleStatus
from dispatch.state import (
    RIDE_TRANSITIONS,
    TERMINAL_RIDE_STATUSES,
    VEHICLE_TRANSITIONS,
    ride_transition,
    vehicle_transition,
)

HAPPY_PATH = [
    RideStatus.REQUESTED,
    RideStatus.OFFERED,
    RideStatus.BOOKED,
    RideStatus.ASSIGNED,
    RideStatus.EN_ROUTE,
    RideStatus.ARRIVED,
    RideStatus.ON_BOARD,
    RideStatus.COMPLETED,
]


def test_every_status_has_a_row() -> None:
    """Both tables cover every enum member, so no status is silently missing."""
    assert set(RIDE_TRANSITIONS) == set(RideStatus)
    assert set(VEHICLE_TRANSITIONS) == set(VehicleStatus)


def test_ride_happy_path() -> None:
    """A ride walks from requested to completed one legal step at a time."""
    status = HAPPY_PATH[0]
    for nxt in HAPPY_PATH[1:]:
        status = ride_transition(status, nxt, ride_id="R1")
    assert status is RideStatus.COMPLETED


@pytest.mark.parametrize("terminal", sorted(TERMINAL_RIDE_STATUSES))
def test_terminal_statuses_refuse_everything(terminal: RideStatus) -> None:
    """Completed, cancelled, no-show and rejected rides never move again."""
    for target in RideStatus:
        with pytest.raises(IllegalTransition):
            ride_transition(terminal, target)


def test_terminal_set() -> None:
    """The terminal statuses are exactly the four end states."""
    assert {
        RideStatus.COMPLETED,
        RideStatus.CANCELLED,
        RideStatus.NO_SHOW,
        RideStatus.REJECTED,
    } == TERMINAL_RIDE_STATUSES


@pytest.mark.parametrize(
    ("current", "target"),
    [
        (RideStatus.BOOKED, RideStatus.ON_BOARD),
        (RideStatus.ON_BOARD, RideStatus.CANCELLED),
        (RideStatus.ON_BOARD, RideStatus.NO_SHOW),
        (RideStatus.REQUESTED, RideStatus.COMPLETED),
        (RideStatus.ASSIGNED, RideStatus.NO_SHOW),
    ],
)
def test_illegal_ride_moves_have_messages(current: RideStatus, target: RideStatus) -> None:
    """Skipping steps is refused with English and Japanese messages naming the statuses."""
    with pytest.raises(IllegalTransition) as err:
        ride_transition(current, target, ride_id="R9")
    assert err.value.code == "illegal_transition"
    assert "R9" in err.value.message_en
    assert current.value in err.value.message_en
    assert "できません" in err.value.message_ja


def test_no_show_only_after_arrival() -> None:
    """A driver can mark a no-show only after arriving at the pickup."""
    allowed = {s for s in RideStatus if RideStatus.NO_SHOW in RIDE_TRANSITIONS[s]}
    assert allowed == {RideStatus.ARRIVED}


def test_vehicle_day() -> None:
    """A vehicle starts a shift, serves, takes a break, breaks down and ends the day."""
    s = VehicleStatus.OFF_SHIFT
    for nxt in (
        VehicleStatus.AVAILABLE,
        VehicleStatus.SERVING,
        VehicleStatus.ON_BREAK,
        VehicleStatus.SERVING,
        VehicleStatus.OUT_OF_SERVICE,
        VehicleStatus.OFF_SHIFT,
    ):
        s = vehicle_transition(s, nxt, vehicle_id="V1")
    assert s is VehicleStatus.OFF_SHIFT


def test_vehicle_illegal_moves() -> None:
    """Self-moves and going from off shift straight to serving are refused."""
    for status in VehicleStatus:
        with pytest.raises(IllegalTransition):
            vehicle_transition(status, status)
    with pytest.raises(IllegalTransition, match="off_shift"):
        vehicle_transition(VehicleStatus.OFF_SHIFT, VehicleStatus.SERVING, vehicle_id="V2")


def test_tables_are_consistent_with_functions() -> None:
    """The functions accept exactly the pairs the tables list."""
    for a, b in itertools.product(RideStatus, RideStatus):
        legal = b in RIDE_TRANSITIONS[a]
        try:
            ride_transition(a, b)
            ok = True
        except IllegalTransition:
            ok = False
        assert ok == legal
