"""Monthly ridership open data: the tables, their dictionary and licence, and that no rider
can be picked out: small cells are blank, and neither differencing the tables nor solving
every published equation for a unique rider's cell tells whether they rode."""

from __future__ import annotations

import csv
import io
import json
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import numpy as np
import pytest
from scipy.optimize import linprog

from booking_api import feedconfig
from booking_api.settings import Settings
from dispatch.calendar import ServiceCalendar
from dispatch.kpi import RideFacts
from feeds import MemberRecord, MonthError, OpenDataConfig, build_open_data, parse_month
from feeds.opendata import day_type, suppress, trip_records

TOKYO = ZoneInfo("Asia/Tokyo")
AREAS = ["A", "B", "C", "D"]
HOURS = range(8, 18)
CAL = ServiceCalendar(operating_weekdays=frozenset(range(5)), national_holidays="jp")
CONFIG = OpenDataConfig(publisher_ja="神栖市", publisher_en="Kamisu City", min_cell=5)


def _ride(n: int, day: date, hour: int, origin: str, *, late: bool = False, vehicle: str = "V1",
          minute: int = 0) -> RideFacts:  # fmt: skip
    start = datetime(day.year, day.month, day.day, hour, minute, tzinfo=TOKYO)
    board = start + timedelta(minutes=20 if late else 5)
    return RideFacts(
        ride_id=f"R{n}", member_id=f"M{n % 7}", service_date=day, channel="online", area=origin,
        vehicle_id=vehicle, status="completed", requested_at=start, arrive_by=False,
        window_start=start, window_end=start + timedelta(minutes=15), arrived_at=board,
        picked_up_at=board, dropped_off_at=board + timedelta(minutes=20),
        estimated_pickup=board, estimated_dropoff=board + timedelta(minutes=20),
    )  # fmt: skip


def _november() -> tuple[list[RideFacts], dict[str, str]]:
    """Busy trips inside A and B and between them; a few in C; and rider R (ride R999), the
    only one ever to go from C to D, on Thursday 12 November at 14:00."""
    facts, dest, n = [], {}, 0
    days = [date(2026, 11, d) for d in range(2, 28) if date(2026, 11, d).weekday() < 5]
    for i, day in enumerate(days):
        for hour, origin, to in ((9, "A", "A"), (10, "A", "B"), (11, "B", "B"), (15, "B", "A")):
            n += 1
            facts.append(_ride(n, day, hour, origin, late=n % 9 == 0, vehicle=f"V{n % 3}"))
            dest[f"R{n}"] = to
        if i % 3 == 0:  # C→C a few times at 9 (7 rides), one C→C at 16
            n += 1
            facts.append(_ride(n, day, 9, "C", vehicle="V9"))
            dest[f"R{n}"] = "C"
    n += 1
    facts.append(_ride(n, days[-1], 16, "C", vehicle="V9"))
    dest[f"R{n}"] = "C"
    facts.append(_ride(999, date(2026, 11, 12), 14, "C", vehicle="V8"))
    dest["R999"] = "D"
    return facts, dest


def _tables(files: dict[str, bytes]) -> dict[str, list[dict[str, str]]]:
    out = {}
    for name, body in files.items():
        if name.endswith(".csv"):
            text = body.decode("utf-8")
            assert text.startswith("\ufeff")
            out[name] = list(csv.DictReader(io.StringIO(text[1:])))
    return out


def _members() -> list[MemberRecord]:
    return (
        [MemberRecord("online", True, True)] * 3
        + [MemberRecord("online", False, True)] * 17
        + [MemberRecord("phone", False, True)] * 60
        + [MemberRecord("phone", True, True)] * 6
        + [MemberRecord("counter", True, True)]  # the month's only counter registration
        + [MemberRecord("counter", False, True)] * 2
    )


@pytest.fixture(scope="module")
def files() -> dict[str, bytes]:
    """November 2026's files from the synthetic month."""
    facts, dest = _november()
    trips = trip_records(facts, dest, zone=TOKYO, calendar=CAL, hours=HOURS, areas=AREAS)
    return build_open_data(
        "2026-11", trips, _members(), areas=AREAS, day_types=["weekday"], hours=HOURS,
        config=CONFIG, city_ja="神栖市", city_en="Kamisu",
    )  # fmt: skip


