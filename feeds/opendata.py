"""Monthly ridership open data: CSV tables, their data dictionary and licence.

Tables (one month): completed rides by day type × origin area × destination area
× pickup hour; on-time performance and shared-ride share by origin area;
registrations by channel (the online-registration KPI). Areas are the service
areas containing the pickup and drop-off points (``other`` outside them).

No person can be picked out. Every count below the city's threshold ``k`` is
suppressed, zero included, so a blank cell never says "someone rode here".
The ride grid lists every combination, so a missing row says nothing either.
Then secondary suppression: the origin-area totals (published in the on-time
and sharing tables) and the month's total are margins of the grid, so within
each of them the suppressed cells must hold no ride, or be at least two holding
at least ``k`` rides between them; otherwise the smallest published cells are
suppressed too.
Subtracting the published cells from a margin then gives a sum shared by
several cells, never one cell's count.
"""

from __future__ import annotations

import csv
import io
from collections import Counter
from collections.abc import Collection, Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

from dispatch.calendar import ServiceCalendar
from dispatch.kpi import RideFacts, measure
from feeds.opendata_docs import dictionary, readme

K = TypeVar("K", bound=Hashable)
OTHER = "other"
DAY_TYPES = ("weekday", "saturday", "sunday_holiday")
CHANNELS = ("online", "phone", "counter")


class MonthError(ValueError):
    """The month is not ``YYYY-MM``."""


@dataclass(frozen=True)
class OpenDataConfig:
    """How the city publishes (``[open_data]`` in the city file)."""

    publisher_ja: str
    publisher_en: str
    licence_id: str = "CC-BY-4.0"
    licence_name: str = "Creative Commons Attribution 4.0 International"
    licence_url: str = "https://creativecommons.org/licenses/by/4.0/"
    min_cell: int = 5
    online_target: float = 0.2

    def __post_init__(self) -> None:
        if self.min_cell < 2:
            msg = "open_data.min_cell must be at least 2"
            raise ValueError(msg)


@dataclass(frozen=True)
class TripRecord:
    """One completed ride as the tables count it (no member, no time finer than the hour)."""

    day_type: str
    origin: str
    destination: str
    hour: int
    on_time: bool
    shared: bool
    passengers: int


@dataclass(frozen=True)
class MemberRecord:
    """One member: how they registered, whether in the month, approved at its end."""

    channel: str
    applied_in_month: bool
    approved_at_end: bool


def parse_month(text: str) -> tuple[date, date]:
    """Return the first and last day of ``YYYY-MM`` (``MonthError`` when it is not one)."""
    try:
        year, month = (int(x) for x in text.split("-"))
        first = date(year, month, 1)
    except ValueError as exc:
        msg = f"not a month YYYY-MM: {text!r}"
        raise MonthError(msg) from exc
    if len(text) != 7:
        msg = f"not a month YYYY-MM: {text!r}"
        raise MonthError(msg)
    following = (first + timedelta(days=32)).replace(day=1)
    return first, following - timedelta(days=1)


def day_type(calendar: ServiceCalendar, day: date) -> str:
    """Return ``weekday``, ``saturday`` or ``sunday_holiday`` (a national or city holiday)."""
    if day.weekday() == 6 or calendar.holiday_name(day) is not None:
        return "sunday_holiday"
    return "saturday" if day.weekday() == 5 else "weekday"


def trip_records(
    facts: Sequence[RideFacts],
    destinations: Mapping[str, str],
    *,
    zone: ZoneInfo,
    calendar: ServiceCalendar,
    hours: range,
    areas: Collection[str],
) -> list[TripRecord]:
    """Return the completed rides of ``facts`` as table records.

    ``facts[i].area`` is the pickup's area and ``destinations`` the drop-off's
    by ride id; on time and shared are ``dispatch.kpi``'s definitions. A pickup
    before the first or after the last of ``hours`` counts in that hour.
    """
    measures = measure(facts)
    out = []
    for f in facts:
        if f.status != "completed":
            continue
        m = measures[f.ride_id]
        picked = (f.picked_up_at or f.window_start).astimezone(zone)
        out.append(
            TripRecord(
                day_type=day_type(calendar, f.service_date),
                origin=f.area if f.area in areas else OTHER,
                destination=d if (d := destinations.get(f.ride_id, "")) in areas else OTHER,
                hour=min(max(picked.hour, hours.start), hours.stop - 1),
                on_time=bool(m.on_time),
                shared=m.shared,
                passengers=f.party_size,
            )
        )
    return out


def suppress(
    cells: Mapping[K, int],
    margins: Iterable[Collection[K]],
    k: int,
    *,
    keep: Collection[K] = (),
) -> set[K]:
    """Return the keys of ``cells`` to suppress: every count below ``k``, then more.

    For each published margin (a set of keys whose total is published
    elsewhere), the suppressed cells in it must hold nothing, or be at least
    two holding at least ``k`` between them; the smallest published cells are
    added until they are (see the module docstring), those in ``keep`` last
    (a headline figure such as the online registrations).
    """
    hidden = {key for key, n in cells.items() if n < k}
    groups = [list(g) for g in margins]
    changed = True
    while changed:
        changed = False
        for group in groups:
            inside = [key for key in group if key in hidden]
            if not inside:
                continue
            left = sum(cells[key] for key in inside)
            if left == 0 or (len(inside) >= 2 and left >= k):
                continue  # the blanks are all zero, or hide at least k among several
            shown = sorted(
                (key for key in group if key not in hidden), key=lambda x: (x in keep, cells[x])
            )
            if shown:
                hidden.add(shown[0])
                changed = True
    return hidden


