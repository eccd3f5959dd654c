"""The city's fare reports over HTTP on the real engine (issue 13 §5): rides by fare category,
the unpaid rides with their reasons, and the subsidy picture (cost per vehicle-hour from the
city file × the shifts' hours ÷ passengers), as JSON and as CSV, from rides made here."""

from __future__ import annotations

import csv
import io
from dataclasses import replace
from datetime import date, datetime
from typing import Any

import pytest
from sqlalchemy import Engine

from booking_api.settings import Settings
from dispatch.engine import DispatchEngine
from tests.booking_api.conftest import Api, quote_body, two_car_fare_day
from tests.booking_api.fakes import FixedClock, jst

DAY = date(2026, 12, 2)


@pytest.fixture
def engine(settings: Settings, db: Engine, clock: FixedClock, city_map: Any) -> DispatchEngine:
    """V1 on shift 08:00-17:00 on 2 December with a 45-minute break; V2 09:00-11:00 on the
    3rd (no rides: its hours still cost)."""
    return two_car_fare_day(settings, db, clock, city_map)


def _payment_required(api: Api, required: bool) -> None:
    state = api.client.app.state.noriai  # type: ignore[attr-defined]
    fares = state.rules.fares
    state.rules = replace(
        state.rules, fares=replace(fares, payment=replace(fares.payment, required=required))
    )


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


def _tap(api: Api, driver: dict[str, str], ride_id: str, tap: str) -> None:
    body = {"ride_id": ride_id, "tap": tap, "tap_id": f"{ride_id}-{tap}", "reason": "stop_moved"}
    r = api.client.post("/api/v1/driver/taps", json=body, headers=driver)
    assert r.status_code == 200, r.text


def _ride(
    api: Api, driver: dict[str, str], clock: FixedClock, ride: dict[str, Any], pay: Any
) -> None:
    """Board the ride at its window, record ``pay`` (None: no record), drop off."""
    start = datetime.fromisoformat(ride["pickup_window_start"])
    clock.advance(max(0.0, (start - clock.now()).total_seconds()))
    _tap(api, driver, ride["id"], "arrived")
    _tap(api, driver, ride["id"], "boarded")
    if pay is not None:
        r = api.client.post(f"/api/v1/driver/rides/{ride['id']}/payment", json=pay, headers=driver)
        assert r.status_code == 201, r.text
    clock.advance(600)
    _tap(api, driver, ride["id"], "dropped_off")


def _member(api: Api, staff: dict[str, str], category: str) -> dict[str, Any]:
    member, _ = api.member(staff)
    r = api.client.patch(
        f"/api/v1/members/{member['id']}", json={"category": category}, headers=staff
    )
    assert r.status_code == 200, r.text
    return member


def _rows(text: str) -> list[list[str]]:
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text[1:])))


