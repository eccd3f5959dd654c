"""Each booking keeps the version of the fare rules that priced it (issue 13 §1), over HTTP on
the real engine: a rule changed in the city file (in place, or by a new dated version) prices
the bookings made after it, and the bookings made before keep their fare and their version,
in the booking, on the tablet, in the unpaid-rides CSV and in the rides CSV."""

from __future__ import annotations

import csv
import io
from dataclasses import replace
from datetime import date, datetime
from typing import Any

import pytest
from sqlalchemy import Engine

from booking_api.settings import Settings
from dispatch.bus.memory import InProcessBus
from dispatch.domain import LatLon
from dispatch.engine import DispatchEngine
from tests.booking_api.conftest import HOME_A, Api, quote_body
from tests.booking_api.fakes import FixedClock, jst


@pytest.fixture
def engine(settings: Settings, db: Engine, clock: FixedClock, city_map: Any) -> DispatchEngine:
    """V1 on shift 08:00-17:00 on 2 and 3 December."""
    engine = DispatchEngine(
        settings.engine_config(), db=db, bus=InProcessBus(), travel=city_map, clock=clock
    )
    engine.add_vehicle("V1", depot=LatLon(*HOME_A), seats=4, name="神栖1号")
    for day in (2, 3):
        engine.set_shift("V1", date(2026, 12, day), jst(2026, 12, day, 8, 0),
                         jst(2026, 12, day, 17, 0))  # fmt: skip
    return engine


def _change_rules(api: Api, **changes: Any) -> None:
    """Edit the city's first fare rule in place (same effective_from), as a city file edit."""
    state = api.client.app.state.noriai  # type: ignore[attr-defined]
    fares = state.rules.fares
    table = fares.table
    first = table.rules[0]
    if "general" in changes:
        changes["categories"] = {**first.categories, "general": changes.pop("general")}
    rules = (replace(first, **changes), *table.rules[1:])
    state.rules = replace(state.rules, fares=replace(fares, table=replace(table, rules=rules)))


def _add_version(api: Api, day: date, general: int) -> None:
    """A new dated version of the rules from ``day`` ([[fares.versions]])."""
    state = api.client.app.state.noriai  # type: ignore[attr-defined]
    fares = state.rules.fares
    last = fares.table.rules[-1]
    new = replace(last, effective_from=day, categories={**last.categories, "general": general})
    table = replace(fares.table, rules=(*fares.table.rules, new))
    state.rules = replace(state.rules, fares=replace(fares, table=table))


def _book(api: Api, staff: dict[str, str], member_id: str, day: str, hhmm: str,
          party: int) -> dict[str, Any]:  # fmt: skip
    body = quote_body(member_id=member_id, time=hhmm, party_size=party, date=day)
    r = api.client.post("/api/v1/quotes", json=body, headers=staff)
    assert r.status_code == 200, r.text
    r = api.client.post(
        "/api/v1/bookings", json={"offer_id": r.json()["offer"]["offer_id"]}, headers=staff
    )
    assert r.status_code == 201, r.text
    return dict(r.json()["booking"])


def _get(api: Api, staff: dict[str, str], ride_id: str) -> tuple[int, str]:
    r = api.client.get(f"/api/v1/bookings/{ride_id}", headers=staff)
    assert r.status_code == 200, r.text
    return r.json()["fare_yen"], r.json()["fare_rules"]


def _tap(api: Api, driver: dict[str, str], ride_id: str, tap: str) -> None:
    body = {"ride_id": ride_id, "tap": tap, "tap_id": f"{ride_id}-{tap}", "reason": "stop_moved"}
    r = api.client.post("/api/v1/driver/taps", json=body, headers=driver)
    assert r.status_code == 200, r.text


def _csv(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text.removeprefix("\ufeff"))))


