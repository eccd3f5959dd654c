"""Security headers on every HTTP response (an ASGI middleware).

The web apps load scripts and styles only from our own origin (no inline script,
no inline event handlers, no ``style=""`` attributes), so the policy can refuse
everything else: an injected ``<script>`` or ``onerror=`` does not run. Pages
may not be framed (clickjacking), the browser may not guess content types, and
other sites learn only our origin from the referrer. HSTS is sent only when the
client came over TLS (the request's scheme, or ``X-Forwarded-Proto`` from a
proxy in ``NORIAI_TRUSTED_PROXIES``): on plain HTTP it would mean nothing.

Two self-contained pages carry their own inline script: the API docs that
FastAPI writes (``/docs``, ``/redoc``) and the offline map preview (``/map``).
They hold no user input, so their policy allows exactly the inline scripts they
were served with (by SHA-256 hash) and inline styles; the docs may also load
their assets from the CDN FastAPI uses.
"""

from __future__ import annotations

import base64
import hashlib
import re
from collections.abc import Sequence
from typing import Any

from starlette.requests import HTTPConnection

from booking_api.clientaddr import is_https

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; "
    "font-src 'self'; connect-src 'self'; worker-src 'self'; manifest-src 'self'; "
    "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)
# Pages that draw the vector basemap (the tablet, the operator console, the residents'
# app at /): MapLibre starts its tile workers from blob: URLs it makes; scripts still
# come from our origin only.
BASEMAP_PAGES = frozenset({"/", "/driver", "/operator"})
CSP_BASEMAP = CSP.replace("worker-src 'self';", "worker-src 'self' blob:;")
HSTS = "max-age=31536000; includeSubDomains"
_FIXED = (
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"strict-origin-when-cross-origin"),
    (b"x-frame-options", b"DENY"),
    (b"permissions-policy", b"camera=(), microphone=(), payment=(), geolocation=(self)"),
)
_SELF_CONTAINED = {"/docs", "/redoc", "/docs/oauth2-redirect", "/map"}
_CDN = "https://cdn.jsdelivr.net"
_INLINE_SCRIPT = re.compile(rb"<script(?![^>]*\bsrc=)[^>]*>(.*?)</script>", re.S | re.I)


def inline_page_csp(html: bytes) -> str:
    """Return the policy of a self-contained page: its own inline scripts by hash."""
    hashes = " ".join(
        f"'sha256-{base64.b64encode(hashlib.sha256(m.group(1)).digest()).decode()}'"
        for m in _INLINE_SCRIPT.finditer(html)
    )
    return (
        f"default-src 'self'; script-src 'self' {_CDN} {hashes}; "
        f"style-src 'self' 'unsafe-inline' {_CDN}; "
        "img-src 'self' data: https://fastapi.tiangolo.com; connect-src 'self'; "
        # MapLibre (the /map basemap) starts its tile workers from blob: URLs it makes
        "worker-src 'self' blob:; "
        "object-src 'none'; base-uri 'none'; frame-ancestors 'none'"
    )


class SecurityHeaders:
    """Add the security headers (see the module docs) to every HTTP response of ``app``."""

    def __init__(self, app: Any, trusted_proxies: Sequence[str] = ()) -> None:
        self.app = app
        self.trusted = tuple(trusted_proxies)

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        extra = list(_FIXED)
        if is_https(HTTPConnection(scope), self.trusted):
            extra.append((b"strict-transport-security", HSTS.encode()))
        if scope.get("path") in _SELF_CONTAINED:
            await self._self_contained(scope, receive, send, extra)
            return

        csp = (CSP_BASEMAP if scope.get("path") in BASEMAP_PAGES else CSP).encode()

        async def send_with_headers(message: Any) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = _merge(
                    message.get("headers", []), [*extra, (b"content-security-policy", csp)]
                )
            await send(message)

        await self.app(scope, receive, send_with_headers)

    async def _self_contained(self, scope: Any, receive: Any, send: Any, extra: list[Any]) -> None:
        """Hold the response until its body is known, then hash its inline scripts."""
        start: dict[str, Any] = {}
        chunks: list[bytes] = []

        async def hold(message: Any) -> None:
            if message["type"] == "http.response.start":
                start.update(message)
                return
            if message["type"] != "http.response.body":
                await send(message)
                return
            chunks.append(message.get("body", b""))
            if message.get("more_body"):
                return
            body = b"".join(chunks)
            policy = inline_page_csp(body).encode()
            start["headers"] = _merge(
                start.get("headers", []), [*extra, (b"content-security-policy", policy)]
            )
            await send(start)
            await send({"type": "http.response.body", "body": body})

        await self.app(scope, receive, hold)


def _merge(headers: Any, extra: list[tuple[bytes, bytes]]) -> list[tuple[bytes, bytes]]:
    """Return ``headers`` with ``extra`` set (a route's own value of the same name wins)."""
    names = {bytes(k).lower() for k, _ in headers}
    return [*headers, *((k, v) for k, v in extra if k not in names)]