def test_rides_by_category_unpaid_and_subsidy(
    api: Api, engine: DispatchEngine, clock: FixedClock
) -> None:
    """Four completed rides and a cancelled one, a coupon sale: the figures in yen and heads."""
    clock.advance((jst(2026, 12, 2, 8, 30) - clock.now()).total_seconds())
    staff = api.staff()
    driver = api.staff("driver", vehicle_id="V1")
    general = _member(api, staff, "general")
    disability = _member(api, staff, "disability")
    senior = _member(api, staff, "senior")
    child = _member(api, staff, "child")
    sale = api.client.post(
        f"/api/v1/members/{general['id']}/sales",
        json={"product_id": "coupon11", "received_yen": 3000},
        headers=staff,
    )
    assert sale.status_code == 201, sale.text  # 3,000 yen at the counter

    r1 = _book(api, staff, general["id"], "10:00")  # 300
    r2 = _book(api, staff, disability["id"], "11:00", party_size=3, carers=1)  # 150: both free
    r3 = _book(api, staff, senior["id"], "13:30", party_size=2)  # 300 + 300 companion
    r4 = _book(api, staff, child["id"], "15:00")  # 150
    gone = _book(api, staff, general["id"], "16:00")
    assert (r1["fare_yen"], r2["fare_yen"], r3["fare_yen"], r4["fare_yen"]) == (300, 150, 600, 150)
    r = api.client.post(
        f"/api/v1/bookings/{gone['id']}/cancel", json={"reason": "電話で取消"}, headers=staff
    )
    assert r.status_code == 200, r.text

    _payment_required(api, True)
    _ride(api, driver, clock, r1, {"method": "cash", "received_yen": 500})
    _ride(api, driver, clock, r2, {"method": "ic"})
    _ride(api, driver, clock, r3, {"method": "not_paid", "reason": "no_money"})
    _payment_required(api, False)  # a city that does not require a record: none is made
    _ride(api, driver, clock, r4, None)

    q = "from=2026-12-01&to=2026-12-03"
    cat = api.client.get(f"/api/v1/reports/rides-by-category?{q}", headers=staff)
    assert cat.status_code == 200, cat.text
    got = {
        r["category"]: (r["rides"], r["passengers"], r["companions"], r["carers"], r["fare_yen"])
        for r in cat.json()["totals"]
    }
    assert got == {
        "general": (1, 1, 0, 0, 300),
        "senior": (1, 2, 1, 0, 600),
        "disability": (1, 3, 1, 1, 150),
        "child": (1, 1, 0, 0, 150),
        "preschool": (0, 0, 0, 0, 0),
    }
    assert {r["period"] for r in cat.json()["rows"]} == {"2026-12-02"}
    text = api.client.get(
        f"/api/v1/reports/rides-by-category.csv?{q}&group=month", headers=staff
    )
    assert text.headers["content-type"].startswith("text/csv")
    assert "attachment" in text.headers["content-disposition"]
    rows = _rows(text.text)
    assert rows[0] == ["period", "category", "rides", "passengers", "companions", "carers",
                       "fare_yen"]  # fmt: skip
    assert ["2026-12", "disability", "1", "3", "1", "1", "150"] in rows
    assert ["total", "preschool", "0", "0", "0", "0", "0"] in rows

    unpaid = api.client.get(f"/api/v1/reports/unpaid-rides?{q}", headers=staff).json()
    assert (unpaid["count"], unpaid["fare_yen"]) == (2, 750)
    assert [(u["ride_id"], u["kind"], u["reason"], u["fare_yen"]) for u in unpaid["rides"]] == [
        (r3["id"], "not_paid", "no_money", 600),
        (r4["id"], "no_record", "", 150),
    ]
    assert unpaid["rides"][0]["reason_ja"] == "手持ちがなかった（後日精算）"
    assert unpaid["rides"][0]["member_number"] == senior["member_number"]
    rows = _rows(api.client.get(f"/api/v1/reports/unpaid-rides.csv?{q}", headers=staff).text)
    assert rows[0][:6] == ["service_date", "ride_id", "member_number", "vehicle_id", "fare_yen",
                           "kind"]  # fmt: skip
    assert rows[1][:8] == ["2026-12-02", r3["id"], senior["member_number"], "V1", "600",
                           "not_paid", "no_money", "手持ちがなかった（後日精算）"]  # fmt: skip
    assert rows[1][9].startswith("2026-12-02T") and rows[1][9].endswith("+09:00")
    assert rows[-1][:5] == ["total", "", "", "", "750"]

    # V1 9 h - 45 min = 8.25 h and V2 2 h at 3,800 yen: 38,950 yen; 7 people carried;
    # fares 3,000 (coupon book) + 300 (cash) + 150 (IC) = 3,450 yen
    sub = api.client.get(f"/api/v1/reports/subsidy?{q}", headers=staff)
    assert sub.status_code == 200, sub.text
    body = sub.json()
    assert (body["cost_per_vehicle_hour_yen"], body["hours_basis"]) == (3800, "operated")
    # no tablet signed on or off: both vehicle-days count as scheduled
    assert [(v["vehicle_id"], v["basis"], v["service_s"]) for v in body["vehicle_days"]] == [
        ("V1", "scheduled", 29700), ("V2", "scheduled", 7200)
    ]
    total = body["total"]
    assert (total["vehicle_s"], total["vehicle_hours"]) == (36900, 10.25)
    assert (total["passengers"], total["rides"]) == (7, 4)
    assert (total["cost_yen"], total["revenue_yen"], total["subsidy_yen"]) == (38950, 3450, 35500)
    assert (total["cost_per_passenger_yen"], total["revenue_per_passenger_yen"]) == (5564, 493)
    assert total["farebox_ratio"] == 0.0886
    by_day = api.client.get(f"/api/v1/reports/subsidy?{q}&group=day", headers=staff).json()
    days = [(r["period"], r["cost_yen"], r["passengers"], r["subsidy_yen"]) for r in by_day["rows"]]
    assert days == [("2026-12-02", 31350, 7, 27900), ("2026-12-03", 7600, 0, 7600)]
    assert by_day["rows"][1]["cost_per_passenger_yen"] is None
    rows = _rows(api.client.get(f"/api/v1/reports/subsidy.csv?{q}", headers=staff).text)
    assert rows[0][:7] == ["period", "vehicle_hours", "passengers", "rides", "cost_yen",
                           "revenue_yen", "subsidy_yen"]  # fmt: skip
    assert rows[1] == ["2026-12", "10.25", "7", "4", "38950", "3450", "35500", "5564", "493",
                       "0.0886", "2", "0", "2", "3800"]  # fmt: skip
    assert rows[2][0] == "total"


