"""``noriai maps import``: build a city data folder from a user's OpenStreetMap extract.

The extract (``.osm`` XML, optionally ``.bz2``/``.gz``, or ``.osm.pbf`` read with the
``osmium`` package) is filtered to drivable ways, turned into an osmnx graph, cut
to the boundary plus a buffer, reduced to its largest strongly connected
component (every node reaches every other), given the configured speeds and
written as the same gzip GraphML the bundled city uses, with a ``city.toml``.
"""

from __future__ import annotations

import bz2
import gzip
import json
import os
import shutil
import tempfile
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tqdm import tqdm

from maps.config import CITY_FILE, DEFAULT_SPEEDS_KPH
from maps.errors import MapDataError
from maps.geo import read_area_union
from maps.network import apply_speeds

DRIVABLE = {
    "motorway", "trunk", "primary", "secondary", "tertiary", "unclassified", "residential",
    "living_street", "service", "road",
    "motorway_link", "trunk_link", "primary_link", "secondary_link", "tertiary_link",
}  # fmt: skip
_NO_SERVICE = {"parking_aisle", "driveway", "private", "emergency_access", "drive-through"}
_NO_ACCESS = {"no", "private"}


@dataclass(frozen=True)
class ImportResult:
    """What ``import_osm`` wrote: the folder, its graph file and the graph's size."""

    out_dir: Path
    graph_path: Path
    nodes: int
    edges: int


def is_drivable(tags: dict[str, str]) -> bool:
    """Whether a way with these OSM tags belongs to the drive network."""
    if tags.get("highway") not in DRIVABLE or tags.get("area") == "yes":
        return False
    if tags.get("service") in _NO_SERVICE:
        return False
    return not (tags.get("access") in _NO_ACCESS or tags.get("motor_vehicle") in _NO_ACCESS)


def _open_xml(path: Path) -> Any:
    if path.suffix == ".bz2":
        return bz2.open(path, "rb")
    if path.suffix == ".gz":
        return gzip.open(path, "rb")
    return path.open("rb")


def _iter_elements(path: Path, bar: tqdm) -> Iterator[ET.Element]:
    try:
        with _open_xml(path) as f:
            for _, elem in ET.iterparse(f, events=("end",)):
                if elem.tag in ("node", "way"):
                    bar.update()
                    yield elem
    except ET.ParseError as exc:
        msg = f"{path} is not valid OSM XML: {exc}"
        raise MapDataError(msg, f"{path} は正しい OSM XML ではありません") from exc


def filter_osm_xml(src: Path, dst: Path, progress: bool = True) -> int:
    """Copy the drivable ways of ``src`` and the nodes they use into ``dst``; return the
    number of ways kept (two streaming passes, so large extracts fit in memory).
    """
    needed: set[str] = set()
    ways = 0
    with tqdm(desc="maps import: reading ways", unit=" elements", disable=not progress) as bar:
        for elem in _iter_elements(src, bar):
            if elem.tag == "way":
                tags = {t.get("k", ""): t.get("v", "") for t in elem.iter("tag")}
                if is_drivable(tags):
                    needed.update(nd.get("ref", "") for nd in elem.iter("nd"))
                    ways += 1
            elem.clear()
    with (
        dst.open("wb") as out,
        tqdm(desc="maps import: writing roads", unit=" elements", disable=not progress) as bar,
    ):
        out.write(b"<?xml version='1.0' encoding='UTF-8'?>\n<osm version=\"0.6\">\n")
        for elem in _iter_elements(src, bar):
            keep = elem.tag == "node" and elem.get("id") in needed
            if elem.tag == "way":
                tags = {t.get("k", ""): t.get("v", "") for t in elem.iter("tag")}
                keep = is_drivable(tags)
            if keep:
                elem.tail = "\n"
                out.write(ET.tostring(elem, encoding="utf-8", xml_declaration=False))
            elem.clear()
        out.write(b"</osm>\n")
    return ways


def pbf_to_xml(src: Path, dst: Path, progress: bool = True) -> None:
    """Write the ``highway`` ways of an ``.osm.pbf`` extract and the nodes they use to OSM
    XML, with pyosmium (``pip install osmium``).
    """
    try:
        import osmium  # type: ignore[import-not-found,unused-ignore]
    except ImportError as exc:
        msg = "reading .osm.pbf needs the 'osmium' package (pip install osmium), or give .osm XML"
        raise MapDataError(msg, ".osm.pbf の読み込みには osmium パッケージが必要です") from exc
    try:
        ways = osmium.FileProcessor(str(src), osmium.osm.WAY).with_filter(
            osmium.filter.KeyFilter("highway")
        )
        with (
            osmium.BackReferenceWriter(str(dst), ref_src=str(src), overwrite=True) as writer,
            tqdm(desc="maps import: reading .pbf ways", unit=" ways", disable=not progress) as bar,
        ):
            for way in ways:
                writer.add(way)
                bar.update()
    except RuntimeError as exc:
        msg = f"cannot read {src} as OSM PBF: {exc}"
        raise MapDataError(msg, f"{src} を OSM PBF として読めません") from exc


