"""The database failing us is a 503 with ``Retry-After``, never a 500.

Two kinds, told apart so the person (and a load balancer) knows what happened:
``busy`` — we gave up waiting (no pooled connection in time, SQLite's write lock,
a statement or lock wait past the bound set in ``dispatch.store.base.make_engine``);
``unavailable`` — the server cannot be reached or the connection broke. Any other
database error is a bug and stays the house 500 (``booking_api.errors``).
"""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from sqlalchemy import exc as sa_exc

from booking_api.errors import body

log = logging.getLogger(__name__)

UNAVAILABLE_EN = (
    "The service cannot reach its database just now; nothing was changed."
    " Please try again in a minute."
)
UNAVAILABLE_JA = (
    "ただいまシステムのデータベースにつながりません。変更は行われていません。"
    "しばらくしてからもう一度お試しください。"
)
BUSY_EN = "The service is very busy right now. Please try again in a moment."
BUSY_JA = "ただいま大変混み合っています。少し時間をおいてもう一度お試しください。"
# SQLSTATEs of work given up by a bound we set: statement_timeout, lock_timeout.
_GAVE_UP = {"57014", "55P03"}


def database_trouble(exc: BaseException) -> str | None:
    """Return ``"busy"`` or ``"unavailable"`` when ``exc`` is the database failing us, else None."""
    if isinstance(exc, sa_exc.TimeoutError):
        return "busy"
    if isinstance(exc, sa_exc.DBAPIError):
        orig = exc.orig
        if "database is locked" in str(orig) or getattr(orig, "sqlstate", None) in _GAVE_UP:
            return "busy"
        if isinstance(exc, sa_exc.OperationalError | sa_exc.InterfaceError):
            return "unavailable"
        if exc.connection_invalidated:
            return "unavailable"
    return None


def install_database_handler(app: FastAPI, *, retry_after_s: int) -> None:
    """Answer the database's failures 503 with ``Retry-After``; re-raise the rest (a 500)."""

    @app.exception_handler(sa_exc.SQLAlchemyError)
    async def _database(request: Request, exc: sa_exc.SQLAlchemyError) -> JSONResponse:
        trouble = database_trouble(exc)
        if trouble is None:
            raise exc  # not the database's fault: the house 500 handler logs it
        log.warning("database %s on %s %s: %s", trouble, request.method, request.url.path, exc)
        en, ja = (BUSY_EN, BUSY_JA) if trouble == "busy" else (UNAVAILABLE_EN, UNAVAILABLE_JA)
        content = body(request, trouble, en, ja, retry_after_s=retry_after_s)
        return JSONResponse(content, status_code=503, headers={"Retry-After": str(retry_after_s)})
