"""``noriai bench ladder``: generated DARP days of 100-300 requests against long-run references.

The ladder's instances are made by ``bench.darpgen`` into a cache folder outside
the repository (``platformdirs``' user cache, or ``--dir``) the first time they
are needed, and solved by ``noriai bench darp`` (ours and the plain OR-Tools
baseline in the same run). Their reference values are the best cost our own
solver reached in long runs (``--make-references S`` runs each instance for S
seconds and keeps the lower of that and the value already there), written to
``reference_values.csv`` beside the files with how long the run was. They are
upper bounds, not optima: a gap of 0 means "as good as our longest run".
"""

from __future__ import annotations

import argparse
import csv
import sys
import time
from pathlib import Path
from typing import Any

import platformdirs

from bench import darp
from bench._formats import read_darp
from bench.darpgen import GenSpec, write

# The default run (also in ``noriai bench all``) is short: one uniform and one
# clustered day. ``--full`` is the whole ladder.
SHORT = (GenSpec(100, "uniform", 4, 1), GenSpec(200, "clustered", 4, 1))
FULL = tuple(GenSpec(n, pts, q, seed)
             for n, q in ((100, 4), (150, 3), (200, 4), (300, 6))
             for pts in ("uniform", "clustered") for seed in (1,))
ALL_DEFAULT_ARGS: list[str] = []
FIELDS = ["instance", "reference_cost", "status", "note"]


def default_dir() -> Path:
    """Return the cache folder the ladder's files and references live in."""
    return Path(platformdirs.user_cache_dir("noriai")) / "darp-ladder"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Add the ``noriai bench ladder`` options."""
    parser.add_argument("--dir", type=Path, default=None, metavar="DIR",
                        help=f"where the generated files live (default {default_dir()})")
    parser.add_argument("--full", action="store_true",
                        help="the whole ladder (100-300 requests, 8 days), not the short run")
    parser.add_argument("--time-limit", type=float, default=10.0, metavar="S")
    parser.add_argument("--solution-limit", type=int, default=None, metavar="N")
    parser.add_argument("--baseline", action=argparse.BooleanOptionalAction, default=True)
    parser.add_argument("--peer", choices=sorted(darp.PEERS), default="plain",
                        help="the baseline (see noriai bench darp --peer)")
    parser.add_argument("--darp-share", type=float, default=darp.DARP_SHARE, metavar="F")
    parser.add_argument("--darp-iterations", type=int, default=None, metavar="N")
    parser.add_argument("--only", nargs="*", default=None, metavar="NAME",
                        help="only these instances of the ladder (e.g. g100-u1-q4)")
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--make-references", type=float, default=None, metavar="S",
                        help="instead: run each instance S seconds and update the references")
    parser.set_defaults(handler=run)


def ensure(specs: tuple[GenSpec, ...], folder: Path) -> list[Path]:
    """Return the paths of ``specs``' files in ``folder``, generating those not there yet."""
    paths = []
    for spec in specs:
        path = folder / f"{spec.name}.txt"
        paths.append(path if path.is_file() else write(spec, folder))
    return paths


def read_references(folder: Path) -> dict[str, dict[str, str]]:
    """Return the rows of ``folder``'s ``reference_values.csv`` by instance (empty if none)."""
    path = folder / "reference_values.csv"
    if not path.is_file():
        return {}
    with path.open() as fh:
        return {r["instance"]: r for r in csv.DictReader(fh)}


def update_reference(folder: Path, name: str, cost: float, note: str) -> bool:
    """Record ``cost`` for ``name`` if it beats the value there; return whether it did."""
    rows = read_references(folder)
    old = rows.get(name)
    if old is not None and float(old["reference_cost"]) <= cost:
        return False
    rows[name] = {"instance": name, "reference_cost": f"{cost:.2f}", "status": "long-run",
                  "note": note}
    tmp = folder / "reference_values.csv.tmp"
    with tmp.open("w", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=FIELDS)
        w.writeheader()
        w.writerows(rows[k] for k in sorted(rows))
    tmp.replace(folder / "reference_values.csv")
    return True


def _make_references(paths: list[Path], folder: Path, seconds: float) -> int:
    for path in paths:
        inst = read_darp(path)
        problem = darp.to_problem(inst)
        print(f"{inst.name}: {seconds:g} s ...", file=sys.stderr, flush=True)
        res = darp._solve_one(inst, problem, darp.OURS, seconds, 0)
        if not res["feasible"] or res["cost"] is None:
            print(f"{inst.name}: no feasible plan ({'; '.join(res['faults'][:2])})")
            continue
        note = f"ours (lns + darp search), {seconds:g} s, {time.strftime('%Y-%m-%d')}"
        kept = update_reference(folder, inst.name, res["cost"], note)
        print(f"{inst.name}: {res['cost']:.2f} {'(new reference)' if kept else '(kept old)'}",
              flush=True)
    return 0


def run(args: argparse.Namespace, settings: Any) -> int:
    """Generate what is missing, then solve the ladder (or make its references)."""
    folder: Path = args.dir or default_dir()
    paths = ensure(FULL if args.full else SHORT, folder)
    if args.make_references is not None:
        return _make_references(paths, folder, args.make_references)
    if not read_references(folder):
        print(f"(no reference values in {folder} yet: `noriai bench ladder --full "
              "--make-references 600` makes them)")
    sub = argparse.ArgumentParser()
    darp.add_arguments(sub)
    if args.only:
        paths = [p for p in paths if p.stem in set(args.only)]
    argv = [str(p) for p in paths] + ["--time-limit", str(args.time_limit),
                                      "--peer", args.peer, "--darp-share", str(args.darp_share)]
    if args.solution_limit is not None:
        argv += ["--solution-limit", str(args.solution_limit)]
    if args.darp_iterations is not None:
        argv += ["--darp-iterations", str(args.darp_iterations)]
    if not args.baseline:
        argv.append("--no-baseline")
    if args.json:
        argv.append("--json")
    return darp.run(sub.parse_args(argv), settings)
