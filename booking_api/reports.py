"""Figures for the city: rides per day, shared rides, occupancy, no-shows, online registrations.

Computed from the engine's rides (the record of what happened and what is
planned) and the members table; pure functions over plain data so they are easy
to check.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from datetime import date

from dispatch.domain import Ride, RideStatus

SERVED = {
    RideStatus.BOOKED,
    RideStatus.ASSIGNED,
    RideStatus.EN_ROUTE,
    RideStatus.ARRIVED,
    RideStatus.ON_BOARD,
    RideStatus.COMPLETED,
}


@dataclass(frozen=True)
class DayFigures:
    """One day's figures."""

    date: str
    rides: int
    completed: int
    cancelled: int
    late_cancellations: int
    no_shows: int
    shared_share: float
    occupancy: float

    def as_dict(self) -> dict[str, object]:
        """Return the figures as a plain dict."""
        return asdict(self)


def _intervals(rides: Iterable[Ride]) -> dict[str, list[tuple[float, float, int, str]]]:
    by_vehicle: dict[str, list[tuple[float, float, int, str]]] = defaultdict(list)
    for r in rides:
        if (
            r.vehicle_id
            and r.estimated_pickup
            and r.estimated_dropoff
            and r.estimated_dropoff > r.estimated_pickup
        ):
            start, end = r.estimated_pickup.timestamp(), r.estimated_dropoff.timestamp()
            by_vehicle[r.vehicle_id].append((start, end, r.request.party_size, r.ride_id))
    return by_vehicle


def shared_share_and_occupancy(rides: Iterable[Ride]) -> tuple[float, float]:
    """Return the share of rides that overlap another on the same vehicle, and the mean
    number of passengers on board while a vehicle carries anyone (time-weighted).
    """
    served = [r for r in rides if r.status in SERVED]
    legs = _intervals(served)
    shared: set[str] = set()
    people_s = 0.0
    busy_s = 0.0
    for items in legs.values():
        for i, (s1, e1, _, id1) in enumerate(items):
            for s2, e2, _, id2 in items[i + 1 :]:
                if s1 < e2 and s2 < e1:
                    shared.update((id1, id2))
        events = sorted([(s, p) for s, _, p, _ in items] + [(e, -p) for _, e, p, _ in items])
        load, last = 0, None
        for t, delta in events:
            if last is not None and load > 0:
                people_s += load * (t - last)
                busy_s += t - last
            load += delta
            last = t
    counted = sum(len(v) for v in legs.values())
    share = len(shared) / counted if counted else 0.0
    occupancy = people_s / busy_s if busy_s else 0.0
    return round(share, 4), round(occupancy, 3)


def day_figures(day: date, rides: list[Ride]) -> DayFigures:
    """Return one day's figures from its rides."""
    share, occupancy = shared_share_and_occupancy(rides)
    return DayFigures(
        date=day.isoformat(),
        rides=sum(r.status in SERVED for r in rides),
        completed=sum(r.status == RideStatus.COMPLETED for r in rides),
        cancelled=sum(r.status == RideStatus.CANCELLED for r in rides),
        late_cancellations=sum(
            r.status == RideStatus.CANCELLED and r.late_cancellation for r in rides
        ),
        no_shows=sum(r.status == RideStatus.NO_SHOW for r in rides),
        shared_share=share,
        occupancy=occupancy,
    )


def csv_text(days: list[DayFigures]) -> str:
    """Return the days table as CSV with a BOM, so spreadsheet programs read Japanese correctly."""
    header = "date,rides,completed,cancelled,late_cancellations,no_shows,shared_share,occupancy"
    lines = [header] + [
        f"{d.date},{d.rides},{d.completed},{d.cancelled},{d.late_cancellations},{d.no_shows},{d.shared_share},{d.occupancy}"
        for d in days
    ]
    return "\ufeff" + "\r\n".join(lines) + "\r\n"
