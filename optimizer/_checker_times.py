"""The checker's own rescheduling: earliest starts, then Cordeau & Laporte's delays.

Kept apart from :mod:`optimizer.schedule` on purpose: the checker must not share
code with what it grades. Vertices carry their window, service time and, for a
drop-off, where its ride began, so the forward time slack can account for ride
times (Cordeau & Laporte 2003, the eight-step scheme).
"""

from __future__ import annotations

from dataclasses import dataclass

from optimizer.model import Problem, ScheduledStop, StopKind

INF = 1 << 62


@dataclass
class Vertex:
    """A stop as the checker sees it: where, its window, its service time."""

    stop: ScheduledStop
    location: int
    earliest: int
    latest: int
    service: int
    ride_limit: int = INF
    origin: int = -1  # index of the matching pickup, -2 for a rider already on board
    ride_base: int = 0  # for riders on board: when their ride began
    a: int = 0
    b: int = 0
    d: int = 0


def ride_of(verts: list[Vertex], x: Vertex) -> int:
    """Ride time of the drop-off vertex ``x``: from the end of its pickup service."""
    if x.origin == -2:
        return x.b - x.ride_base
    o = verts[x.origin]
    return x.b - (o.b + o.service)


def _forward(p: Problem, verts: list[Vertex], frm: int) -> None:
    """Propagate times after vertex ``frm`` (its departure already set)."""
    for k in range(frm + 1, len(verts)):
        prev, x = verts[k - 1], verts[k]
        x.a = prev.d + int(p.durations_s[prev.location, x.location])
        x.b = max(x.a, x.earliest)
        x.d = x.b + x.service


def _slack(verts: list[Vertex], i: int) -> int:
    """Forward time slack of vertex ``i`` (Cordeau & Laporte 2003), ride times included."""
    best = INF
    waits = 0
    for j in range(i, len(verts)):
        x = verts[j]
        if j > i:
            waits += x.b - x.a
        room = x.latest - x.b
        if x.origin == -2 or 0 <= x.origin < i:
            room = min(room, x.ride_limit - ride_of(verts, x))
        best = min(best, waits + max(0, room))
    return best


def eight_step(p: Problem, verts: list[Vertex]) -> None:
    """Earliest schedule, then delay the start and each pickup where it shortens rides."""
    first = verts[0]
    first.a = first.b = first.d = first.earliest
    _forward(p, verts, 0)
    total_wait = sum(x.b - x.a for x in verts[1:-1])
    first.d += min(_slack(verts, 0), total_wait)
    first.b = first.d
    _forward(p, verts, 0)
    for j in range(1, len(verts) - 1):
        if verts[j].stop.kind is not StopKind.PICKUP:
            continue
        later_wait = sum(x.b - x.a for x in verts[j + 1 : -1])
        delay = min(_slack(verts, j), later_wait)
        if delay > 0:
            x = verts[j]
            x.b += delay
            x.d = x.b + x.service
            _forward(p, verts, j)