def test_a_changed_rule_prices_new_bookings_and_leaves_old_ones_as_they_were(
    api: Api, engine: DispatchEngine, clock: FixedClock
) -> None:
    """Booked at 300 + 300 yen; the rule is then edited in place to 200 + 400 (the same
    total, another split) and a dated version from 3 December makes the general fare 500.
    The first booking keeps 600 yen and its version (and the tablet shows its total, not
    the new rule's split); the second is 600 by the new version, the third 900 by the dated
    one; the CSVs say which version priced each ride."""
    clock.advance((jst(2026, 12, 2, 8, 30) - clock.now()).total_seconds())
    staff = api.staff()
    driver = api.staff("driver", vehicle_id="V1")
    member, _ = api.member(staff)

    old = _book(api, staff, member["id"], "2026-12-02", "10:00", 2)
    fare_old, version_old = _get(api, staff, old["id"])
    assert fare_old == 600 and version_old.startswith("1970-01-01#")
    assert old["fare_rules"] == version_old

    _change_rules(api, general=200, companion_yen=400)
    new = _book(api, staff, member["id"], "2026-12-02", "13:30", 2)
    fare_new, version_new = _get(api, staff, new["id"])
    assert fare_new == 600 and version_new.startswith("1970-01-01#")
    assert version_new != version_old  # same day, other content: another version
    assert _get(api, staff, old["id"]) == (600, version_old)  # not re-priced

    _add_version(api, date(2026, 12, 3), 500)
    dated = _book(api, staff, member["id"], "2026-12-03", "10:00", 2)
    assert _get(api, staff, dated["id"])[0] == 900
    assert _get(api, staff, dated["id"])[1].startswith("2026-12-03#")
    assert _get(api, staff, old["id"]) == (600, version_old)
    assert _get(api, staff, new["id"]) == (600, version_new)

    # the tablet: the old ride's fare as one line of what it was priced at (the new rule's
    # 200 + 400 is not how it was priced); the new ride itemised by its own rule
    r = api.client.get(f"/api/v1/driver/rides/{old['id']}/fare", headers=driver)
    assert r.status_code == 200, r.text
    assert (r.json()["due_yen"], r.json()["fare_rules"]) == (600, version_old)
    assert [(x["who"], x["count"], x["yen_each"]) for x in r.json()["lines"]] == [
        ("member", 1, 600)
    ]
    r = api.client.get(f"/api/v1/driver/rides/{new['id']}/fare", headers=driver)
    assert r.json()["fare_rules"] == version_new
    assert [(x["who"], x["yen_each"]) for x in r.json()["lines"]] == [
        ("member", 200), ("companion", 400)
    ]  # fmt: skip

    # the old ride is dropped off not paid: the unpaid list and its CSV name its version
    start = datetime.fromisoformat(old["pickup_window_start"])
    clock.advance(max(0.0, (start - clock.now()).total_seconds()))
    _tap(api, driver, old["id"], "arrived")
    _tap(api, driver, old["id"], "boarded")
    pay = {"method": "not_paid", "reason": "no_money"}
    r = api.client.post(f"/api/v1/driver/rides/{old['id']}/payment", json=pay, headers=driver)
    assert r.status_code == 201, r.text
    clock.advance(600)
    _tap(api, driver, old["id"], "dropped_off")
    q = "from=2026-12-02&to=2026-12-03"
    unpaid = api.client.get(f"/api/v1/reports/unpaid-rides?{q}", headers=staff).json()
    assert [(u["ride_id"], u["fare_yen"], u["fare_rules"]) for u in unpaid["rides"]] == [
        (old["id"], 600, version_old)
    ]
    rows = _csv(api.client.get(f"/api/v1/reports/unpaid-rides.csv?{q}", headers=staff).text)
    assert (rows[0]["ride_id"], rows[0]["fare_rules"]) == (old["id"], version_old)
    r = api.client.get("/api/v1/reports/rides.csv?start=2026-12-02&end=2026-12-03",
                       headers=staff)  # fmt: skip
    assert r.status_code == 200, r.text
    got = {x["ride_id"]: (x["fare_yen"], x["fare_rules"]) for x in _csv(r.text)}
    assert got[old["id"]] == ("600", version_old)
    assert got[new["id"]] == ("600", version_new)
    assert got[dated["id"]][0] == "900" and got[dated["id"]][1].startswith("2026-12-03#")
