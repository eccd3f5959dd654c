"""Seeding helpers for the browser tests: the first admin account (as `noriai admin create`
would make it), then everything else through the public API."""

from __future__ import annotations

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
