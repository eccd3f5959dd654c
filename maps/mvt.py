"""Mapbox Vector Tiles (https://github.com/mapbox/vector-tile-spec, version 2) read and
written without a protobuf library: layers of features with their attributes and
their geometry as Shapely objects in tile coordinates (0..extent, y down).

Only what the basemap's overview zooms need (``maps.overview``): a tile decoded, its
features changed, and the tile encoded again. Polygons follow the spec's winding (an
exterior ring has a positive surveyor's area in tile coordinates, holes negative), so
a ring read back is an exterior or a hole by its sign.
"""

from __future__ import annotations

import struct
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from shapely.geometry import LineString, MultiLineString, MultiPoint, MultiPolygon, Point, Polygon
from shapely.geometry.base import BaseGeometry
from shapely.geometry.polygon import orient

POINT, LINE, POLYGON = 1, 2, 3


@dataclass
class Feature:
    """One feature: its id (0 when it has none), attributes and geometry."""

    geometry: BaseGeometry
    properties: dict[str, Any]
    id: int = 0


@dataclass
class Layer:
    """One layer of a tile: its name, extent and features."""

    name: str
    extent: int = 4096
    features: list[Feature] = field(default_factory=list)


def read_varint(buf: bytes, pos: int) -> tuple[int, int]:
    """Read one unsigned LEB128 varint (protobuf's, and PMTiles' directories') at ``pos``;
    return it and the position after it."""
    value = shift = 0
    while True:
        byte = buf[pos]
        pos += 1
        value |= (byte & 0x7F) << shift
        if byte < 0x80:
            return value, pos
        shift += 7


def _fields(buf: bytes) -> list[tuple[int, Any]]:
    """The (field number, value) pairs of one message; bytes for length-delimited ones."""
    out: list[tuple[int, Any]] = []
    pos = 0
    while pos < len(buf):
        key, pos = read_varint(buf, pos)
        number, wire = key >> 3, key & 7
        value: Any
        if wire == 0:
            value, pos = read_varint(buf, pos)
        elif wire == 1:
            value, pos = buf[pos : pos + 8], pos + 8
        elif wire == 2:
            n, pos = read_varint(buf, pos)
            value, pos = buf[pos : pos + n], pos + n
        elif wire == 5:
            value, pos = buf[pos : pos + 4], pos + 4
        else:
            raise ValueError(f"vector tile: wire type {wire} is not supported")
        out.append((number, value))
    return out


def _packed(buf: bytes) -> list[int]:
    out, pos = [], 0
    while pos < len(buf):
        v, pos = read_varint(buf, pos)
        out.append(v)
    return out


def _zigzag(n: int) -> int:
    return (n >> 1) ^ -(n & 1)


def _value(buf: bytes) -> Any:
    for number, v in _fields(buf):
        if number == 1:
            return bytes(v).decode()
        if number == 2:
            return struct.unpack("<f", v)[0]
        if number == 3:
            return struct.unpack("<d", v)[0]
        if number == 4:
            return v - (1 << 64) if v >= 1 << 63 else v
        if number == 5:
            return v
        if number == 6:
            return _zigzag(v)
        if number == 7:
            return bool(v)
    return None


def _signed_area(ring: list[tuple[int, int]]) -> float:
    pairs = zip(ring, ring[1:] + ring[:1], strict=True)
    return sum(x0 * y1 - x1 * y0 for (x0, y0), (x1, y1) in pairs) / 2


def _geometry(kind: int, cmds: list[int]) -> BaseGeometry | None:
    parts: list[list[tuple[int, int]]] = []
    x = y = i = 0
    while i < len(cmds):
        op, count = cmds[i] & 7, cmds[i] >> 3
        i += 1
        if op == 7:
            continue  # ClosePath: the ring closes itself
        for _ in range(count):
            x += _zigzag(cmds[i])
            y += _zigzag(cmds[i + 1])
            i += 2
            if op == 1:
                parts.append([(x, y)])
            else:
                parts[-1].append((x, y))
    if kind == POINT:
        pts = [p[0] for p in parts]
        if not pts:
            return None
        return Point(pts[0]) if len(pts) == 1 else MultiPoint(pts)
    if kind == LINE:
        lines = [p for p in parts if len(p) > 1]
        if not lines:
            return None
        return LineString(lines[0]) if len(lines) == 1 else MultiLineString(lines)
    if kind == POLYGON:
        polys: list[list[list[tuple[int, int]]]] = []
        for ring in parts:
            if len(ring) < 3:
                continue
            area = _signed_area(ring)
            if area > 0 or not polys:
                polys.append([ring])
            elif area < 0:
                polys[-1].append(ring)
        if not polys:
            return None
        shapes = [Polygon(p[0], p[1:]) for p in polys]
        return shapes[0] if len(shapes) == 1 else MultiPolygon(shapes)
    return None


Keep = Callable[[str, dict[str, Any]], bool]


