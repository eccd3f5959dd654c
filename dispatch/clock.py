"""Clocks: the system clock and a settable one for tests and the simulator."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta


class SystemClock:
    """The real clock (UTC-aware)."""

    def now(self) -> datetime:
        """Return the current UTC time."""
        return datetime.now(UTC)


class SimClock:
    """A virtual clock that only moves when told to (thread-safe)."""

    def __init__(self, start: datetime) -> None:
        if start.tzinfo is None:
            msg = "SimClock needs a timezone-aware start"
            raise ValueError(msg)
        self._t = start.astimezone(UTC)
        self._lock = threading.Lock()

    def now(self) -> datetime:
        """Return the virtual time."""
        with self._lock:
            return self._t

    def set(self, t: datetime) -> None:
        """Jump to ``t`` (never backwards)."""
        with self._lock:
            t = t.astimezone(UTC)
            if t < self._t:
                msg = "SimClock cannot go backwards"
                raise ValueError(msg)
            self._t = t

    def advance(self, seconds: float) -> datetime:
        """Move forward ``seconds`` and return the new time."""
        with self._lock:
            self._t += timedelta(seconds=seconds)
            return self._t
