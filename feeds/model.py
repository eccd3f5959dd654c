"""What the feeds are built from: the city's service, its zones and designated places.

Small frozen values built at the edge (``booking_api.feedconfig`` from the city
file and the map data), so that this package never reads a settings object or
a file it is not handed.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import time
from typing import Any

from dispatch.calendar import ServiceCalendar

WHEELCHAIR_BOARDING = frozenset(
    {"boarding_accessible", "boarding_inaccessible", "boarding_accessible_with_assistance"}
)


@dataclass(frozen=True)
class Zone:
    """A service area as a zone: its id, names and GeoJSON (Multi)Polygon geometry (lon/lat)."""

    id: str
    name_ja: str
    name_en: str
    geometry: Mapping[str, Any]


@dataclass(frozen=True)
class Destination:
    """A designated destination reachable from every area (a hospital, the city office)."""

    id: str
    name: str
    category: str
    lat: float
    lon: float
    zone_id: str | None


@dataclass(frozen=True)
class VehicleType:
    """A kind of vehicle the service runs: places and wheelchair boarding (GOFS words)."""

    id: str
    max_capacity: int
    wheelchair_boarding: str = "boarding_inaccessible"

    def __post_init__(self) -> None:
        if self.max_capacity < 1:
            msg = f"vehicle type {self.id}: max_capacity must be at least 1"
            raise ValueError(msg)
        if self.wheelchair_boarding not in WHEELCHAIR_BOARDING:
            msg = f"vehicle type {self.id}: wheelchair_boarding {self.wheelchair_boarding!r}"
            raise ValueError(msg)


@dataclass(frozen=True)
class FeedConfig:
    """The service as the feeds publish it (see ``[feeds]`` in the city file).

    ``public_url`` is where this server is reached (the feeds' own URLs);
    ``booking_url`` where a rider books online; ``period_days`` how many days
    ahead the calendar is published. ``fare_yen`` is the flat adult fare, or
    ``None`` when the fare depends on the trip (then no fare file is written).
    """

    city_id: str
    agency_name_ja: str
    agency_name_en: str
    agency_url: str
    timezone: str
    phone: str
    public_url: str
    booking_url: str
    service_name_ja: str
    service_name_en: str
    service_start: time
    service_end: time
    min_notice_min: int
    booking_horizon_days: int
    calendar: ServiceCalendar
    area_links: tuple[tuple[str, str], ...] = ()
    message_ja: str = ""
    message_en: str = ""
    info_url: str = ""
    agency_official_name: str = ""
    agency_address: str = ""
    agency_zip: str = ""
    contact_email: str = ""
    route_color: str = "1B6E3A"
    route_text_color: str = "FFFFFF"
    vehicle_types: tuple[VehicleType, ...] = ()
    designated_name_ja: str = "指定の目的地"
    designated_name_en: str = "Designated destinations"
    fare_yen: int | None = None
    period_days: int = 365

    def __post_init__(self) -> None:
        if not self.service_start < self.service_end:
            msg = "feeds: the service must start before it ends"
            raise ValueError(msg)
        if not 7 <= self.period_days <= 731:
            msg = "feeds: period_days must be 7..731 (GTFS asks for at least the next 7 days)"
            raise ValueError(msg)

    def connects(self, a: str, b: str) -> bool:
        """Return whether a trip from zone ``a`` to zone ``b`` runs (same zone or a link)."""
        return a == b or (a, b) in self.area_links or (b, a) in self.area_links


@dataclass(frozen=True)
class MapData:
    """The zones and the designated destinations of the city."""

    zones: tuple[Zone, ...]
    destinations: tuple[Destination, ...] = field(default_factory=tuple)

    def zone(self, zone_id: str) -> Zone:
        """Return the zone with this id (``KeyError`` if unknown)."""
        for z in self.zones:
            if z.id == zone_id:
                return z
        raise KeyError(zone_id)