def decode(data: bytes, keep: Keep | None = None) -> list[Layer]:
    """The layers of an (uncompressed) vector tile; features of unknown types are
    skipped, and so are those ``keep(layer name, attributes)`` refuses (their geometry
    is never built).
    """
    layers = []
    for number, lbuf in _fields(data):
        if number != 3:
            continue
        name, extent = "", 4096
        keys: list[str] = []
        values: list[Any] = []
        raw: list[bytes] = []
        for n, v in _fields(lbuf):
            if n == 1:
                name = bytes(v).decode()
            elif n == 5:
                extent = v
            elif n == 3:
                keys.append(bytes(v).decode())
            elif n == 4:
                values.append(_value(v))
            elif n == 2:
                raw.append(v)
        layer = Layer(name, extent)
        for fbuf in raw:
            fid, kind = 0, 0
            tags: list[int] = []
            cmds: list[int] = []
            for n, v in _fields(fbuf):
                if n == 1:
                    fid = v
                elif n == 2:
                    tags = _packed(v) if isinstance(v, bytes) else [*tags, v]
                elif n == 3:
                    kind = v
                elif n == 4:
                    cmds = _packed(v)
            props = {keys[tags[k]]: values[tags[k + 1]] for k in range(0, len(tags) - 1, 2)}
            if keep is not None and not keep(name, props):
                continue
            geom = _geometry(kind, cmds)
            if geom is not None and not geom.is_empty:
                layer.features.append(Feature(geom, props, fid))
        layers.append(layer)
    return layers


def put_varint(out: bytearray, value: int) -> None:
    """Append ``value`` as a varint (a negative one as its 64-bit two's complement)."""
    value &= (1 << 64) - 1
    while value >= 0x80:
        out.append((value & 0x7F) | 0x80)
        value >>= 7
    out.append(value)


def _put(out: bytearray, number: int, payload: bytes | int) -> None:
    if isinstance(payload, int):
        put_varint(out, number << 3)
        put_varint(out, payload)
        return
    put_varint(out, (number << 3) | 2)
    put_varint(out, len(payload))
    out += payload


def _encode_value(v: Any) -> bytes:
    out = bytearray()
    if isinstance(v, bool):
        _put(out, 7, int(v))
    elif isinstance(v, int):
        if v >= 0:
            _put(out, 5, v)
        else:
            _put(out, 6, (v << 1) ^ (v >> 63))
    elif isinstance(v, float):
        put_varint(out, (3 << 3) | 1)
        out += struct.pack("<d", v)
    else:
        _put(out, 1, str(v).encode())
    return bytes(out)


def _zz(n: int) -> int:
    return (n << 1) ^ (n >> 31)


def _commands(geom: BaseGeometry) -> tuple[int, list[int]]:
    """The geometry type and command integers of a Shapely geometry (rounded to ints)."""
    cmds: list[int] = []
    cur = [0, 0]

    def path(coords: list[tuple[float, float]], close: bool) -> None:
        pts = [(round(x), round(y)) for x, y in coords]
        if close and len(pts) > 1 and pts[0] == pts[-1]:
            pts = pts[:-1]
        dedup = [p for k, p in enumerate(pts) if k == 0 or p != pts[k - 1]]
        if len(dedup) < (3 if close else 2):
            return
        for k, (x, y) in enumerate(dedup):
            if k == 0:
                cmds.append(1 | (1 << 3))
            elif k == 1:
                cmds.append(2 | ((len(dedup) - 1) << 3))
            cmds.extend((_zz(x - cur[0]), _zz(y - cur[1])))
            cur[0], cur[1] = x, y
        if close:
            cmds.append(7 | (1 << 3))

    if isinstance(geom, (Point, MultiPoint)):
        pts = [geom] if isinstance(geom, Point) else list(geom.geoms)
        cmds.append(1 | (len(pts) << 3))
        for p in pts:
            x, y = round(p.x), round(p.y)
            cmds += [_zz(x - cur[0]), _zz(y - cur[1])]
            cur[0], cur[1] = x, y
        return POINT, cmds
    if isinstance(geom, (LineString, MultiLineString)):
        for line in [geom] if isinstance(geom, LineString) else geom.geoms:
            path(list(line.coords), close=False)
        return LINE, cmds
    for poly in [geom] if isinstance(geom, Polygon) else geom.geoms:  # type: ignore[attr-defined]
        poly = orient(poly, sign=1.0)  # exterior positive, holes negative (the spec's order)
        path(list(poly.exterior.coords), close=True)
        for hole in poly.interiors:
            path(list(hole.coords), close=True)
    return POLYGON, cmds


def encode(layers: list[Layer]) -> bytes:
    """An (uncompressed) vector tile of these layers; empty geometries are left out."""
    tile = bytearray()
    for layer in layers:
        keys: dict[str, int] = {}
        values: dict[tuple[type, Any], int] = {}
        feats = bytearray()
        for f in layer.features:
            kind, cmds = _commands(f.geometry)
            if not cmds:
                continue
            tags: list[int] = []
            for k, v in f.properties.items():
                tags.append(keys.setdefault(k, len(keys)))
                tags.append(values.setdefault((type(v), v), len(values)))
            fb = bytearray()
            if f.id:
                _put(fb, 1, f.id)
            packed = bytearray()
            for t in tags:
                put_varint(packed, t)
            _put(fb, 2, bytes(packed))
            _put(fb, 3, kind)
            packed = bytearray()
            for c in cmds:
                put_varint(packed, c)
            _put(fb, 4, bytes(packed))
            _put(feats, 2, bytes(fb))
        if not feats:
            continue
        lb = bytearray()
        _put(lb, 15, 2)
        _put(lb, 1, layer.name.encode())
        lb += feats
        for k in keys:
            _put(lb, 3, k.encode())
        for _t, v in values:
            _put(lb, 4, _encode_value(v))
        _put(lb, 5, layer.extent)
        _put(tile, 3, bytes(lb))
    return bytes(tile)
