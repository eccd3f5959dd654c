"""Start-up and shutdown of the service's parts: database, map, bus, engine, stream router.

Each part is built from the settings unless injected. A part that cannot start
(for example the map data missing) leaves the API up in a degraded state that
``/health`` reports, instead of crashing the process.
"""

from __future__ import annotations

import importlib.util
import logging
import threading
from typing import Any

from fastapi import FastAPI

from booking_api.settings import Settings
from booking_api.state import AppState
from dispatch.ports import BookingEngine, Clock
from dispatch.store.base import make_engine

log = logging.getLogger(__name__)


def build_state(
    settings: Settings,
    *,
    engine: BookingEngine | None,
    clock: Clock,
    city_map: Any | None,
    db: Any | None,
) -> AppState:
    """Build the running state: migrate the database, load the map, start the bus and engine."""
    from booking_api.migrate import upgrade

    rules = settings.city_rules()
    if db is None:
        url = settings.resolved_database_url()
        upgrade(url)
        db = make_engine(
            url,
            # Two connections for each admitted request (its own and the engine's).
            pool_size=max(8, 2 * settings.max_in_flight),
            pool_timeout_s=settings.db_pool_timeout_s,
            statement_timeout_s=settings.db_statement_timeout_s,
        )
    state = AppState(
        settings=settings, rules=rules, db=db, clock=clock, engine=engine, city_map=city_map
    )
    if state.city_map is None:
        try:
            from maps import load_map

            state.city_map = load_map(settings.maps_config())
        except Exception as exc:
            log.error("map not loaded: %s", exc)
            state.map_error = str(exc)
    if state.engine is None:
        try:
            state.engine = make_dispatch_engine(settings, state)
            if not settings.redis_url:
                start_background_loop(state)
        except Exception as exc:
            log.error("dispatch engine not started: %s", exc)
            state.engine_error = str(exc)
    else:
        state.bus = getattr(engine, "bus", None)
    return state


def make_bus(settings: Settings) -> Any:
    """Return the event bus: Redis when ``REDIS_URL`` is set, else in-process."""
    if settings.redis_url:
        from dispatch.bus.redis import RedisBus  # type: ignore[import-not-found,unused-ignore]

        return RedisBus(settings.redis_url)
    from dispatch.bus.memory import InProcessBus

    return InProcessBus()


def make_dispatch_engine(settings: Settings, state: AppState) -> BookingEngine:
    """Return the live ``DispatchEngine`` over the state's database, bus, map and clock."""
    if state.city_map is None:
        msg = f"no map: {state.map_error}"
        raise RuntimeError(msg)
    from dispatch.engine import DispatchEngine

    if state.bus is None:
        state.bus = make_bus(settings)
    return DispatchEngine(
        settings.engine_config(),
        db=state.db,
        bus=state.bus,
        travel=state.city_map,
        clock=state.clock,
    )


def start_background_loop(state: AppState) -> None:
    """Run the engine's background round (re-planning, late alerts) in a thread.

    Only in the embedded single-process set-up: with Redis, the ``noriai
    dispatcher`` process leads instead.
    """
    from dispatch.bus.memory import AlwaysLeader
    from dispatch.loop import run_dispatcher

    stop = threading.Event()
    engine = state.engine
    thread = threading.Thread(
        target=run_dispatcher,
        args=(engine, AlwaysLeader()),
        kwargs={"interval_s": state.settings.dispatch_interval_s, "stop": stop},
        name="noriai-dispatcher",
        daemon=True,
    )
    thread.start()
    state.background = (stop, thread)


def shutdown(state: AppState, *, own_db: bool) -> None:
    """Stop the engine's background work, close the bus and the database pool."""
    if state.background is not None:
        stop, thread = state.background
        stop.set()
        thread.join(10)
    for part in (state.engine, state.bus):
        close = getattr(part, "close", None)
        if callable(close):
            try:
                close()
            except Exception as exc:
                log.warning("shutdown: %s", exc)
    if own_db:
        state.db.dispose()


def include_stream(app: FastAPI) -> None:
    """Include the tablets' and board's websocket router from ``driver_app`` when present."""
    if importlib.util.find_spec("driver_app.stream") is None:
        return
    from booking_api.streamauth import stream_router

    app.include_router(stream_router(app))
