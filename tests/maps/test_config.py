"""MapsConfig and city.toml: validation and clear errors for bad city folders."""

from __future__ import annotations

from pathlib import Path

import pytest

from maps import MapDataError, MapsConfig
from maps.config import DEFAULT_SPEEDS_KPH, bundled_city_dir, effective_speeds, read_city


def test_bundled_kamisu_city() -> None:
    """The bundled Kamisu folder names its files and centre; all files exist."""
    city = read_city(bundled_city_dir("kamisu"))
    assert city.name_ja == "神栖市" and city.timezone == "Asia/Tokyo"
    assert 35.7 < city.center_lat < 35.95 and 140.6 < city.center_lon < 140.85
    for key in city.files:
        assert city.required_path(key).is_file()
    assert any("OpenStreetMap" in line for line in city.attribution)


def test_unknown_bundled_city() -> None:
    """Asking for a city that is not bundled names the known ones."""
    with pytest.raises(MapDataError, match="kamisu"):
        bundled_city_dir("atlantis")


def test_speed_precedence(tmp_path: Path) -> None:
    """Defaults < city.toml < MapsConfig.speeds_kph."""
    city = read_city(bundled_city_dir("kamisu"))
    config = MapsConfig(city.data_dir, tmp_path, speeds_kph={"trunk": 60.0})
    speeds = effective_speeds(city, config)
    assert speeds["trunk"] == 60.0
    assert speeds["residential"] == city.speeds_kph["residential"]
    assert set(DEFAULT_SPEEDS_KPH) <= set(speeds)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [({"max_snap_m": 0.0}, "max_snap_m"), ({"speeds_kph": {"trunk": -5.0}}, "trunk")],
)
def test_config_validates(tmp_path: Path, kwargs: dict[str, object], message: str) -> None:
    """Nonsense values are refused when the config is made."""
    with pytest.raises(ValueError, match=message):
        MapsConfig(tmp_path, tmp_path, **kwargs)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (None, "city.toml"),
        ("name = [", "city.toml"),
        ('center = [35.0, 139.0]\n[files]\ngraph = "g.graphml.gz"\n', "'graph' and 'boundary'"),
        ('center = [35.0]\n[files]\ngraph = "g"\nboundary = "b"\n', "center"),
    ],
)
def test_bad_city_folder(tmp_path: Path, text: str | None, message: str) -> None:
    """A missing or malformed city.toml is a MapDataError naming the problem."""
    if text is not None:
        (tmp_path / "city.toml").write_text(text, encoding="utf-8")
    with pytest.raises(MapDataError, match=message):
        read_city(tmp_path)


def test_missing_data_file(tmp_path: Path) -> None:
    """A declared file that does not exist is reported with its key."""
    (tmp_path / "city.toml").write_text(
        'center = [35.0, 139.0]\n[files]\ngraph = "g.graphml.gz"\nboundary = "b.geojson"\n',
        encoding="utf-8",
    )
    with pytest.raises(MapDataError, match="'graph' is missing"):
        read_city(tmp_path).required_path("graph")
