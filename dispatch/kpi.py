"""Service figures for the city: punctuality, waits, ride times, refusals, sharing, occupancy.

Pure: plain facts in (``RideFacts``, ``RefusalFacts``), frozen figures out,
grouped by service day, pickup area, vehicle or booking channel. Days on which
the service does not run are left out by the caller's ``service_day`` test.

Definitions (what the city is told):

- *on time*: the car was at the door at some moment inside the promised pickup
  window, i.e. it arrived no later than the window's end and the rider boarded
  no earlier than its start. The *deviation* is the minutes outside the window
  (late arrival or early boarding); 0 when on time. Rides that reached the door
  (boarded, or a no-show after arrival) count.
- *wait*: from the time asked for (a "depart at" request) or, for an "arrive
  by" request, from the start of the promised window, to boarding; never negative.
- *ride time*: boarding to drop-off, for completed rides.
- *shared*: the ride overlaps another ride on the same vehicle in time.
- *occupancy*: people on board, time-weighted, while the vehicle carries at
  least one ride of the group (for a vehicle or a day: while it carries anyone).
- medians are the middle value (the mean of the two middle ones); p95 is the
  nearest-rank 95th percentile (the ⌈0.95·n⌉-th smallest value).
"""

from __future__ import annotations

import math
import statistics
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from enum import StrEnum

SERVED = frozenset({"booked", "assigned", "en_route", "arrived", "on_board", "completed"})


class GroupBy(StrEnum):
    """How the figures are split."""

    DAY = "day"
    AREA = "area"
    VEHICLE = "vehicle"
    CHANNEL = "channel"


@dataclass(frozen=True)
class RideFacts:
    """What is known about one booked ride (times UTC-aware; ``None`` when not happened)."""

    ride_id: str
    member_id: str
    service_date: date
    channel: str
    area: str
    vehicle_id: str | None
    status: str
    requested_at: datetime
    arrive_by: bool
    window_start: datetime
    window_end: datetime
    arrived_at: datetime | None = None
    picked_up_at: datetime | None = None
    dropped_off_at: datetime | None = None
    estimated_pickup: datetime | None = None
    estimated_dropoff: datetime | None = None
    party_size: int = 1


@dataclass(frozen=True)
class RefusalFacts:
    """One refused quote: for which day, member, channel and pickup area, and why (``code``)."""

    service_date: date
    channel: str
    area: str
    code: str


@dataclass(frozen=True)
class RideMeasures:
    """One ride's measured figures (minutes; ``None`` when not measurable)."""

    ride_id: str
    deviation_min: float | None
    on_time: bool | None
    wait_min: float | None
    ride_min: float | None
    shared: bool


@dataclass(frozen=True)
class GroupFigures:
    """The figures of one group (a day, an area, a vehicle or a channel).

    Shares are 0..1; ``None`` where nothing could be measured (no pickups yet).
    """

    key: str
    rides: int
    completed: int
    cancelled: int
    late_cancellations: int
    no_shows: int
    refusals: int
    refusal_reasons: dict[str, int] = field(default_factory=dict)
    pickups: int = 0
    on_time_share: float | None = None
    deviation_p95_min: float | None = None
    wait_median_min: float | None = None
    wait_p95_min: float | None = None
    ride_median_min: float | None = None
    ride_p95_min: float | None = None
    shared_share: float = 0.0
    occupancy: float = 0.0


@dataclass(frozen=True)
class Report:
    """Figures per group and for the whole period, and the days left out (no service)."""

    by: GroupBy
    groups: tuple[GroupFigures, ...]
    totals: GroupFigures
    skipped_days: tuple[date, ...]
    measures: dict[str, RideMeasures]


def _minutes(a: datetime, b: datetime) -> float:
    return (b - a).total_seconds() / 60.0


def p95(values: Sequence[float]) -> float | None:
    """Return the nearest-rank 95th percentile of ``values`` (``None`` for none)."""
    if not values:
        return None
    ordered = sorted(values)
    return ordered[max(0, math.ceil(0.95 * len(ordered)) - 1)]


def median(values: Sequence[float]) -> float | None:
    """Return the median of ``values`` (``None`` for none)."""
    return statistics.median(values) if values else None


