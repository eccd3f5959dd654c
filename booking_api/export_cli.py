"""``noriai export gtfs|gofs|open-data --out DIR``: write the feeds and the open data to files.

The same builders as the served feeds (``/gtfs/flex.zip``, ``/gofs/...``) and the
staff download; a folder that cannot be written is one line on stderr and exit 2.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from booking_api.settings import Settings


def _fail(message: str) -> int:
    print(f"noriai: {message}", file=sys.stderr)
    return 2


def _write(out: Path, files: dict[str, bytes]) -> str | None:
    """Write ``files`` (relative name → bytes) under ``out``; return a problem, or None."""
    if out.exists() and not out.is_dir():
        return f"--out {out} is a file, not a folder"
    try:
        for name, body in files.items():
            path = out / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(body)
    except OSError as exc:
        return f"cannot write to {out}: {exc.strerror or exc}"
    return None


def _now(settings: Settings) -> Any:
    from dispatch.clock import system_clock

    return (
        system_clock(settings.clock_offset_s)
        .now()
        .astimezone(ZoneInfo(settings.city_rules().timezone))
    )


def _gtfs(args: argparse.Namespace, settings: Settings) -> int:
    from booking_api import feedconfig
    from feeds import build_gtfs, zip_feed

    day = _now(settings).date()
    body = zip_feed(
        build_gtfs(feedconfig.feed_config(settings, day), feedconfig.map_data(settings), day)
    )
    problem = _write(Path(args.out), {"flex.zip": body})
    if problem:
        return _fail(problem)
    print(f"noriai: wrote {Path(args.out) / 'flex.zip'} ({len(body):,} bytes)", file=sys.stderr)
    return 0


def _gofs(args: argparse.Namespace, settings: Settings) -> int:
    from datetime import datetime, time

    from booking_api import feedconfig
    from feeds import build_gofs, discovery
    from feeds.gofs import LANGUAGES

    now = _now(settings)
    start = datetime.combine(now.date(), time(), now.tzinfo)
    config = feedconfig.feed_config(settings, now.date())
    data = feedconfig.map_data(settings)

    def dump(doc: Any) -> bytes:
        return json.dumps(doc, ensure_ascii=False, indent=1).encode("utf-8")

    files = {"gofs.json": dump(discovery(config, start))}
    for lang in LANGUAGES:
        for name, doc in build_gofs(config, data, start, lang).items():
            files[f"{lang}/{name}.json"] = dump(doc)
    problem = _write(Path(args.out), files)
    if problem:
        return _fail(problem)
    print(f"noriai: wrote {len(files)} GOFS files under {args.out}", file=sys.stderr)
    return 0


def _open_data(args: argparse.Namespace, settings: Settings) -> int:
    from sqlalchemy.exc import SQLAlchemyError

    from booking_api import feedconfig, opendata
    from dispatch.store.base import make_engine
    from dispatch.store.repo import read_session
    from feeds import MonthError
    from feeds.source import zone_lookup

    rules = settings.city_rules()
    out = Path(args.out)
    if out.exists() and not out.is_dir():
        return _fail(f"--out {out} is a file, not a folder")
    engine = make_engine(settings.resolved_database_url())
    try:
        with read_session(engine) as db:
            files = opendata.export(
                db,
                rules,
                feedconfig.open_data_config(settings),
                zone_lookup(settings.map_dir()),
                args.month,
                _now(settings).date(),
            )
    except MonthError as exc:
        return _fail(str(exc))
    except SQLAlchemyError as exc:
        return _fail(
            f"cannot read the database (run `noriai db upgrade`?): {exc.__class__.__name__}"
        )
    finally:
        engine.dispose()
    problem = _write(out, files)
    if problem:
        return _fail(problem)
    print(
        f"noriai: wrote {len(files)} open-data files for {args.month} under {out}", file=sys.stderr
    )
    return 0


def add_commands(subparsers: Any) -> None:
    """Register ``noriai export gtfs|gofs|open-data``."""
    export = subparsers.add_parser("export", help="write the GTFS-Flex / GOFS feeds or open data")
    sub = export.add_subparsers(dest="export_command", metavar="WHAT", required=True)
    gtfs = sub.add_parser("gtfs", help="the GTFS feed with GTFS-Flex (DIR/flex.zip)")
    gtfs.add_argument("--out", required=True, metavar="DIR", help="folder to write into")
    gtfs.set_defaults(handler=_gtfs)
    gofs = sub.add_parser("gofs", help="the GOFS feed (DIR/gofs.json, DIR/ja/*, DIR/en/*)")
    gofs.add_argument("--out", required=True, metavar="DIR", help="folder to write into")
    gofs.set_defaults(handler=_gofs)
    data = sub.add_parser("open-data", help="a month's ridership open data (CSV, dictionary)")
    data.add_argument("--month", required=True, help="a finished month, YYYY-MM")
    data.add_argument("--out", required=True, metavar="DIR", help="folder to write into")
    data.set_defaults(handler=_open_data)
