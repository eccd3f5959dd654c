"""Seeding helpers for the browser tests: the first admin account (as `noriai admin create`
would make it), then everything else through the public API."""

from __future__ import annotations

from datetime import date
from typing import Any

import httpx


def create_admin(app: Any, url: str, username: str, password: str) -> str:
    """Insert an admin account in the app's database and return a logged-in token."""
    from booking_api.db import AccountRow
    from booking_api.security import hash_password

    state = app.state.noriai
    with state.write_sessions() as db:
        db.add(
            AccountRow(
                username=username,
                role="admin",
                password_hash=hash_password(password),
                display_name="テスト管理者",
            )
        )
        db.commit()
    res = httpx.post(f"{url}/api/v1/auth/login", json={"login": username, "password": password})
    res.raise_for_status()
    return str(res.json()["token"])


def seed_fleet(app: Any, start_utc: Any) -> list[str]:
    """Add two vehicles with a shift on the service day (as `noriai demo` sets up a fleet)."""
    from datetime import timedelta

    from dispatch.domain import LatLon

    engine = app.state.noriai.engine
    assert engine is not None, f"engine not started: {app.state.noriai.engine_error}"
    day = (start_utc + timedelta(hours=9)).date()  # the Tokyo date of the service day
    ids = []
    for vid, name, lat, lon in [
        ("V01", "神栖1号", 35.890028, 140.664461),
        ("V02", "神栖2号", 35.899980, 140.623187),
    ]:
        engine.add_vehicle(vid, depot=LatLon(lat, lon), name=name, seats=4, wheelchairs=1)
        engine.set_shift(vid, day, start_utc - timedelta(hours=1), start_utc + timedelta(hours=8))
        ids.append(vid)
    return ids


def staff_account(live: Any, username: str, password: str, role: str, **extra: Any) -> None:
    """Create an operator or driver account through the admin API."""
    body = {"username": username, "password": password, "role": role, "display_name": username}
    live.api("POST", "/api/v1/accounts", json={**body, **extra})


def approved_member(
    live: Any, *, name: str, kana: str, phone: str, password: str, birth_date: str
) -> dict[str, Any]:
    """Register an approved member living in 大野原七丁目 at the counter; return the Member."""
    body = {
        "name": name,
        "kana": kana,
        "birth_date": birth_date,
        "phone": phone,
        "address": "神栖市大野原七丁目",
        "home_lat": 35.888975,
        "home_lon": 140.643843,
        "consent_terms": True,
        "consent_privacy": True,
        "password": password,
        "channel": "counter",
        "approve": True,
    }
    member: dict[str, Any] = live.api("POST", "/api/v1/members", json=body)
    return member


def book_to_city_hall(live: Any, member_id: str, day: str, hhmm: str) -> dict[str, Any]:
    """Quote and confirm a ride from the member's home to city hall; return the Booking."""
    quote = live.api(
        "POST",
        "/api/v1/quotes",
        json={
            "member_id": member_id,
            "from": {"home": True},
            "to": {"lat": 35.890028, "lon": 140.664461, "label": "神栖市役所"},
            "date": day,
            "time": hhmm,
            "time_mode": "depart_at",
            "party_size": 1,
        },
    )
    booked = live.api("POST", "/api/v1/bookings", json={"offer_id": quote["offer"]["offer_id"]})
    return dict(booked["booking"])


def driver_tap(live: Any, ride: dict[str, Any], *taps: str) -> None:
    """Log in as the ride's vehicle's driver and send ``taps`` for the ride, in order."""
    from tests.web.conftest import DRIVER_PASSWORD

    res = httpx.post(
        live.url + "/api/v1/auth/login",
        json={"login": f"driver-{ride['vehicle_id'].lower()}", "password": DRIVER_PASSWORD},
        timeout=30,
    )
    res.raise_for_status()
    for tap in taps:
        live.api(
            "POST",
            "/api/v1/driver/taps",
            token=res.json()["token"],
            json={"ride_id": ride["id"], "tap": tap, "tap_id": f"{ride['id']}-{tap}"},
        )


def no_shows(live: Any, member_id: str, day: str, times: tuple[str, ...]) -> None:
    """Book the member at each of ``times`` on ``day`` and record a no-show for each.

    The driver taps 到着 through the API; 不在 is refused until 5 minutes into the
    pickup window, which the live clock does not reach during a test, so the no-show
    is then recorded through the engine's own state machine (a seeding shortcut, as
    ``create_admin`` writes the first account).
    """
    from dispatch.domain import RideStatus
    from dispatch.store.repo import write_session
    from dispatch.store.tables import RideRow

    engine = live.app.state.noriai.engine
    for hhmm in times:
        ride = book_to_city_hall(live, member_id, day, hhmm)
        driver_tap(live, ride, "arrived")
        with engine.publishing(), write_session(engine.db, date.fromisoformat(day)) as s:
            row = s.get(RideRow, ride["id"])
            engine.set_ride_status(s, row, RideStatus.NO_SHOW)
            engine.reschedule(s, row.service_date, [row.vehicle_id])
