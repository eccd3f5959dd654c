"""``noriai serve`` and ``noriai demo``: start the API (and, for the demo, a simulated fleet)."""

from __future__ import annotations

import argparse


def add_commands(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Register the service's sub-commands on the ``noriai`` parser."""
