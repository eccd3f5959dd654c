"""The basemap's overview zooms: tiles of zooms 10-13 built from the archive's zoom-14
OpenMapTiles tiles, so a map zoomed out over the town still shows its roads, water and
place names (MapLibre draws nothing below a source's least zoom; it can stretch the
most detailed tiles to higher zooms, never shrink them to lower ones).

Each parent tile is its four children scaled by one half, each child's part cut to
its own quarter (no overlapping edges: the land cover is drawn half transparent),
simplified to a quarter of a screen pixel, and thinned the way OpenMapTiles thins its
own lower zooms: no buildings (a pixel or two there), minor roads at 13 (unnamed), tertiary from 12,
secondary from 11, then the main roads and rail; small rivers, small polygons and minor
places left out. Layers the style does not draw (POIs, house numbers) are not kept.

The overview is derived data: ``cached_overview`` keeps it beside the road network's
derived forms in the cache folder (named by the archive's SHA-256, so a new archive
gets a new overview), built once, under the cache's lock.
"""

from __future__ import annotations

import gzip
import threading
from collections.abc import Callable
from pathlib import Path

import numpy as np
import shapely
from shapely.geometry import LineString, MultiLineString, MultiPoint, MultiPolygon, Point, Polygon
from shapely.geometry.base import BaseGeometry

from maps import mvt
from maps.tiles import PMTilesReader, write_pmtiles

LEAST_ZOOM = 10
# The least zoom each layer is kept at; layers not named here are not kept at all.
LAYER_ZOOM = {
    "water": 10, "waterway": 10, "landcover": 10, "landuse": 10, "park": 10,
    "boundary": 10, "transportation": 10, "transportation_name": 10, "water_name": 10,
    "place": 10,
}  # fmt: skip
ROAD_ZOOM = {
    "motorway": 10, "trunk": 10, "primary": 10, "rail": 10, "secondary": 11,
    "tertiary": 12, "minor": 13, "pedestrian": 13,
}  # fmt: skip
WATERWAY_ZOOM = {"river": 10, "canal": 11}
PLACE_ZOOM = {"city": 10, "town": 10, "village": 11, "suburb": 12}
PIXEL = 8.0  # tile units a screen pixel (4096 units, 512-pixel tiles)
SIMPLIFY = PIXEL / 4
MIN_AREA = 4 * PIXEL * PIXEL  # polygons under four square pixels are left out

Progress = Callable[[int, int], None]
_lock = threading.Lock()


def _kept(layer: str, props: dict[str, object], z: int) -> bool:
    """Whether a feature of ``layer`` is drawn at zoom ``z``."""
    if LAYER_ZOOM.get(layer, 99) > z:
        return False
    cls = str(props.get("class", ""))
    if layer == "transportation":
        return ROAD_ZOOM.get(cls, 99) <= z
    if layer == "transportation_name":  # the names of minor roads only where they are legible
        return cls != "minor" and ROAD_ZOOM.get(cls, 99) <= z
    if layer == "waterway":
        return WATERWAY_ZOOM.get(cls, 13) <= z
    if layer == "place":
        return PLACE_ZOOM.get(cls, 13) <= z
    return True


def _parts(geom: BaseGeometry, kind: type) -> BaseGeometry | None:
    """Only the parts of ``geom`` of the feature's own kind (a cut can leave points or
    lines of a polygon), as one geometry, or ``None``."""
    single = {Polygon: (Polygon, MultiPolygon), LineString: (LineString, MultiLineString),
              Point: (Point, MultiPoint)}[kind]  # fmt: skip
    items = list(getattr(geom, "geoms", [geom]))
    flat: list[BaseGeometry] = []
    for g in items:
        if isinstance(g, single[1]):
            flat += list(g.geoms)
        elif isinstance(g, single[0]):
            flat.append(g)
    flat = [g for g in flat if not g.is_empty]
    if not flat:
        return None
    if len(flat) == 1:
        return flat[0]
    return single[1](flat)


def _kind(geom: BaseGeometry) -> type:
    if isinstance(geom, (Polygon, MultiPolygon)):
        return Polygon
    if isinstance(geom, (LineString, MultiLineString)):
        return LineString
    return Point


