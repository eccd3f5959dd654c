"""The basemap: OpenMapTiles vector tiles packed into one PMTiles v3 archive.

``build_pmtiles`` reads a folder or tarball of ``z/x/y.pbf`` or ``{x}_{y}.pbf`` tiles
(the bundled Kamisu tiles are z14 only) and writes a PMTiles v3 file
(https://github.com/protomaps/PMTiles/blob/main/spec/v3/spec.md): gzip-compressed
tiles, one gzip root directory, JSON metadata. ``PMTilesReader`` reads such a file
back, so the server can answer ``/tiles/{z}/{x}/{y}.pbf`` without any other library.
The archive is small (a few MB for a town) so every tile is kept in one root
directory; leaf directories are not written.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import re
import struct
import tarfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from maps.errors import MapDataError
from maps.mvt import put_varint, read_varint

MAGIC = b"PMTiles\x03"
HEADER_LEN = 127
_COMPRESSION_GZIP = 2
_TILE_TYPE_MVT = 1
_NAME = re.compile(r"(?:(\d+)/(\d+)/(\d+)|(\d+)_(\d+))\.pbf$")


def _rotate(n: int, x: int, y: int, rx: int, ry: int) -> tuple[int, int]:
    if ry == 0:
        if rx != 0:
            x, y = n - 1 - x, n - 1 - y
        x, y = y, x
    return x, y


def zxy_to_tileid(z: int, x: int, y: int) -> int:
    """The PMTiles tile id of ``z/x/y``: tiles of lower zooms first, then the Hilbert
    curve index inside the zoom (the spec's order, so nearby tiles sit together).
    """
    if not (0 <= x < (1 << z) and 0 <= y < (1 << z)):
        msg = f"tile {z}/{x}/{y} is outside its zoom level"
        raise ValueError(msg)
    acc = ((1 << (z * 2)) - 1) // 3
    for a in range(z - 1, -1, -1):
        s = 1 << a
        rx, ry = s & x, s & y
        acc += ((3 * rx) ^ ry) << a
        x, y = _rotate(s, x, y, rx, ry)
    return acc


def tileid_to_zxy(tile_id: int) -> tuple[int, int, int]:
    """The ``(z, x, y)`` of a PMTiles tile id (the inverse of ``zxy_to_tileid``)."""
    z = 0
    while tile_id >= ((1 << (2 * (z + 1))) - 1) // 3:
        z += 1
    pos = tile_id - ((1 << (2 * z)) - 1) // 3
    x = y = 0
    s = 1
    while s < (1 << z):
        rx = 1 & (pos // 2)
        ry = 1 & (pos ^ rx)
        x, y = _rotate(s, x, y, rx, ry)
        x += s * rx
        y += s * ry
        pos //= 4
        s *= 2
    return z, x, y


@dataclass(frozen=True)
class Entry:
    """One directory entry: tiles ``tile_id .. tile_id+run_length-1`` share the bytes
    at ``offset`` (relative to the tile data section) of ``length``.
    """

    tile_id: int
    offset: int
    length: int
    run_length: int = 1


def _serialize_directory(entries: list[Entry]) -> bytes:
    out = bytearray()
    put_varint(out, len(entries))
    last = 0
    for e in entries:
        put_varint(out, e.tile_id - last)
        last = e.tile_id
    for e in entries:
        put_varint(out, e.run_length)
    for e in entries:
        put_varint(out, e.length)
    for i, e in enumerate(entries):
        prev = entries[i - 1] if i else None
        contiguous = prev is not None and e.offset == prev.offset + prev.length
        put_varint(out, 0 if contiguous else e.offset + 1)
    return gzip.compress(bytes(out), mtime=0)


def _deserialize_directory(data: bytes) -> list[Entry]:
    buf = gzip.decompress(data)
    n, pos = read_varint(buf, 0)
    ids, runs, lengths = [], [], []
    last = 0
    for _ in range(n):
        d, pos = read_varint(buf, pos)
        last += d
        ids.append(last)
    for _ in range(n):
        r, pos = read_varint(buf, pos)
        runs.append(r)
    for _ in range(n):
        ln, pos = read_varint(buf, pos)
        lengths.append(ln)
    entries: list[Entry] = []
    for i in range(n):
        o, pos = read_varint(buf, pos)
        offset = entries[-1].offset + entries[-1].length if o == 0 and i else o - 1
        entries.append(Entry(ids[i], offset, lengths[i], runs[i]))
    return entries


def _tile_to_lonlat(z: int, x: float, y: float) -> tuple[float, float]:
    import math

    n = 1 << z
    lon = x / n * 360.0 - 180.0
    lat = math.degrees(math.atan(math.sinh(math.pi * (1 - 2 * y / n))))
    return lon, lat


def read_tiles(source: Path) -> Iterator[tuple[int, int, int, bytes]]:
    """Yield ``(z, x, y, mvt_bytes)`` from a folder or ``.tar(.gz)`` of tiles named
    ``z/x/y.pbf`` or ``{x}_{y}.pbf`` (the latter taken as zoom 14, the OpenMapTiles
    detail zoom). Gzipped tile files are unpacked, so the archive compresses once.
    """

    def parse(name: str) -> tuple[int, int, int] | None:
        m = _NAME.search(name)
        if m is None:
            return None
        if m.group(1) is not None:
            return int(m.group(1)), int(m.group(2)), int(m.group(3))
        return 14, int(m.group(4)), int(m.group(5))

    def plain(data: bytes) -> bytes:
        return gzip.decompress(data) if data[:2] == b"\x1f\x8b" else data

    if source.is_dir():
        for path in sorted(source.rglob("*.pbf")):
            zxy = parse(path.relative_to(source).as_posix())
            if zxy:
                yield (*zxy, plain(path.read_bytes()))
        return
    if not source.is_file():
        raise MapDataError(f"{source}: no such tile folder or file", f"{source} がありません")
    try:
        with tarfile.open(source) as tar:
            for member in tar:
                zxy = parse(member.name) if member.isfile() else None
                handle = tar.extractfile(member) if zxy else None
                if zxy and handle is not None:
                    yield (*zxy, plain(handle.read()))
    except tarfile.TarError as exc:
        msg = f"{source}: not a tar archive of vector tiles ({exc})"
        raise MapDataError(msg, f"{source} はタイルの tar アーカイブではありません") from None


def build_pmtiles(source: Path, out: Path, *, attribution: str, name: str) -> int:
    """Write the tiles of ``source`` (see ``read_tiles``) as one PMTiles v3 archive at
    ``out``; return the number of tiles. Identical tiles (open sea) are stored once.
    """
    found = list(read_tiles(source))
    if not found:
        raise MapDataError(f"{source}: no .pbf tiles found", f"{source} にタイルがありません")
    write_pmtiles(found, out, attribution=attribution, name=name)
    return len(found)


def write_pmtiles(
    found: list[tuple[int, int, int, bytes]], out: Path, *, attribution: str, name: str
) -> None:
    """Write ``(z, x, y, mvt_bytes)`` tiles (uncompressed, at least one) as a PMTiles
    v3 archive at ``out``, each tile gzip-compressed, identical tiles stored once.
    """
    tiles = sorted((zxy_to_tileid(z, x, y), z, x, y, data) for z, x, y, data in found)
    if not tiles:
        raise MapDataError("no tiles to write", "書き出すタイルがありません")
    blobs = io.BytesIO()
    seen: dict[bytes, Entry] = {}
    entries: list[Entry] = []
    for tile_id, _z, _x, _y, data in tiles:
        packed = gzip.compress(data, compresslevel=9, mtime=0)
        if packed in seen:
            first = seen[packed]
            entries.append(Entry(tile_id, first.offset, first.length))
            continue
        entry = Entry(tile_id, blobs.tell(), len(packed))
        blobs.write(packed)
        seen[packed] = entry
        entries.append(entry)
    zooms = [t[1] for t in tiles]
    zmax = max(zooms)
    top = [t for t in tiles if t[1] == zmax]
    west, north = _tile_to_lonlat(zmax, min(t[2] for t in top), min(t[3] for t in top))
    east, south = _tile_to_lonlat(zmax, max(t[2] for t in top) + 1, max(t[3] for t in top) + 1)
    meta = {
        "name": name,
        "format": "pbf",
        "attribution": attribution,
        "vector_layers": [],
    }
    root = _serialize_directory(entries)
    metadata = gzip.compress(json.dumps(meta, ensure_ascii=False).encode(), mtime=0)
    data = blobs.getvalue()
    root_off = HEADER_LEN
    meta_off = root_off + len(root)
    data_off = meta_off + len(metadata)

    def e7(v: float) -> int:
        return round(v * 10_000_000)

    header = MAGIC + struct.pack(
        "<QQQQQQQQQQQBBBBBBiiiiBii",
        root_off, len(root), meta_off, len(metadata), data_off + len(data), 0,
        data_off, len(data), len(tiles), len(entries), len(seen),
        1, _COMPRESSION_GZIP, _COMPRESSION_GZIP, _TILE_TYPE_MVT, min(zooms), zmax,
        e7(west), e7(south), e7(east), e7(north),
        zmax, e7((west + east) / 2), e7((south + north) / 2),
    )  # fmt: skip
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_bytes(header + root + metadata + data)


class PMTilesReader:
    """Tiles of a PMTiles v3 archive with a single root directory (what
    ``build_pmtiles`` writes), read into memory once; ``tile`` returns the tile's
    stored (gzip) bytes or ``None``. ``sha256`` is the archive's digest (hex): the same
    file gives the same value in every process, so it can name the tiles' version.
    """

    def __init__(self, path: Path) -> None:
        buf = Path(path).read_bytes()
        if len(buf) < HEADER_LEN or buf[:8] != MAGIC:
            raise MapDataError(
                f"{path}: not a PMTiles v3 archive", f"{path} は PMTiles ではありません"
            )
        f = struct.unpack_from("<QQQQQQQQQQQBBBBBBiiiiBii", buf, 8)
        root_off, root_len, meta_off, meta_len, _leaf_off, leaf_len, data_off = f[:7]
        if leaf_len:
            raise MapDataError(
                f"{path}: leaf directories are not supported", f"{path} は未対応の形式です"
            )
        self.sha256 = hashlib.sha256(buf).hexdigest()
        self.min_zoom, self.max_zoom = f[15], f[16]
        self.bounds = tuple(v / 10_000_000 for v in f[17:21])
        self.metadata = json.loads(gzip.decompress(buf[meta_off : meta_off + meta_len]))
        self._data = buf[data_off:]
        self._entries = {
            e.tile_id + k: e
            for e in _deserialize_directory(buf[root_off : root_off + root_len])
            for k in range(e.run_length)
        }

    def tile_ids(self) -> list[tuple[int, int, int]]:
        """Every ``(z, x, y)`` the archive has a tile for, lower zooms first."""
        return [tileid_to_zxy(t) for t in sorted(self._entries)]

    def tile(self, z: int, x: int, y: int) -> bytes | None:
        """The stored bytes (gzip-compressed MVT) of tile ``z/x/y``, or ``None``."""
        try:
            entry = self._entries.get(zxy_to_tileid(z, x, y))
        except ValueError:
            return None
        if entry is None:
            return None
        return self._data[entry.offset : entry.offset + entry.length]
