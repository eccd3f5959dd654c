"""Synthetic demand for a simulated day: who travels where, when, and how they book.

Homes are drawn from a weighted grid of residential points, destinations by
category according to the part of the day (clinics in the morning, shops at
midday...), and many outbound trips get a return trip later. Every draw comes
from one seeded generator, so a seed gives the same day every time.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, time, timedelta
from typing import Any

import numpy as np

from dispatch.domain import Channel, LatLon
from dispatch.sim.scenario import Scenario


@dataclass(frozen=True)
class Destination:
    """A place riders go to."""

    name: str
    category: str
    point: LatLon


@dataclass(frozen=True)
class DemandSource:
    """Where riders live (weighted points) and the places they go to."""

    homes: tuple[tuple[LatLon, float], ...]
    places: tuple[Destination, ...]


@dataclass(frozen=True)
class SimTrip:
    """One trip a rider wants, with how and when it is booked and what goes wrong.

    ``outbound_of`` names the outbound trip of a return trip (booked only if the
    outbound was).
    """

    trip_id: str
    member_id: str
    pickup: LatLon
    dropoff: LatLon
    pickup_label: str
    dropoff_label: str
    depart_at: datetime | None
    arrive_by: datetime | None
    party_size: int
    wheelchairs: int
    needs_extra_time: bool
    channel: Channel
    book_at: datetime
    cancel_at: datetime | None
    no_show: bool
    outbound_of: str | None = None

    @property
    def when(self) -> datetime:
        """The requested time (departure or arrival)."""
        t = self.depart_at or self.arrive_by
        assert t is not None
        return t


def _pick(rng: np.random.Generator, table: dict[str, float]) -> str:
    keys = list(table)
    w = np.asarray([float(table[k]) for k in keys])
    return str(keys[int(rng.choice(len(keys), p=w / w.sum()))])


def _part_of_day(hour: int) -> str:
    return "morning" if hour < 10 else "midday" if hour < 13 else "afternoon"


def generate(
    scenario: Scenario,
    source: DemandSource,
    *,
    vehicles: int,
    seed: int,
    requests: int | None = None,
) -> list[SimTrip]:
    """Return the day's trips in booking order (``requests`` overrides the scenario's count)."""
    rng = np.random.default_rng(seed)
    raw: dict[str, Any] = scenario.raw
    riders = raw["riders"]
    total = requests if requests is not None else scenario.requests_per_vehicle * vehicles
    by_cat: dict[str, list[Destination]] = {}
    for p in source.places:
        by_cat.setdefault(p.category, []).append(p)
    home_w = np.asarray([w for _, w in source.homes], dtype=float)
    home_w = home_w / home_w.sum()
    hours = {int(h): float(w) for h, w in raw["hours"].items()}
    last = scenario.at(scenario.last_pickup)
    out: list[SimTrip] = []
    n = 0
    while len(out) < total:
        n += 1
        home = source.homes[int(rng.choice(len(source.homes), p=home_w))][0]
        hour = int(_pick(rng, {str(h): w for h, w in hours.items()}))
        minute = int(rng.integers(0, 60))
        t = scenario.at(time(hour, minute))
        cats = {c: w for c, w in raw["destinations"][_part_of_day(hour)].items() if c in by_cat}
        if not cats:
            msg = "no destination of the scenario's categories exists in this city"
            raise ValueError(msg)
        cat = _pick(rng, cats)
        dest = by_cat[cat][int(rng.integers(0, len(by_cat[cat])))]
        wheelchair = rng.random() < riders["wheelchair_share"]
        party = int(_pick(rng, {str(k): v for k, v in riders["party_sizes"].items()}))
        seats, chairs = (party - 1, 1) if wheelchair else (party, 0)
        member = f"S{n:05d}"
        extra = bool(rng.random() < riders["extra_time_share"])
        arrive = cat in ("hospital", "clinic") and rng.random() < riders["arrive_by_share"]
        common = {
            "member_id": member,
            "party_size": seats,
            "wheelchairs": chairs,
            "needs_extra_time": extra or wheelchair,
        }
        trip = _trip(rng, scenario, f"T{n:05d}", home, dest.point, "自宅", dest.name, t, arrive,
                     common)
        out.append(trip)
        if len(out) < total and rng.random() < riders["return_share"]:
            lo, hi = riders["return_after_min"]
            back = t + timedelta(minutes=int(rng.integers(lo, hi + 1)) + (0 if arrive else 30))
            if back <= last:
                ret = _trip(rng, scenario, f"T{n:05d}R", dest.point, home, dest.name, "自宅",
                            back, False, common, outbound=trip.trip_id)
                if ret.book_at <= trip.book_at:  # a return is booked with or after its outbound
                    ret = replace(ret, book_at=trip.book_at + timedelta(seconds=30))
                    if ret.cancel_at is not None and ret.cancel_at <= ret.book_at:
                        ret = replace(ret, cancel_at=ret.book_at + timedelta(seconds=60))
                out.append(ret)
    out.sort(key=lambda x: (x.book_at, x.trip_id))
    return out


def _trip(
    rng: np.random.Generator,
    scenario: Scenario,
    trip_id: str,
    frm: LatLon,
    to: LatLon,
    frm_label: str,
    to_label: str,
    t: datetime,
    arrive: bool,
    common: dict[str, Any],
    outbound: str | None = None,
) -> SimTrip:
    riders = scenario.raw["riders"]
    opening = scenario.at(scenario.shift_start) - timedelta(minutes=30)
    if rng.random() < riders["day_ahead_share"]:
        book_at = opening - timedelta(hours=13) + timedelta(minutes=int(rng.integers(0, 600)))
    else:
        lo, hi = riders["same_day_notice_min"]
        book_at = max(opening, t - timedelta(minutes=int(rng.integers(lo, hi + 1))))
    cancel_at = None
    if rng.random() < riders["cancel_share"]:
        span = max(60.0, (t - book_at).total_seconds() - 900)
        cancel_at = book_at + timedelta(seconds=float(rng.uniform(60, span)))
    return SimTrip(
        trip_id=trip_id,
        pickup=frm,
        dropoff=to,
        pickup_label=frm_label,
        dropoff_label=to_label,
        depart_at=None if arrive else t,
        arrive_by=t if arrive else None,
        channel=Channel.PHONE if rng.random() < riders["phone_share"] else Channel.ONLINE,
        book_at=book_at,
        cancel_at=cancel_at,
        no_show=bool(rng.random() < riders["no_show_share"]),
        outbound_of=outbound,
        **common,
    )


def source_from_map(city_map: Any) -> DemandSource:
    """Return the demand source of a ``maps.CityMap`` (demand grid and places)."""
    homes = tuple((LatLon(c.lat, c.lon), float(c.weight)) for c in city_map.demand_cells())
    places = tuple(
        Destination(p.name, p.category, LatLon(p.lat, p.lon)) for p in city_map.places.all
    )
    return DemandSource(homes, places)


def source_from_grid(grid: Any, *, seed: int = 0, places_per_category: int = 4) -> DemandSource:
    """Return a random demand source on a ``GridCity`` (uniform homes, a few places a category)."""
    rng = np.random.default_rng(seed)
    homes = tuple((LatLon(*grid.random_point(rng)), 1.0) for _ in range(200))
    cats = ["hospital", "clinic", "dentist", "pharmacy", "city_office", "bank", "post_office",
            "supermarket", "drugstore", "home_centre", "library", "public_facility"]
    places = tuple(
        Destination(f"{c}-{i}", c, LatLon(*grid.random_point(rng)))
        for c in cats
        for i in range(places_per_category)
    )
    return DemandSource(homes, places)
