"""Simulation scenarios as data files (``dispatch/sim/data/<name>.toml``)."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from datetime import date, datetime, time
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

DATA_DIR = Path(__file__).parent / "data"


class ScenarioError(ValueError):
    """A scenario is unknown or its file is wrong."""


@dataclass(frozen=True)
class Scenario:
    """A day to simulate: city, date, hours, fleet and the riders' habits (``raw``)."""

    name: str
    city: str
    timezone: str
    service_date: date
    shift_start: time
    shift_end: time
    last_pickup: time
    requests_per_vehicle: int
    flex_min: int
    raw: dict[str, Any]

    def at(self, t: time) -> datetime:
        """Return ``t`` on the service date in the city's time zone."""
        return datetime.combine(self.service_date, t, tzinfo=ZoneInfo(self.timezone))


def available() -> list[str]:
    """Return the names of the bundled scenarios."""
    return sorted(p.stem for p in DATA_DIR.glob("*.toml"))


def load_scenario(name_or_path: str) -> Scenario:
    """Load a bundled scenario by name, or a scenario file by path."""
    path = Path(name_or_path)
    if not path.suffix:
        path = DATA_DIR / f"{name_or_path}.toml"
    if not path.is_file():
        msg = f"unknown scenario {name_or_path!r} (bundled: {', '.join(available())})"
        raise ScenarioError(msg)
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
        return Scenario(
            name=str(raw.get("name", path.stem)),
            city=str(raw["city"]),
            timezone=str(raw.get("timezone", "Asia/Tokyo")),
            service_date=date.fromisoformat(str(raw["service_date"])),
            shift_start=time.fromisoformat(raw["shift_start"]),
            shift_end=time.fromisoformat(raw["shift_end"]),
            last_pickup=time.fromisoformat(raw["last_pickup"]),
            requests_per_vehicle=int(raw["requests_per_vehicle"]),
            flex_min=int(raw.get("flex_min", 30)),
            raw=raw,
        )
    except (KeyError, ValueError, tomllib.TOMLDecodeError) as exc:
        msg = f"{path}: {exc}"
        raise ScenarioError(msg) from exc