def _city_toml(name: str, graph: str, boundary: str, lat: float, lon: float) -> str:
    speeds = "\n".join(f"{k} = {v}" for k, v in DEFAULT_SPEEDS_KPH.items())
    return (
        f"# Written by `noriai maps import`. Edit speeds, add areas/destinations/towns files.\n"
        f'name = {json.dumps(name)}\nname_ja = {json.dumps(name)}\ntimezone = "Asia/Tokyo"\n'
        f"center = [{lat:.6f}, {lon:.6f}]\nzoom_km = 20.0\n\n[files]\n"
        f"graph = {json.dumps(graph)}\nboundary = {json.dumps(boundary)}\n\n"
        f"[speeds_kph]\n{speeds}\n\n[attribution]\n"
        f'lines = ["© OpenStreetMap contributors (ODbL 1.0)"]\n'
    )


def import_osm(
    osm_path: Path,
    boundary_path: Path,
    out_dir: Path,
    *,
    name: str | None = None,
    buffer_m: float = 1000.0,
    progress: bool = True,
    log: Callable[[str], Any] | None = None,
) -> ImportResult:
    """Build a city data folder in ``out_dir`` from an OSM extract and a boundary GeoJSON."""
    import osmnx as ox

    osm_path, boundary_path, out_dir = Path(osm_path), Path(boundary_path), Path(out_dir)
    for path in (osm_path, boundary_path):
        if not path.is_file():
            msg = f"{path}: no such file"
            raise MapDataError(msg, f"{path} が見つかりません")
    boundary = read_area_union(boundary_path)
    say = log or (lambda _m: None)
    with tempfile.TemporaryDirectory(prefix="noriai-import-") as tmp:
        src = osm_path
        if osm_path.name.endswith(".pbf"):
            say("converting .pbf to XML")
            src = Path(tmp) / "extract.osm"
            pbf_to_xml(osm_path, src, progress)
        roads = Path(tmp) / "roads.osm"
        if filter_osm_xml(src, roads, progress) == 0:
            msg = f"{osm_path} holds no drivable road"
            raise MapDataError(msg, f"{osm_path} に車が通れる道路がありません")
        say("building the graph")
        try:
            graph = ox.graph_from_xml(roads, simplify=False, retain_all=True)
            # keep a node where the road class or a bridge/tunnel starts, so every edge
            # has one speed and riders are never snapped onto a bridge's approach road
            graph = ox.simplify_graph(graph, edge_attrs_differ=["highway", "bridge", "tunnel"])
            area = boundary.buffer(buffer_m / 111_000.0)
            graph = ox.truncate.truncate_graph_polygon(graph, area, truncate_by_edge=True)
            graph = ox.truncate.largest_component(graph, strongly=True)
        except (ValueError, KeyError) as exc:
            msg = f"cannot build a road graph inside the boundary from {osm_path}: {exc}"
            raise MapDataError(msg, "境界内に道路網を作れません") from exc
        if graph.number_of_edges() == 0:
            msg = f"{osm_path}: no connected roads inside the boundary"
            raise MapDataError(msg, "境界内につながった道路がありません")
        apply_speeds(graph, dict(DEFAULT_SPEEDS_KPH))
        out_dir.mkdir(parents=True, exist_ok=True)
        plain = Path(tmp) / "drive.graphml"
        ox.save_graphml(graph, plain)
        graph_path = out_dir / "drive.graphml.gz"
        with plain.open("rb") as f_in, gzip.open(str(graph_path) + ".tmp", "wb") as f_out:
            shutil.copyfileobj(f_in, f_out)
        os.replace(str(graph_path) + ".tmp", graph_path)
    shutil.copyfile(boundary_path, out_dir / "boundary.geojson")
    centre = boundary.centroid
    city_name = name or out_dir.name
    (out_dir / CITY_FILE).write_text(
        _city_toml(city_name, graph_path.name, "boundary.geojson", centre.y, centre.x),
        encoding="utf-8",
    )
    return ImportResult(out_dir, graph_path, len(graph), graph.number_of_edges())
