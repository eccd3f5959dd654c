"""The FastAPI application: ``create_app(settings, *, engine=None, clock=None, city_map=None)``.

The lifespan builds what the routes need — the database (migrated), the city
map, the event bus (Redis when ``REDIS_URL`` is set, else in-process) and the
dispatch engine — unless the caller injects them (tests, the demo). Routers
live under ``/api/v1``; the web apps' router (``booking_api.web``) and the
tablets' websocket router (``driver_app.stream``) are included when present.
"""

from __future__ import annotations

import importlib
import importlib.util
import logging
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import HTMLResponse, JSONResponse
from pydantic import BaseModel
from sqlalchemy import text
from starlette.middleware.gzip import GZipMiddleware
from starlette.types import ASGIApp

from booking_api import openapi, wiring
from booking_api.admission import AdmissionControl, AdmissionLimits
from booking_api.assets import Assets
from booking_api.dberrors import install_database_handler
from booking_api.deps import State
from booking_api.errors import ApiError, install_handlers
from booking_api.headers import SecurityHeaders
from booking_api.routes import (
    accounts,
    auth,
    bookings,
    calendar,
    fares,
    feeds,
    fleet,
    members,
    notifications,
    onboard,
    opendata,
    operator,
    payments,
    receipts,
    reference,
    registrations,
    reports,
    revenue,
    series,
    signon,
    tiles,
)
from booking_api.settings import Settings
from dispatch.clock import system_clock
from dispatch.ports import BookingEngine, Clock

log = logging.getLogger(__name__)


class HealthOut(BaseModel):
    """What ``/health`` reports of each part."""

    status: str
    db: str
    bus: str
    optimizer: str
    map: str


def api_router() -> APIRouter:
    """Return every resource router under ``/api/v1``."""
    api = APIRouter(prefix="/api/v1")
    for module in (
        auth,
        registrations,
        members,
        bookings,
        series,
        operator,
        accounts,
        fleet,
        calendar,
        reference,
        reports,
        notifications,
        receipts,
        fares,
        onboard,
        signon,
        payments,
        revenue,
        opendata,
    ):
        api.include_router(module.router)
    return api


def create_app(
    settings: Settings,
    *,
    engine: BookingEngine | None = None,
    clock: Clock | None = None,
    city_map: Any | None = None,
    db: Any | None = None,
) -> FastAPI:
    """Build the API. Injected parts are used as given; the others are built at start-up."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        state = wiring.build_state(
            settings,
            engine=engine,
            clock=clock or system_clock(settings.clock_offset_s),
            city_map=city_map,
            db=db,
        )
        app.state.noriai = state
        try:
            yield
        finally:
            wiring.shutdown(state, own_db=db is None)

    app = FastAPI(
        title="Noriai booking API",
        version="1",
        description="Demand-responsive shared taxi: members, bookings, operators. See docs/api.md.",
        lifespan=lifespan,
    )
    install_handlers(app)
    install_database_handler(app, retry_after_s=settings.retry_after_s)
    app.add_middleware(AdmissionControl, limits=admission_limits(settings))
    def edge(inner: ASGIApp) -> ASGIApp:
        secured = SecurityHeaders(inner, settings.trusted_proxies)
        # Compression outside the headers, which hash the inline scripts of the pages
        # they see; HTML, scripts and JSON shrink to a quarter, tiny answers stay as they are.
        return GZipMiddleware(secured, minimum_size=500) if settings.compress else secured

    _outermost(app, edge)
    app.include_router(api_router())
    app.include_router(feeds.router)  # /gtfs/flex.zip and /gofs/...: public, stable URLs
    app.include_router(tiles.router)  # /tiles/...: the offline basemap's vector tiles
    app.add_api_route(
        "/health",
        health,
        methods=["GET"],
        tags=["health"],
        response_model=HealthOut,
        responses={503: {"model": HealthOut, "description": "A part is down"}},
    )
    app.add_api_route(
        "/map", map_page, methods=["GET"], response_class=HTMLResponse, include_in_schema=False
    )
    wiring.include_stream(app)
    if importlib.util.find_spec("booking_api.web") is not None:
        web = importlib.import_module("booking_api.web")
        assets = Assets.scan(web.ROOTS, enabled=settings.versioned_assets)
        app.include_router(web.build_router(assets))
    openapi.install(app)
    return app


def _outermost(app: FastAPI, wrap: Callable[[ASGIApp], ASGIApp]) -> None:
    """Wrap ``wrap`` around the app's whole middleware stack, error pages included.

    Starlette answers an unhandled exception from its outermost layer, outside every
    middleware added with ``add_middleware``; wrapping the built stack is what puts
    the security headers on a 500 too.
    """
    build = app.build_middleware_stack
    app.build_middleware_stack = lambda: wrap(build())  # type: ignore[method-assign]


def admission_limits(settings: Settings) -> AdmissionLimits:
    """Return the admission gate's sizes from the settings."""
    return AdmissionLimits(
        max_in_flight=settings.max_in_flight,
        max_engine_in_flight=settings.max_engine_in_flight,
        max_queued=settings.max_queued,
        queue_wait_s=settings.queue_wait_s,
        quote_queue_wait_s=settings.quote_queue_wait_s,
        retry_after_s=settings.retry_after_s,
    )


def health(state: State) -> JSONResponse:
    """Report the database, bus, optimizer (engine) and map status: 200 when all are up,
    503 otherwise, so a load balancer sends no traffic to a process that cannot book.
    """
    try:
        with state.db.connect() as conn:
            conn.execute(text("SELECT 1"))
        db_status = "ok"
    except Exception as exc:
        log.warning("health: database check failed: %s", exc)
        db_status = "error"
    bus = "none" if state.bus is None else ("redis" if state.settings.redis_url else "in-process")
    optimizer = (
        "ok" if state.engine is not None else f"unavailable: {state.engine_error or 'not started'}"
    )
    city_map = (
        "ok" if state.city_map is not None else f"unavailable: {state.map_error or 'not loaded'}"
    )
    ok = db_status == "ok" and state.engine is not None and state.city_map is not None
    report = {
        "status": "ok" if ok else "degraded",
        "db": db_status,
        "bus": bus,
        "optimizer": optimizer,
        "map": city_map,
    }
    headers = None if ok else {"Retry-After": str(state.settings.retry_after_s)}
    return JSONResponse(report, status_code=200 if ok else 503, headers=headers)


def map_page(request: Request, state: State) -> HTMLResponse:
    """The city's vector basemap (``booking_api.mappage``), drawn offline."""
    del request
    if state.city_map is None:
        raise ApiError(503, "unavailable", "The map is not loaded.", "地図を読み込めていません。")
    from booking_api.mappage import render_map_page

    return HTMLResponse(render_map_page(state.city_map.city))
