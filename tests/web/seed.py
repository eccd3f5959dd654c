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
