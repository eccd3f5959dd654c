"""The GTFS feed with GTFS-Flex, built from the city's configuration (no hand-written feed).

One route (the demand service) with one trip per pair of places a rider may
travel between: inside each zone, between linked zones, and from every zone to
the designated destinations (a location group of stops) and back. Each trip has
two stop times, a pickup-only one and a drop-off-only one, with the day's
pickup/drop-off window and the booking rule, so no two records of a trip
overlap (GTFS forbids it). The service days are ``calendar.txt`` (the operating
weekdays) with ``calendar_dates.txt`` removing holidays and closed days.
``agency_jp.txt`` carries GTFS-JP's agency fields (標準的なバス情報フォーマット);
``translations.txt`` the English names and message.
"""

from __future__ import annotations

import csv
import io
import json
import zipfile
from collections.abc import Iterable, Sequence
from datetime import date, time, timedelta

from feeds.model import FeedConfig, MapData

DESIGNATED = "designated"
BOOKING_RULE = "advance"
SERVICE_ID = "service_days"
DAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
# A fixed timestamp inside the archive: the same configuration gives the same bytes.
_ZIP_TIME = (2020, 1, 1, 0, 0, 0)


def zone_feed_id(area_id: str) -> str:
    """Return the feed's id of a service area's zone (unique beside stop and group ids)."""
    return f"zone_{area_id}"


def _gtfs_time(t: time) -> str:
    return f"{t.hour:02d}:{t.minute:02d}:{t.second:02d}"


def _ymd(d: date) -> str:
    return d.strftime("%Y%m%d")


def _csv(header: Sequence[str], rows: Iterable[Sequence[object]]) -> bytes:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(header)
    for row in rows:
        w.writerow(["" if x is None else x for x in row])
    return buf.getvalue().encode("utf-8")


def trip_pairs(config: FeedConfig, data: MapData) -> list[tuple[str, str]]:
    """Return the (from, to) feed location ids of every trip, in a stable order.

    Zones connect when the city says so (``FeedConfig.connects``); every zone
    reaches the designated destinations and is reached from them.
    """
    ids = [z.id for z in data.zones]
    pairs = [(zone_feed_id(a), zone_feed_id(b)) for a in ids for b in ids if config.connects(a, b)]
    if data.destinations:
        for a in ids:
            pairs += [(zone_feed_id(a), DESIGNATED), (DESIGNATED, zone_feed_id(a))]
    return pairs


def feed_period(config: FeedConfig, today: date) -> tuple[date, date]:
    """Return the first and last day the feed describes."""
    return today, today + timedelta(days=config.period_days - 1)


def excepted_dates(config: FeedConfig, first: date, last: date) -> list[date]:
    """Return the operating weekdays of ``first``..``last`` without service (holidays, closures)."""
    return [
        s.day
        for s in config.calendar.days(first, last)
        if s.day.weekday() in config.calendar.operating_weekdays and not s.service
    ]


