"""The GOFS feed (General On-Demand Feed Specification v1.0) from the city's configuration.

One distribution per language (``ja``, ``en``) as GOFS asks, listed by the
auto-discovery file ``gofs.json``. The zones are the service areas plus
``designated``: small squares around the designated destinations (GOFS has
zones only, no stops), which every area reaches and is reached from. The
operating rules are the same pairs as the GTFS trips (``feeds.gtfs.trip_pairs``);
``wait_time`` answers the minimum notice for a point inside a zone.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import shapely
from shapely.geometry import MultiPolygon, box, mapping, shape

from feeds.gtfs import DESIGNATED, SERVICE_ID, excepted_dates, feed_period, trip_pairs
from feeds.model import FeedConfig, MapData

VERSION = "1.0"
LANGUAGES = ("ja", "en")
FILES = (
    "system_information",
    "service_brands",
    "vehicle_types",
    "zones",
    "operating_rules",
    "calendars",
    "booking_rules",
)
DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
TTL_S = 86400
# Half the side of the square drawn around a designated destination (degrees; ~55 m).
_HALF_DEG = 0.0005


def brand_id(config: FeedConfig) -> str:
    """Return the id of the service's one brand."""
    return f"{config.city_id}_demand"


def _zone_id(feed_id: str) -> str:
    return feed_id.removeprefix("zone_")


def _header(now: datetime, data: dict[str, Any]) -> dict[str, Any]:
    return {"last_updated": int(now.timestamp()), "ttl": TTL_S, "version": VERSION, "data": data}


def _designated_geometry(data: MapData) -> dict[str, Any]:
    squares = [
        box(d.lon - _HALF_DEG, d.lat - _HALF_DEG, d.lon + _HALF_DEG, d.lat + _HALF_DEG)
        for d in data.destinations
    ]
    return dict(mapping(shapely.orient_polygons(MultiPolygon(squares))))


def _zones(config: FeedConfig, data: MapData, lang: str) -> dict[str, Any]:
    features = [
        {
            "type": "Feature",
            "zone_id": z.id,
            "properties": {"name": z.name_ja if lang == "ja" else z.name_en},
            "geometry": dict(z.geometry),
        }
        for z in data.zones
    ]
    if data.destinations:
        name = config.designated_name_ja if lang == "ja" else config.designated_name_en
        features.append(
            {
                "type": "Feature",
                "zone_id": DESIGNATED,
                "properties": {
                    "name": name,
                    "places": [{"id": d.id, "name": d.name} for d in data.destinations],
                },
                "geometry": _designated_geometry(data),
            }
        )
    return {"zones": {"type": "FeatureCollection", "features": features}}


def _hms(t: Any) -> str:
    return f"{t.hour:02d}:{t.minute:02d}:{t.second:02d}"


