"""Admins manage staff and driver accounts on the real engine: a driver is linked to a vehicle
of the fleet (and relinked), a password reset ends the account's sessions, disabling keeps its
reason in the audit log and enabling undoes it; a driver's taps and their undo are audited."""

from __future__ import annotations

from datetime import date, datetime, timedelta
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
    """The real engine with two vehicles on shift on Wednesday 2 December."""
    engine = DispatchEngine(
        settings.engine_config(), db=db, bus=InProcessBus(), travel=city_map, clock=clock
    )
    for vid in ("V1", "V2"):
        engine.add_vehicle(vid, depot=LatLon(*HOME_A), seats=4, name=f"神栖{vid}")
        engine.set_shift(vid, DAY, jst(2026, 12, 2, 8, 0), jst(2026, 12, 2, 17, 0))
    return engine


def _driver(api: Api, admin: dict[str, str], name: str, vehicle: str) -> Any:
    body = {"username": name, "password": "drv-pass-2026", "role": "driver", "vehicle_id": vehicle}
    return api.client.post("/api/v1/accounts", json=body, headers=admin)


def test_a_driver_is_linked_to_a_vehicle_of_the_fleet(api: Api) -> None:
    """Only vehicles of the fleet, only drivers; relinking is audited and the tablet follows."""
    admin = api.staff("admin")
    r = _driver(api, admin, "drv-ghost", "V9")
    assert r.status_code == 422 and r.json()["detail"]["code"] == "unknown_vehicle"
    body = {
        "username": "op-car",
        "password": "op-pass-2026",
        "role": "operator",
        "vehicle_id": "V1",
    }
    r = api.client.post("/api/v1/accounts", json=body, headers=admin)
    assert r.status_code == 422 and r.json()["detail"]["code"] == "not_a_driver"
    r = _driver(api, admin, "drv-sato", "V1")
    assert r.status_code == 201, r.text
    account = r.json()
    token = api.login("drv-sato", "drv-pass-2026")
    assert (
        api.client.get("/api/v1/driver/manifest?date=2026-12-02", headers=token).json()[
            "vehicle_id"
        ]
        == "V1"
    )
    url = f"/api/v1/accounts/{account['id']}"
    r = api.client.patch(url, json={"vehicle_id": "V9"}, headers=admin)
    assert r.status_code == 422
    r = api.client.patch(url, json={"vehicle_id": "V2", "reason": "1号車は車検"}, headers=admin)
    assert r.status_code == 200 and r.json()["vehicle_id"] == "V2"
    assert (
        api.client.get("/api/v1/driver/manifest?date=2026-12-02", headers=token).json()[
            "vehicle_id"
        ]
        == "V2"
    )
    (line,) = api.client.get(
        f"/api/v1/audit?action=account.link_vehicle&actor={account['id']}", headers=admin
    ).json() or [None]
    assert line is None  # the admin did it, not the driver
    (line,) = api.client.get("/api/v1/audit?action=account.link_vehicle", headers=admin).json()
    assert (line["before"]["vehicle_id"], line["after"]["vehicle_id"]) == ("V1", "V2")
    assert line["after"]["reason"] == "1号車は車検"


def test_reset_and_disable_end_sessions_and_are_undone(api: Api) -> None:
    """A reset password ends the old session; disabling (with a reason) ends it at once."""
    admin = api.staff("admin")
    account = _driver(api, admin, "drv-kato", "V1").json()
    old = api.login("drv-kato", "drv-pass-2026")
    url = f"/api/v1/accounts/{account['id']}"
    r = api.client.post(f"{url}/password", json={"password": "new-pass-2027"}, headers=admin)
    assert r.status_code == 204
    assert api.client.get("/api/v1/auth/me", headers=old).status_code == 401
    new = api.login("drv-kato", "new-pass-2027")
    r = api.client.patch(url, json={"active": False, "reason": "退職"}, headers=admin)
    assert r.status_code == 200 and r.json()["active"] is False
    assert api.client.get("/api/v1/auth/me", headers=new).status_code == 401
    r = api.client.patch(url, json={"active": True, "reason": "復職"}, headers=admin)
    assert r.status_code == 200 and r.json()["active"] is True
    log = api.client.get("/api/v1/audit?action=account.", headers=admin).json()
    assert [(e["action"], (e["after"] or {}).get("reason")) for e in log[:3]] == [
        ("account.enable", "復職"),
        ("account.disable", "退職"),
        ("account.password_reset", None),
    ]


def test_a_drivers_tap_and_its_undo_are_audited_once(api: Api, clock: FixedClock) -> None:
    """The tablet resends a tap until it hears back: the log has it once, and its undo."""
    staff = api.staff()
    member, _ = api.member(staff)
    body = quote_body(member_id=member["id"], time="10:00")
    offer = api.client.post("/api/v1/quotes", json=body, headers=staff).json()["offer"]
    ride = api.client.post(
        "/api/v1/bookings", json={"offer_id": offer["offer_id"]}, headers=staff
    ).json()["booking"]
    vehicle = ride["vehicle_id"]
    start = datetime.fromisoformat(ride["pickup_window_start"])
    clock.advance((start - timedelta(minutes=2) - clock.now()).total_seconds())
    driver = api.staff("driver", vehicle_id=vehicle)  # logged in on the day
    tap = {
        "ride_id": ride["id"],
        "tap": "arrived",
        "tap_id": "tap-1",
        "lat": HOME_A[0],
        "lon": HOME_A[1],
    }
    for _ in range(2):
        r = api.client.post("/api/v1/driver/taps", json=tap, headers=driver)
        assert r.status_code == 200, r.text
    clock.advance(10)
    assert api.client.post("/api/v1/driver/taps/tap-1/undo", headers=driver).status_code == 200
    assert api.client.post("/api/v1/driver/taps/tap-1/undo", headers=driver).status_code == 200
    log = api.client.get(f"/api/v1/audit?ride={ride['id']}", headers=api.staff("admin")).json()
    assert [e["action"] for e in log] == ["driver.tap_undo", "driver.tap", "booking.confirm"]
    assert log[1]["after"]["tap"] == "arrived" and log[1]["after"]["vehicle_id"] == vehicle
