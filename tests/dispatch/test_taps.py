"""Driver-tap guards (issue 10, §5): a mis-tap cannot hurt a rider, and the last tap can be undone.

The rules are those of the city file (150 m geofence, 5 min wait for 不在, 乗車 after
到着, 60 s undo); the engine runs on the grid city in virtual time.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import Engine, select

from dispatch.config import TapReason, TapRules
from dispatch.domain import DriverTap, IllegalTransition, RideStatus, VehicleStatus
from dispatch.engine import DispatchEngine
from dispatch.store.repo import read_session
from dispatch.store.tables import DriverTapRow, EventRow
from dispatch.taps import TapRefused, distance_m
from tests.dispatch.helpers import at, book, make_engine, point, trip

RULES = TapRules(
    arrive_radius_m=150,
    gps_max_age_s=120,
    arrive_reasons=(TapReason("gps_inaccurate", "GPSの位置がずれている", "GPS is wrong"),),
    no_show_wait_s=300,
    boarded_needs_arrived=True,
    undo_s=60,
)


def _engine(db: Engine, **rules: object):  # type: ignore[no-untyped-def]
    taps = TapRules(**{**RULES.__dict__, **rules})  # type: ignore[arg-type]
    engine, clock, bus = make_engine(db, vehicles=1, taps=taps)  # type: ignore[arg-type]
    ride = book(engine, trip((2, 2), (5, 5), at(13)))  # pickup about 5.7 km from the depot
    clock.set(at(8))
    if engine.get_vehicle("V1").status is VehicleStatus.OFF_SHIFT:  # a second engine on one db
        engine.start_shift("V1")
    return engine, clock, bus, ride


def _at_stop(engine: DispatchEngine, ride_id: str) -> None:
    r = engine.get_ride(ride_id)
    engine.report_position("V1", r.request.pickup.lat, r.request.pickup.lon)


def _events(engine: DispatchEngine, kind: str) -> list[EventRow]:
    with read_session(engine.db) as s:
        return list(s.scalars(select(EventRow).where(EventRow.kind == kind)))


def test_arrived_far_from_the_stop_needs_a_reason(db: Engine) -> None:
    """到着 at 11:43 for a 13:00 pickup with the car 5 km away is refused; a reason lets it pass."""
    engine, clock, _, ride = _engine(db)
    clock.set(at(11, 43))
    depot = point(10, 10)
    engine.report_position("V1", depot.lat, depot.lon)
    with pytest.raises(TapRefused) as err:
        engine.driver_tap("V1", ride.ride_id, DriverTap.ARRIVED, tap_id="a1")
    assert err.value.code == "arrive_too_far"
    assert err.value.details["distance_m"] > 5000 and err.value.details["needs_reason"]
    assert "m離れています" in err.value.message_ja and "from the pickup" in err.value.message_en
    assert engine.get_ride(ride.ride_id).status is not RideStatus.ARRIVED
    refused = _events(engine, "tap.refused")
    assert [e.payload["code"] for e in refused] == ["arrive_too_far"]
    # the tablet's own fix at tap time counts too, and an unknown reason is refused
    pickup = engine.get_ride(ride.ride_id).request.pickup
    with pytest.raises(TapRefused):
        engine.driver_tap("V1", ride.ride_id, DriverTap.ARRIVED, tap_id="a2",
                          lat=pickup.lat + 0.01, lon=pickup.lon)  # fmt: skip
    with pytest.raises(TapRefused) as bad:
        engine.driver_tap("V1", ride.ride_id, DriverTap.ARRIVED, tap_id="a3", reason="tired")
    assert bad.value.code == "bad_reason"
    r = engine.driver_tap("V1", ride.ride_id, DriverTap.ARRIVED, tap_id="a4",
                          reason="gps_inaccurate")  # fmt: skip
    assert r.status is RideStatus.ARRIVED
    with read_session(engine.db) as s:
        row = s.get(DriverTapRow, "a4")
        assert row is not None and row.reason == "gps_inaccurate" and row.distance_m > 5000
    assert _events(engine, "tap.arrived")[0].payload["reason"] == "gps_inaccurate"


def test_arrived_near_the_stop_or_without_a_recent_fix(db: Engine) -> None:
    """Within 150 m no reason is needed; a fix older than 2 min is no evidence either way."""
    engine, clock, _, ride = _engine(db)
    clock.set(at(12, 58))
    pickup = engine.get_ride(ride.ride_id).request.pickup
    engine.report_position("V1", pickup.lat + 0.001, pickup.lon)  # about 111 m north
    r = engine.driver_tap("V1", ride.ride_id, DriverTap.ARRIVED, tap_id="n1")
    assert r.status is RideStatus.ARRIVED
    with read_session(engine.db) as s:
        row = s.get(DriverTapRow, "n1")
        assert row is not None and 100 <= (row.distance_m or 0) <= 150 and row.reason is None

    engine2, clock2, _, ride2 = _engine(db, arrive_without_gps="reason")
    clock2.set(at(12, 50))
    depot = point(10, 10)
    engine2.report_position("V1", depot.lat, depot.lon)
    clock2.set(at(12, 58))  # the far fix is 8 minutes old: not used
    with pytest.raises(TapRefused) as err:
        engine2.driver_tap("V1", ride2.ride_id, DriverTap.ARRIVED, tap_id="n2")
    assert err.value.code == "arrive_no_gps"


def test_no_show_only_after_arrival_and_the_wait(db: Engine) -> None:
    """不在 is refused before 到着 and until 5 min past the later of arrival and window start."""
    engine, clock, _, ride = _engine(db)
    window_start = engine.get_ride(ride.ride_id).pickup_window_start
    clock.set(at(11, 43))
    with pytest.raises(TapRefused) as early:
        engine.driver_tap("V1", ride.ride_id, DriverTap.NO_SHOW, tap_id="x0")
    assert early.value.code == "no_show_before_arrival"
    engine.driver_tap("V1", ride.ride_id, DriverTap.ARRIVED, tap_id="x1", reason="gps_inaccurate")
    clock.set(at(11, 50))
    with pytest.raises(TapRefused) as err:
        engine.driver_tap("V1", ride.ride_id, DriverTap.NO_SHOW, tap_id="x2")
    assert err.value.code == "no_show_too_early"
    opens = window_start + timedelta(minutes=5)
    assert err.value.details["not_before"] == opens.isoformat()
    assert "お待ちください" in err.value.message_ja
    stop = engine.vehicle_manifest("V1")["stops"][0]
    assert stop["no_show_from"] == opens.isoformat()
    clock.set(opens - timedelta(seconds=1))
    with pytest.raises(TapRefused):
        engine.driver_tap("V1", ride.ride_id, DriverTap.NO_SHOW, tap_id="x3")
    clock.set(opens)
    assert engine.driver_tap("V1", ride.ride_id, DriverTap.NO_SHOW, tap_id="x4").status is (
        RideStatus.NO_SHOW
    )


def test_no_show_waits_from_a_late_arrival(db: Engine) -> None:
    """A car arriving after the window's start waits 5 min from its arrival."""
    engine, clock, _, ride = _engine(db)
    start = engine.get_ride(ride.ride_id).pickup_window_start
    clock.set(start + timedelta(minutes=8))
    _at_stop(engine, ride.ride_id)
    engine.driver_tap("V1", ride.ride_id, DriverTap.ARRIVED, tap_id="l1")
    clock.set(start + timedelta(minutes=12))
    with pytest.raises(TapRefused):
        engine.driver_tap("V1", ride.ride_id, DriverTap.NO_SHOW, tap_id="l2")
    clock.set(start + timedelta(minutes=13))
    engine.driver_tap("V1", ride.ride_id, DriverTap.NO_SHOW, tap_id="l3")
    assert engine.get_ride(ride.ride_id).status is RideStatus.NO_SHOW