def _locations(data: MapData) -> bytes:
    features = [
        {
            "type": "Feature",
            "id": zone_feed_id(z.id),
            "properties": {"stop_name": z.name_ja, "stop_desc": f"{z.name_en} ({z.id})"},
            "geometry": z.geometry,
        }
        for z in data.zones
    ]
    doc = {"type": "FeatureCollection", "features": features}
    return json.dumps(doc, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def _booking_rules(config: FeedConfig) -> bytes:
    # booking_type 1: same day with notice, and up to the horizon ahead (minutes, counted
    # from the trip: the same time booking_horizon_days earlier is always accepted).
    return _csv(
        (
            "booking_rule_id",
            "booking_type",
            "prior_notice_duration_min",
            "prior_notice_duration_max",
            "message",
            "phone_number",
            "info_url",
            "booking_url",
        ),
        [
            (
                BOOKING_RULE,
                1,
                config.min_notice_min,
                config.booking_horizon_days * 1440,
                config.message_ja,
                config.phone,
                config.info_url,
                config.booking_url,
            )
        ],
    )


def _stop_times(config: FeedConfig, pairs: Sequence[tuple[str, str]]) -> bytes:
    start, end = _gtfs_time(config.service_start), _gtfs_time(config.service_end)
    rows = []
    for src, dst in pairs:
        trip = f"{src}-{dst}"
        for seq, loc, pickup, drop in ((1, src, 2, 1), (2, dst, 1, 2)):
            zone, group = (loc, "") if loc != DESIGNATED else ("", loc)
            rows.append(
                (
                    trip,
                    seq,
                    zone,
                    group,
                    start,
                    end,
                    pickup,
                    drop,
                    BOOKING_RULE if pickup == 2 else "",
                    BOOKING_RULE if drop == 2 else "",
                )
            )
    return _csv(
        (
            "trip_id",
            "stop_sequence",
            "location_id",
            "location_group_id",
            "start_pickup_drop_off_window",
            "end_pickup_drop_off_window",
            "pickup_type",
            "drop_off_type",
            "pickup_booking_rule_id",
            "drop_off_booking_rule_id",
        ),
        rows,
    )


def build_gtfs(config: FeedConfig, data: MapData, today: date) -> dict[str, bytes]:
    """Return the feed's files (name → bytes) describing service from ``today`` on."""
    first, last = feed_period(config, today)
    agency = config.city_id
    route = f"{config.city_id}_demand"
    pairs = trip_pairs(config, data)
    weekdays = config.calendar.operating_weekdays
    files = {
        "agency.txt": _csv(
            (
                "agency_id",
                "agency_name",
                "agency_url",
                "agency_timezone",
                "agency_lang",
                "agency_phone",
            ),
            [
                (
                    agency,
                    config.agency_name_ja,
                    config.agency_url,
                    config.timezone,
                    "ja",
                    config.phone,
                )
            ],
        ),
        "agency_jp.txt": _csv(
            ("agency_id", "agency_official_name", "agency_zip_number", "agency_address"),
            [
                (
                    agency,
                    config.agency_official_name or config.agency_name_ja,
                    config.agency_zip,
                    config.agency_address,
                )
            ],
        ),
        "feed_info.txt": _csv(
            (
                "feed_publisher_name",
                "feed_publisher_url",
                "feed_lang",
                "default_lang",
                "feed_start_date",
                "feed_end_date",
                "feed_version",
                "feed_contact_email",
            ),
            [
                (
                    config.agency_name_ja,
                    config.agency_url,
                    "ja",
                    "ja",
                    _ymd(first),
                    _ymd(last),
                    _ymd(today),
                    config.contact_email,
                )
            ],
        ),
        "routes.txt": _csv(
            (
                "route_id",
                "agency_id",
                "route_short_name",
                "route_long_name",
                "route_type",
                "route_color",
                "route_text_color",
            ),
            [
                (
                    route,
                    agency,
                    "",
                    config.service_name_ja,
                    3,
                    config.route_color,
                    config.route_text_color,
                )
            ],
        ),
        "trips.txt": _csv(
            ("route_id", "service_id", "trip_id"),
            [(route, SERVICE_ID, f"{a}-{b}") for a, b in pairs],
        ),
        "stop_times.txt": _stop_times(config, pairs),
        "locations.geojson": _locations(data),
        "booking_rules.txt": _booking_rules(config),
        "calendar.txt": _csv(
            ("service_id", *DAYS, "start_date", "end_date"),
            [(SERVICE_ID, *(int(i in weekdays) for i in range(7)), _ymd(first), _ymd(last))],
        ),
        "calendar_dates.txt": _csv(
            ("service_id", "date", "exception_type"),
            [(SERVICE_ID, _ymd(d), 2) for d in excepted_dates(config, first, last)],
        ),
        "translations.txt": _csv(
            ("table_name", "field_name", "language", "translation", "record_id"),
            [
                ("agency", "agency_name", "en", config.agency_name_en, agency),
                ("routes", "route_long_name", "en", config.service_name_en, route),
                ("booking_rules", "message", "en", config.message_en, BOOKING_RULE),
                (
                    "location_groups",
                    "location_group_name",
                    "en",
                    config.designated_name_en,
                    DESIGNATED,
                ),
            ],
        ),
    }
    if data.destinations:
        files["stops.txt"] = _csv(
            ("stop_id", "stop_name", "stop_lat", "stop_lon", "location_type"),
            [(d.id, d.name, f"{d.lat:.6f}", f"{d.lon:.6f}", 0) for d in data.destinations],
        )
        files["location_groups.txt"] = _csv(
            ("location_group_id", "location_group_name"),
            [(DESIGNATED, config.designated_name_ja)],
        )
        files["location_group_stops.txt"] = _csv(
            ("location_group_id", "stop_id"), [(DESIGNATED, d.id) for d in data.destinations]
        )
    if config.fare_yen is not None:
        files["fare_attributes.txt"] = _csv(
            ("fare_id", "price", "currency_type", "payment_method", "transfers", "agency_id"),
            [("flat", config.fare_yen, "JPY", 0, 0, agency)],
        )
        files["fare_rules.txt"] = _csv(("fare_id", "route_id"), [("flat", route)])
    return files


def zip_feed(files: dict[str, bytes]) -> bytes:
    """Return the files as one zip archive at its root (the same files give the same bytes)."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_DEFLATED) as z:
        for name in sorted(files):
            info = zipfile.ZipInfo(name, date_time=_ZIP_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            z.writestr(info, files[name])
    return buf.getvalue()
