"""Operators move a ride to another vehicle: the real engine checks it; audited; clear refusals."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from sqlalchemy import Engine

from booking_api.settings import Settings
from dispatch.bus.memory import InProcessBus
from dispatch.domain import LatLon
from dispatch.engine import DispatchEngine
from tests.booking_api.conftest import HOME_A, Api, quote_body
from tests.booking_api.fakes import FixedClock, jst

DAY = date(2026, 12, 2)


@pytest.fixture
def engine(settings: Settings, db: Engine, clock: FixedClock, city_map: Any) -> DispatchEngine:
    """V1 (4 seats) and V2 (1 seat) on shift 08:00-17:00; V3 has no shift that day."""
    engine = DispatchEngine(
        settings.engine_config(), db=db, bus=InProcessBus(), travel=city_map, clock=clock
    )
    depot = LatLon(*HOME_A)
    for vid, seats in (("V1", 4), ("V2", 1), ("V3", 4)):
        engine.add_vehicle(vid, depot=depot, seats=seats, name=f"神栖{vid[1]}号")
    for vid in ("V1", "V2"):
        engine.set_shift(vid, DAY, jst(2026, 12, 2, 8, 0), jst(2026, 12, 2, 17, 0))
    return engine


def _book(api: Api, staff: dict[str, str], member_id: str, **over: Any) -> dict[str, Any]:
    r = api.client.post("/api/v1/quotes", json=quote_body(member_id=member_id, **over),
                        headers=staff)
    assert r.status_code == 200, r.text
    offer = r.json()["offer"]["offer_id"]
    r = api.client.post("/api/v1/bookings", json={"offer_id": offer}, headers=staff)
    assert r.status_code == 201, r.text
    return r.json()["booking"]


def _move(api: Api, headers: dict[str, str], ride_id: str, body: Any) -> Any:
    return api.client.post(f"/api/v1/operator/rides/{ride_id}/move", json=body, headers=headers)


def _board(api: Api, staff: dict[str, str]) -> dict[str, list[str]]:
    day = api.client.get("/api/v1/operator/day", params={"date": DAY.isoformat()}, headers=staff)
    return {v["vehicle_id"]: [b["id"] for b in v["bookings"]] for v in day.json()["vehicles"]}


def test_operator_moves_a_ride_and_it_is_audited(api: Api) -> None:
    staff = api.staff()
    member, _ = api.member(staff)
    booking = _book(api, staff, member["id"])
    source = booking["vehicle_id"]
    target = "V2" if source == "V1" else "V1"
    r = _move(api, staff, booking["id"], {"vehicle_id": target})
    assert r.status_code == 200, r.text
    moved = r.json()
    assert moved["vehicle_id"] == target
    assert moved["pickup_window_start"] == booking["pickup_window_start"]
    assert moved["pickup_window_start"] <= moved["estimated_pickup"] <= moved["pickup_window_end"]
    assert _board(api, staff) == {target: [booking["id"]]}
    admin = api.staff("admin")
    log = api.client.get("/api/v1/audit", headers=admin).json()
    entry = next(e for e in log if e["action"] == "booking.move")
    assert entry["entity_id"] == booking["id"]
    assert entry["before"]["vehicle_id"] == source
    assert entry["after"]["vehicle_id"] == target


def test_move_refusals_in_the_house_error_shape(api: Api) -> None:
    staff = api.staff()
    member, resident = api.member(staff)
    pair = _book(api, staff, member["id"], party_size=2)
    assert pair["vehicle_id"] == "V1"  # V2 has one seat
    rid = pair["id"]

    r = _move(api, staff, rid, {"vehicle_id": "V2"})
    assert r.status_code == 409
    detail = r.json()["detail"]
    assert detail["code"] == "no_capacity" and detail["alternatives"] == []
    assert "V2" in detail["message_ja"] and "V2" in detail["message_en"]
    assert detail["message"] == detail["message_ja"]

    r = _move(api, staff, rid, {"vehicle_id": "V1"})
    assert (r.status_code, r.json()["detail"]["code"]) == (409, "illegal_transition")

    r = _move(api, {**staff, "Accept-Language": "en"}, rid, {"vehicle_id": "V3"})
    detail = r.json()["detail"]
    assert (r.status_code, detail["code"]) == (422, "vehicle_unavailable")
    assert detail["message"] == detail["message_en"] and "V3" in detail["message_en"]

    r = _move(api, staff, rid, {"vehicle_id": "V404"})
    assert (r.status_code, r.json()["detail"]["code"]) == (404, "not_found")
    assert "V404" in r.json()["detail"]["message_ja"]
    r = _move(api, staff, "R-nope", {"vehicle_id": "V2"})
    assert (r.status_code, r.json()["detail"]["code"]) == (404, "not_found")
    r = _move(api, staff, rid, {})
    assert (r.status_code, r.json()["detail"]["code"]) == (422, "validation_error")
    assert _move(api, resident, rid, {"vehicle_id": "V2"}).status_code == 403
    assert _board(api, staff) == {"V1": [rid]}  # nothing changed by the refusals
