"""Which of the optimizer's shifted times are offered to a rider, and in what order.

The optimizer tries the request earlier and later by turns, so its answers come
as -15, +15, -30, +30 min; a rider (or an operator reading them out) needs them
in time order. For an arrive-by request a pickup at or after the appointment
time is no use (the rider would be late however short the trip), so it is
never offered, and neither is a time already past.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from dispatch.domain import Alternative, TripRequest


def usable_alternatives(
    found: Iterable[Alternative], request: TripRequest, now: datetime
) -> tuple[Alternative, ...]:
    """Return the alternatives worth offering for ``request`` at ``now``, earliest first.

    An alternative whose pickup window has ended by ``now`` is dropped; for an
    arrive-by request, so is one whose pickup window reaches the appointment
    time (``request.arrive_by``). Duplicates (the same window) are given once.
    """
    out: dict[tuple[datetime, datetime], Alternative] = {}
    for alt in found:
        if alt.pickup_window_end < now:
            continue
        if request.arrive_by is not None and alt.pickup_window_end >= request.arrive_by:
            continue
        out.setdefault((alt.pickup_window_start, alt.pickup_window_end), alt)
    return tuple(sorted(out.values(), key=lambda a: (a.pickup_window_start, a.pickup_window_end)))