def deviation_min(r: RideFacts) -> float | None:
    """Return the minutes the ride's pickup lay outside its promised window (0 = on time).

    ``None`` when the car never reached the door (cancelled, still to come).
    """
    door_from = r.arrived_at or r.picked_up_at
    if door_from is None:
        return None
    door_until = r.picked_up_at or door_from
    late = max(0.0, _minutes(r.window_end, door_from))
    early = max(0.0, _minutes(door_until, r.window_start))
    return late + early


def wait_min(r: RideFacts) -> float | None:
    """Return the rider's wait in minutes from the time asked for (see the module docstring)."""
    if r.picked_up_at is None:
        return None
    start = r.window_start if r.arrive_by else r.requested_at
    return max(0.0, _minutes(start, r.picked_up_at))


def ride_min(r: RideFacts) -> float | None:
    """Return boarding to drop-off in minutes for a completed ride."""
    if r.status != "completed" or r.picked_up_at is None or r.dropped_off_at is None:
        return None
    return max(0.0, _minutes(r.picked_up_at, r.dropped_off_at))


def _interval(r: RideFacts) -> tuple[float, float] | None:
    """The time the ride is (or is planned to be) on board: actual times where known."""
    if r.status not in SERVED or r.vehicle_id is None:
        return None
    start = r.picked_up_at or r.estimated_pickup
    end = r.dropped_off_at or r.estimated_dropoff
    if start is None or end is None or end <= start:
        return None
    return start.timestamp(), end.timestamp()


def _by_vehicle(rides: Iterable[RideFacts]) -> dict[str, list[tuple[float, float, RideFacts]]]:
    out: dict[str, list[tuple[float, float, RideFacts]]] = defaultdict(list)
    for r in rides:
        span = _interval(r)
        if span is not None and r.vehicle_id is not None:
            out[r.vehicle_id].append((span[0], span[1], r))
    return out


def shared_rides(rides: Iterable[RideFacts]) -> set[str]:
    """Return the ids of rides that overlap another ride on the same vehicle in time."""
    shared: set[str] = set()
    for items in _by_vehicle(rides).values():
        for i, (s1, e1, r1) in enumerate(items):
            for s2, e2, r2 in items[i + 1 :]:
                if s1 < e2 and s2 < e1:
                    shared.update((r1.ride_id, r2.ride_id))
    return shared


def occupancy(rides: Sequence[RideFacts], group: set[str]) -> float:
    """Return the time-weighted people on board while a vehicle carries a ride of ``group``.

    ``rides`` are all the rides of the vehicles concerned (everyone on board
    counts); ``group`` the ids of the rides whose time on board is measured.
    """
    people_s = busy_s = 0.0
    for items in _by_vehicle(rides).values():
        events: list[tuple[float, int, int]] = []
        for s, e, r in items:
            mine = 1 if r.ride_id in group else 0
            events += [(s, r.party_size, mine), (e, -r.party_size, -mine)]
        events.sort(key=lambda ev: (ev[0], ev[1]))  # drop-offs before pickups at one instant
        load = mine_on = 0
        last: float | None = None
        for t, d_load, d_mine in events:
            if last is not None and mine_on > 0 and t > last:
                people_s += load * (t - last)
                busy_s += t - last
            load += d_load
            mine_on += d_mine
            last = t
    return people_s / busy_s if busy_s else 0.0


def measure(rides: Sequence[RideFacts]) -> dict[str, RideMeasures]:
    """Return each ride's measured figures, by ride id."""
    shared = shared_rides(rides)
    out: dict[str, RideMeasures] = {}
    for r in rides:
        dev = deviation_min(r)
        out[r.ride_id] = RideMeasures(
            ride_id=r.ride_id,
            deviation_min=dev,
            on_time=None if dev is None else dev == 0.0,
            wait_min=wait_min(r),
            ride_min=ride_min(r),
            shared=r.ride_id in shared,
        )
    return out


def _key(by: GroupBy) -> Callable[[RideFacts | RefusalFacts], str]:
    def key(x: RideFacts | RefusalFacts) -> str:
        if by is GroupBy.DAY:
            return x.service_date.isoformat()
        if by is GroupBy.AREA:
            return x.area
        if by is GroupBy.CHANNEL:
            return x.channel
        return (x.vehicle_id or "") if isinstance(x, RideFacts) else ""

    return key