def build_gofs(config: FeedConfig, data: MapData, now: datetime, lang: str) -> dict[str, Any]:
    """Return the files of the ``lang`` distribution (base name → JSON document).

    ``now`` (aware) is the feed's ``last_updated``; its local date the first day it describes.
    """
    if lang not in LANGUAGES:
        msg = f"GOFS language {lang!r}: one of {LANGUAGES}"
        raise ValueError(msg)
    ja = lang == "ja"
    first, last = feed_period(config, now.astimezone(ZoneInfo(config.timezone)).date())
    brand = brand_id(config)
    vehicle_ids = [v.id for v in config.vehicle_types]
    rules = [
        {
            "from_zone_id": _zone_id(a),
            "to_zone_id": _zone_id(b),
            "start_pickup_window": _hms(config.service_start),
            "end_pickup_window": _hms(config.service_end),
            "calendars": [SERVICE_ID],
            "brand_id": brand,
            "vehicle_type_id": vehicle_ids,
        }
        for a, b in trip_pairs(config, data)
    ]
    booking = {
        "from_zone_ids": [z.id for z in data.zones] + ([DESIGNATED] if data.destinations else []),
        "booking_type": 1,
        "prior_notice_duration_min": config.min_notice_min,
        "prior_notice_duration_max": config.booking_horizon_days * 1440,
        "message": config.message_ja if ja else config.message_en,
        "phone_number": config.phone,
        "booking_url": config.booking_url,
    }
    if config.info_url:
        booking["info_url"] = config.info_url
    info: dict[str, Any] = {
        "language": lang,
        "timezone": config.timezone,
        "name": config.service_name_ja if ja else config.service_name_en,
        "operator": config.agency_name_ja if ja else config.agency_name_en,
        "url": config.agency_url,
        "subscribe_url": config.booking_url,
        "phone_number": config.phone,
    }
    if config.contact_email:
        info["feed_contact_email"] = config.contact_email
    docs = {
        "system_information": info,
        "service_brands": {
            "service_brands": [
                {
                    "brand_id": brand,
                    "brand_name": info["name"],
                    "brand_color": config.route_color,
                    "brand_text_color": config.route_text_color,
                }
            ]
        },
        # The published schema types max_capacity as a string (the text says integer).
        "vehicle_types": {
            "vehicle_types": [
                {
                    "vehicle_type_id": v.id,
                    "max_capacity": str(v.max_capacity),
                    "wheelchair_boarding": v.wheelchair_boarding,
                }
                for v in config.vehicle_types
            ]
        },
        "zones": _zones(config, data, lang),
        "operating_rules": {"operating_rules": rules},
        "calendars": {
            "calendars": [
                {
                    "calendar_id": SERVICE_ID,
                    "days": [DAYS[i] for i in sorted(config.calendar.operating_weekdays)],
                    "start_date": first.strftime("%Y%m%d"),
                    "end_date": last.strftime("%Y%m%d"),
                    "excepted_dates": [
                        d.strftime("%Y%m%d") for d in excepted_dates(config, first, last)
                    ],
                }
            ]
        },
        "booking_rules": {"booking_rules": [booking]},
    }
    return {name: _header(now, docs[name]) for name in FILES}


def discovery(config: FeedConfig, now: datetime) -> dict[str, Any]:
    """Return ``gofs.json``: every file of every language distribution, with its URL."""
    base = config.public_url.rstrip("/")
    data = {
        lang: {
            "feeds": [{"name": name, "url": f"{base}/gofs/{lang}/{name}.json"} for name in FILES]
            + [{"name": "wait_time", "url": f"{base}/gofs/{lang}/wait_time"}]
        }
        for lang in LANGUAGES
    }
    return _header(now, data)


def wait_time(
    config: FeedConfig,
    data: MapData,
    now: datetime,
    pickup: tuple[float, float],
    drop_off: tuple[float, float] | None = None,
) -> dict[str, Any]:
    """Return the ``wait_time`` answer for a pickup (and drop-off) point (lat, lon).

    The wait is the minimum notice: the earliest a booking made now can be
    picked up. Empty when the pickup is in no zone, or the drop-off is in a zone
    the pickup's zone does not reach.
    """
    src = _containing(data, pickup)
    ok = src is not None
    if ok and drop_off is not None:
        dst = _containing(data, drop_off)
        ok = _designated(data, drop_off) or (dst is not None and config.connects(str(src), dst))
    waits = [{"brand_id": brand_id(config), "wait_time": config.min_notice_min * 60}] if ok else []
    return _header(now, {"wait_times": waits})


def _containing(data: MapData, point: tuple[float, float]) -> str | None:
    lat, lon = point
    for z in data.zones:
        if shapely.contains_xy(shape(z.geometry), lon, lat):
            return z.id
    return None


def _designated(data: MapData, point: tuple[float, float]) -> bool:
    lat, lon = point
    return any(
        abs(d.lat - lat) <= _HALF_DEG and abs(d.lon - lon) <= _HALF_DEG for d in data.destinations
    )
