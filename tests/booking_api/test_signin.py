"""Sign-in limits: who the client is behind a proxy, failures counted per account,
registrations limited per address and phone, sessions revoked when staff reset or disable.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import Engine

from booking_api.main import create_app
from booking_api.settings import Settings
from tests.booking_api.conftest import PASSWORD, Api

PROXY = ("10.0.0.5", 40000)  # a reverse proxy listed in NORIAI_TRUSTED_PROXIES below
OUTSIDER = ("198.51.100.7", 40000)  # a client connecting directly


@contextmanager
def app_client(
    settings: Settings,
    engine: Any,
    clock: Any,
    city_map: Any,
    db: Engine,
    peer: tuple[str, int] = OUTSIDER,
    **over: Any,
) -> Iterator[Api]:
    """The app with ``over`` applied to the settings, reached from socket address ``peer``."""
    custom = Settings(_env_file=None, **{**settings.model_dump(), **over})  # type: ignore[call-arg]
    app = create_app(custom, engine=engine, clock=clock, city_map=city_map, db=db)
    with TestClient(app, client=peer) as client:
        yield Api(client, db)


def _login(api: Api, login: str, password: str, forwarded: str | None = None) -> int:
    headers = {"X-Forwarded-For": forwarded} if forwarded else {}
    r = api.client.post(
        "/api/v1/auth/login", json={"login": login, "password": password}, headers=headers
    )
    return r.status_code


def test_a_new_forwarded_for_per_try_does_not_reset_the_limit(
    settings: Settings, engine: Any, clock: Any, city_map: Any, db: Engine
) -> None:
    """30 wrong guesses, each with another X-Forwarded-For, from a peer that is no proxy."""
    with app_client(settings, engine, clock, city_map, db) as api:
        api.member(phone="0299-44-5566")
        codes = [
            _login(api, "0299445566", "wrong-pin", forwarded=f"203.0.113.{i}") for i in range(30)
        ]
        assert codes.count(401) == 5 and codes.count(429) == 25
        # Unknown logins too: the address is the socket's, so the per-address limit holds.
        codes = [_login(api, f"nobody{i}", "guess", forwarded=f"203.0.113.{i}") for i in range(40)]
        assert 429 in codes and codes.count(401) <= api_settings_per_address(api)


def api_settings_per_address(api: Api) -> int:
    """The per-address failure limit of the app behind ``api``."""
    state = api.client.app.state.noriai  # type: ignore[attr-defined]
    return int(state.settings.login_max_failures_per_address)


def test_a_trusted_proxy_names_the_client_by_its_rightmost_untrusted_hop(
    settings: Settings, engine: Any, clock: Any, city_map: Any, db: Engine
) -> None:
    """Behind a listed proxy, two residents' addresses are counted apart; a forged
    left-most entry does not change who the client is.
    """
    with app_client(
        settings, engine, clock, city_map, db, peer=PROXY,
        trusted_proxies=["10.0.0.0/24"], login_max_failures_per_address=3,
    ) as api:  # fmt: skip
        # The attacker at 203.0.113.9 forges an X-Forwarded-For entry per try; the proxy
        # appends the real address, so every try counts against 203.0.113.9.
        codes = [
            _login(api, f"nobody{i}", "guess", forwarded=f"192.0.2.{i}, 203.0.113.9")
            for i in range(6)
        ]
        assert codes == [401, 401, 401, 429, 429, 429]
        # Another resident behind the same proxy is not refused.
        assert _login(api, "nobody-else", "guess", forwarded="203.0.113.10") == 401
        # Hops that are proxies themselves are skipped.
        assert _login(api, "nobody-x", "guess", forwarded="203.0.113.9, 10.0.0.7") == 429


def test_a_forwarded_for_from_a_peer_that_is_not_listed_is_ignored(
    settings: Settings, engine: Any, clock: Any, city_map: Any, db: Engine
) -> None:
    with app_client(
        settings, engine, clock, city_map, db, peer=OUTSIDER,
        trusted_proxies=["10.0.0.0/24"], login_max_failures_per_address=3,
    ) as api:  # fmt: skip
        codes = [_login(api, f"n{i}", "guess", forwarded=f"192.0.2.{i}") for i in range(4)]
        assert codes == [401, 401, 401, 429]


def test_a_locked_member_is_locked_under_every_name(api: Api) -> None:
    """Five failures by member number lock the phone number in every form, and back."""
    member, _ = api.member(phone="0299-44-5566")
    for _ in range(5):
        assert _login(api, member["member_number"], "wrong-pin") == 401
    for login in ("0299445566", "+81 299-44-5566", "+81-299445566", "０２９９－４４－５５６６"):
        assert _login(api, login, PASSWORD) == 429, login


def test_the_plus_81_form_of_a_phone_number_logs_in(api: Api) -> None:
    api.member(phone="0299-44-7788")
    assert _login(api, "+81 299 44 7788", PASSWORD) == 200
    assert _login(api, "+81 (0)299-44-7788", PASSWORD) == 200


def test_a_success_clears_the_failures_of_the_account(api: Api) -> None:
    member, _ = api.member(phone="0299-44-1212")
    for _ in range(4):
        assert _login(api, "0299441212", "wrong-pin") == 401
    assert _login(api, member["member_number"], PASSWORD) == 200
    for _ in range(4):
        assert _login(api, member["member_number"], "wrong-pin") == 401
    assert _login(api, "0299441212", PASSWORD) == 200


def test_registrations_are_limited_per_address_and_per_phone(
    settings: Settings, engine: Any, clock: Any, city_map: Any, db: Engine
) -> None:
    with app_client(
        settings, engine, clock, city_map, db, peer=PROXY, trusted_proxies=["10.0.0.5"],
        registration_max_per_address=5, registration_max_per_phone=3,
    ) as api:  # fmt: skip

        def apply(address: str, phone: str) -> Any:
            return api.client.post(
                "/api/v1/registrations",
                json=api.registration(phone=phone),
                headers={"X-Forwarded-For": address},
            )

        codes = [apply("203.0.113.1", f"090-1234-{i:04d}").status_code for i in range(8)]
        assert codes == [201] * 5 + [429] * 3
        r = apply("203.0.113.1", "090-1234-9999")
        assert r.status_code == 429 and int(r.headers["Retry-After"]) > 0
        assert r.json()["detail"]["code"] == "too_many_registrations"
        # Another address is not refused ...
        assert apply("203.0.113.2", "090-1234-8888").status_code == 201
        # ... but one phone number gets 3 tries whichever address they come from
        # (the 409 tells whether a number is registered).
        codes = [apply(f"203.0.113.{10 + i}", "090-1234-8888").status_code for i in range(4)]
        assert codes == [409, 409, 429, 429]
        # The window passes: the address may apply again.
        clock.advance(settings.registration_window_s + 1)
        assert apply("203.0.113.1", "090-1234-7777").status_code == 201


def test_a_password_reset_by_staff_ends_the_members_sessions(api: Api) -> None:
    member, resident = api.member()
    other_device = api.login(member["member_number"])
    staff = api.staff()
    assert api.client.get("/api/v1/me", headers=resident).status_code == 200
    r = api.client.post(
        f"/api/v1/members/{member['id']}/password", json={"password": "730519"}, headers=staff
    )
    assert r.status_code == 204, r.text
    for old in (resident, other_device):
        r = api.client.get("/api/v1/me", headers=old)
        assert r.status_code == 401 and r.json()["detail"]["code"] == "invalid_token"
    assert api.client.get("/api/v1/members", headers=staff).status_code == 200  # staff unaffected
    assert (
        api.client.get(
            "/api/v1/me", headers=api.login(member["member_number"], "730519")
        ).status_code
        == 200
    )


def test_a_reset_clears_the_lock_of_the_member(api: Api) -> None:
    member, _ = api.member()
    for _ in range(5):
        assert _login(api, member["member_number"], "wrong-pin") == 401
    assert _login(api, member["member_number"], PASSWORD) == 429
    r = api.client.post(
        f"/api/v1/members/{member['id']}/password", json={"password": "730519"},
        headers=api.staff(),
    )  # fmt: skip
    assert r.status_code == 204
    assert _login(api, member["member_number"], "730519") == 200


def _account_id(api: Api, admin: dict[str, str], username: str) -> str:
    rows = api.client.get("/api/v1/accounts", headers=admin).json()
    return next(r["id"] for r in rows if r["username"] == username)


def test_disabling_a_staff_account_ends_its_sessions_for_good(api: Api) -> None:
    admin = api.staff("admin")
    body = {"username": "op-yamada", "password": "op-pass-2026", "role": "operator"}
    assert api.client.post("/api/v1/accounts", json=body, headers=admin).status_code == 201
    token = api.login("op-yamada", "op-pass-2026")
    account_id = _account_id(api, admin, "op-yamada")
    r = api.client.patch(f"/api/v1/accounts/{account_id}", json={"active": False}, headers=admin)
    assert r.status_code == 200 and r.json()["active"] is False
    assert api.client.get("/api/v1/members", headers=token).status_code == 401
    assert _login(api, "op-yamada", "op-pass-2026") == 401
    # Enabled again, the old token stays dead: only a new login works.
    r = api.client.patch(f"/api/v1/accounts/{account_id}", json={"active": True}, headers=admin)
    assert r.status_code == 200
    assert api.client.get("/api/v1/members", headers=token).status_code == 401
    assert (
        api.client.get(
            "/api/v1/members", headers=api.login("op-yamada", "op-pass-2026")
        ).status_code
        == 200
    )
    log = api.client.get("/api/v1/audit", headers=admin).json()
    assert [e["action"] for e in log[:2]] == ["account.enable", "account.disable"]


def test_resetting_a_staff_password_ends_its_sessions(api: Api) -> None:
    admin = api.staff("admin")
    body = {"username": "drv-v3", "password": "drv-pass-2026", "role": "driver", "vehicle_id": "V3"}
    assert api.client.post("/api/v1/accounts", json=body, headers=admin).status_code == 201
    token = api.login("drv-v3", "drv-pass-2026")
    account_id = _account_id(api, admin, "drv-v3")
    r = api.client.post(
        f"/api/v1/accounts/{account_id}/password", json={"password": "new-drv-pass-7"},
        headers=admin,
    )  # fmt: skip
    assert r.status_code == 204, r.text
    assert api.client.get("/api/v1/auth/me", headers=token).status_code == 401
    assert _login(api, "drv-v3", "drv-pass-2026") == 401
    assert _login(api, "drv-v3", "new-drv-pass-7") == 200


def test_an_admin_cannot_disable_their_own_account(api: Api) -> None:
    admin = api.staff("admin")
    me = api.client.get("/api/v1/auth/me", headers=admin).json()
    r = api.client.patch(
        f"/api/v1/accounts/{me['account_id']}", json={"active": False}, headers=admin
    )
    assert r.status_code == 409
    assert api.client.get("/api/v1/auth/me", headers=admin).status_code == 200
