"""How a member chose to pay when she booked (issue 13 §2), over HTTP on the real engine.

The choice (her coupon book, her pass, cash, IC, QR) is stored with the booking, shown on
it and on the tablet's fare as the pre-selected method; the driver may still record
another (the ledger has what was really used). A ticket that cannot pay on the ride's day
is refused before anything is booked (422, both languages), and the offer can still be
confirmed with another way of paying."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import pytest
from sqlalchemy import Engine, update

from booking_api.faredb import HoldingRow
from booking_api.settings import Settings
from dispatch.bus.memory import InProcessBus
from dispatch.domain import LatLon
from dispatch.engine import DispatchEngine
from tests.booking_api.conftest import HOME_A, Api, quote_body
from tests.booking_api.fakes import FixedClock, jst


@pytest.fixture
def engine(settings: Settings, db: Engine, clock: FixedClock, city_map: Any) -> DispatchEngine:
    """V1 on shift 08:00-17:00 on 2 December (the clock: 1 December 09:00)."""
    engine = DispatchEngine(
        settings.engine_config(), db=db, bus=InProcessBus(), travel=city_map, clock=clock
    )
    engine.add_vehicle("V1", depot=LatLon(*HOME_A), seats=4, name="神栖1号")
    engine.set_shift("V1", date(2026, 12, 2), jst(2026, 12, 2, 8, 0), jst(2026, 12, 2, 17, 0))
    return engine


def _sell(api: Api, staff: dict[str, str], member_id: str, product: str) -> str:
    r = api.client.post(
        f"/api/v1/members/{member_id}/sales",
        json={"product_id": product, "received_yen": 3000},
        headers=staff,
    )
    assert r.status_code == 201, r.text
    wallet = api.client.get(f"/api/v1/members/{member_id}/wallet", headers=staff).json()
    return str(next(h["id"] for h in wallet["holdings"] if h["product_id"] == product))


def _offer(api: Api, resident: dict[str, str], **kw: Any) -> str:
    r = api.client.post("/api/v1/quotes", json=quote_body(**kw), headers=resident)
    assert r.status_code == 200, r.text
    return str(r.json()["offer"]["offer_id"])


def _confirm(api: Api, resident: dict[str, str], offer_id: str, pay: Any) -> Any:
    body: dict[str, Any] = {"offer_id": offer_id}
    if pay is not None:
        body["pay_with"] = pay
    return api.client.post("/api/v1/bookings", json=body, headers=resident)


def _tap(api: Api, driver: dict[str, str], ride_id: str, tap: str) -> Any:
    body = {"ride_id": ride_id, "tap": tap, "tap_id": f"{ride_id}-{tap}", "reason": "stop_moved"}
    return api.client.post("/api/v1/driver/taps", json=body, headers=driver)


def test_the_chosen_coupon_is_kept_shown_and_the_driver_may_record_another(
    api: Api, engine: DispatchEngine, clock: FixedClock
) -> None:
    """She books with her coupon book: the booking and the tablet's fare show it (usable);
    on board she pays cash instead, the ledger has the cash and the book keeps 11 rides."""
    clock.advance((jst(2026, 12, 2, 8, 30) - clock.now()).total_seconds())
    staff = api.staff()
    driver = api.staff("driver", vehicle_id="V1")
    member, resident = api.member(staff)
    coupon = _sell(api, staff, member["id"], "coupon11")
    r = _confirm(api, resident, _offer(api, resident), {"method": "ticket", "holding_id": coupon})
    assert r.status_code == 201, r.text
    booked = r.json()["booking"]
    chosen = {"method": "ticket", "holding_id": coupon, "product_id": "coupon11"}
    assert booked["pay_with"] == chosen
    mine = api.client.get(f"/api/v1/bookings/{booked['id']}", headers=resident).json()
    assert mine["pay_with"] == chosen
    listed = api.client.get("/api/v1/bookings", headers=resident).json()
    assert [b["pay_with"] for b in listed] == [chosen]

    start = datetime.fromisoformat(booked["pickup_window_start"])
    clock.advance((start - clock.now()).total_seconds())
    assert _tap(api, driver, booked["id"], "arrived").status_code == 200
    assert _tap(api, driver, booked["id"], "boarded").status_code == 200
    url = f"/api/v1/driver/rides/{booked['id']}"
    fare = api.client.get(f"{url}/fare", headers=driver).json()
    assert fare["chosen"] == {"method": "ticket", "holding_id": coupon, "usable": True}
    assert fare["options"][0]["holding_id"] == coupon
    r = api.client.post(
        f"{url}/payment", json={"method": "cash", "received_yen": 300}, headers=driver
    )
    assert r.status_code == 201, r.text
    wallet = api.client.get("/api/v1/me/wallet", headers=resident).json()
    assert [h["rides_left"] for h in wallet["holdings"]] == [11]
    assert [(e["kind"], e["method"]) for e in wallet["history"]] == [
        ("use", "cash"),
        ("sale", "cash"),
    ]


def test_a_ticket_that_cannot_pay_on_the_rides_day_is_refused_before_booking(
    api: Api, engine: DispatchEngine, db: Engine
) -> None:
    """Her coupon book runs out today (1 Dec), the ride is tomorrow: 422 holding_expired in
    both languages and nothing booked; the same offer then books with cash. Another member's
    book, a pass for a party of two, and a ticket without its book are refused too."""
    staff = api.staff()
    member, resident = api.member(staff)
    coupon = _sell(api, staff, member["id"], "coupon11")
    with db.begin() as c:  # a book bought six months ago: valid until today
        c.execute(
            update(HoldingRow).where(HoldingRow.id == coupon).values(valid_until=date(2026, 12, 1))
        )
    offer = _offer(api, resident)
    r = _confirm(api, resident, offer, {"method": "ticket", "holding_id": coupon})
    assert r.status_code == 422, r.text
    detail = r.json()["detail"]
    assert (detail["code"], detail["field"]) == ("holding_expired", "pay_with")
    assert "2026年12月1日" in detail["message_ja"] and "2026-12-01" in detail["message_en"]
    assert api.client.get("/api/v1/bookings", headers=resident).json() == []
    r = _confirm(api, resident, offer, {"method": "cash"})
    assert r.status_code == 201, r.text
    assert r.json()["booking"]["pay_with"] == {
        "method": "cash",
        "holding_id": None,
        "product_id": None,
    }

    other, other_resident = api.member(staff)
    pass_id = _sell(api, staff, other["id"], "pass_month")
    r = _confirm(
        api,
        resident,
        _offer(api, resident, time="13:00"),
        {"method": "pass", "holding_id": pass_id},
    )
    assert (r.status_code, r.json()["detail"]["code"]) == (422, "holding_unknown")
    r = _confirm(
        api,
        other_resident,
        _offer(api, other_resident, time="13:00", party_size=2),
        {"method": "pass", "holding_id": pass_id},
    )
    assert (r.status_code, r.json()["detail"]["code"]) == (422, "pass_covers_member_only")
    r = _confirm(api, resident, _offer(api, resident, time="14:00"), {"method": "ticket"})
    assert (r.status_code, r.json()["detail"]["code"]) == (422, "holding_unknown")
    assert len(api.client.get("/api/v1/bookings", headers=resident).json()) == 1