def _senior_pays(api: Api, yen: int) -> None:
    """Let seniors pay ``yen`` in every rule version (Kamisu's seniors pay as the general)."""
    state = api.client.app.state.noriai  # type: ignore[attr-defined]
    fares = state.rules.fares
    assert fares.table is not None
    rules = tuple(
        replace(r, categories={**r.categories, "senior": yen}) for r in fares.table.rules
    )
    table = replace(fares.table, rules=rules)
    state.rules = replace(state.rules, fares=replace(fares, table=table))


def test_a_ride_keeps_the_fare_category_it_was_priced_with(
    api: Api, engine: DispatchEngine, clock: FixedClock
) -> None:
    """A member rides as general, staff make them a senior, they ride again: the report counts
    one general ride (300 yen) and one senior ride (200 yen), not two senior rides (issue 13
    §1: a change takes effect from then on without changing past rides)."""
    clock.advance((jst(2026, 12, 2, 8, 30) - clock.now()).total_seconds())
    _senior_pays(api, 200)
    staff = api.staff()
    driver = api.staff("driver", vehicle_id="V1")
    member = _member(api, staff, "general")
    first = _book(api, staff, member["id"], "10:00")
    _ride(api, driver, clock, first, {"method": "cash", "received_yen": 300})
    r = api.client.patch(
        f"/api/v1/members/{member['id']}", json={"category": "senior"}, headers=staff
    )
    assert r.status_code == 200, r.text
    second = _book(api, staff, member["id"], "13:30")
    _ride(api, driver, clock, second, {"method": "cash", "received_yen": 200})
    assert (first["fare_yen"], second["fare_yen"]) == (300, 200)

    cat = api.client.get("/api/v1/reports/rides-by-category?from=2026-12-02&to=2026-12-02",
                         headers=staff)  # fmt: skip
    assert cat.status_code == 200, cat.text
    got = {r["category"]: (r["rides"], r["fare_yen"]) for r in cat.json()["totals"]}
    assert (got["general"], got["senior"]) == ((1, 300), (1, 200))
    assert [(r["category"], r["rides"]) for r in cat.json()["rows"]] == [
        ("general", 1),
        ("senior", 1),
    ]


def test_the_tablet_shows_the_fare_as_it_was_priced(
    api: Api, engine: DispatchEngine, clock: FixedClock
) -> None:
    """Booked as general with a companion (300 + 300 yen), the member then becomes a senior:
    the tablet still itemises the fare as booked, by the category it was priced with,
    instead of one unexplained line of 600 yen."""
    clock.advance((jst(2026, 12, 2, 8, 30) - clock.now()).total_seconds())
    _senior_pays(api, 200)
    staff = api.staff()
    driver = api.staff("driver", vehicle_id="V1")
    member = _member(api, staff, "general")
    ride = _book(api, staff, member["id"], "10:00", party_size=2)
    r = api.client.patch(
        f"/api/v1/members/{member['id']}", json={"category": "senior"}, headers=staff
    )
    assert r.status_code == 200, r.text
    fare = api.client.get(f"/api/v1/driver/rides/{ride['id']}/fare", headers=driver)
    assert fare.status_code == 200, fare.text
    body = fare.json()
    assert body["due_yen"] == ride["fare_yen"] == 600
    assert [(x["who"], x["count"], x["yen_each"]) for x in body["lines"]] == [
        ("member", 1, 300),
        ("companion", 1, 300),
    ]