def _shrink(child: list[mvt.Layer], dx: int, dy: int, z: int) -> dict[str, list[mvt.Feature]]:
    """A child's features, kept at zoom ``z``, in its quarter of the parent tile (the
    geometry work is done on a layer's features at once: Shapely's array functions)."""
    out: dict[str, list[mvt.Feature]] = {}
    for layer in child:
        feats = [f for f in layer.features if _kept(layer.name, f.properties, z)]
        if not feats:
            continue
        half = layer.extent / 2
        x0, y0 = dx * half, dy * half
        moved = shapely.transform(
            np.array([f.geometry for f in feats]), lambda c, s=np.array([x0, y0]): c * 0.5 + s
        )
        cut = shapely.clip_by_rect(moved, x0, y0, x0 + half, y0 + half)
        lines = shapely.simplify(cut, SIMPLIFY, preserve_topology=False)
        shapes = shapely.simplify(cut, SIMPLIFY, preserve_topology=True)
        inside = shapely.covers(shapely.box(x0, y0, x0 + half, y0 + half), moved)
        for k, f in enumerate(feats):
            kind = _kind(f.geometry)
            if kind is Point:
                if not inside[k]:
                    continue
                g: BaseGeometry | None = moved[k]
            else:
                done = shapes[k] if kind is Polygon else lines[k]
                g = _parts(done, kind) if not done.is_empty else None
                if g is None or (kind is Polygon and g.area < MIN_AREA):
                    continue
            out.setdefault(layer.name, []).append(mvt.Feature(g, f.properties, f.id))
    return out


def build_overview(
    reader: PMTilesReader,
    out: Path,
    *,
    least_zoom: int = LEAST_ZOOM,
    progress: Progress | None = None,
) -> int:
    """Write the overview tiles (zooms ``least_zoom`` up to one below the archive's
    least zoom) of ``reader``'s archive to ``out`` as a PMTiles archive; return how many.
    ``progress(done, total)`` is called after each tile.
    """
    top = reader.min_zoom

    def keep(layer: str, props: dict[str, object]) -> bool:
        return _kept(layer, props, top - 1)

    level: dict[tuple[int, int], list[mvt.Layer]] = {}
    for z, x, y in reader.tile_ids():
        if z == top:
            data = reader.tile(z, x, y)
            if data is not None:
                level[(x, y)] = mvt.decode(gzip.decompress(data), keep=keep)
    keys = set(level)
    total = 0
    for _ in range(top - 1, least_zoom - 1, -1):
        keys = {(x >> 1, y >> 1) for x, y in keys}
        total += len(keys)
    tiles: list[tuple[int, int, int, bytes]] = []
    done = 0
    for z in range(top - 1, least_zoom - 1, -1):
        parents: dict[tuple[int, int], list[tuple[int, int]]] = {}
        for x, y in level:
            parents.setdefault((x >> 1, y >> 1), []).append((x, y))
        nxt: dict[tuple[int, int], list[mvt.Layer]] = {}
        for (px, py), children in sorted(parents.items()):
            merged: dict[str, list[mvt.Feature]] = {}
            extent = 4096
            for cx, cy in children:
                child = level[(cx, cy)]
                extent = child[0].extent if child else extent
                for name, feats in _shrink(child, cx - 2 * px, cy - 2 * py, z).items():
                    merged.setdefault(name, []).extend(feats)
            layers = [mvt.Layer(name, extent, feats) for name, feats in merged.items()]
            nxt[(px, py)] = layers
            data = mvt.encode(layers)
            if data:
                tiles.append((z, px, py, data))
            done += 1
            if progress is not None:
                progress(done, total)
        level = nxt
    write_pmtiles(
        tiles, out, attribution=str(reader.metadata.get("attribution", "")),
        name=f"{reader.metadata.get('name', '')} overview",
    )  # fmt: skip
    return len(tiles)


def cached_overview(
    reader: PMTilesReader, cache_dir: Path, progress: Progress | None = None
) -> Path:
    """The overview of ``reader``'s archive in ``cache_dir``, built the
    first time it is asked for (under the cache's lock, so processes that start
    together build it once) and written whole or not at all.
    """
    from maps.network import build_lock

    folder = Path(cache_dir) / "maps" / "basemap"
    path = folder / f"{reader.sha256[:16]}-z{LEAST_ZOOM}.pmtiles"
    with _lock:
        if path.is_file():
            return path
        with build_lock(folder):
            if not path.is_file():
                part = path.with_suffix(".part")
                build_overview(reader, part, progress=progress)
                part.replace(path)
    return path
