"""The GTFS-Flex feed: valid (a structural Flex validator, and broken feeds fail it), and it
reads back to the city's zones, designated places, booking rule, windows and calendar."""

from __future__ import annotations

import io
import json
import zipfile
from collections.abc import Callable
from datetime import date, timedelta

import pytest
from shapely.geometry import shape

from booking_api.rules import RuleViolation, check_areas
from booking_api.settings import Settings
from feeds import FeedConfig, MapData, build_gtfs, zip_feed
from feeds.gtfs import zone_feed_id
from maps import ServiceAreas, bundled_city_dir
from maps.config import read_city
from tests.feeds.conftest import DAY
from tests.feeds.gtfs_check import problems, read_table, seconds


@pytest.fixture(scope="module")
def files(config: FeedConfig, map_data: MapData) -> dict[str, bytes]:
    """The feed's files, read back from the zip archive as served."""
    archive = zip_feed(build_gtfs(config, map_data, DAY))
    with zipfile.ZipFile(io.BytesIO(archive)) as z:
        assert all("/" not in n for n in z.namelist())  # files at the root of the archive
        return {n: z.read(n) for n in z.namelist()}


def test_the_feed_passes_the_flex_validator(files: dict[str, bytes]) -> None:
    """Every required file and field, foreign key, zone and window is as GTFS-Flex says."""
    assert problems(files) == []
    assert {"locations.geojson", "booking_rules.txt", "location_groups.txt"} <= set(files)


def _edit(name: str, old: str, new: str) -> Callable[[dict[str, bytes]], None]:
    def edit(files: dict[str, bytes]) -> None:
        text = files[name].decode("utf-8")
        assert old in text
        files[name] = text.replace(old, new, 1).encode("utf-8")

    return edit


def _bowtie(files: dict[str, bytes]) -> None:
    doc = json.loads(files["locations.geojson"])
    ring = [[140.6, 35.8], [140.7, 35.9], [140.7, 35.8], [140.6, 35.9], [140.6, 35.8]]
    doc["features"][0]["geometry"] = {"type": "Polygon", "coordinates": [ring]}
    files["locations.geojson"] = json.dumps(doc).encode()


def _timed(files: dict[str, bytes]) -> None:
    """Give the first stop time an arrival time beside its window (a new column)."""
    rows = files["stop_times.txt"].decode().splitlines()
    out = []
    for i, line in enumerate(rows):
        trip, seq, rest = line.split(",", 2)
        value = "arrival_time" if i == 0 else ("08:00:00" if i == 1 else "")
        out.append(",".join([trip, seq, value, rest]))
    files["stop_times.txt"] = ("\n".join(out) + "\n").encode()


def _drop(name: str) -> Callable[[dict[str, bytes]], None]:
    def drop(files: dict[str, bytes]) -> None:
        del files[name]

    return drop


BROKEN = {
    "unknown zone": (_edit("stop_times.txt", ",zone_A,,", ",zone_X,,"), "zone_X is not defined"),
    "window backwards": (
        _edit("stop_times.txt", "08:00:00,17:00:00", "17:00:00,08:00:00"),
        "start before it ends",
    ),
    "window with times": (_timed, "forbidden with a window"),
    "invalid polygon": (_bowtie, "not valid"),
    "notice missing": (_edit("booking_rules.txt", "advance,1,30,", "advance,1,,"), "required"),
    "no agency": (_drop("agency.txt"), "agency.txt: required file missing"),
    "overlap": (
        _edit("stop_times.txt", "zone_A,,08:00:00,17:00:00,1,2", "zone_A,,08:00:00,17:00:00,2,2"),
        "overlap",
    ),
    "unknown service": (_edit("trips.txt", "service_days", "holidays_only"), "unknown service_id"),
    "unknown group stop": (_edit("location_group_stops.txt", "D0003", "D9999"), "unknown"),
}


@pytest.mark.parametrize("case", sorted(BROKEN))
def test_a_broken_feed_fails_the_validator(files: dict[str, bytes], case: str) -> None:
    """Each deliberate break of Flex's rules is found and named."""
    broken = dict(files)
    edit, expected = BROKEN[case]
    edit(broken)
    found = problems(broken)
    assert any(expected in p for p in found), found


def test_zones_round_trip_to_the_service_areas(files: dict[str, bytes]) -> None:
    """locations.geojson holds each service area's polygon, under its id, with its name."""
    city = read_city(bundled_city_dir("kamisu"))
    path = city.path("service_areas")
    assert path is not None
    areas = ServiceAreas.from_geojson(path)
    doc = json.loads(files["locations.geojson"])
    got = {f["id"]: f for f in doc["features"]}
    assert set(got) == {zone_feed_id(a.id) for a in areas.areas}
    for a in areas.areas:
        f = got[zone_feed_id(a.id)]
        assert f["properties"]["stop_name"] == a.name
        geom = shape(f["geometry"])
        assert geom.symmetric_difference(a.geometry).area < 1e-9 * a.geometry.area


