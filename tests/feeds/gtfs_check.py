"""A focused structural validator for GTFS with GTFS-Flex (no maintained validator is installed).

It checks what the reference (GTFS Schedule incl. Flex, google/transit 2dd229b) makes
required or forbids for the files our feed writes: required files and fields, foreign
keys, ids unique across stops / locations / location groups, zone geometry (GeoJSON
(Multi)Polygons, valid per OGC simple features), pickup/drop-off windows (both given,
start before end, never with arrival/departure times, no pickup_type 0/3 or
drop_off_type 0 with a window, no overlap of one location's windows in a trip),
booking rules' conditional fields, and dates. ``problems(files)`` lists what is wrong.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections import defaultdict
from typing import Any
from zoneinfo import ZoneInfo

from shapely.geometry import shape

REQUIRED_FIELDS = {
    "agency.txt": ("agency_name", "agency_url", "agency_timezone"),
    "routes.txt": ("route_id", "route_type"),
    "trips.txt": ("route_id", "service_id", "trip_id"),
    "stop_times.txt": ("trip_id", "stop_sequence"),
    "calendar.txt": ("service_id", "monday", "tuesday", "wednesday", "thursday", "friday",
                     "saturday", "sunday", "start_date", "end_date"),
    "calendar_dates.txt": ("service_id", "date", "exception_type"),
    "stops.txt": ("stop_id",),
    "location_groups.txt": ("location_group_id",),
    "location_group_stops.txt": ("location_group_id", "stop_id"),
    "booking_rules.txt": ("booking_rule_id", "booking_type"),
    "feed_info.txt": ("feed_publisher_name", "feed_publisher_url", "feed_lang"),
    "translations.txt": ("table_name", "field_name", "language", "translation"),
    "fare_attributes.txt": ("fare_id", "price", "currency_type", "payment_method", "transfers"),
}  # fmt: skip
TIME = re.compile(r"^([0-9]{1,2}):([0-5][0-9]):([0-5][0-9])$")
DATE = re.compile(r"^[0-9]{8}$")
COLOR = re.compile(r"^[0-9A-Fa-f]{6}$")


def read_table(body: bytes) -> list[dict[str, str]]:
    """Read a GTFS CSV file (UTF-8, a BOM allowed) into rows."""
    return list(csv.DictReader(io.StringIO(body.decode("utf-8-sig"))))


def seconds(text: str) -> int:
    """Return a GTFS time as seconds after noon minus 12 h (``ValueError`` if malformed)."""
    m = TIME.match(text)
    if not m:
        raise ValueError(text)
    h, mi, s = (int(x) for x in m.groups())
    return h * 3600 + mi * 60 + s


def _header(body: bytes) -> list[str]:
    first = body.decode("utf-8-sig").splitlines()[:1]
    return next(csv.reader(first)) if first else []


def _check_fields(name: str, body: bytes, out: list[str]) -> list[dict[str, str]]:
    header = _header(body)
    if len(set(header)) != len(header):
        out.append(f"{name}: a field name is repeated")
    for field in REQUIRED_FIELDS.get(name, ()):
        if field not in header:
            out.append(f"{name}: required field {field} missing")
    rows = read_table(body)
    for i, row in enumerate(rows, start=2):
        if None in row or any(v is None for v in row.values()):
            out.append(f"{name}:{i}: wrong number of values")
            continue
        for field in REQUIRED_FIELDS.get(name, ()):
            if field in row and not row[field].strip():
                out.append(f"{name}:{i}: required {field} is empty")
        if any(c in v for v in row.values() for c in "\t\r\n"):
            out.append(f"{name}:{i}: a value contains a tab or line break")
    return rows


def _locations(body: bytes, out: list[str]) -> dict[str, Any]:
    try:
        doc = json.loads(body.decode("utf-8"))
    except ValueError:
        out.append("locations.geojson: not JSON")
        return {}
    if doc.get("type") != "FeatureCollection" or not isinstance(doc.get("features"), list):
        out.append("locations.geojson: must be a FeatureCollection with features")
        return {}
    geoms: dict[str, Any] = {}
    for f in doc["features"]:
        fid = f.get("id")
        if f.get("type") != "Feature" or not isinstance(fid, str) or not fid:
            out.append("locations.geojson: every Feature needs a string id")
            continue
        if fid in geoms:
            out.append(f"locations.geojson: id {fid} is repeated")
        if not isinstance(f.get("properties"), dict):
            out.append(f"locations.geojson: {fid}: properties must be an object")
        g = f.get("geometry") or {}
        if g.get("type") not in ("Polygon", "MultiPolygon"):
            out.append(f"locations.geojson: {fid}: geometry must be a Polygon or MultiPolygon")
            continue
        try:
            geom = shape(g)
        except (ValueError, TypeError, IndexError, AttributeError):
            out.append(f"locations.geojson: {fid}: geometry cannot be read")
            continue
        if not geom.is_valid:
            out.append(f"locations.geojson: {fid}: polygon is not valid (OGC simple features)")
        minx, miny, maxx, maxy = geom.bounds
        if not (-180 <= minx <= maxx <= 180 and -90 <= miny <= maxy <= 90):
            out.append(f"locations.geojson: {fid}: coordinates out of range")
        geoms[fid] = geom
    return geoms


def _booking_rules(rows: list[dict[str, str]], service_ids: set[str], out: list[str]) -> None:
    for r in rows:
        rid, kind = r.get("booking_rule_id", ""), r.get("booking_type", "")
        has = {k for k, v in r.items() if v}
        if kind not in ("0", "1", "2"):
            out.append(f"booking_rules.txt: {rid}: booking_type must be 0, 1 or 2")
        if kind == "1" and "prior_notice_duration_min" not in has:
            out.append(f"booking_rules.txt: {rid}: prior_notice_duration_min required for type 1")
        if kind != "1" and has & {"prior_notice_duration_min", "prior_notice_duration_max"}:
            out.append(f"booking_rules.txt: {rid}: prior_notice_duration_* only for type 1")
        if kind == "2" and not {"prior_notice_last_day", "prior_notice_last_time"} <= has:
            out.append(f"booking_rules.txt: {rid}: type 2 needs prior_notice_last_day/time")
        if kind != "2" and has & {"prior_notice_last_day", "prior_notice_service_id"}:
            out.append(f"booking_rules.txt: {rid}: prior_notice_last_day only for type 2")
        if kind == "1" and "prior_notice_duration_max" in has and "prior_notice_start_day" in has:
            out.append(f"booking_rules.txt: {rid}: start_day forbidden with duration_max")
        if ("prior_notice_start_day" in has) != ("prior_notice_start_time" in has):
            out.append(f"booking_rules.txt: {rid}: start_day and start_time go together")
        lo, hi = r.get("prior_notice_duration_min"), r.get("prior_notice_duration_max")
        if lo and hi and int(hi) < int(lo):
            out.append(f"booking_rules.txt: {rid}: duration_max below duration_min")
        if r.get("prior_notice_service_id") and r["prior_notice_service_id"] not in service_ids:
            out.append(f"booking_rules.txt: {rid}: unknown prior_notice_service_id")
        for url in ("booking_url", "info_url"):
            if r.get(url) and not re.match(r"^https?://", r[url]):
                out.append(f"booking_rules.txt: {rid}: {url} is not a full URL")


def _stop_time(
    r: dict[str, str], where: str, refs: dict[str, set[str]], out: list[str]
) -> tuple[str, int, int, bool, bool] | None:
    """Check one stop time; return (location, start, end, pickup?, drop-off?) for windows."""
    given = [k for k in ("stop_id", "location_group_id", "location_id") if r.get(k)]
    if len(given) != 1:
        out.append(f"{where}: exactly one of stop_id, location_group_id, location_id")
        return None
    key = given[0]
    table = {"stop_id": "stops", "location_group_id": "groups", "location_id": "locations"}[key]
    if r[key] not in refs[table]:
        out.append(f"{where}: {key} {r[key]} is not defined")
    for rule in ("pickup_booking_rule_id", "drop_off_booking_rule_id"):
        if r.get(rule) and r[rule] not in refs["booking_rules"]:
            out.append(f"{where}: {rule} {r[rule]} is not in booking_rules.txt")
    start, end = r.get("start_pickup_drop_off_window"), r.get("end_pickup_drop_off_window")
    timed = bool(r.get("arrival_time") or r.get("departure_time"))
    if key != "stop_id" and not (start and end):
        out.append(f"{where}: a zone or location group needs both pickup/drop-off windows")
    if bool(start) != bool(end):
        out.append(f"{where}: start and end of the window go together")
    if not (start and end):
        return None
    if timed:
        out.append(f"{where}: arrival/departure times are forbidden with a window")
    try:
        s, e = seconds(start), seconds(end)
    except ValueError:
        out.append(f"{where}: window times must be HH:MM:SS")
        return None
    if not s < e:
        out.append(f"{where}: the window must start before it ends")
    pickup, drop = r.get("pickup_type", ""), r.get("drop_off_type", "")
    if pickup in ("", "0", "3"):
        out.append(f"{where}: pickup_type 0 or 3 is forbidden with a window")
    if drop in ("", "0"):
        out.append(f"{where}: drop_off_type 0 is forbidden with a window")
    return r[key], s, e, pickup != "1", drop != "1"


def _overlap(a: Any, b: Any) -> bool:
    """Whether two zones share area (an invalid one is reported already, and skipped)."""
    if a is None or b is None or not (a.is_valid and b.is_valid):
        return False
    return bool(a.intersection(b).area > 1e-9)


def problems(files: dict[str, bytes]) -> list[str]:
    """Return every problem found in the feed ``files`` (name → bytes); empty when valid."""
    out: list[str] = []
    for name in ("agency.txt", "routes.txt", "trips.txt", "stop_times.txt"):
        if name not in files:
            out.append(f"{name}: required file missing")
    if "calendar.txt" not in files and "calendar_dates.txt" not in files:
        out.append("calendar.txt or calendar_dates.txt is required")
    if "stops.txt" not in files and "locations.geojson" not in files:
        out.append("stops.txt is required unless locations.geojson defines zones")
    if "translations.txt" in files and "feed_info.txt" not in files:
        out.append("feed_info.txt is required with translations.txt")
    t = {n: _check_fields(n, b, out) for n, b in files.items() if n.endswith(".txt")}
    geoms = _locations(files["locations.geojson"], out) if "locations.geojson" in files else {}
    agencies = t.get("agency.txt", [])
    zones = {a.get("agency_timezone") for a in agencies}
    if len(zones) > 1:
        out.append("agency.txt: every agency must have the same timezone")
    for z in zones:
        try:
            ZoneInfo(str(z))
        except (ValueError, KeyError):
            out.append(f"agency.txt: {z} is not a TZ timezone")
    agency_ids = {a.get("agency_id", "") for a in agencies}
    for r in t.get("routes.txt", []):
        if not (r.get("route_short_name") or r.get("route_long_name")):
            out.append(f"routes.txt: {r.get('route_id')}: a short or long name is required")
        if len(agencies) > 1 and r.get("agency_id", "") not in agency_ids:
            out.append(f"routes.txt: {r.get('route_id')}: unknown agency_id")
        if r.get("agency_id") and r["agency_id"] not in agency_ids:
            out.append(f"routes.txt: {r.get('route_id')}: unknown agency_id {r['agency_id']}")
        for c in ("route_color", "route_text_color"):
            if r.get(c) and not COLOR.match(r[c]):
                out.append(f"routes.txt: {c} must be six hex digits")
    stops = {s["stop_id"] for s in t.get("stops.txt", []) if s.get("stop_id")}
    for s in t.get("stops.txt", []):
        try:
            lat, lon = float(s.get("stop_lat", "")), float(s.get("stop_lon", ""))
            if not (-90 <= lat <= 90 and -180 <= lon <= 180):
                raise ValueError
        except ValueError:
            out.append(f"stops.txt: {s.get('stop_id')}: stop_lat/stop_lon required and in range")
        if not s.get("stop_name"):
            out.append(f"stops.txt: {s.get('stop_id')}: stop_name required for a stop")
    groups = {g["location_group_id"] for g in t.get("location_groups.txt", [])}
    ids = list(stops) + list(geoms) + list(groups)
    if len(set(ids)) != len(ids):
        out.append("ids must be unique across stops, locations.geojson and location groups")
    for g in t.get("location_group_stops.txt", []):
        if g.get("location_group_id") not in groups or g.get("stop_id") not in stops:
            out.append("location_group_stops.txt: unknown location_group_id or stop_id")
    services = {c["service_id"] for c in t.get("calendar.txt", [])}
    for c in t.get("calendar.txt", []):
        if any(c.get(d) not in ("0", "1") for d in REQUIRED_FIELDS["calendar.txt"][1:8]):
            out.append(f"calendar.txt: {c['service_id']}: weekdays must be 0 or 1")
        if not (DATE.match(c.get("start_date", "")) and DATE.match(c.get("end_date", ""))):
            out.append(f"calendar.txt: {c['service_id']}: dates must be YYYYMMDD")
        elif c["end_date"] < c["start_date"]:
            out.append(f"calendar.txt: {c['service_id']}: end_date before start_date")
    for c in t.get("calendar_dates.txt", []):
        if c.get("exception_type") not in ("1", "2") or not DATE.match(c.get("date", "")):
            out.append("calendar_dates.txt: exception_type 1/2 and a YYYYMMDD date required")
        if "calendar.txt" in files and c.get("service_id") not in services:
            out.append(f"calendar_dates.txt: unknown service_id {c.get('service_id')}")
    services |= {c.get("service_id", "") for c in t.get("calendar_dates.txt", [])}
    routes = {r["route_id"] for r in t.get("routes.txt", [])}
    trips = {}
    for r in t.get("trips.txt", []):
        if r.get("route_id") not in routes:
            out.append(f"trips.txt: {r.get('trip_id')}: unknown route_id")
        if r.get("service_id") not in services:
            out.append(f"trips.txt: {r.get('trip_id')}: unknown service_id")
        if r.get("trip_id") in trips:
            out.append(f"trips.txt: trip_id {r.get('trip_id')} is repeated")
        trips[r.get("trip_id")] = r
    rules = t.get("booking_rules.txt", [])
    _booking_rules(rules, services, out)
    refs = {"stops": stops, "groups": groups, "locations": set(geoms),
            "booking_rules": {r["booking_rule_id"] for r in rules}}  # fmt: skip
    by_trip: dict[str, list[tuple[int, tuple[str, int, int, bool, bool] | None]]] = defaultdict(
        list
    )
    for i, r in enumerate(t.get("stop_times.txt", []), start=2):
        where = f"stop_times.txt:{i}"
        if r.get("trip_id") not in trips:
            out.append(f"{where}: unknown trip_id {r.get('trip_id')}")
        try:
            seq = int(r.get("stop_sequence", ""))
        except ValueError:
            out.append(f"{where}: stop_sequence must be a non-negative integer")
            continue
        by_trip[r.get("trip_id", "")].append((seq, _stop_time(r, where, refs, out)))
    for trip_id in trips:
        if len(by_trip.get(trip_id, [])) < 2:
            out.append(f"trip {trip_id}: needs at least two stop times")
    for trip_id, items in by_trip.items():
        seqs = [s for s, _ in items]
        if len(set(seqs)) != len(seqs):
            out.append(f"trip {trip_id}: stop_sequence repeated")
        windows = [w for _, w in items if w is not None]
        for a in range(len(windows)):
            for b in range(a + 1, len(windows)):
                la, sa, ea, pa, da = windows[a]
                lb, sb, eb, pb, db = windows[b]
                same_place = la == lb or _overlap(geoms.get(la), geoms.get(lb))
                if same_place and sa < eb and sb < ea and ((pa and pb) or (da and db)):
                    out.append(f"trip {trip_id}: {la} and {lb} overlap in place, time and type")
    if "feed_info.txt" in files:
        for f in t["feed_info.txt"]:
            s, e = f.get("feed_start_date", ""), f.get("feed_end_date", "")
            if s and e and e < s:
                out.append("feed_info.txt: feed_end_date before feed_start_date")
    return out