def _cell(rows: list[dict[str, str]], o: str, d: str, h: int) -> dict[str, str]:
    return next(
        r for r in rows
        if (r["origin_area"], r["destination_area"], r["hour"]) == (o, d, str(h))
    )  # fmt: skip


def test_tables_count_what_happened(files: dict[str, bytes]) -> None:
    """Big cells are published as counted; the grid lists every area pair and hour."""
    t = _tables(files)
    grid = t["rides_by_area_hour.csv"]
    assert len(grid) == 1 * 5 * 5 * len(HOURS)  # day types × (areas+other)² × hours
    a = _cell(grid, "A", "A", 9)
    assert (a["rides"], a["passengers"], a["suppressed"]) == ("18", "18", "0")
    on_time = {r["origin_area"]: r for r in t["on_time.csv"]}
    assert on_time["A"]["rides"] == "36"
    facts, _ = _november()
    late_a = sum(1 for f in facts if f.area == "A" and f.picked_up_at > f.window_end)
    assert late_a > 0
    assert float(on_time["A"]["on_time_share"]) == round((36 - late_a) / 36, 3)
    shared = {r["origin_area"]: r for r in t["shared_rides.csv"]}
    weekday = sum(1 for f in facts if day_type(CAL, f.service_date) == "weekday")
    assert weekday < len(facts)  # 23 November (勤労感謝の日) is not a weekday
    assert shared["all"]["rides"] == on_time["all"]["rides"] == str(weekday)
    assert 0 <= float(shared["A"]["shared_share"]) <= 1


def test_the_unique_riders_cell_is_blank(files: dict[str, bytes]) -> None:
    """R's only ride (C→D at 14) is not shown, and neither are zeros: a blank cell does not
    even say someone rode."""
    grid = _tables(files)["rides_by_area_hour.csv"]
    r = _cell(grid, "C", "D", 14)
    assert (r["rides"], r["passengers"], r["suppressed"]) == ("", "", "1")
    zero = _cell(grid, "D", "A", 12)
    assert zero["rides"] == "" and zero["suppressed"] == "1"
    for row in grid:
        assert row["rides"] == "" or int(row["rides"]) >= CONFIG.min_cell


def _margins(t: dict[str, list[dict[str, str]]]) -> dict[str, int]:
    return {r["origin_area"]: int(r["rides"]) for r in t["on_time.csv"] if r["rides"]}


def test_differencing_the_tables_does_not_reveal_the_cell(files: dict[str, bytes]) -> None:
    """Area C's total (on_time.csv) minus C's shown cells leaves at least the threshold,
    spread over several blank cells; so does the month's total."""
    t = _tables(files)
    grid = t["rides_by_area_hour.csv"]
    for area, total in _margins(t).items():
        rows = [r for r in grid if area == "all" or r["origin_area"] == area]
        shown = sum(int(r["rides"]) for r in rows if r["rides"])
        blank = [r for r in rows if not r["rides"]]
        left = total - shown
        assert left == 0 or (left >= CONFIG.min_cell and len(blank) >= 2), area


def test_solving_every_published_equation_cannot_pin_the_cell(files: dict[str, bytes]) -> None:
    """An attacker who knows R is the only one who could ride C→D at 14 solves for that cell
    with every published total as a constraint (integer LP): it could be 0 (no ride) or
    several, so the tables do not say whether R rode, nor how often."""
    t = _tables(files)
    grid = t["rides_by_area_hour.csv"]
    hidden = [r for r in grid if not r["rides"]]
    index = {(r["origin_area"], r["destination_area"], r["hour"]): i for i, r in enumerate(hidden)}
    rows, rhs = [], []
    for area, total in _margins(t).items():
        coef = np.zeros(len(hidden))
        for key, i in index.items():
            if area in ("all", key[0]):
                coef[i] = 1
        shown = sum(
            int(r["rides"]) for r in grid if r["rides"] and area in ("all", r["origin_area"])
        )
        rows.append(coef)
        rhs.append(total - shown)
    target = index[("C", "D", "14")]
    c = np.zeros(len(hidden))
    c[target] = 1
    bounds = [(0, None)] * len(hidden)
    low = linprog(c, A_eq=rows, b_eq=rhs, bounds=bounds, integrality=1)
    high = linprog(-c, A_eq=rows, b_eq=rhs, bounds=bounds, integrality=1)
    assert low.status == 0 and high.status == 0
    assert round(low.fun) == 0
    assert round(-high.fun) >= CONFIG.min_cell


