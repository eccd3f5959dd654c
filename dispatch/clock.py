"""Clocks: the system clock and a settable one for tests and the simulator."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta


class SystemClock:
    """The real clock (UTC-aware)."""

    #: Service seconds per real second (the web apps run their own clock at this rate).
    rate = 1.0

    def now(self) -> datetime:
        """Return the current UTC time."""
        return datetime.now(UTC)


class OffsetClock:
    """The real clock shifted by a fixed number of seconds (rehearsals, training, tests).

    Every process given the same offset agrees on the time, so an API and a
    dispatcher started apart still share one service day.
    """

    rate = 1.0

    def __init__(self, offset_s: float) -> None:
        self.offset = timedelta(seconds=offset_s)

    def now(self) -> datetime:
        """Return the current UTC time plus the offset."""
        return datetime.now(UTC) + self.offset


def system_clock(offset_s: float = 0.0) -> SystemClock | OffsetClock:
    """Return the real clock, or the real clock shifted by ``offset_s`` when it is not 0."""
    return OffsetClock(offset_s) if offset_s else SystemClock()


class SimClock:
    """A virtual clock that only moves when told to (thread-safe)."""

    rate = 0.0  # it stands still between jumps

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


def clock_rate(clock: object) -> float:
    """Return how many service seconds pass per real second on ``clock``.

    1 for the real clock, the speed-up of a sped-up demo clock, 0 for a
    virtual clock that only jumps; a clock that does not say runs at 1. The
    web apps use it to run the service's time between two readings of it.
    """
    return float(getattr(clock, "rate", 1.0))
