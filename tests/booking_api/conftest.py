"""Fixtures of the booking API tests: both databases, the bundled map, a fixed clock, helpers."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, create_engine, text

import booking_api.db  # noqa: F401  (registers the API's tables)
import dispatch.store.tables  # noqa: F401  (registers the engine's tables)
from booking_api.db import AccountRow
from booking_api.main import create_app
from booking_api.security import hash_password
from booking_api.settings import Settings
from dispatch.bus.memory import InProcessBus
from dispatch.domain import LatLon
from dispatch.engine import DispatchEngine
from dispatch.store.base import Base, make_engine
from tests.booking_api.fakes import FakeEngine, FixedClock, jst

HOME_A = (35.888975, 140.643843)  # 大野原七丁目, area A
OUTSIDE = (35.60, 140.60)  # in the sea / another city
PASSWORD = "pass1234"


@pytest.fixture(scope="session")
def city_map(shared_cache_dir: Path) -> Any:
    """The bundled Kamisu map (its cache built once per test run)."""
    from maps import MapsConfig, load_map

    return load_map(MapsConfig.bundled("kamisu", cache_dir=shared_cache_dir / "maps"))


def _postgres_schema_url(base_url: str) -> tuple[str, str]:
    schema = f"api_{uuid.uuid4().hex[:12]}"
    admin = create_engine(base_url)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    admin.dispose()
    sep = "&" if "?" in base_url else "?"
    return f"{base_url}{sep}options=-csearch_path%3D{schema}", schema


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh empty database: a SQLite file, or a private schema in the test PostgreSQL."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'api.sqlite'}"
        return
    base = request.getfixturevalue("postgres_url")
    url, schema = _postgres_schema_url(base)
    yield url
    _drop_schema(base, schema)


def _drop_schema(base: str, schema: str) -> None:
    admin = create_engine(base)
    with admin.begin() as conn:
        conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
    admin.dispose()


@pytest.fixture(scope="session")
def pg_tables_url(postgres_url: str) -> Iterator[str]:
    """A private PostgreSQL schema with every table, created once for the session."""
    url, schema = _postgres_schema_url(postgres_url)
    engine = make_engine(url)
    Base.metadata.create_all(engine)
    engine.dispose()
    yield url
    _drop_schema(postgres_url, schema)


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    """An empty database with every table: a new SQLite file, or the session's PostgreSQL
    schema emptied for this test.
    """
    if request.param == "sqlite":
        engine = make_engine(f"sqlite:///{tmp_path / 'api.sqlite'}")
        Base.metadata.create_all(engine)
    else:
        engine = make_engine(request.getfixturevalue("pg_tables_url"))
        names = ", ".join(f'"{t.name}"' for t in Base.metadata.sorted_tables)
        with engine.begin() as conn:
            conn.execute(text(f"TRUNCATE TABLE {names} RESTART IDENTITY CASCADE"))
    yield engine
    engine.dispose()


@pytest.fixture(autouse=True)
def cheap_password_hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    """Hash test passwords with argon2id at minimal cost (same format; the tests stay fast)."""
    from argon2 import PasswordHasher

    from booking_api import security

    monkeypatch.setattr(
        security, "_hasher", PasswordHasher(time_cost=1, memory_cost=64, parallelism=1)
    )


@pytest.fixture
def clock() -> FixedClock:
    """Tuesday 1 December 2026, 09:00 in Kamisu."""
    return FixedClock(jst(2026, 12, 1, 9, 0))


@pytest.fixture
def settings(tmp_path: Path, shared_cache_dir: Path) -> Settings:
    """Settings isolated from the developer's environment files."""
    return Settings(
        _env_file=None,
        data_dir=tmp_path / "data",
        cache_dir=shared_cache_dir,
        database_url="",
        redis_url="",
        # Tests register many members from one client; test_signin checks the limits.
        registration_max_per_address=10_000,
        registration_max_per_phone=10_000,
    )  # type: ignore[call-arg]


@pytest.fixture
def engine(clock: FixedClock) -> FakeEngine:
    """The test double of the dispatch engine (2 rides per hour slot)."""
    return FakeEngine(clock)


