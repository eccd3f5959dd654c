"""``noriai maps import`` on a small OpenStreetMap XML file written here."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest

from maps import MapDataError, MapsConfig, SnapError, load_map
from maps.importer import import_osm, is_drivable
from maps.network import road_class

LAT0, LON0, STEP = 35.0, 139.0, 0.002  # a 3 x 3 grid of crossings about 200 m apart


def _node(i: int, j: int) -> int:
    return 1 + i * 3 + j


def write_osm(path: Path) -> None:
    """A grid of two-way residential streets, one one-way street, a footway, a car park
    aisle and a road far outside the boundary."""
    nodes = [
        f'<node id="{_node(i, j)}" lat="{LAT0 + i * STEP:.6f}" lon="{LON0 + j * STEP:.6f}"/>'
        for i in range(3)
        for j in range(3)
    ]
    nodes += [
        f'<node id="50" lat="{LAT0 + 0.0005:.6f}" lon="{LON0 + 0.0005:.6f}"/>',
        f'<node id="60" lat="{LAT0 + 1:.6f}" lon="{LON0 + 1:.6f}"/>',
        f'<node id="61" lat="{LAT0 + 1.002:.6f}" lon="{LON0 + 1:.6f}"/>',
    ]
    ways, wid = [], 100

    def way(refs: list[int], **tags: str) -> None:
        nonlocal wid
        wid += 1
        nds = "".join(f'<nd ref="{r}"/>' for r in refs)
        tag = "".join(f'<tag k="{k}" v="{v}"/>' for k, v in tags.items())
        ways.append(f'<way id="{wid}">{nds}{tag}</way>')

    for i in range(3):
        way([_node(i, 0), _node(i, 1), _node(i, 2)], highway="residential", name=f"row {i}")
    way([_node(0, 0), _node(1, 0), _node(2, 0)], highway="residential")
    way([_node(0, 2), _node(1, 2), _node(2, 2)], highway="tertiary")
    way([_node(2, 1), _node(1, 1), _node(0, 1)], highway="residential", oneway="yes")
    way([_node(0, 0), 50], highway="footway")
    way([_node(0, 1), 50], highway="service", service="parking_aisle")
    way([60, 61], highway="primary")
    body = "\n".join(nodes + ways)
    path.write_text(
        f"<?xml version='1.0' encoding='UTF-8'?>\n<osm version=\"0.6\">\n{body}\n</osm>\n"
    )


def write_boundary(path: Path) -> None:
    """A square around the grid with 100 m to spare."""
    m = 0.001
    ring = [
        [LON0 - m, LAT0 - m],
        [LON0 + 2 * STEP + m, LAT0 - m],
        [LON0 + 2 * STEP + m, LAT0 + 2 * STEP + m],
        [LON0 - m, LAT0 + 2 * STEP + m],
        [LON0 - m, LAT0 - m],
    ]
    feature = {
        "type": "Feature",
        "properties": {},
        "geometry": {"type": "Polygon", "coordinates": [ring]},
    }
    path.write_text(json.dumps({"type": "FeatureCollection", "features": [feature]}))


@pytest.fixture(scope="module")
def imported(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A city folder imported from the small OSM file."""
    tmp = tmp_path_factory.mktemp("import")
    write_osm(tmp / "town.osm")
    write_boundary(tmp / "boundary.geojson")
    result = import_osm(tmp / "town.osm", tmp / "boundary.geojson", tmp / "town", progress=False)
    assert result.graph_path.is_file()
    return result.out_dir


def test_import_writes_a_loadable_city(imported: Path, tmp_path: Path) -> None:
    """The folder has a gzip GraphML and a city.toml; it loads and routes like Kamisu."""
    with gzip.open(imported / "drive.graphml.gz", "rt", encoding="utf-8") as f:
        assert "<graphml" in f.read(2000)
    city_map = load_map(MapsConfig(data_dir=imported, cache_dir=tmp_path / "cache"))
    graph = city_map.graph
    speeds = {"residential": 30.0, "tertiary": 40.0}
    classes = {road_class(d["highway"], speeds) for _, _, d in graph.edges(data=True)}
    assert classes == {"residential", "tertiary"}  # footway, aisle and the far road left out
    assert all(d["travel_time"] > 0 for _, _, d in graph.edges(data=True))
    corner_a = city_map.snap(LAT0, LON0 + STEP)  # south crossing of the one-way column
    corner_b = city_map.snap(LAT0 + 2 * STEP, LON0 + 2 * STEP)  # north-east corner
    assert city_map.node_latlon(corner_a.node) == pytest.approx((LAT0, LON0 + STEP))
    assert city_map.node_latlon(corner_b.node) == pytest.approx((LAT0 + 2 * STEP, LON0 + 2 * STEP))
    durations, distances = city_map.matrix([corner_a.node], [corner_b.node])
    # fastest: 182 m east on the residential row (30 km/h) then 444 m north on the
    # tertiary column (40 km/h): 626 m in 62 s
    assert 615 <= distances[0, 0] <= 640
    assert 59 <= durations[0, 0] <= 65
    route = city_map.route(corner_a.node, corner_b.node)
    assert route.distance_m == distances[0, 0]