def test_a_single_counter_registration_cannot_be_found(files: dict[str, bytes]) -> None:
    """The month's only counter registration is blank, and so is another channel, so the
    total minus the shown channels is a sum of two."""
    reg = {r["channel"]: r for r in _tables(files)["registrations.csv"]}
    assert reg["counter"]["applications"] == ""
    blanks = [c for c in ("online", "phone", "counter") if reg[c]["applications"] == ""]
    assert len(blanks) >= 2
    shown = sum(
        int(reg[c]["applications"]) for c in ("online", "phone", "counter") if c not in blanks
    )
    assert int(reg["all"]["applications"]) - shown >= CONFIG.min_cell


def test_the_online_registration_kpi_and_its_target(files: dict[str, bytes]) -> None:
    """20 of 89 approved members registered online (22.5 %, target 20 %)."""
    reg = {r["channel"]: r for r in _tables(files)["registrations.csv"]}
    assert reg["online"]["approved_members"] == "20" and reg["all"]["approved_members"] == "89"
    assert float(reg["online"]["share_of_approved"]) == round(20 / 89, 3)
    doc = json.loads(files["data_dictionary.json"])
    assert doc["kpi"] == {"online_registration_share": round(20 / 89, 3),
                          "online_registration_target": 0.2}  # fmt: skip
    assert "22.5%" in files["README.md"].decode() and "20%" in files["README.md"].decode()


def test_dictionary_describes_every_column_and_the_licence(files: dict[str, bytes]) -> None:
    """Each CSV's header is the dictionary's columns, described in both languages; the
    licence is CC BY 4.0 with the attribution."""
    doc = json.loads(files["data_dictionary.json"])
    t = _tables(files)
    described = {x["file"]: [c["name"] for c in x["columns"]] for x in doc["tables"]}
    assert set(described) == set(t)
    for name, rows in t.items():
        assert list(rows[0]) == described[name]
    for x in doc["tables"]:
        assert all(c["description_ja"] and c["description_en"] for c in x["columns"])
    assert doc["licence"]["id"] == "CC-BY-4.0" and doc["suppression"]["threshold"] == 5
    assert "creativecommons.org/licenses/by/4.0" in files["LICENSE.txt"].decode()
    assert "神栖市" in files["LICENSE.txt"].decode()


def test_the_city_file_gives_licence_threshold_and_target(feed_settings: Settings) -> None:
    """[open_data] in the city file: CC BY 4.0, cells under 5 suppressed, online target 20 %."""
    cfg = feedconfig.open_data_config(feed_settings)
    assert (cfg.licence_id, cfg.min_cell, cfg.online_target) == ("CC-BY-4.0", 5, 0.2)


def test_suppression_adds_a_second_cell_and_reaches_the_threshold() -> None:
    """One small cell alone in a published margin takes the smallest other cell with it."""
    cells = {"a": 1, "b": 9, "c": 30}
    assert suppress(cells, [list(cells)], 5) == {"a", "b"}
    assert suppress({"a": 1, "b": 2, "c": 30}, [["a", "b", "c"]], 5) == {"a", "b", "c"}
    assert suppress({"a": 6, "b": 9}, [["a", "b"]], 5) == set()


def test_day_types_hours_and_months() -> None:
    """Holidays count as Sundays; pickups outside the hours go to the first or last hour."""
    assert day_type(CAL, date(2026, 11, 23)) == "sunday_holiday"  # 勤労感謝の日
    assert day_type(CAL, date(2026, 11, 21)) == "saturday"
    assert day_type(CAL, date(2026, 11, 24)) == "weekday"
    late = _ride(1, date(2026, 11, 24), 17, "A", minute=40)
    (rec,) = trip_records(
        [late], {"R1": "Z"}, zone=TOKYO, calendar=CAL, hours=range(8, 17), areas=AREAS
    )
    assert (rec.hour, rec.destination) == (16, "other")
    assert parse_month("2026-11") == (date(2026, 11, 1), date(2026, 11, 30))
    for bad in ("2026-13", "2026-1", "November", "2026-11-01"):
        with pytest.raises(MonthError):
            parse_month(bad)
