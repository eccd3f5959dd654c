"""Login, tokens, expiry, roles and the login rate limit."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from booking_api.main import create_app
from booking_api.settings import Settings
from tests.booking_api.conftest import PASSWORD, Api


def test_resident_logs_in_by_member_number_or_phone(api: Api) -> None:
    member, _ = api.member(phone="0299-11-2233")
    for login in (member["member_number"], "0299112233", "０２９９－１１－２２３３"):
        r = api.client.post("/api/v1/auth/login", json={"login": login, "password": PASSWORD})
        assert r.status_code == 200, (login, r.text)
        assert r.json()["role"] == "resident"
        assert r.json()["member_number"] == member["member_number"]


def test_wrong_password_is_401_with_both_languages(api: Api) -> None:
    member, _ = api.member()
    r = api.client.post(
        "/api/v1/auth/login", json={"login": member["member_number"], "password": "nope"}
    )
    assert r.status_code == 401
    detail = r.json()["detail"]
    assert detail["code"] == "invalid_credentials"
    assert detail["message"] == detail["message_ja"] and detail["message_en"]


def test_five_failures_lock_the_login_for_that_identity(api: Api) -> None:
    member, _ = api.member()
    body = {"login": member["member_number"], "password": "wrong"}
    for _ in range(5):
        assert api.client.post("/api/v1/auth/login", json=body).status_code == 401
    r = api.client.post("/api/v1/auth/login", json={**body, "password": PASSWORD})
    assert r.status_code == 429
    assert r.json()["detail"]["code"] == "too_many_attempts"
    assert "Retry-After" in r.headers


def test_phone_formats_share_one_failure_count(api: Api) -> None:
    api.member(phone="0299-44-5566")
    for login in (
        "0299-44-5566",
        "0299445566",
        "０２９９４４５５６６",
        "(0299) 44-5566",
        "0299 44 5566",
    ):
        assert (
            api.client.post(
                "/api/v1/auth/login", json={"login": login, "password": "x"}
            ).status_code
            == 401
        )
    r = api.client.post("/api/v1/auth/login", json={"login": "0299445566", "password": PASSWORD})
    assert r.status_code == 429


def test_pending_and_rejected_members_cannot_log_in(api: Api) -> None:
    staff = api.staff()
    r = api.client.post("/api/v1/registrations", json=api.registration(phone="09011110000"))
    member_id = r.json()["member"]["id"]
    r = api.client.post("/api/v1/auth/login", json={"login": "09011110000", "password": PASSWORD})
    assert r.status_code == 403 and r.json()["detail"]["code"] == "member_not_approved"
    api.client.post(
        f"/api/v1/members/{member_id}/reject",
        json={"reason": "市外にお住まいのため"},
        headers=staff,
    )
    r = api.client.post("/api/v1/auth/login", json={"login": "09011110000", "password": PASSWORD})
    assert r.status_code == 403
    assert "市外にお住まいのため" in r.json()["detail"]["message_ja"]


def test_tokens_expire_and_logout_ends_the_session(api: Api, clock) -> None:
    _, headers = api.member()
    assert api.client.get("/api/v1/auth/me", headers=headers).status_code == 200
    clock.advance(13 * 3600)
    r = api.client.get("/api/v1/auth/me", headers=headers)
    assert r.status_code == 401 and r.json()["detail"]["code"] == "invalid_token"
    _, headers = api.member()
    assert api.client.post("/api/v1/auth/logout", headers=headers).status_code == 204
    assert api.client.get("/api/v1/me", headers=headers).status_code == 401


def test_roles_are_enforced_per_route(api: Api) -> None:
    _, resident = api.member()
    operator = api.staff("operator")
    driver = api.staff("driver", vehicle_id="V1")
    admin = api.staff("admin")
    assert api.client.get("/api/v1/members", headers=resident).status_code == 403
    assert api.client.get("/api/v1/members", headers=driver).status_code == 403
    assert api.client.get("/api/v1/members", headers=operator).status_code == 200
    assert api.client.get("/api/v1/accounts", headers=operator).status_code == 403
    assert api.client.get("/api/v1/accounts", headers=admin).status_code == 200
    assert api.client.get("/api/v1/driver/manifest", headers=operator).status_code == 403
    assert api.client.get("/api/v1/members").status_code == 401


def test_admin_creates_accounts_and_the_audit_log_records_it(api: Api) -> None:
    admin = api.staff("admin")
    body = {"username": "driver7", "password": "longpassword", "role": "driver", "vehicle_id": "V7"}
    r = api.client.post("/api/v1/accounts", json=body, headers=admin)
    assert r.status_code == 201 and r.json()["vehicle_id"] == "V7"
    assert api.client.post("/api/v1/accounts", json=body, headers=admin).status_code == 409
    me = api.client.get("/api/v1/auth/me", headers=api.login("driver7", "longpassword")).json()
    assert me["role"] == "driver" and me["vehicle_id"] == "V7"
    log = api.client.get("/api/v1/audit", headers=admin).json()
    assert log[0]["action"] == "account.create" and log[0]["after"]["username"] == "driver7"
    assert "password" not in str(log[0]["after"])


@pytest.mark.parametrize("gps", [True, False])
def test_a_drivers_tablet_learns_whether_to_send_gps(
    gps: bool, settings: Settings, engine: Any, clock: Any, city_map: Any, db: Engine
) -> None:
    """On by default; off where a simulated fleet reports the positions (the demo)."""
    app = create_app(settings.model_copy(update={"tablet_gps": gps}), engine=engine,
                     clock=clock, city_map=city_map, db=db)
    with TestClient(app) as client:
        api = Api(client, db)
        driver = api.staff("driver", vehicle_id="V1")
        assert client.get("/api/v1/auth/me", headers=driver).json()["report_gps"] is gps
        operator = api.staff("operator")
        assert client.get("/api/v1/auth/me", headers=operator).json()["report_gps"] is None
