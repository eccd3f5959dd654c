"""Tickets and fares over HTTP on the real engine (issue 13): a counter sale with its receipt,
the wallet, the tablet's payment at drop-off (required before 降車), cash at the end of the
shift, and a staff correction as a new audited row."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime
from typing import Any

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from booking_api.db import AuditRow
from booking_api.settings import Settings
from dispatch.bus.memory import InProcessBus
from dispatch.domain import LatLon
from dispatch.engine import DispatchEngine
from tests.booking_api.conftest import HOME_A, Api, quote_body
from tests.booking_api.fakes import FixedClock, jst

DAY = date(2026, 12, 2)


@pytest.fixture
def engine(settings: Settings, db: Engine, clock: FixedClock, city_map: Any) -> DispatchEngine:
    """One vehicle on shift 08:00-17:00 on 2 December, the city file's rules."""
    engine = DispatchEngine(
        settings.engine_config(), db=db, bus=InProcessBus(), travel=city_map, clock=clock
    )
    engine.add_vehicle("V1", depot=LatLon(*HOME_A), seats=4, name="神栖1号")
    engine.set_shift("V1", DAY, jst(2026, 12, 2, 8, 0), jst(2026, 12, 2, 17, 0))
    return engine


def _book(api: Api, staff: dict[str, str], member_id: str, hhmm: str, **kw: Any) -> dict[str, Any]:
    r = api.client.post(
        "/api/v1/quotes", json=quote_body(member_id=member_id, time=hhmm, **kw), headers=staff
    )
    assert r.status_code == 200, r.text
    r = api.client.post(
        "/api/v1/bookings", json={"offer_id": r.json()["offer"]["offer_id"]}, headers=staff
    )
    assert r.status_code == 201, r.text
    return dict(r.json()["booking"])


def _require_payment(api: Api) -> None:
    """Make 降車 need a payment record, as a city file's ``payment_required`` says."""
    state = api.client.app.state.noriai  # type: ignore[attr-defined]
    fares = state.rules.fares
    state.rules = replace(
        state.rules, fares=replace(fares, payment=replace(fares.payment, required=True))
    )


def _tap(api: Api, driver: dict[str, str], ride_id: str, tap: str) -> Any:
    body = {"ride_id": ride_id, "tap": tap, "tap_id": f"{ride_id}-{tap}", "reason": "stop_moved"}
    return api.client.post("/api/v1/driver/taps", json=body, headers=driver)


def _board(api: Api, driver: dict[str, str], clock: FixedClock, ride: dict[str, Any]) -> None:
    start = datetime.fromisoformat(ride["pickup_window_start"])
    clock.advance((start - clock.now()).total_seconds())
    assert _tap(api, driver, ride["id"], "arrived").status_code == 200
    assert _tap(api, driver, ride["id"], "boarded").status_code == 200


