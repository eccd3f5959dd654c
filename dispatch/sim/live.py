"""A simulated fleet in real (sped-up) time, for ``make demo``.

``SpeedClock`` starts at a chosen local time and runs ``speedup`` times faster
than the wall clock; ``seed_fleet`` adds a scenario's vehicles and today's
shifts to an engine; ``run_live_fleet`` moves the vehicles along their plans
and taps for the drivers until cancelled. The booking API's ``noriai demo``
wires them to the engine it serves.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time as _time
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from dispatch.domain import LatLon
from dispatch.fleet import FleetOps
from dispatch.sim.drivers import SimFleet
from dispatch.sim.scenario import Scenario

log = logging.getLogger("noriai.sim")


class SpeedClock:
    """A clock that starts at ``start`` and runs ``speedup`` times faster than real time."""

    def __init__(self, start: datetime, speedup: float = 10.0) -> None:
        if start.tzinfo is None:
            msg = "SpeedClock needs a timezone-aware start"
            raise ValueError(msg)
        if speedup <= 0:
            msg = "speedup must be positive"
            raise ValueError(msg)
        self.start = start.astimezone(UTC)
        self.rate = speedup  # service seconds per real second (dispatch.clock.clock_rate)
        self._t0 = _time.monotonic()

    def now(self) -> datetime:
        """Return the sped-up current time (UTC-aware)."""
        return self.start + timedelta(seconds=(_time.monotonic() - self._t0) * self.rate)


def seed_fleet(
    engine: FleetOps, scenario: Scenario, *, vehicles: int, day: date | None = None
) -> list[str]:
    """Add ``vehicles`` vehicles of the scenario (sedans and wagons, depots in turn) with a
    shift on ``day`` (default: the scenario's date); return their ids (``V01``...)."""
    fleet = scenario.raw["fleet"]
    depots = fleet["depots"]
    colours = fleet.get("colours", [])
    day = day or scenario.service_date
    tz = ZoneInfo(scenario.timezone)
    start = datetime.combine(day, scenario.shift_start, tzinfo=tz)
    end = datetime.combine(day, scenario.shift_end, tzinfo=tz)
    brk = scenario.raw.get("break_window")
    b0 = b1 = None
    if brk:
        b0 = datetime.combine(day, time.fromisoformat(brk[0]), tzinfo=tz).astimezone(UTC)
        b1 = datetime.combine(day, time.fromisoformat(brk[1]), tzinfo=tz).astimezone(UTC)
    break_s = int(scenario.raw.get("break_min", 0)) * 60 if brk else 0
    ids = []
    for i in range(vehicles):
        kind = "wagon" if (i + 1) % int(fleet.get("wagon_every", 4)) == 0 else "sedan"
        spec = fleet[kind]
        depot = depots[i % len(depots)]
        vid = f"V{i + 1:02d}"
        engine.add_vehicle(
            vid,
            depot=LatLon(float(depot["lat"]), float(depot["lon"])),
            name=f"{depot['name']} {i + 1}号車",
            seats=int(spec["seats"]),
            wheelchairs=int(spec["wheelchairs"]),
            plate=str(fleet.get("plate_format", "")).format(n=i + 1),
            colour=str(colours[i % len(colours)]) if colours else "",
            depot_name=str(depot["name"]),
        )
        engine.set_shift(
            vid, day, start.astimezone(UTC), end.astimezone(UTC),
            break_earliest=b0, break_latest=b1, break_duration_s=break_s,
        )
        ids.append(vid)
    return ids


async def run_live_fleet(
    engine: FleetOps,
    *,
    clock: Any,
    step_s: float = 1.0,
    tick_every_s: float = 600.0,
    position_every_s: int = 30,
    stop: asyncio.Event | None = None,
) -> None:
    """Drive today's fleet until ``stop`` is set (or the task is cancelled).

    Every ``step_s`` real seconds the drivers advance to ``clock.now()``; every
    ``tick_every_s`` of clock time the engine's background round runs. The
    blocking engine calls run in a worker thread so the event loop stays free.
    """
    day = engine.local_date(clock.now())
    fleet = SimFleet(engine, day, position_every_s=position_every_s)
    last_tick = clock.now()
    stop = stop or asyncio.Event()
    while not stop.is_set():
        now = clock.now()
        try:
            await asyncio.to_thread(fleet.step, now)
            if (now - last_tick).total_seconds() >= tick_every_s:
                last_tick = now
                await asyncio.to_thread(engine.tick)
        except Exception:  # one bad step must not stop the demo's fleet
            log.exception("simulated fleet step failed")
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), step_s)