class Api:
    """A TestClient with helpers to create accounts and members."""

    def __init__(self, client: TestClient, db: Engine) -> None:
        self.client = client
        self.db = db
        self.counter = 0

    def login(self, login: str, password: str = PASSWORD) -> dict[str, str]:
        r = self.client.post("/api/v1/auth/login", json={"login": login, "password": password})
        assert r.status_code == 200, r.text
        return {"Authorization": f"Bearer {r.json()['token']}"}

    def staff(self, role: str = "operator", vehicle_id: str | None = None) -> dict[str, str]:
        self.counter += 1
        username = f"{role}{self.counter}{uuid.uuid4().hex[:4]}"
        from sqlalchemy.orm import Session

        with Session(self.db) as s:
            s.add(
                AccountRow(
                    username=username,
                    role=role,
                    password_hash=hash_password(PASSWORD),
                    display_name=username,
                    vehicle_id=vehicle_id,
                )
            )
            s.commit()
        return self.login(username)

    def registration(self, **over: Any) -> dict[str, Any]:
        self.counter += 1
        body = {
            "name": "山田 花子",
            "kana": "やまだ はなこ",
            "birth_date": "1948-04-01",
            "phone": f"090-0000-{self.counter:04d}",
            "address": "神栖市大野原七丁目",
            "home_lat": HOME_A[0],
            "home_lon": HOME_A[1],
            "consent_terms": True,
            "consent_privacy": True,
            "password": PASSWORD,
        }
        body.update(over)
        return body

    def member(
        self, staff: dict[str, str] | None = None, **over: Any
    ) -> tuple[dict[str, Any], dict[str, str]]:
        """Register online, approve by an operator, log in; return (member, resident headers)."""
        staff = staff or self.staff()
        r = self.client.post("/api/v1/registrations", json=self.registration(**over))
        assert r.status_code == 201, r.text
        member_id = r.json()["member"]["id"]
        r = self.client.post(f"/api/v1/members/{member_id}/approve", json={}, headers=staff)
        assert r.status_code == 200, r.text
        member = r.json()
        return member, self.login(member["member_number"])


@pytest.fixture
def api(
    settings: Settings, engine: Any, clock: FixedClock, city_map: Any, db: Engine
) -> Iterator[Api]:
    """The app on the fake engine, the real map and the chosen database."""
    app = create_app(settings, engine=engine, clock=clock, city_map=city_map, db=db)
    with TestClient(app) as client:
        yield Api(client, db)


def quote_body(**over: Any) -> dict[str, Any]:
    """A quote from home to the hospital in area A on Wednesday 2 December at 10:00."""
    body: dict[str, Any] = {
        "from": {"home": True},
        "to": {"place_id": "D0003"},
        "date": "2026-12-02",
        "time": "10:00",
        "time_mode": "depart_at",
        "party_size": 1,
    }
    body.update(over)
    return body


def two_car_fare_day(
    settings: Settings, db: Engine, clock: FixedClock, city_map: Any
) -> DispatchEngine:
    """The real engine with the fare tests' two cars: V1 on shift 08:00-17:00 on 2 December
    with a 45-minute break, V2 09:00-11:00 on the 3rd (no rides: its hours still cost)."""
    engine = DispatchEngine(
        settings.engine_config(), db=db, bus=InProcessBus(), travel=city_map, clock=clock
    )
    engine.add_vehicle("V1", depot=LatLon(*HOME_A), seats=4, name="神栖1号")
    engine.add_vehicle("V2", depot=LatLon(*HOME_A), seats=4, name="神栖2号")
    engine.set_shift(
        "V1",
        date(2026, 12, 2),
        jst(2026, 12, 2, 8, 0),
        jst(2026, 12, 2, 17, 0),
        break_earliest=jst(2026, 12, 2, 12, 0),
        break_latest=jst(2026, 12, 2, 13, 30),
        break_duration_s=45 * 60,
    )
    engine.set_shift("V2", date(2026, 12, 3), jst(2026, 12, 3, 9, 0), jst(2026, 12, 3, 11, 0))
    return engine