def test_coupon_sold_used_at_drop_off_and_cash_counted(
    api: Api, engine: DispatchEngine, clock: FixedClock
) -> None:
    """Sell a coupon book, ride on it, pay a second ride in cash, count the cash."""
    clock.advance((jst(2026, 12, 2, 8, 30) - clock.now()).total_seconds())
    _require_payment(api)
    staff = api.staff()
    driver = api.staff("driver", vehicle_id="V1")
    member, resident = api.member(staff)
    products = api.client.get("/api/v1/fares/products").json()
    assert {p["id"] for p in products} >= {"coupon11", "pass_month", "licence_return"}

    # the counter: not enough cash is refused next to the field, then sold with change
    url = f"/api/v1/members/{member['id']}/sales"
    r = api.client.post(
        url,
        json={"product_id": "coupon11", "received_yen": 2000},
        headers={**staff, "Accept-Language": "en"},
    )
    assert r.status_code == 422 and r.json()["detail"]["field"] == "received_yen"
    assert "not enough" in r.json()["detail"]["message"]
    r = api.client.post(url, json={"product_id": "nope"}, headers=staff)
    assert (r.status_code, r.json()["detail"]["code"]) == (422, "unknown_product")
    r = api.client.post(url, json={"product_id": "coupon11", "received_yen": 5000}, headers=staff)
    assert r.status_code == 201, r.text
    receipt = r.json()
    assert (receipt["price_yen"], receipt["change_yen"]) == (3000, 2000)
    assert receipt["number"].startswith("R") and receipt["valid_until"] == "2027-06-01"
    wallet = api.client.get("/api/v1/me/wallet", headers=resident).json()
    assert [h["rides_left"] for h in wallet["holdings"]] == [11]
    coupon = wallet["holdings"][0]["id"]

    # a ride: 降車 is refused until the fare is recorded; the ticket option is offered
    ride = _book(api, staff, member["id"], "10:00")
    _board(api, driver, clock, ride)
    r = _tap(api, driver, ride["id"], "dropped_off")
    assert (r.status_code, r.json()["detail"]["code"]) == (409, "payment_required")
    fare = api.client.get(f"/api/v1/driver/rides/{ride['id']}/fare", headers=driver).json()
    assert fare["due_yen"] == 300
    assert [o["method"] for o in fare["options"]] == ["ticket", "cash", "ic", "qr"]
    assert fare["options"][0]["name_ja"] == "回数券（11回分）"
    pay = {"method": "ticket", "holding_id": coupon}
    r = api.client.post(f"/api/v1/driver/rides/{ride['id']}/payment", json=pay, headers=driver)
    assert r.status_code == 201, r.text
    again = api.client.post(f"/api/v1/driver/rides/{ride['id']}/payment", json=pay, headers=driver)
    assert again.status_code == 201  # the tablet's resend lands once
    other = api.client.post(
        f"/api/v1/driver/rides/{ride['id']}/payment",
        json={"method": "cash", "received_yen": 300},
        headers=driver,
    )
    assert (other.status_code, other.json()["detail"]["code"]) == (409, "already_paid")
    assert _tap(api, driver, ride["id"], "dropped_off").status_code == 200
    wallet = api.client.get("/api/v1/me/wallet", headers=resident).json()
    assert wallet["holdings"][0]["rides_left"] == 10
    assert [e["kind"] for e in wallet["history"]] == ["use", "sale"]

    # a second ride in cash: too little is refused, 500 gives 200 change
    ride2 = _book(api, staff, member["id"], "13:00")
    _board(api, driver, clock, ride2)
    url2 = f"/api/v1/driver/rides/{ride2['id']}/payment"
    r = api.client.post(url2, json={"method": "cash", "received_yen": 100}, headers=driver)
    assert (r.status_code, r.json()["detail"]["code"]) == (422, "not_enough_cash")
    r = api.client.post(url2, json={"method": "not_paid"}, headers=driver)
    assert (r.status_code, r.json()["detail"]["code"]) == (422, "reason_required")
    r = api.client.post(url2, json={"method": "cash", "received_yen": 500}, headers=driver)
    assert r.status_code == 201 and r.json()["change_yen"] == 200
    assert _tap(api, driver, ride2["id"], "dropped_off").status_code == 200

    # end of shift: 300 expected, 200 declared is flagged; the office sees it
    cash = api.client.get("/api/v1/driver/cash", headers=driver).json()
    assert (cash["expected_yen"], cash["declared_yen"], cash["flagged"]) == (300, None, True)
    r = api.client.post(
        "/api/v1/driver/cash", json={"declared_yen": 200, "note": "100円不足"}, headers=driver
    )
    assert r.status_code == 201 and r.json()["difference_yen"] == -100 and r.json()["flagged"]
    office = api.client.get("/api/v1/fares/cash?date=2026-12-02", headers=staff).json()
    assert [(c["vehicle_id"], c["difference_yen"], c["flagged"]) for c in office] == [
        ("V1", -100, True)
    ]

    # the office's takings of the day: the counter sale and the cash fare, by product and method
    rev = api.client.get(
        "/api/v1/reports/revenue?from=2026-12-02&to=2026-12-02", headers=staff
    ).json()
    got = {(r["product_id"], r["channel"], r["method"]): r["yen"] for r in rev["rows"]}
    assert got[("coupon11", "counter", "cash")] == 3000 and got[("", "on_board", "cash")] == 300
    assert rev["total_yen"] == 3300 and rev["unpaid_rides"] == 0
    csv = api.client.get(
        "/api/v1/reports/revenue.csv?from=2026-12-02&to=2026-12-02&group=month", headers=staff
    )
    assert csv.status_code == 200 and "2026-12,coupon11,counter,cash,3000" in csv.text
    bad = api.client.get("/api/v1/reports/revenue?from=2026-12-03&to=2026-12-02", headers=staff)
    assert bad.status_code == 422

    # a staff correction is a new opposite row, audited; twice is refused
    day = api.client.get("/api/v1/ledger?date=2026-12-02", headers=staff).json()
    cash_row = next(e for e in day if e["method"] == "cash")
    r = api.client.post(
        f"/api/v1/ledger/{cash_row['id']}/correct", json={"reason": "二重計上"}, headers=staff
    )
    assert r.status_code == 201 and r.json()["yen_out"] == 300 and r.json()["corrects_id"]
    r = api.client.post(
        f"/api/v1/ledger/{cash_row['id']}/correct", json={"reason": "again"}, headers=staff
    )
    assert r.status_code == 409
    with Session(api.db) as s:
        actions = set(s.scalars(select(AuditRow.action)))
        assert {"fare.sale", "fare.correction"} <= actions


def test_a_free_fare_is_exempt_and_a_pass_covers_the_member(
    api: Api, engine: DispatchEngine, clock: FixedClock
) -> None:
    """A preschool member's ride is exempt; a pass pays the member's own fare only."""
    clock.advance((jst(2026, 12, 2, 8, 30) - clock.now()).total_seconds())
    staff = api.staff()
    driver = api.staff("driver", vehicle_id="V1")
    member, _ = api.member(staff)
    r = api.client.patch(
        f"/api/v1/members/{member['id']}", json={"category": "preschool"}, headers=staff
    )
    assert r.status_code == 200, r.text
    ride = _book(api, staff, member["id"], "10:00")
    _board(api, driver, clock, ride)
    fare = api.client.get(f"/api/v1/driver/rides/{ride['id']}/fare", headers=driver).json()
    assert fare["due_yen"] == 0 and [o["method"] for o in fare["options"]] == ["exempt"]
    r = api.client.post(
        f"/api/v1/driver/rides/{ride['id']}/payment", json={"method": "exempt"}, headers=driver
    )
    assert r.status_code == 201

    adult, _ = api.member(staff)
    sale = api.client.post(
        f"/api/v1/members/{adult['id']}/sales",
        json={"product_id": "pass_month", "received_yen": 3000},
        headers=staff,
    )
    assert sale.status_code == 201
    ride2 = _book(api, staff, adult["id"], "13:00", party_size=2)
    _board(api, driver, clock, ride2)
    fare = api.client.get(f"/api/v1/driver/rides/{ride2['id']}/fare", headers=driver).json()
    assert fare["due_yen"] == 600 and "pass" not in [o["method"] for o in fare["options"]]
    r = api.client.post(
        f"/api/v1/driver/rides/{ride2['id']}/payment",
        json={"method": "not_paid", "reason": "no_money"},
        headers=driver,
    )
    assert r.status_code == 201 and r.json()["method"] == "not_paid"
    assert _tap(api, driver, ride2["id"], "dropped_off").status_code == 200