def test_boarded_only_after_arrived(db: Engine) -> None:
    """乗車 on a ride not yet arrived is refused with a clear message; after 到着 it is taken."""
    engine, clock, _, ride = _engine(db)
    clock.set(at(13))
    _at_stop(engine, ride.ride_id)
    with pytest.raises(TapRefused) as err:
        engine.driver_tap("V1", ride.ride_id, DriverTap.BOARDED, tap_id="b1")
    assert err.value.code == "board_before_arrival" and "到着" in err.value.message_ja
    engine.driver_tap("V1", ride.ride_id, DriverTap.ARRIVED, tap_id="b2")
    assert engine.driver_tap("V1", ride.ride_id, DriverTap.BOARDED, tap_id="b3").status is (
        RideStatus.ON_BOARD
    )


def test_undo_arrived_within_60_s(db: Engine) -> None:
    """The last tap undone within 60 s restores the ride, the car's position and the stop."""
    engine, clock, bus, ride = _engine(db)
    clock.set(at(11, 43))
    before_status = engine.get_ride(ride.ride_id).status
    before_pos = engine.get_vehicle("V1").position
    engine.driver_tap("V1", ride.ride_id, DriverTap.ARRIVED, tap_id="u1", reason="gps_inaccurate")
    assert engine.vehicle_manifest("V1")["undo"]["tap_id"] == "u1"
    clock.set(at(11, 43) + timedelta(seconds=50))
    r = engine.undo_tap("V1", "u1")
    assert r.status is before_status
    assert engine.get_vehicle("V1").position == before_pos
    m = engine.vehicle_manifest("V1")
    assert [(s["kind"], s["ride_status"]) for s in m["stops"]] == [
        ("pickup", before_status.value), ("dropoff", before_status.value),
    ]
    assert m["undo"] is None
    assert engine.undo_tap("V1", "u1").status is before_status  # twice is once
    assert [e.payload["tap_id"] for e in _events(engine, "tap.undone")] == ["u1"]
    msgs = bus.replay("vehicle.V1", 0) or []
    statuses = [m.data["status"] for m in msgs if m.data["type"] == "ride"]
    assert statuses[-2:] == ["arrived", before_status.value]


