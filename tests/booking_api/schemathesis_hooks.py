"""Schemathesis hooks for tests/booking_api/test_schemathesis.py (loaded with SCHEMATHESIS_HOOKS).

The token is fetched again whenever an answer is 401 (a fuzzed ``/auth/logout``
ends the session it is given, which would turn every later case into a 401);
the login and password come from the environment the test sets.
"""

from __future__ import annotations

import os
from typing import Any

import httpx
import schemathesis


@schemathesis.auth()
class Login:
    """A bearer token, fetched again after a 401 (a fuzzed logout ends it)."""

    def get(self, case: Any, ctx: Any) -> str:
        del case, ctx
        env = os.environ
        login = {"login": env["NORIAI_ST_LOGIN"], "password": env["NORIAI_ST_PASSWORD"]}
        res = httpx.post(os.environ["NORIAI_ST_LOGIN_URL"], json=login, timeout=30)
        res.raise_for_status()
        return str(res.json()["token"])

    def set(self, case: Any, data: str, ctx: Any) -> None:
        del ctx
        case.headers = {**(case.headers or {}), "Authorization": f"Bearer {data}"}


@schemathesis.check
def positive_data_acceptance_with_rules(ctx: Any, response: Any, case: Any) -> bool | None:
    """Schema-valid data is accepted, or refused by a service rule the schema cannot state.

    Schemathesis' ``positive_data_acceptance`` counts every 422 for schema-valid data
    as the schema lying. A 422 whose code names a rule (``outside_hours``,
    ``bad_period``, ``consent_required`` ...; documented as "a service rule refuses
    it") is the service deciding on today's calendar, the map or the member's
    record; a ``validation_error`` (a field the schema called valid) still fails.
    """
    from schemathesis.specs.openapi.checks import positive_data_acceptance

    try:
        return positive_data_acceptance(ctx, response, case)
    except Exception:
        if response.status_code == 422 and _code(response) not in (None, "validation_error"):
            return None
        raise


def _code(response: Any) -> str | None:
    try:
        return str(response.json()["detail"]["code"])
    except (ValueError, KeyError, TypeError):
        return None
