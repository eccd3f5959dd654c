"""The domain <-> optimizer translation: windows, promises, location indices."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

from dispatch.adapter import ProblemBuilder, epoch, node_key, parse_node
from dispatch.config import EngineConfig
from tests.dispatch.helpers import CITY, at, trip

NOW = datetime(2026, 11, 30, 22, 0, tzinfo=UTC)


def test_depart_at_and_arrive_by_windows() -> None:
    """Depart at T gives pickup [T, T+flex]; arrive by T gives drop-off [T-flex, T]."""
    b = ProblemBuilder(CITY, EngineConfig(flex_s=1200), NOW)
    dep = b.new_request("a", trip((1, 1), (3, 3), at(9)), 21, 63, {"A"})
    assert dep.pickup_window is not None and dep.dropoff_window is None
    assert (dep.pickup_window.earliest_s, dep.pickup_window.latest_s) == (
        epoch(at(9)), epoch(at(9)) + 1200,
    )
    arr = b.new_request("b", trip((1, 1), (3, 3), at(10), arrive=True), 21, 63, set())
    assert arr.pickup_window is None and arr.dropoff_window is not None
    assert arr.dropoff_window.latest_s == epoch(at(10))
    assert arr.dropoff_window.earliest_s == epoch(at(10)) - 1200
    assert dep.areas == frozenset({"A"})


def test_locations_are_deduplicated_by_node() -> None:
    """The same road node always maps to the same index; new nodes append."""
    b = ProblemBuilder(CITY, EngineConfig(), NOW)
    assert b.index(5) == 0
    assert b.index(7) == 1
    assert b.index(5) == 0
    assert b.nodes == [5, 7]


def test_extra_time_lengthens_service() -> None:
    """Riders who need more time get the longer boarding time."""
    cfg = EngineConfig(service_s=60, extra_service_s=240)
    b = ProblemBuilder(CITY, cfg, NOW)
    slow_trip = replace(trip((1, 1), (2, 2), at(9)), needs_extra_time=True)
    slow = b.new_request("s", slow_trip, 1, 2, ())
    assert slow.pickup_service_s == 240 and slow.dropoff_service_s == 240


def test_node_keys_round_trip() -> None:
    """Integer nodes (OSM, grid) survive being stored as text."""
    for node in (0, 12345678901, -3):
        assert parse_node(node_key(node)) == node
    assert parse_node("abc") == "abc"