def test_undo_refused_after_60_s_or_for_an_older_tap(db: Engine) -> None:
    """Undo is for the last tap only, for 60 s; after that the tap stands."""
    engine, clock, _, ride = _engine(db)
    clock.set(at(13))
    _at_stop(engine, ride.ride_id)
    engine.driver_tap("V1", ride.ride_id, DriverTap.ARRIVED, tap_id="o1")
    clock.set(at(13, 0) + timedelta(seconds=20))
    engine.driver_tap("V1", ride.ride_id, DriverTap.BOARDED, tap_id="o2")
    with pytest.raises(TapRefused) as older:
        engine.undo_tap("V1", "o1")
    assert older.value.code == "undo_not_last"
    clock.set(at(13, 0) + timedelta(seconds=81))
    with pytest.raises(TapRefused) as late:
        engine.undo_tap("V1", "o2")
    assert late.value.code == "undo_expired" and "60秒" in late.value.message_ja
    assert engine.get_ride(ride.ride_id).status is RideStatus.ON_BOARD


def test_undoing_a_tap_does_not_make_the_one_before_undoable(db: Engine) -> None:
    """Two quick taps on 取り消し undo one tap: the earlier one stands."""
    engine, clock, _, ride = _engine(db)
    clock.set(at(13))
    _at_stop(engine, ride.ride_id)
    engine.driver_tap("V1", ride.ride_id, DriverTap.ARRIVED, tap_id="c1")
    clock.set(at(13, 0) + timedelta(seconds=10))
    engine.driver_tap("V1", ride.ride_id, DriverTap.BOARDED, tap_id="c2")
    clock.set(at(13, 0) + timedelta(seconds=15))
    assert engine.undo_tap("V1", "c2").status is RideStatus.ARRIVED
    assert engine.vehicle_manifest("V1")["undo"] is None
    with pytest.raises(TapRefused) as chained:
        engine.undo_tap("V1", "c1")
    assert chained.value.code == "undo_not_last"
    assert engine.get_ride(ride.ride_id).status is RideStatus.ARRIVED
    # a new tap can be undone again
    engine.driver_tap("V1", ride.ride_id, DriverTap.BOARDED, tap_id="c3")
    assert engine.vehicle_manifest("V1")["undo"]["tap_id"] == "c3"


def test_undo_boarded_puts_the_pickup_back(db: Engine) -> None:
    """乗車 undone: the rider is back at the stop (arrived), the pickup first on the route."""
    engine, clock, _, ride = _engine(db)
    clock.set(at(13))
    _at_stop(engine, ride.ride_id)
    engine.driver_tap("V1", ride.ride_id, DriverTap.ARRIVED, tap_id="p1")
    engine.driver_tap("V1", ride.ride_id, DriverTap.BOARDED, tap_id="p2")
    assert [s["kind"] for s in engine.vehicle_manifest("V1")["stops"]] == ["dropoff"]
    r = engine.undo_tap("V1", "p2")
    assert r.status is RideStatus.ARRIVED
    assert [s["kind"] for s in engine.vehicle_manifest("V1")["stops"]] == ["pickup", "dropoff"]


def test_undo_no_show_and_staff_void(db: Engine) -> None:
    """An undone 不在 is no longer a no-show; staff void another one (it becomes cancelled)."""
    engine, clock, _, ride = _engine(db)
    other = book(engine, trip((2, 3), (6, 6), at(15)))
    start = engine.get_ride(ride.ride_id).pickup_window_start
    clock.set(start)
    _at_stop(engine, ride.ride_id)
    engine.driver_tap("V1", ride.ride_id, DriverTap.ARRIVED, tap_id="s1")
    clock.set(start + timedelta(minutes=5))
    engine.driver_tap("V1", ride.ride_id, DriverTap.NO_SHOW, tap_id="s2")
    assert ride.ride_id not in {s["ride_id"] for s in engine.vehicle_manifest("V1")["stops"]}
    clock.set(start + timedelta(minutes=5, seconds=30))
    r = engine.undo_tap("V1", "s2")
    assert r.status is RideStatus.ARRIVED
    kinds = [(s["ride_id"], s["kind"]) for s in engine.vehicle_manifest("V1")["stops"]]
    assert kinds[0] == (ride.ride_id, "pickup") and (ride.ride_id, "dropoff") in kinds
    assert (other.ride_id, "pickup") in kinds
    no_shows = [x for x in engine.list_rides(member_id="K000001") if x.status is RideStatus.NO_SHOW]
    assert no_shows == []
    # the driver taps it again (after the wait), and staff void it: it stops counting
    engine.driver_tap("V1", ride.ride_id, DriverTap.NO_SHOW, tap_id="s3")
    with pytest.raises(IllegalTransition):
        engine.void_no_show(other.ride_id, by="op1", reason="wrong")
    v = engine.void_no_show(ride.ride_id, by="op1", reason="the rider was there")
    assert v.status is RideStatus.CANCELLED
    assert [e.payload["reason"] for e in _events(engine, "ride.no_show_voided")] == [
        "the rider was there"
    ]


def test_distance_m() -> None:
    """One thousandth of a degree of latitude is about 111 m."""
    assert distance_m(35.0, 140.0, 35.001, 140.0) == 111
