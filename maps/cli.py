"""Command-line sub-commands of ``maps`` (registered by ``booking_api.cli``)."""

from __future__ import annotations

import argparse


def add_commands(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Register this package's sub-commands on the ``noriai`` parser."""