def test_one_way_street_is_kept_one_way(imported: Path, tmp_path: Path) -> None:
    """The middle column is one-way southwards: north is reached by a detour."""
    city_map = load_map(MapsConfig(data_dir=imported, cache_dir=tmp_path / "cache"))
    top = city_map.snap(LAT0 + 2 * STEP, LON0 + STEP).node
    bottom = city_map.snap(LAT0, LON0 + STEP).node
    durations, _ = city_map.matrix([top, bottom], [top, bottom])
    assert durations[0, 1] < durations[1, 0]


def test_imported_boundary_refuses_outside(imported: Path, tmp_path: Path) -> None:
    """Points outside the given boundary are refused."""
    city_map = load_map(MapsConfig(data_dir=imported, cache_dir=tmp_path / "cache"))
    with pytest.raises(SnapError):
        city_map.snap(LAT0 + 0.5, LON0 + 0.5)


def test_import_without_roads_is_a_clear_error(tmp_path: Path) -> None:
    """A file with no drivable way gives MapDataError, not a traceback from osmnx."""
    (tmp_path / "empty.osm").write_text(
        '<osm version="0.6"><node id="1" lat="35" lon="139"/></osm>'
    )
    write_boundary(tmp_path / "b.geojson")
    with pytest.raises(MapDataError, match="no drivable road"):
        import_osm(tmp_path / "empty.osm", tmp_path / "b.geojson", tmp_path / "out", progress=False)


def test_bad_xml_is_a_clear_error(tmp_path: Path) -> None:
    """A file that is not XML gives MapDataError."""
    (tmp_path / "bad.osm").write_text("this is not xml")
    write_boundary(tmp_path / "b.geojson")
    with pytest.raises(MapDataError, match="not valid OSM XML"):
        import_osm(tmp_path / "bad.osm", tmp_path / "b.geojson", tmp_path / "out", progress=False)


@pytest.mark.parametrize(
    ("tags", "ok"),
    [
        ({"highway": "residential"}, True),
        ({"highway": "primary_link"}, True),
        ({"highway": "footway"}, False),
        ({"highway": "service", "service": "driveway"}, False),
        ({"highway": "residential", "access": "private"}, False),
        ({"building": "yes"}, False),
    ],
)
def test_is_drivable(tags: dict[str, str], ok: bool) -> None:
    """Only ways a taxi may use are kept."""
    assert is_drivable(tags) is ok


def test_import_from_pbf(tmp_path: Path) -> None:
    """An .osm.pbf extract (written here with osmium) gives the same graph as its XML."""
    osmium = pytest.importorskip("osmium")
    write_osm(tmp_path / "t.osm")
    write_boundary(tmp_path / "b.geojson")
    writer = osmium.SimpleWriter(str(tmp_path / "t.osm.pbf"))
    for obj in osmium.FileProcessor(str(tmp_path / "t.osm")):
        writer.add(obj)
    writer.close()
    from_pbf = import_osm(
        tmp_path / "t.osm.pbf", tmp_path / "b.geojson", tmp_path / "p", progress=False
    )
    from_xml = import_osm(
        tmp_path / "t.osm", tmp_path / "b.geojson", tmp_path / "x", progress=False
    )
    assert (from_pbf.nodes, from_pbf.edges) == (from_xml.nodes, from_xml.edges)
    (tmp_path / "bad.osm.pbf").write_bytes(b"not a pbf at all")
    with pytest.raises(MapDataError, match="OSM PBF"):
        import_osm(tmp_path / "bad.osm.pbf", tmp_path / "b.geojson", tmp_path / "q", progress=False)


def test_corrupt_cache_is_rebuilt(imported: Path, tmp_path: Path) -> None:
    """Garbage in the cache files costs a re-parse, never an error."""
    from maps.citymap import CityMap as CityMapClass
    from maps.config import read_city
    from maps.network import cache_folder, load_arrays, load_network

    config = MapsConfig(data_dir=imported, cache_dir=tmp_path / "cache")
    expected = load_network(config).number_of_edges()
    CityMapClass(config, read_city(imported), load_arrays(config))  # writes the CCH cache
    folder, _, _ = cache_folder(config)
    for name in ("network.npz", "graph.pickle", "cch/order"):
        (folder / name).write_bytes(b"garbage")
    assert load_network(config).number_of_edges() == expected
    arrays = load_arrays(config)
    assert len(arrays.edge_u) == expected
    city_map = CityMapClass(config, read_city(imported), arrays)
    nodes = [int(n) for n in arrays.node_ids]
    durations, _ = city_map.matrix(nodes, nodes)
    assert (durations.diagonal() == 0).all() and (durations[durations != 0] > 0).all()
