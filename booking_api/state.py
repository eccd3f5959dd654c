"""What the running service holds: settings, rules, database, engine, map and clock.

One ``AppState`` is built by ``create_app``'s lifespan and reached by the
routes through ``booking_api.deps``; nothing here is global.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Engine
from sqlalchemy.orm import sessionmaker

from booking_api.city import CityRules
from booking_api.settings import Settings
from dispatch.ports import BookingEngine, Clock
from dispatch.store.base import IMMEDIATE


@dataclass
class AppState:
    """The live parts of the service, shared by every request."""

    settings: Settings
    rules: CityRules
    db: Engine
    clock: Clock
    engine: BookingEngine | None = None
    city_map: Any | None = None
    bus: Any | None = None
    sessions: sessionmaker[Any] = field(init=False)
    write_sessions: sessionmaker[Any] = field(init=False)
    map_layers: dict[str, Any] | None = None
    background: tuple[threading.Event, threading.Thread] | None = None
    map_error: str = ""
    engine_error: str = ""

    def __post_init__(self) -> None:
        self.sessions = sessionmaker(bind=self.db, expire_on_commit=False)
        writer = self.db.execution_options(**{IMMEDIATE: True})
        self.write_sessions = sessionmaker(bind=writer, expire_on_commit=False)

    def now(self) -> datetime:
        """Return the service's current time (the injected clock)."""
        return self.clock.now()
