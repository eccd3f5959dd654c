"""Security headers on every response: a script policy without inline script, no
framing, no content sniffing, a referrer policy, and HSTS only over TLS.
"""

from __future__ import annotations

import base64
import hashlib
import re
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from booking_api.main import create_app
from booking_api.settings import Settings
from tests.booking_api.conftest import Api

PAGES = [
    "/",
    "/operator",
    "/driver",
    "/static/common/api.js",
    "/api/v1/auth/me",
    "/nope",
    "/health",
]


def _directives(policy: str) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for part in policy.split(";"):
        words = part.split()
        if words:
            out[words[0]] = words[1:]
    return out


@pytest.mark.parametrize("path", PAGES)
def test_every_response_carries_the_security_headers(api: Api, path: str) -> None:
    r = api.client.get(path)
    csp = _directives(r.headers["Content-Security-Policy"])
    assert csp["script-src"] == ["'self'"]  # no 'unsafe-inline', no 'unsafe-eval'
    assert csp["style-src"] == ["'self'"]
    assert csp["frame-ancestors"] == ["'none'"] and csp["object-src"] == ["'none'"]
    assert r.headers["X-Content-Type-Options"] == "nosniff"
    assert r.headers["X-Frame-Options"] == "DENY"
    assert r.headers["Referrer-Policy"] == "strict-origin-when-cross-origin"
    assert "Strict-Transport-Security" not in r.headers  # plain HTTP


def test_an_unexpected_error_still_carries_the_security_headers(
    settings: Settings, engine: Any, clock: Any, city_map: Any, db: Engine
) -> None:
    # Starlette answers an unhandled exception outside the middlewares added to the app.
    app = create_app(settings, engine=engine, clock=clock, city_map=city_map, db=db)

    def boom() -> None:
        raise RuntimeError("a bug")

    app.add_api_route("/boom", boom, methods=["GET"])
    with TestClient(app, raise_server_exceptions=False) as client:
        r = client.get("/boom")
    assert r.status_code == 500
    assert r.json()["detail"]["code"] == "internal_error"
    assert _directives(r.headers["Content-Security-Policy"])["script-src"] == ["'self'"]
    assert r.headers["X-Frame-Options"] == "DENY"
    assert r.headers["X-Content-Type-Options"] == "nosniff"


def test_hsts_only_over_tls(
    api: Api, settings: Settings, engine: Any, clock: Any, city_map: Any, db: Engine
) -> None:
    # A client that is no proxy cannot claim TLS with X-Forwarded-Proto.
    r = api.client.get("/health", headers={"X-Forwarded-Proto": "https"})
    assert "Strict-Transport-Security" not in r.headers
    app = create_app(settings, engine=engine, clock=clock, city_map=city_map, db=db)
    with TestClient(app, base_url="https://testserver") as client:
        r = client.get("/health")
        assert r.headers["Strict-Transport-Security"].startswith("max-age=31536000")
    behind = Settings(_env_file=None, **{**settings.model_dump(), "trusted_proxies": ["10.0.0.5"]})  # type: ignore[call-arg]
    app = create_app(behind, engine=engine, clock=clock, city_map=city_map, db=db)
    with TestClient(app, client=("10.0.0.5", 4000)) as client:
        assert (
            "Strict-Transport-Security"
            in client.get("/health", headers={"X-Forwarded-Proto": "https"}).headers
        )
        assert "Strict-Transport-Security" not in client.get("/health").headers


@pytest.mark.parametrize("path", ["/map", "/docs"])
def test_self_contained_pages_allow_exactly_their_own_inline_script(api: Api, path: str) -> None:
    r = api.client.get(path)
    assert r.status_code == 200
    scripts = re.findall(r"<script(?![^>]*\bsrc=)[^>]*>(.*?)</script>", r.text, re.S)
    assert scripts
    csp = _directives(r.headers["Content-Security-Policy"])
    assert "'unsafe-inline'" not in csp["script-src"]
    for body in scripts:
        digest = base64.b64encode(hashlib.sha256(body.encode()).digest()).decode()
        assert f"'sha256-{digest}'" in csp["script-src"]
    assert csp["frame-ancestors"] == ["'none'"]
    assert r.headers["X-Frame-Options"] == "DENY"