def _csv(header: Sequence[str], rows: Iterable[Sequence[object]]) -> bytes:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\r\n")
    w.writerow(header)
    for row in rows:
        w.writerow(["" if x is None else x for x in row])
    return ("\ufeff" + buf.getvalue()).encode("utf-8")  # BOM: spreadsheets read it as UTF-8


def _share(part: int, whole: int) -> float | None:
    return round(part / whole, 3) if whole else None


def ride_grid(
    trips: Sequence[TripRecord], *, day_types: Sequence[str], areas: Sequence[str], hours: range
) -> dict[tuple[str, str, str, int], int]:
    """Return the count of every (day type, origin, destination, hour), zeros included."""
    counts = Counter((t.day_type, t.origin, t.destination, t.hour) for t in trips)
    return {
        (d, o, x, h): counts.get((d, o, x, h), 0)
        for d in day_types
        for o in areas
        for x in areas
        for h in hours
    }


def build_open_data(
    month: str,
    trips: Sequence[TripRecord],
    members: Sequence[MemberRecord],
    *,
    areas: Sequence[str],
    day_types: Sequence[str],
    hours: range,
    config: OpenDataConfig,
    city_ja: str,
    city_en: str,
) -> dict[str, bytes]:
    """Return the month's files (name → bytes): four CSV tables, the dictionary, README, licence.

    ``areas`` are the service areas' ids (``other`` is added), ``day_types``
    the kinds of day with service in the month, ``hours`` the pickup hours.
    """
    k = config.min_cell
    places = [*areas, OTHER]
    trips = [t for t in trips if t.day_type in day_types]  # a ride on a day without service
    grid = ride_grid(trips, day_types=day_types, areas=places, hours=hours)
    passengers = Counter()  # type: Counter[tuple[str, str, str, int]]
    for t in trips:
        passengers[(t.day_type, t.origin, t.destination, t.hour)] += t.passengers
    by_origin: dict[str, list[tuple[str, str, str, int]]] = {a: [] for a in places}
    for key in grid:
        by_origin[key[1]].append(key)
    area_rides = {a: sum(grid[key] for key in keys) for a, keys in by_origin.items()}
    hidden_areas = suppress(area_rides, [places], k)
    total = sum(area_rides.values())
    # Only margins that are published bind the grid: shown area totals, and the month total.
    margins = [keys for a, keys in by_origin.items() if a not in hidden_areas]
    if total >= k:
        margins.append(list(grid))
    hidden = suppress(grid, margins, k)
    rows = [
        (
            *key,
            "" if key in hidden else grid[key],
            "" if key in hidden else passengers[key],
            int(key in hidden),
        )
        for key in grid
    ]
    files = {
        "rides_by_area_hour.csv": _csv(
            (
                "day_type",
                "origin_area",
                "destination_area",
                "hour",
                "rides",
                "passengers",
                "suppressed",
            ),
            rows,
        ),
    }
    on_time = Counter(t.origin for t in trips if t.on_time)
    shared = Counter(t.origin for t in trips if t.shared)
    area_rows = [(a, area_rides[a], on_time[a], shared[a], a in hidden_areas) for a in places]
    shown_total = total >= k
    area_rows.append(("all", total, sum(on_time.values()), sum(shared.values()), not shown_total))
    files["on_time.csv"] = _csv(
        ("origin_area", "rides", "on_time_share", "suppressed"),
        [(a, "" if h else n, "" if h else _share(o, n), int(h)) for a, n, o, _, h in area_rows],
    )
    files["shared_rides.csv"] = _csv(
        ("origin_area", "rides", "shared_share", "suppressed"),
        [(a, "" if h else n, "" if h else _share(s, n), int(h)) for a, n, _, s, h in area_rows],
    )
    files["registrations.csv"], kpi = _registrations(members, k)
    files["data_dictionary.json"] = dictionary(month, config, city_ja, city_en, kpi)
    files["README.md"] = readme(month, config, city_ja, city_en, kpi)
    files["LICENSE.txt"] = (
        f"{config.licence_name} ({config.licence_id})\n{config.licence_url}\n\n"
        f"© {config.publisher_ja} / {config.publisher_en}. "
        f'Attribution: 「{config.publisher_ja}」 (or "{config.publisher_en}").\n'
    ).encode()
    return files


def _registrations(members: Sequence[MemberRecord], k: int) -> tuple[bytes, dict[str, Any]]:
    applied = Counter(m.channel for m in members if m.applied_in_month)
    approved = Counter(m.channel for m in members if m.approved_at_end)
    channels = [*CHANNELS, *sorted((set(applied) | set(approved)) - set(CHANNELS))]
    total_applied, total_approved = sum(applied.values()), sum(approved.values())
    hide_applied = suppress({c: applied[c] for c in channels}, [channels], k)
    hide_approved = suppress({c: approved[c] for c in channels}, [channels], k, keep={"online"})
    rows = []
    for c in channels:
        ha, hp = c in hide_applied, c in hide_approved
        rows.append(
            (
                c,
                "" if ha else applied[c],
                "" if hp else approved[c],
                "" if hp or total_approved < k else _share(approved[c], total_approved),
                int(ha or hp),
            )
        )
    rows.append(
        (
            "all",
            total_applied if total_applied >= k else "",
            total_approved if total_approved >= k else "",
            "",
            int(total_applied < k or total_approved < k),
        )
    )
    online_shown = "online" not in hide_approved and total_approved >= k
    kpi = {
        "online_registration_share": _share(approved["online"], total_approved)
        if online_shown
        else None,
    }
    header = ("channel", "applications", "approved_members", "share_of_approved", "suppressed")
    return _csv(header, rows), kpi
