"""A fare is taken only from a party on board (issue 13 §3/§4), over HTTP and the tablet's
socket on the real engine: a payment recorded before 乗車 is refused, and a 乗車 whose fare
is recorded cannot be undone (the ticket or cash would stay taken for a ride that may yet be
a no-show); the office corrects the payment first."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import pytest
from sqlalchemy import Engine, func, select

from booking_api.faredb import LedgerRow
from booking_api.settings import Settings
from dispatch.bus.memory import InProcessBus
from dispatch.domain import LatLon
from dispatch.engine import DispatchEngine
from tests.booking_api.conftest import HOME_A, Api, quote_body
from tests.booking_api.fakes import FixedClock, jst

CASH = {"method": "cash", "received_yen": 500}


@pytest.fixture
def engine(settings: Settings, db: Engine, clock: FixedClock, city_map: Any) -> DispatchEngine:
    """V1 on shift 08:00-17:00 on 2 December."""
    engine = DispatchEngine(
        settings.engine_config(), db=db, bus=InProcessBus(), travel=city_map, clock=clock
    )
    engine.add_vehicle("V1", depot=LatLon(*HOME_A), seats=4, name="神栖1号")
    engine.set_shift("V1", date(2026, 12, 2), jst(2026, 12, 2, 8, 0), jst(2026, 12, 2, 17, 0))
    return engine


def _tap(api: Api, driver: dict[str, str], ride_id: str, tap: str) -> Any:
    body = {"ride_id": ride_id, "tap": tap, "tap_id": f"{ride_id}-{tap}", "reason": "stop_moved"}
    return api.client.post("/api/v1/driver/taps", json=body, headers=driver)


def _pay(api: Api, driver: dict[str, str], ride_id: str) -> Any:
    return api.client.post(f"/api/v1/driver/rides/{ride_id}/payment", json=CASH, headers=driver)


def _ledger_rows(db: Engine) -> int:
    with db.connect() as c:
        return int(c.execute(select(func.count()).select_from(LedgerRow)).scalar_one())


def _booked(api: Api, clock: FixedClock) -> tuple[dict[str, str], dict[str, Any]]:
    clock.advance((jst(2026, 12, 2, 8, 30) - clock.now()).total_seconds())
    staff = api.staff()
    driver = api.staff("driver", vehicle_id="V1")
    member, _ = api.member(staff)
    r = api.client.post("/api/v1/quotes", json=quote_body(member_id=member["id"]), headers=staff)
    assert r.status_code == 200, r.text
    r = api.client.post(
        "/api/v1/bookings", json={"offer_id": r.json()["offer"]["offer_id"]}, headers=staff
    )
    assert r.status_code == 201, r.text
    ride = r.json()["booking"]
    start = datetime.fromisoformat(ride["pickup_window_start"])
    clock.advance(max(0.0, (start - clock.now()).total_seconds()))
    return driver, ride


def test_no_fare_is_taken_before_the_party_is_on_board(
    api: Api, engine: DispatchEngine, clock: FixedClock, db: Engine
) -> None:
    """Assigned and arrived: the cash payment is refused (409 not_on_board, no ledger row);
    on board it is recorded (one row) and the drop-off completes the ride."""
    driver, ride = _booked(api, clock)
    refused = _pay(api, driver, ride["id"])
    assert refused.status_code == 409, refused.text
    assert refused.json()["detail"]["code"] == "not_on_board"
    assert refused.json()["detail"]["message_ja"]
    assert _tap(api, driver, ride["id"], "arrived").status_code == 200
    assert _pay(api, driver, ride["id"]).status_code == 409
    assert _ledger_rows(db) == 0
    assert _tap(api, driver, ride["id"], "boarded").status_code == 200
    paid = _pay(api, driver, ride["id"])
    assert paid.status_code == 201, paid.text
    assert _ledger_rows(db) == 1
    assert _tap(api, driver, ride["id"], "dropped_off").json()["status"] == "completed"


def test_a_boarding_with_its_fare_recorded_is_not_undone(
    api: Api, engine: DispatchEngine, clock: FixedClock, db: Engine
) -> None:
    """Boarded, the cash recorded: 取り消す on the 乗車 is refused over HTTP and over the
    tablet's socket (fare_recorded, in both languages); the ride stays on board with its
    one ledger row. A 乗車 without a payment can still be undone."""
    driver, ride = _booked(api, clock)
    assert _tap(api, driver, ride["id"], "arrived").status_code == 200
    assert _tap(api, driver, ride["id"], "boarded").status_code == 200
    assert _pay(api, driver, ride["id"]).status_code == 201
    tap_id = f"{ride['id']}-boarded"
    r = api.client.post(f"/api/v1/driver/taps/{tap_id}/undo", headers=driver)
    assert r.status_code == 409, r.text
    assert r.json()["detail"]["code"] == "fare_recorded"
    assert "営業所" in r.json()["detail"]["message_ja"]
    token = driver["Authorization"].removeprefix("Bearer ")
    with api.client.websocket_connect(f"/ws/vehicle/V1?token={token}") as ws:  # type: ignore[attr-defined]
        ws.receive_json()  # the manifest
        ws.send_json({"type": "undo", "tap_id": tap_id})
        answer = ws.receive_json()
        while answer.get("type") != "undo_result":
            answer = ws.receive_json()
    assert (answer["ok"], answer["code"]) == (False, "fare_recorded")
    staff = api.staff()
    got = api.client.get(f"/api/v1/bookings/{ride['id']}", headers=staff).json()
    assert got["status"] == "on_board"
    assert _ledger_rows(db) == 1


def test_a_boarding_without_a_payment_is_undone_as_before(
    api: Api, engine: DispatchEngine, clock: FixedClock
) -> None:
    """No fare recorded: 取り消す on the 乗車 puts the ride back to arrived."""
    driver, ride = _booked(api, clock)
    assert _tap(api, driver, ride["id"], "arrived").status_code == 200
    assert _tap(api, driver, ride["id"], "boarded").status_code == 200
    r = api.client.post(f"/api/v1/driver/taps/{ride['id']}-boarded/undo", headers=driver)
    assert r.status_code == 200, r.text
    assert r.json()["status"] == "arrived"
