"""``noriai bench``: benchmarks that print figures and ratios against a baseline of the same run.

Each benchmark lives in its own module of this package with
``add_arguments(parser)`` and ``run(args, settings) -> int``; modules are
imported only when their command runs, so one benchmark's heavy dependencies
never slow another.
"""

from __future__ import annotations

import argparse
import importlib
from typing import Any

BENCHMARKS = {
    "matrix": ("bench.matrix", "travel-time matrices: pyroutingkit CCH against scipy Dijkstra"),
    "quote": ("bench.quote", "instant-quote latency p50/p99 at two fleet sizes"),
    "darp": ("bench.darp", "Cordeau DARP instances: cost, gap to reference, feasibility"),
    "darp-gen": ("bench.darpgen", "write generated DARP days (Cordeau format) into a folder"),
    "ladder": ("bench.ladder", "generated DARP days of 100-300 requests: gaps to long runs"),
    "pdptw": ("bench.pdptw", "Li & Lim PDPTW instances against best-known, pyvroom and PyVRP"),
    "load": ("bench.load", "quotes and bookings at 8/32/128 clients on PostgreSQL, 2 workers"),
    "pages": ("bench.pages", "the apps' first and repeat load on slow 3G, against no caching"),
    "notify": ("bench.notify", "delivery latency p50/p99 of 1,000 queued messages, two providers"),
}


def _runner(module_name: str) -> Any:
    def run(args: argparse.Namespace, settings: Any) -> int:
        module = importlib.import_module(module_name)
        return int(module.run(args, settings))

    return run


def _run_all(args: argparse.Namespace, settings: Any) -> int:
    worst = 0
    for name, (module_name, _) in BENCHMARKS.items():
        module = importlib.import_module(module_name)
        if getattr(module, "ALL_DEFAULT_ARGS", []) is None:
            continue  # a tool, not a measurement
        print(f"\n=== noriai bench {name} ===", flush=True)
        sub = argparse.ArgumentParser(prog=f"noriai bench {name}")
        module.add_arguments(sub)
        sub_args = sub.parse_args(getattr(module, "ALL_DEFAULT_ARGS", []))
        worst = max(worst, int(module.run(sub_args, settings)))
    return worst


def add_commands(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Register ``noriai bench <name>`` for every benchmark module, plus ``all``."""
    bench = subparsers.add_parser("bench", help="run benchmarks (print figures)")
    sub = bench.add_subparsers(dest="bench", metavar="BENCHMARK", required=True)
    for name, (module_name, help_text) in BENCHMARKS.items():
        p = sub.add_parser(name, help=help_text)
        try:
            importlib.import_module(module_name).add_arguments(p)
        except ModuleNotFoundError as exc:
            if exc.name != module_name:
                raise
            continue
        p.set_defaults(handler=_runner(module_name))
    p_all = sub.add_parser("all", help="run every benchmark with its default arguments")
    p_all.set_defaults(handler=_run_all)
