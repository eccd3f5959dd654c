"""Vehicles through the API on the real engine: plate and colour shown with the booking,
editing (guarded while rides are booked ahead), retiring with a reason and bringing back,
each audited."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from booking_api.db import AuditRow
from booking_api.settings import Settings
from dispatch.bus import InProcessBus
from dispatch.engine import DispatchEngine
from dispatch.sim.live import seed_fleet
from dispatch.sim.scenario import load_scenario
from tests.booking_api.conftest import Api, quote_body
from tests.booking_api.fakes import FixedClock

WEEKDAYS = {d: {"start": "08:00", "end": "17:00"} for d in ("mon", "tue", "wed", "thu", "fri")}
CAR = {
    "id": "K7",
    "name": "のりあい 7号車",
    "plate": "土浦 500 あ 12-34",
    "colour": "green",
    "seats": 4,
    "wheelchairs": 1,
    "depot_name": "神栖市役所",
    "depot_lat": 35.89003,
    "depot_lon": 140.66446,
}


@pytest.fixture
def engine(settings: Settings, db: Engine, clock: FixedClock, city_map: Any) -> DispatchEngine:
    """The real engine with one demo vehicle (V01, no shifts from today on)."""
    engine = DispatchEngine(
        settings.engine_config(), db=db, bus=InProcessBus(), travel=city_map, clock=clock
    )
    seed_fleet(engine, load_scenario("kamisu-weekday"), vehicles=1, day=date(2026, 11, 2))
    return engine


def _actions(db: Engine) -> list[str]:
    with Session(db) as s:
        return [a.action for a in s.scalars(select(AuditRow).order_by(AuditRow.id))]


def _car_with_week(api: Api, admin: dict[str, str]) -> None:
    r = api.client.post("/api/v1/vehicles", json=CAR, headers=admin)
    assert r.status_code == 201, r.text
    r = api.client.put("/api/v1/vehicles/K7/shift-template", json=WEEKDAYS, headers=admin)
    assert r.status_code == 200, r.text


def _book(api: Api, headers: dict[str, str], day: str) -> dict[str, Any]:
    r = api.client.post("/api/v1/quotes", json=quote_body(date=day), headers=headers)
    assert r.status_code == 200, r.text
    r = api.client.post(
        "/api/v1/bookings", json={"offer_id": r.json()["offer"]["offer_id"]}, headers=headers
    )
    assert r.status_code == 201, r.text
    return dict(r.json()["booking"])


def test_the_rider_sees_the_plate_and_colour_of_the_car(api: Api) -> None:
    """A booking next week on a new car says which car to get into."""
    admin = api.staff("admin")
    _car_with_week(api, admin)
    _, resident = api.member()
    ride = _book(api, resident, "2026-12-08")
    assert ride["vehicle_id"] == "K7"  # V01 has no shifts next week
    assert (ride["vehicle_plate"], ride["vehicle_colour"]) == ("土浦 500 あ 12-34", "green")
    assert ride["vehicle_name"] == "のりあい 7号車"
    listed = api.client.get("/api/v1/bookings", headers=resident).json()
    assert listed[0]["vehicle_plate"] == "土浦 500 あ 12-34"
    one = api.client.get(f"/api/v1/bookings/{ride['id']}", headers=resident).json()
    assert one["vehicle_colour"] == "green"
    cars = {v["id"]: v for v in api.client.get("/api/v1/vehicles", headers=admin).json()}
    assert cars["K7"]["depot_name"] == "神栖市役所" and cars["K7"]["retired"] is False


def test_editing_a_vehicle_is_audited_and_guarded_while_rides_are_booked(
    api: Api, db: Engine
) -> None:
    """Name, plate and colour change at once; fewer places wait until its rides are moved."""
    admin, operator = api.staff("admin"), api.staff()
    _car_with_week(api, admin)
    url = "/api/v1/vehicles/K7"
    assert api.client.patch(url, json={"plate": "x"}, headers=operator).status_code == 403
    r = api.client.patch(url, json={"plate": "土浦 500 あ 56-78", "colour": "white"},
                         headers=admin)  # fmt: skip
    assert r.status_code == 200, r.text
    assert (r.json()["plate"], r.json()["colour"], r.json()["seats"]) == (
        "土浦 500 あ 56-78", "white", 4
    )  # fmt: skip
    assert _actions(db)[-1] == "vehicle.edit"
    for bad, code in (({"colour": "tartan"}, "validation"), ({"areas": ["Z"]}, "unknown_area"),
                      ({"seats": 0, "wheelchairs": 0}, "bad_capacity")):  # fmt: skip
        r = api.client.patch(url, json=bad, headers=admin)
        assert r.status_code == 422, bad
        assert r.json()["detail"]["message_ja"] and r.json()["detail"]["message_en"]
        if code != "validation":
            assert r.json()["detail"]["code"] == code
    _, resident = api.member()
    _book(api, resident, "2026-12-08")
    r = api.client.patch(url, json={"seats": 2}, headers=admin)
    assert r.status_code == 409, r.text
    detail = r.json()["detail"]
    assert detail["code"] == "vehicle_has_rides"
    assert detail["days"] == [{"date": "2026-12-08", "rides": 1}]
    assert "12月8日 1件" in detail["message_ja"] and "12/8 (1)" in detail["message_en"]
    r = api.client.patch(url, json={"seats": 6, "name": "のりあい 七号車"}, headers=admin)
    assert r.status_code == 200 and r.json()["seats"] == 6  # more places are always fine
    assert api.client.patch("/api/v1/vehicles/NOPE", json={}, headers=admin).status_code == 404


def test_retiring_needs_a_reason_and_no_rides_ahead_and_can_be_undone(
    api: Api, db: Engine
) -> None:
    """A retired car loses its shifts and gets none; brought back, its template applies."""
    admin, operator = api.staff("admin"), api.staff()
    _car_with_week(api, admin)
    _, resident = api.member()
    ride = _book(api, resident, "2026-12-08")
    url = "/api/v1/vehicles/K7/retire"
    assert api.client.post(url, json={"reason": "x"}, headers=operator).status_code == 403
    r = api.client.post(url, json={"reason": " "}, headers=admin)
    assert r.status_code == 422 and r.json()["detail"]["code"] == "reason_required"
    r = api.client.post(url, json={"reason": "車両更新"}, headers=admin)
    assert r.status_code == 409 and r.json()["detail"]["code"] == "vehicle_has_rides"
    assert r.json()["detail"]["days"] == [{"date": "2026-12-08", "rides": 1}]
    r = api.client.post(f"/api/v1/bookings/{ride['id']}/cancel", json={}, headers=resident)
    assert r.status_code == 200, r.text
    r = api.client.post(url, json={"reason": "車両更新"}, headers=admin)
    assert r.status_code == 200, r.text
    assert r.json()["retired"] is True and r.json()["retired_reason"] == "車両更新"
    shifts = api.client.get("/api/v1/shifts", params={"date": "2026-12-08"}, headers=operator)
    assert "K7" not in {s["vehicle_id"] for s in shifts.json()}
    # no new shifts: by hand, by the template or a day's hours (each 409 in words), so no ride
    shift = {"start": "2026-12-09T08:00:00+09:00", "end": "2026-12-09T17:00:00+09:00"}
    r = api.client.put("/api/v1/shifts/K7/2026-12-09", json=shift, headers=admin)
    assert r.status_code == 409 and r.json()["detail"]["code"] == "vehicle_retired"
    r = api.client.put("/api/v1/vehicles/K7/shift-template", json=WEEKDAYS, headers=admin)
    assert r.status_code == 409 and r.json()["detail"]["code"] == "vehicle_retired"
    assert "運用を再開" in r.json()["detail"]["message_ja"]
    day_hours = {"hours": {"start": "09:00", "end": "12:00"}, "note": "臨時"}
    r = api.client.put("/api/v1/shift-overrides/K7/2026-12-09", json=day_hours, headers=admin)
    assert r.status_code == 409 and r.json()["detail"]["code"] == "vehicle_retired"
    assert "bring it back" in r.json()["detail"]["message_en"]
    listed = api.client.get(
        "/api/v1/shift-overrides",
        params={"from": "2026-12-09", "to": "2026-12-09", "vehicle_id": "K7"},
        headers=admin,
    )
    assert listed.json() == []
    r = api.client.post("/api/v1/quotes", json=quote_body(date="2026-12-08"), headers=resident)
    assert r.status_code == 409, r.text
    r = api.client.post("/api/v1/vehicles/K7/unretire", headers=admin)
    assert r.status_code == 200 and r.json()["retired"] is False
    shifts = api.client.get("/api/v1/shifts", params={"date": "2026-12-08"}, headers=operator)
    assert "K7" in {s["vehicle_id"] for s in shifts.json()}
    assert _book(api, resident, "2026-12-08")["vehicle_id"] == "K7"
    assert {"vehicle.retire", "vehicle.unretire"} <= set(_actions(db))


def test_the_day_overrides_of_a_range_are_listed_for_staff(api: Api) -> None:
    """The calendar screen lists a vehicle's day overrides with their reason."""
    admin, operator = api.staff("admin"), api.staff()
    _car_with_week(api, admin)
    r = api.client.put(
        "/api/v1/shift-overrides/K7/2026-12-08", json={"off": True, "note": "車検"}, headers=admin
    )
    assert r.status_code == 200, r.text
    hours = {"start": "09:00", "end": "12:00"}
    r = api.client.put(
        "/api/v1/shift-overrides/K7/2026-12-09", json={"hours": hours}, headers=admin
    )
    assert r.status_code == 200, r.text
    url = "/api/v1/shift-overrides"
    got = api.client.get(
        url, params={"from": "2026-12-07", "to": "2026-12-13", "vehicle_id": "K7"}, headers=operator
    ).json()
    assert [(o["date"], o["off"], o["note"]) for o in got] == [
        ("2026-12-08", True, "車検"), ("2026-12-09", False, "")
    ]  # fmt: skip
    assert got[1]["hours"] == {**hours, "break_window": None}
    none = api.client.get(url, params={"from": "2026-12-01", "to": "2026-12-07"}, headers=operator)
    assert none.json() == []
    _, resident = api.member()
    r = api.client.get(url, params={"from": "2026-12-01", "to": "2026-12-07"}, headers=resident)
    assert r.status_code == 403
    r = api.client.get(url, params={"from": "2026-12-09", "to": "2026-12-01"}, headers=operator)
    assert r.status_code == 422
