"""``noriai maps route|search|preview|import|import-tiles``: the maps library from the command line.

Handlers take ``(args, settings)`` (settings is the service's ``Settings``, typed
``Any`` so this library does not import the service) and return the exit code. A
person's mistake prints one line ``noriai: ...`` on stderr and returns 2.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from maps.config import MapsConfig
from maps.errors import MapsError


class UsageError(ValueError):
    """A command-line value a person typed is wrong."""


def _fail(message: str) -> int:
    print(f"noriai: {message}", file=sys.stderr)
    return 2


def parse_latlon(text: str) -> tuple[float, float]:
    """Parse ``"LAT,LON"`` (decimal degrees) or raise ``UsageError``."""
    parts = text.replace("，", ",").split(",")
    try:
        if len(parts) != 2:
            raise ValueError
        lat, lon = float(parts[0]), float(parts[1])
    except ValueError:
        msg = f"expected LAT,LON in decimal degrees (e.g. 35.89003,140.66446), got {text!r}"
        raise UsageError(msg) from None
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        msg = f"{text!r} is not a latitude,longitude pair"
        raise UsageError(msg)
    return lat, lon


def maps_config(args: argparse.Namespace, settings: Any) -> MapsConfig:
    """The ``MapsConfig`` of a command: ``--data-dir`` if given, else the service's own
    (``settings.maps_config()`` when the settings offer it, so the CLI and the API share
    one cache), else the bundled ``settings.city`` cached under ``cache_dir/maps``.
    """
    cache_dir = Path(settings.cache_dir) / "maps"
    data_dir = getattr(args, "data_dir", None)
    if data_dir:
        return MapsConfig(data_dir=Path(data_dir), cache_dir=cache_dir)
    make = getattr(settings, "maps_config", None)
    if callable(make):
        config = make()
        if isinstance(config, MapsConfig):
            return config
    return MapsConfig.bundled(str(settings.city), cache_dir=cache_dir)


def _guard(fn: Any) -> Any:
    def run(args: argparse.Namespace, settings: Any) -> int:
        try:
            return int(fn(args, settings))
        except UsageError as exc:
            return _fail(str(exc))
        except MapsError as exc:
            return _fail(f"{exc.message_en} / {exc.message_ja}")
        except OSError as exc:
            return _fail(f"{exc.filename or ''}: {exc.strerror or exc}")

    run.__doc__ = fn.__doc__
    return run


def _print_json(data: Any) -> None:
    print(json.dumps(data, ensure_ascii=False, indent=2))


def cmd_route(args: argparse.Namespace, settings: Any) -> int:
    """Snap two points, print the fastest route's duration, distance and snap distances."""
    from maps.citymap import load_map

    a_lat, a_lon = parse_latlon(args.origin)
    b_lat, b_lon = parse_latlon(args.destination)
    city_map = load_map(maps_config(args, settings))
    a, b = city_map.snap(a_lat, a_lon), city_map.snap(b_lat, b_lon)
    route = city_map.route(a.node, b.node)
    out: dict[str, Any] = {
        "duration_s": route.duration_s,
        "duration_min": round(route.duration_s / 60, 1),
        "distance_m": route.distance_m,
        "from": {"node": a.node, "snap_distance_m": round(a.snap_distance_m, 1), "area": a.area},
        "to": {"node": b.node, "snap_distance_m": round(b.snap_distance_m, 1), "area": b.area},
        "snap_distance_from_m": round(a.snap_distance_m, 1),
        "snap_distance_to_m": round(b.snap_distance_m, 1),
    }
    if args.geometry:
        out["geometry"] = route.to_geojson()["geometry"]
    _print_json(out)
    return 0


def cmd_search(args: argparse.Namespace, settings: Any) -> int:
    """Print destinations (and towns) whose names match the text, as JSON."""
    from maps.citymap import load_map

    city_map = load_map(maps_config(args, settings))
    if args.category and args.category not in city_map.places.categories():
        known = ", ".join(city_map.places.categories())
        raise UsageError(f"unknown category {args.category!r} (known: {known})")
    places = city_map.places.search(args.text, category=args.category, limit=args.limit)
    towns = [] if args.category else city_map.towns.search(args.text, limit=args.limit)
    _print_json(
        {
            "places": [
                {"id": p.id, "name": p.name, "category": p.category, "lat": p.lat, "lon": p.lon}
                for p in places
            ],
            "towns": [
                {"name": t.full_name, "postal_code": t.postal_code, "lat": t.lat, "lon": t.lon}
                for t in towns
            ],
        }
    )
    return 0


def cmd_preview(args: argparse.Namespace, settings: Any) -> int:
    """Write the self-contained map preview page to ``--out``."""
    from maps.citymap import load_map
    from maps.preview import render_preview_html

    page = render_preview_html(load_map(maps_config(args, settings)))
    out = Path(args.out)
    out.write_text(page, encoding="utf-8")
    print(f"wrote {out} ({len(page.encode()) // 1024} KB)", file=sys.stderr)
    return 0