def test_a_change_and_a_series_after_the_category_change_are_priced_and_counted_anew(
    api: Api, engine: DispatchEngine, clock: FixedClock
) -> None:
    """Booked as general, the member becomes a senior: a modification of that booking is
    priced (200 yen) and counted as senior, as is a standing order's ride booked after the
    change; the ride made as general stays general."""
    clock.advance((jst(2026, 12, 2, 8, 30) - clock.now()).total_seconds())
    _senior_pays(api, 200)
    staff = api.staff()
    driver = api.staff("driver", vehicle_id="V1")
    member = _member(api, staff, "general")
    first = _book(api, staff, member["id"], "10:00")
    later = _book(api, staff, member["id"], "15:00")
    _ride(api, driver, clock, first, {"method": "cash", "received_yen": 300})
    r = api.client.patch(
        f"/api/v1/members/{member['id']}", json={"category": "senior"}, headers=staff
    )
    assert r.status_code == 200, r.text
    body = quote_body(member_id=member["id"], time="16:00")
    r = api.client.post(f"/api/v1/bookings/{later['id']}/modify", json=body, headers=staff)
    assert r.status_code == 200, r.text
    r = api.client.post(
        f"/api/v1/bookings/{later['id']}/modify/confirm",
        json={"offer_id": r.json()["offer"]["offer_id"], "reason": "電話で変更"},
        headers=staff,
    )
    assert r.status_code == 200, r.text
    changed = r.json()
    series = {**quote_body(member_id=member["id"], time="13:30"), "weekdays": [2],
              "start_date": "2026-12-02", "until": "2026-12-02"}  # fmt: skip
    del series["date"]
    r = api.client.post("/api/v1/series", json=series, headers=staff)
    assert r.status_code == 201, r.text
    (standing,) = r.json()["booked"]
    assert (later["fare_yen"], changed["fare_yen"], standing["fare_yen"]) == (300, 200, 200)
    _ride(api, driver, clock, standing, {"method": "cash", "received_yen": 200})
    _ride(api, driver, clock, changed, {"method": "cash", "received_yen": 200})

    cat = api.client.get("/api/v1/reports/rides-by-category?from=2026-12-02&to=2026-12-02",
                         headers=staff)  # fmt: skip
    assert cat.status_code == 200, cat.text
    got = {r["category"]: (r["rides"], r["fare_yen"]) for r in cat.json()["totals"]}
    assert (got["general"], got["senior"]) == ((1, 300), (2, 400))


@pytest.mark.parametrize(
    ("query", "code"),
    [
        ("from=2026-12-03&to=2026-12-02", "bad_range"),
        ("from=2026-01-01&to=2026-12-01&group=day", "bad_period"),  # 335 days by day
        ("from=2025-01-01&to=2026-03-01&group=month", "bad_period"),  # over a fiscal year
        ("from=2026-12-01&to=2028-01-01&group=month", "date_out_of_range"),  # > a year ahead
        ("from=1999-12-31&to=2026-12-01", "validation_error"),
    ],
)
def test_fare_report_ranges_are_bounded(api: Api, query: str, code: str) -> None:
    """Each fare report refuses a reversed, too long or out-of-range period with a 422."""
    staff = api.staff()
    for path in ("rides-by-category", "unpaid-rides.csv", "subsidy", "revenue"):
        r = api.client.get(f"/api/v1/reports/{path}?{query}", headers=staff)
        assert r.status_code == 422, (path, r.text)
        detail = r.json()["detail"]
        if code != "validation_error":
            assert detail["code"] == code, (path, detail)
        assert detail["message_ja"] and detail["message_en"]


def test_a_fiscal_year_by_month_is_accepted_and_staff_only(
    api: Api, engine: DispatchEngine
) -> None:
    """April to March by month is one report (the shifts' 10.25 h, no ride); a resident is
    refused."""
    staff = api.staff()
    r = api.client.get(
        "/api/v1/reports/subsidy?from=2026-04-01&to=2027-03-31&group=month", headers=staff
    )
    assert r.status_code == 200, r.text
    assert [(p["period"], p["cost_yen"], p["passengers"]) for p in r.json()["rows"]] == [
        ("2026-12", 38950, 0)
    ]
    assert r.json()["total"]["cost_per_passenger_yen"] is None
    _, resident = api.member(staff)
    r = api.client.get("/api/v1/reports/subsidy?from=2026-04-01&to=2026-04-30", headers=resident)
    assert r.status_code == 403
    anonymous = api.client.get("/api/v1/reports/unpaid-rides?from=2026-04-01&to=2026-04-30")
    assert anonymous.status_code == 401