def test_trips_are_the_area_pairs_the_rules_allow(
    files: dict[str, bytes], feed_settings: Settings, map_data: MapData
) -> None:
    """A zone-to-zone trip exists exactly for the pairs ``check_areas`` accepts, and every zone
    reaches the designated hospitals and city offices (a location group) and back."""
    rules = feed_settings.city_rules()
    stop_times = read_table(files["stop_times.txt"])
    pairs = set()
    for trip in {r["trip_id"] for r in stop_times}:
        rows = sorted(
            (r for r in stop_times if r["trip_id"] == trip), key=lambda r: int(r["stop_sequence"])
        )
        assert len(rows) == 2
        src, dst = (r["location_id"] or r["location_group_id"] for r in rows)
        assert (rows[0]["pickup_type"], rows[0]["drop_off_type"]) == ("2", "1")
        assert (rows[1]["pickup_type"], rows[1]["drop_off_type"]) == ("1", "2")
        pairs.add((src, dst))
    ids = [z.id for z in map_data.zones]
    for a in ids:
        for b in ids:
            try:
                check_areas(rules, a, b)
                allowed = True
            except RuleViolation:
                allowed = False
            assert ((zone_feed_id(a), zone_feed_id(b)) in pairs) is allowed, (a, b)
        assert (zone_feed_id(a), "designated") in pairs
        assert ("designated", zone_feed_id(a)) in pairs
    stops = {s["stop_id"]: s for s in read_table(files["stops.txt"])}
    grouped = {g["stop_id"] for g in read_table(files["location_group_stops.txt"])}
    designated = {d.id for d in map_data.destinations}
    assert grouped == set(stops) == designated
    assert {"神栖市役所", "白十字総合病院"} <= {s["stop_name"] for s in stops.values()}


def test_windows_and_booking_rule_are_the_citys(
    files: dict[str, bytes], feed_settings: Settings
) -> None:
    """Every stop time has the service hours as its window and the booking rule: the
    minimum notice, the horizon, the reservation phone, the booking URL, a message in
    Japanese (English in translations.txt)."""
    rules = feed_settings.city_rules()
    for r in read_table(files["stop_times.txt"]):
        assert seconds(r["start_pickup_drop_off_window"]) == rules.service_start.hour * 3600
        assert seconds(r["end_pickup_drop_off_window"]) == rules.service_end.hour * 3600
        rule = r["pickup_booking_rule_id"] or r["drop_off_booking_rule_id"]
        assert rule == "advance"
    (rule,) = read_table(files["booking_rules.txt"])
    assert rule["booking_type"] == "1"
    assert int(rule["prior_notice_duration_min"]) == rules.min_notice_min
    assert int(rule["prior_notice_duration_max"]) == rules.booking_horizon_days * 24 * 60
    assert rule["phone_number"] == rules.reservation_phone
    assert rule["booking_url"] == "https://noriai.example.jp/"
    assert "予約" in rule["message"] and rules.reservation_phone in rule["message"]
    en = {(t["table_name"], t["field_name"]): t for t in read_table(files["translations.txt"])}
    assert "book" in en[("booking_rules", "message")]["translation"]
    assert en[("booking_rules", "message")]["record_id"] == "advance"


def test_calendar_is_the_service_calendar(files: dict[str, bytes], feed_settings: Settings) -> None:
    """calendar.txt runs Monday to Friday over the feed's period; calendar_dates.txt removes
    exactly the weekdays without service: the year-end closure and national holidays."""
    cal = feed_settings.city_rules().calendar
    (row,) = read_table(files["calendar.txt"])
    days = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
    assert [row[d] for d in days] == ["1", "1", "1", "1", "1", "0", "0"]
    first, last = date(2026, 12, 2), date(2026, 12, 2) + timedelta(days=364)
    assert (row["start_date"], row["end_date"]) == (f"{first:%Y%m%d}", f"{last:%Y%m%d}")
    removed = {r["date"] for r in read_table(files["calendar_dates.txt"])}
    assert {"20261229", "20261230", "20261231", "20270101", "20270111", "20271123"} <= removed
    assert "20261228" not in removed and "20270104" not in removed
    for r in read_table(files["calendar_dates.txt"]):
        assert r["exception_type"] == "2"
    day = first
    while day <= last:
        expected = day.weekday() < 5 and not cal.is_service_day(day)
        assert (f"{day:%Y%m%d}" in removed) is expected, day
        day += timedelta(days=1)


def test_agency_feed_info_and_gtfs_jp(files: dict[str, bytes]) -> None:
    """agency.txt in Japanese with the phone; feed_info.txt with the period and language;
    GTFS-JP's agency_jp.txt with the official name and address; the flat fare in yen."""
    (agency,) = read_table(files["agency.txt"])
    assert (agency["agency_name"], agency["agency_timezone"]) == ("神栖市", "Asia/Tokyo")
    assert agency["agency_lang"] == "ja" and agency["agency_phone"] == "0299-90-1234"
    (info,) = read_table(files["feed_info.txt"])
    assert info["feed_lang"] == "ja" and info["feed_start_date"] == "20261202"
    (jp,) = read_table(files["agency_jp.txt"])
    assert jp["agency_id"] == agency["agency_id"] and jp["agency_address"].startswith("茨城県")
    (fare,) = read_table(files["fare_attributes.txt"])
    assert (fare["price"], fare["currency_type"]) == ("300", "JPY")
    (route,) = read_table(files["routes.txt"])
    assert route["route_long_name"] == "神栖市デマンドタクシー" and route["route_type"] == "3"


def test_the_same_configuration_gives_the_same_bytes(config: FeedConfig, map_data: MapData) -> None:
    """Built twice, the archive is identical (a stable ETag; a changed feed is a real change)."""
    assert zip_feed(build_gtfs(config, map_data, DAY)) == zip_feed(
        build_gtfs(config, map_data, DAY)
    )