def cmd_import(args: argparse.Namespace, settings: Any) -> int:
    """Build a city data folder from an OSM extract (see ``maps.importer``)."""
    from maps.importer import import_osm

    src = Path(args.file)
    if not (src.name.endswith((".osm", ".osm.bz2", ".osm.gz", ".xml", ".pbf"))):
        raise UsageError(f"{src}: expected an .osm (XML) or .osm.pbf file")
    result = import_osm(
        src,
        Path(args.boundary),
        Path(args.out),
        name=args.name,
        log=lambda m: print(f"maps import: {m}", file=sys.stderr),
    )
    print(
        f"wrote {result.graph_path} ({result.nodes} nodes, {result.edges} edges) and "
        f"{result.out_dir / 'city.toml'}; serve it from where it lies with "
        f'maps_dir = "{result.out_dir.resolve()}" under [city] in the city\'s rules file '
        f"(NORIAI_CITY_FILE), or try it with --data-dir {result.out_dir}",
        file=sys.stderr,
    )
    return 0


def cmd_tiles(args: argparse.Namespace, settings: Any) -> int:
    """Pack a folder or tarball of vector tiles into the city's PMTiles basemap, and
    build its overview zooms into the cache (with a running count)."""
    from tqdm import tqdm

    from maps.overview import cached_overview
    from maps.tiles import PMTilesReader, build_pmtiles

    out_dir = Path(args.out)
    out = out_dir / f"{out_dir.name}_basemap.pmtiles"
    count = build_pmtiles(
        Path(args.tiles),
        out,
        attribution="© OpenMapTiles © OpenStreetMap contributors",
        name=out_dir.name,
    )
    print(
        f"wrote {out} ({count} tiles, {out.stat().st_size // 1024} KB); add "
        f'basemap = "{out.name}" under [files] in {out_dir / "city.toml"}',
        file=sys.stderr,
    )
    reader = PMTilesReader(out)
    with tqdm(desc="maps import-tiles: overview zooms", unit=" tiles") as bar:

        def step(done: int, total: int) -> None:
            bar.total = total
            bar.update(done - bar.n)

        # the server's own cache folder (the same one its road network's forms go in)
        overview = cached_overview(reader, maps_config(args, settings).cache_dir, progress=step)
    print(
        f"wrote the zoomed-out tiles to {overview} ({overview.stat().st_size // 1024} KB, "
        "derived: the server builds them again there if they are missing)",
        file=sys.stderr,
    )
    return 0


def add_commands(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Register ``noriai maps route|search|preview|import`` on the ``noriai`` parser."""
    maps_parser = subparsers.add_parser("maps", help="road network, routes, places, map preview")
    sub = maps_parser.add_subparsers(dest="maps_command", metavar="SUBCOMMAND", required=True)

    def city_options(p: argparse.ArgumentParser) -> None:
        p.add_argument("--data-dir", help="city data folder (default: the bundled city)")

    p = sub.add_parser("route", help="fastest route between two points (JSON)")
    p.add_argument("--from", dest="origin", required=True, metavar="LAT,LON")
    p.add_argument("--to", dest="destination", required=True, metavar="LAT,LON")
    p.add_argument("--geometry", action="store_true", help="include the GeoJSON LineString")
    city_options(p)
    p.set_defaults(handler=_guard(cmd_route))

    p = sub.add_parser("search", help="find destinations and towns by name (JSON)")
    p.add_argument("text", help="name or part of it (kana/kanji, any width)")
    p.add_argument("--category", help="only this category (e.g. hospital)")
    p.add_argument("--limit", type=int, default=20)
    city_options(p)
    p.set_defaults(handler=_guard(cmd_search))

    p = sub.add_parser("preview", help="write a self-contained HTML map of the city")
    p.add_argument("--out", required=True, metavar="FILE.html")
    city_options(p)
    p.set_defaults(handler=_guard(cmd_preview))

    p = sub.add_parser("import", help="build a city data folder from an OpenStreetMap extract")
    p.add_argument("file", metavar="FILE.osm|FILE.osm.pbf")
    p.add_argument("--boundary", required=True, metavar="FILE.geojson")
    p.add_argument("--out", required=True, metavar="DIR")
    p.add_argument("--name", help="city name for city.toml (default: the folder name)")
    p.set_defaults(handler=_guard(cmd_import))

    p = sub.add_parser(
        "import-tiles", help="pack OpenMapTiles vector tiles (folder or .tar.gz) as the basemap"
    )
    p.add_argument("tiles", metavar="DIR|FILE.tar.gz", help="z/x/y.pbf or x_y.pbf (z14) tiles")
    p.add_argument("--out", required=True, metavar="DIR", help="the city's data folder")
    p.set_defaults(handler=_guard(cmd_tiles))
