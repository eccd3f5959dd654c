"""Configuration of the maps library: ``MapsConfig`` and the per-city description ``city.toml``.

A city is a data folder holding its road graph, boundary, areas and places plus a
small ``city.toml`` naming those files, the road-class speeds and the map centre.
Nothing city-specific lives in code: another town is another folder.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any

from maps.errors import MapDataError

BUNDLED_DATA_ROOT = Path(__file__).resolve().parent / "data"
CITY_FILE = "city.toml"

#: Road-class speeds in km/h used when neither the city nor the caller gives one.
DEFAULT_SPEEDS_KPH: Mapping[str, float] = MappingProxyType(
    {
        "motorway": 80.0,
        "trunk": 50.0,
        "primary": 50.0,
        "secondary": 40.0,
        "tertiary": 40.0,
        "unclassified": 30.0,
        "residential": 30.0,
        "living_street": 20.0,
        "service": 20.0,
    }
)
#: Speed of a road class missing from every table (km/h).
FALLBACK_SPEED_KPH = 30.0

_FILE_KEYS = (
    "graph",
    "boundary",
    "boundary_simplified",
    "service_areas",
    "destinations",
    "towns",
    "town_readings",
    "demand_grid",
    "basemap",
)


def bundled_city_dir(city: str) -> Path:
    """Return the data folder of a city shipped with Noriai (e.g. ``"kamisu"``)."""
    path = BUNDLED_DATA_ROOT / city
    if not (path / CITY_FILE).is_file():
        known = sorted(p.name for p in BUNDLED_DATA_ROOT.iterdir() if (p / CITY_FILE).is_file())
        msg = f"no bundled map data for city {city!r} (known: {', '.join(known)})"
        raise MapDataError(msg, f"都市 {city!r} の地図データがありません")
    return path


@dataclass(frozen=True)
class MapsConfig:
    """What ``load_map`` needs: where the city's data is, where derived forms are cached,
    how far a point may be from a road, and road-class speeds (km/h) overriding the
    city's ``city.toml`` (which itself overrides ``DEFAULT_SPEEDS_KPH``).
    """

    data_dir: Path
    cache_dir: Path
    max_snap_m: float = 300.0
    speeds_kph: Mapping[str, float] = field(default_factory=dict)

    def __post_init__(self) -> None:
        object.__setattr__(self, "data_dir", Path(self.data_dir))
        object.__setattr__(self, "cache_dir", Path(self.cache_dir))
        if not self.max_snap_m > 0:
            msg = f"max_snap_m must be positive, got {self.max_snap_m}"
            raise ValueError(msg)
        for name, kph in self.speeds_kph.items():
            if not kph > 0:
                msg = f"speed of road class {name!r} must be positive, got {kph}"
                raise ValueError(msg)

    @classmethod
    def bundled(cls, city: str, cache_dir: Path, **kwargs: Any) -> MapsConfig:
        """Config for a city shipped in ``maps/data/<city>`` (e.g. ``"kamisu"``)."""
        return cls(data_dir=bundled_city_dir(city), cache_dir=Path(cache_dir), **kwargs)

    def key(self) -> tuple[object, ...]:
        """A hashable identity of this config (for in-process caches)."""
        return (
            str(self.data_dir.resolve()),
            str(self.cache_dir),
            self.max_snap_m,
            tuple(sorted(self.speeds_kph.items())),
        )


@dataclass(frozen=True)
class CityInfo:
    """The parsed ``city.toml`` of a data folder: names, files, speeds, map centre."""

    data_dir: Path
    name: str
    name_ja: str
    timezone: str
    center_lat: float
    center_lon: float
    zoom_km: float
    files: Mapping[str, str]
    speeds_kph: Mapping[str, float]
    attribution: tuple[str, ...]

    def path(self, key: str) -> Path | None:
        """Absolute path of the data file ``key`` (``graph``, ``boundary``...), or None."""
        name = self.files.get(key)
        return self.data_dir / name if name else None

    def required_path(self, key: str) -> Path:
        """Like ``path`` but the file must be declared and exist."""
        path = self.path(key)
        if path is None or not path.is_file():
            msg = f"{self.data_dir / CITY_FILE}: file {key!r} is missing ({path})"
            raise MapDataError(msg, f"地図データのファイル {key} が見つかりません")
        return path


def effective_speeds(city: CityInfo, config: MapsConfig) -> dict[str, float]:
    """Road-class speeds: defaults, then the city's, then the caller's overrides."""
    return {**DEFAULT_SPEEDS_KPH, **city.speeds_kph, **config.speeds_kph}


def read_city(data_dir: Path) -> CityInfo:
    """Parse ``data_dir/city.toml``; a missing or malformed file raises ``MapDataError``."""
    path = Path(data_dir) / CITY_FILE
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        msg = f"{path} not found: a city data folder needs a city.toml"
        raise MapDataError(msg, f"{path} がありません") from exc
    except tomllib.TOMLDecodeError as exc:
        msg = f"{path}: {exc}"
        raise MapDataError(msg, f"{path} の形式が正しくありません") from exc
    files = {k: str(v) for k, v in dict(raw.get("files", {})).items() if k in _FILE_KEYS}
    if "graph" not in files or "boundary" not in files:
        msg = f"{path}: [files] must name at least 'graph' and 'boundary'"
        raise MapDataError(msg, f"{path}: graph と boundary の指定が必要です")
    try:
        center = [float(x) for x in raw.get("center", [])]
        speeds = {str(k): float(v) for k, v in dict(raw.get("speeds_kph", {})).items()}
        zoom_km = float(raw.get("zoom_km", 20.0))
    except (TypeError, ValueError) as exc:
        msg = f"{path}: {exc}"
        raise MapDataError(msg, f"{path} の値が正しくありません") from exc
    if len(center) != 2:
        msg = f"{path}: 'center' must be [lat, lon]"
        raise MapDataError(msg, f"{path}: center は [緯度, 経度] で指定してください")
    lines = tuple(str(x) for x in dict(raw.get("attribution", {})).get("lines", []))
    return CityInfo(
        data_dir=Path(data_dir),
        name=str(raw.get("name", Path(data_dir).name)),
        name_ja=str(raw.get("name_ja", raw.get("name", ""))),
        timezone=str(raw.get("timezone", "UTC")),
        center_lat=center[0],
        center_lon=center[1],
        zoom_km=zoom_km,
        files=MappingProxyType(files),
        speeds_kph=MappingProxyType(speeds),
        attribution=lines or ("© OpenStreetMap contributors",),
    )