def _round(x: float | None, digits: int) -> float | None:
    return None if x is None else round(x, digits)


def _figures(
    key: str,
    rides: Sequence[RideFacts],
    refusals: Sequence[RefusalFacts],
    measures: dict[str, RideMeasures],
    all_rides: Sequence[RideFacts],
) -> GroupFigures:
    m = [measures[r.ride_id] for r in rides]
    devs = [x.deviation_min for x in m if x.deviation_min is not None]
    waits = [x.wait_min for x in m if x.wait_min is not None]
    times = [x.ride_min for x in m if x.ride_min is not None]
    on_board = [r for r in rides if _interval(r) is not None]
    ids = {r.ride_id for r in on_board}
    vehicles = {r.vehicle_id for r in on_board}
    peers = [r for r in all_rides if r.vehicle_id in vehicles]
    return GroupFigures(
        key=key,
        rides=sum(r.status in SERVED for r in rides),
        completed=sum(r.status == "completed" for r in rides),
        cancelled=sum(r.status == "cancelled" for r in rides),
        late_cancellations=0,
        no_shows=sum(r.status == "no_show" for r in rides),
        refusals=len(refusals),
        refusal_reasons=dict(sorted(Counter(x.code for x in refusals).items())),
        pickups=len(devs),
        on_time_share=_round(sum(d == 0.0 for d in devs) / len(devs), 4) if devs else None,
        deviation_p95_min=_round(p95(devs), 1),
        wait_median_min=_round(median(waits), 1),
        wait_p95_min=_round(p95(waits), 1),
        ride_median_min=_round(median(times), 1),
        ride_p95_min=_round(p95(times), 1),
        shared_share=round(sum(measures[i].shared for i in ids) / len(ids), 4) if ids else 0.0,
        occupancy=round(occupancy(peers, ids), 3),
    )


def report(
    rides: Sequence[RideFacts],
    refusals: Sequence[RefusalFacts],
    *,
    by: GroupBy,
    service_day: Callable[[date], bool],
    late_cancelled: frozenset[str] = frozenset(),
    period: tuple[date, date] | None = None,
) -> Report:
    """Return the figures of ``rides`` and ``refusals`` by day, area, vehicle or channel.

    Rides and refusals of days for which ``service_day`` is false are left out
    (and those days listed in ``skipped_days``); ``late_cancelled`` names the
    cancelled rides that were cancelled late (counted in ``late_cancellations``).
    Groups are sorted by key; for the day grouping every service day of
    ``period`` (first, last) appears, also one without rides.
    """
    days = {r.service_date for r in rides} | {x.service_date for x in refusals}
    if period is not None:
        days |= {period[0] + timedelta(days=i) for i in range((period[1] - period[0]).days + 1)}
    skipped = tuple(sorted(d for d in days if not service_day(d)))
    keep = set(skipped)
    rides = [r for r in rides if r.service_date not in keep]
    refusals = [x for x in refusals if x.service_date not in keep]
    measures = measure(rides)
    key = _key(by)
    ride_groups: dict[str, list[RideFacts]] = defaultdict(list)
    refusal_groups: dict[str, list[RefusalFacts]] = defaultdict(list)
    for r in rides:
        ride_groups[key(r)].append(r)
    for x in refusals:
        refusal_groups[key(x)].append(x)

    def late(rs: Sequence[RideFacts]) -> int:
        return sum(r.status == "cancelled" and r.ride_id in late_cancelled for r in rs)

    def one(k: str, rs: Sequence[RideFacts], xs: Sequence[RefusalFacts]) -> GroupFigures:
        return replace(_figures(k, rs, xs, measures, rides), late_cancellations=late(rs))

    keys = set(ride_groups) | set(refusal_groups)
    if by is GroupBy.DAY and period is not None:
        day = period[0]
        while day <= period[1]:
            if service_day(day):
                keys.add(day.isoformat())
            day += timedelta(days=1)
    groups = tuple(one(k, ride_groups[k], refusal_groups[k]) for k in sorted(keys))
    return Report(
        by=by,
        groups=groups,
        totals=one("", rides, refusals),
        skipped_days=skipped,
        measures=measures,
    )
