"""The GOFS feed: every file valid against the published schemas (copied in tests/data/gofs,
with their licence), references between files resolve, broken files fail, and the zones,
rules, windows and calendar read back to the city's configuration."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import jsonschema_rs
import pytest
from shapely.geometry import shape

from booking_api.settings import Settings
from feeds import FeedConfig, MapData, build_gofs, build_gtfs, discovery, wait_time
from feeds.gofs import FILES, LANGUAGES
from tests.feeds.conftest import DAY
from tests.feeds.gtfs_check import read_table

SCHEMAS = Path(__file__).resolve().parents[1] / "data" / "gofs"
NOW = datetime(2026, 12, 1, 15, 0, tzinfo=UTC)  # 2 December 00:00 in Tokyo


def _validator(name: str) -> Any:
    schema = json.loads((SCHEMAS / f"{name}.json").read_text(encoding="utf-8"))
    return jsonschema_rs.Draft7Validator(schema)


def errors(name: str, doc: Any) -> list[str]:
    """Return the schema's complaints about ``doc`` as the file ``name`` (empty when valid).

    calendars.json's schema nests its item schema under ``properties`` of an array, so it
    never applies; each calendar is validated against that item schema here as well.
    """
    out = [str(e) for e in _validator(name).iter_errors(doc)]
    if name == "calendars":
        schema = json.loads((SCHEMAS / "calendars.json").read_text(encoding="utf-8"))
        item = schema["properties"]["data"]["properties"]["calendars"]["properties"]
        item_validator = jsonschema_rs.Draft7Validator(item["calendars"]["items"])
        for cal in doc["data"]["calendars"]:
            out += [str(e) for e in item_validator.iter_errors(cal)]
    return out


@pytest.fixture(scope="module", params=LANGUAGES)
def docs(request: pytest.FixtureRequest, config: FeedConfig, map_data: MapData) -> dict[str, Any]:
    """The files of one language's distribution."""
    return build_gofs(config, map_data, NOW, request.param)


def test_every_file_is_valid_against_its_schema(docs: dict[str, Any]) -> None:
    """Each file of the distribution passes its GOFS schema."""
    assert set(docs) == set(FILES)
    for name, doc in docs.items():
        assert errors(name, doc) == [], name


def test_discovery_lists_every_file_of_both_languages(config: FeedConfig) -> None:
    """gofs.json is valid and names each file of ja and en under the public URL."""
    doc = discovery(config, NOW)
    assert errors("gofs", doc) == []
    for lang in LANGUAGES:
        feeds = {f["name"]: f["url"] for f in doc["data"][lang]["feeds"]}
        assert set(feeds) == {*FILES, "wait_time"}
        assert feeds["zones"] == f"https://noriai.example.jp/gofs/{lang}/zones.json"


@pytest.mark.parametrize(
    ("name", "break_it"),
    [
        ("operating_rules", lambda d: d["data"]["operating_rules"][0].pop("vehicle_type_id")),
        ("booking_rules", lambda d: d["data"]["booking_rules"][0].pop("booking_type")),
        ("zones", lambda d: d["data"]["zones"]["features"][0].pop("zone_id")),
        ("system_information", lambda d: d.pop("version")),
        ("calendars", lambda d: d["data"]["calendars"][0].pop("start_date")),
        ("vehicle_types", lambda d: d["data"]["vehicle_types"][0].update(seats=4)),
    ],
)
def test_a_broken_file_fails(docs: dict[str, Any], name: str, break_it: Any) -> None:
    """The schemas do catch a missing required field or an unknown one."""
    doc = json.loads(json.dumps(docs[name]))
    break_it(doc)
    assert errors(name, doc) != []


