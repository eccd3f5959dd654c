"""The ``noriai`` command line: one parser, sub-commands contributed by each package.

Each package exposes ``add_commands(subparsers)``; a command's handler takes
``(args, settings)`` and returns the exit code. Settings are built once here
(the only place besides the API's lifespan that creates them) and handed down.
Errors a person can fix are printed as one line with a non-zero exit.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from typing import Any

from pydantic import ValidationError

from booking_api import commands, export_cli, notifier_cli
from booking_api.settings import Settings, SettingsError


def build_parser() -> argparse.ArgumentParser:
    """Return the top-level parser with every package's sub-commands registered."""
    from bench import cli as bench_cli
    from dispatch import cli as dispatch_cli
    from fares import cli as fares_cli
    from maps import cli as maps_cli

    parser = argparse.ArgumentParser(
        prog="noriai",
        description="Noriai (乗合): demand-responsive shared taxi booking and dispatch",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    commands.add_commands(sub)
    notifier_cli.add_commands(sub)
    fares_cli.add_commands(sub)
    export_cli.add_commands(sub)
    maps_cli.add_commands(sub)
    dispatch_cli.add_commands(sub)
    bench_cli.add_commands(sub)
    return parser


def _problem(error: Any) -> str:
    where = ".".join(map(str, error["loc"]))
    what = str(error["msg"]).removeprefix("Value error, ")
    return f"{where}: {what}" if where else what


def main(argv: Sequence[str] | None = None) -> int:
    """Parse ``argv``, build the settings and run the chosen command."""
    parser = build_parser()
    args = parser.parse_args(argv)
    handler = getattr(args, "handler", None)
    if handler is None:
        parser.print_help()
        return 2
    try:
        settings = Settings()
    except ValidationError as exc:
        problems = "; ".join(_problem(e) for e in exc.errors())
        print(f"noriai: configuration error: {problems}", file=sys.stderr)
        return 2
    except SettingsError as exc:
        print(f"noriai: configuration error: {exc}", file=sys.stderr)
        return 2
    try:
        return int(handler(args, settings))
    except SettingsError as exc:
        print(f"noriai: configuration error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
