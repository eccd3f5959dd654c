"""``noriai db upgrade``, ``noriai admin create`` and the demo's seeding, through the real CLI."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from booking_api.cli import main
from booking_api.db import AccountRow, MemberRow
from booking_api.demo import demo_day, load_seed, login_lines, seed_people, seed_rides
from booking_api.security import verify_password
from booking_api.settings import Settings
from booking_api.state import AppState
from dispatch.bus.memory import InProcessBus
from dispatch.engine import DispatchEngine
from dispatch.sim.live import seed_fleet
from dispatch.sim.scenario import load_scenario
from dispatch.store.base import make_engine
from tests.booking_api.fakes import FixedClock, jst


@pytest.fixture
def env_db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    url = f"sqlite:///{tmp_path / 'cli.sqlite'}"
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.setenv("NORIAI_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("REDIS_URL", raising=False)
    return url


def test_db_upgrade_and_admin_create(env_db: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["db", "upgrade"]) == 0
    assert main(["admin", "create", "chief", "--password", "correct-horse", "--role", "admin"]) == 0
    engine = make_engine(env_db)
    with Session(engine) as db:
        account = db.scalar(select(AccountRow).where(AccountRow.username == "chief"))
        assert account is not None and account.role == "admin"
        assert verify_password(account.password_hash, "correct-horse")
    engine.dispose()
    capsys.readouterr()
    assert main(["admin", "create", "chief", "--password", "correct-horse"]) == 2
    assert capsys.readouterr().err.strip() == "noriai: the username 'chief' is taken"
    assert main(["admin", "create", "x", "--password", "short"]) == 2
    capsys.readouterr()
    assert main(["admin", "create", "x", "--password", "12345678"]) == 2
    assert "easy to guess" in capsys.readouterr().err
    assert main(["admin", "create", "d1", "--password", "long-enough", "--role", "driver"]) == 2
    assert "needs --vehicle" in capsys.readouterr().err


def test_bad_city_file_is_one_line(
    env_db: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "city.toml"
    bad.write_text("[city]\nid = 'x'\n", encoding="utf-8")
    monkeypatch.setenv("NORIAI_CITY_FILE", str(bad))
    assert main(["admin", "create", "chief", "--password", "correct-horse"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("noriai: configuration error: bad city rules") and "Traceback" not in err


def test_demo_seed_creates_logins_members_and_rides(tmp_path: Path, city_map: Any) -> None:
    from booking_api.migrate import upgrade

    settings = Settings(_env_file=None, data_dir=tmp_path, cache_dir=tmp_path)  # type: ignore[call-arg]
    url = f"sqlite:///{tmp_path / 'demo.sqlite'}"
    upgrade(url)
    db = make_engine(url)
    rules = settings.city_rules()
    day = demo_day(rules, date(2026, 12, 5))  # a Saturday: the demo moves to Monday
    assert day == date(2026, 12, 7)
    clock = FixedClock(jst(2026, 12, 7, 8, 0))
    engine = DispatchEngine(
        settings.engine_config(), db=db, bus=InProcessBus(), travel=city_map, clock=clock
    )
    state = AppState(
        settings=settings, rules=rules, db=db, clock=clock, engine=engine, city_map=city_map
    )
    seed = load_seed()
    vehicles = seed_fleet(
        engine, load_scenario(seed["scenario"]), vehicles=int(seed["vehicles"]), day=day
    )
    lines = seed_people(state, seed)
    assert any("operator / operator-demo" in line for line in lines)
    assert sum("driver" in line for line in lines) == len(vehicles) == 4
    assert seed_people(state, seed) == []  # only into an empty database
    again = login_lines(seed)  # what a later run prints
    assert "  operator  operator / operator-demo" in again
    assert any(line.startswith("  resident  0299-90-0001 / 305812") for line in again)
    with Session(db) as s:
        statuses = sorted(m.status for m in s.scalars(select(MemberRow)))
    assert statuses == ["approved", "approved", "approved", "pending"]
    assert seed_rides(state, seed, day) == len(seed["rides"])
    assert seed_rides(state, seed, day) == 0
    assert {r.vehicle_id for r in engine.list_rides(service_date=day)} <= set(vehicles)
    db.dispose()