def test_references_between_files_resolve(docs: dict[str, Any]) -> None:
    """Operating and booking rules name only zones, calendars, brands and vehicle types
    the other files define (no schema can say this)."""
    zones = {f["zone_id"] for f in docs["zones"]["data"]["zones"]["features"]}
    calendars = {c["calendar_id"] for c in docs["calendars"]["data"]["calendars"]}
    brands = {b["brand_id"] for b in docs["service_brands"]["data"]["service_brands"]}
    vehicles = {v["vehicle_type_id"] for v in docs["vehicle_types"]["data"]["vehicle_types"]}
    for rule in docs["operating_rules"]["data"]["operating_rules"]:
        assert {rule["from_zone_id"], rule["to_zone_id"]} <= zones
        assert set(rule["calendars"]) <= calendars and rule["brand_id"] in brands
        assert set(rule["vehicle_type_id"]) <= vehicles and rule["vehicle_type_id"]
    for rule in docs["booking_rules"]["data"]["booking_rules"]:
        assert set(rule["from_zone_ids"]) <= zones
    lang = docs["system_information"]["data"]["language"]
    assert lang in LANGUAGES


def test_zones_rules_and_calendar_round_trip(
    docs: dict[str, Any], config: FeedConfig, map_data: MapData, feed_settings: Settings
) -> None:
    """The zones are the service areas' polygons (plus the designated places), the rules the
    same pairs and hours as the GTFS trips, the calendar the same days as calendar_dates.txt,
    the booking rule the city's notice, horizon, phone and booking page."""
    rules = feed_settings.city_rules()
    feats = {f["zone_id"]: f for f in docs["zones"]["data"]["zones"]["features"]}
    for z in map_data.zones:
        assert shape(feats[z.id]["geometry"]).symmetric_difference(shape(z.geometry)).area < 1e-12
    designated = shape(feats["designated"]["geometry"])
    for d in map_data.destinations:
        assert designated.contains(shape({"type": "Point", "coordinates": [d.lon, d.lat]}))
    gtfs = build_gtfs(config, map_data, DAY)
    trips = {r["trip_id"] for r in read_table(gtfs["trips.txt"])}
    ops = docs["operating_rules"]["data"]["operating_rules"]

    def feed_id(zone: str) -> str:
        return zone if zone == "designated" else f"zone_{zone}"

    named = {f"{feed_id(r['from_zone_id'])}-{feed_id(r['to_zone_id'])}" for r in ops}
    assert named == trips
    for r in ops:
        assert r["start_pickup_window"] == f"{rules.service_start:%H:%M}:00"
        assert r["end_pickup_window"] == f"{rules.service_end:%H:%M}:00"
    (cal,) = docs["calendars"]["data"]["calendars"]
    assert cal["days"] == ["mon", "tue", "wed", "thu", "fri"]
    removed = [r["date"] for r in read_table(gtfs["calendar_dates.txt"])]
    assert cal["excepted_dates"] == removed and cal["start_date"] == "20261202"
    (rule,) = docs["booking_rules"]["data"]["booking_rules"]
    assert rule["prior_notice_duration_min"] == rules.min_notice_min
    assert rule["prior_notice_duration_max"] == rules.booking_horizon_days * 1440
    assert rule["phone_number"] == rules.reservation_phone
    assert rule["booking_url"] == "https://noriai.example.jp/"


def test_wait_time(config: FeedConfig, map_data: MapData) -> None:
    """Inside a zone the wait is the minimum notice; outside, or to an area the pickup's does
    not reach, there is none; to a designated hospital there is, from any area."""
    home_a, home_c = (35.888975, 140.643843), (35.78, 140.80)
    sea = (35.60, 140.60)
    hospital_a = next(d for d in map_data.destinations if d.id == "D0003")
    ok = wait_time(config, map_data, NOW, home_a)
    assert errors("gofs", {**ok, "data": {}}) == []  # the common header
    assert ok["data"]["wait_times"] == [
        {"brand_id": "kamisu_demand", "wait_time": config.min_notice_min * 60}
    ]
    assert wait_time(config, map_data, NOW, sea)["data"]["wait_times"] == []
    assert wait_time(config, map_data, NOW, home_c, home_a)["data"]["wait_times"] == []
    to_hospital = wait_time(config, map_data, NOW, home_c, (hospital_a.lat, hospital_a.lon))
    assert to_hospital["data"]["wait_times"] != []
