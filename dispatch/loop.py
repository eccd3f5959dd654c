"""The engine's background loop, run only by the leader (``noriai dispatcher``)."""

from __future__ import annotations

import logging
import sys
import threading

from dispatch.bus.base import LeaderLock
from dispatch.fleet import FleetOps

log = logging.getLogger("noriai.dispatcher")


def run_dispatcher(
    engine: FleetOps,
    leader: LeaderLock,
    *,
    interval_s: float = 5.0,
    stop: threading.Event | None = None,
    max_rounds: int | None = None,
    progress: bool = False,
) -> int:
    """Tick ``engine`` every ``interval_s`` while this process holds ``leader``; return ticks run.

    A process that is not leader keeps trying, so another takes over within one
    lock expiry when the leader dies. ``stop`` ends the loop; ``max_rounds``
    bounds it (tests). With ``progress`` a running count goes to stderr.
    """
    stop = stop or threading.Event()
    ticks = rounds = 0
    try:
        while not stop.is_set() and (max_rounds is None or rounds < max_rounds):
            rounds += 1
            if leader.acquire():
                try:
                    engine.tick()
                    ticks += 1
                except Exception:  # one bad round must not stop the dispatcher
                    log.exception("dispatcher tick failed")
            if progress:
                print(f"\rdispatcher: {ticks} ticks as leader", end="", file=sys.stderr)
            stop.wait(interval_s)
    finally:
        leader.release()
    return ticks
