"""``noriai bench load``: quotes and bookings under concurrent clients, against real servers.

The benchmark starts its own stack on the local PostgreSQL and Redis: a throwaway
database, a private Redis database, ``noriai serve --workers N`` and ``noriai
dispatcher`` as subprocesses (``bench._loadstack``: their own process groups,
killed and the database dropped at the end, also on Ctrl-C or an error). Its
clients (``bench._loadclients``) seed a full Kamisu day through the API (the
scenario's vehicles with shifts, a few hundred approved members, ``--prefill``
booked rides; once, each run gets a copy of that database), then drives closed-loop clients at each
``--levels`` count for ``--seconds``: quotes (``POST /api/v1/quotes``) and
bookings (a quote, then ``POST /api/v1/bookings``), each client on one keep-alive
connection of its own (``bench._rawhttp``: httpx's pool and CPU made the client
itself the slowest part of the 1 % slowest quotes). Clients wait out a
``Retry-After`` as a well-behaved app does. Per level and kind it prints the
answers by status, throughput and latency percentiles of the answered (non-503)
requests. The baseline, measured in the same run on a stack of its own, is the
same load with admission control turned off; a third run (``no-cache``, skipped
with ``--no-day-cache-baseline``) is the admission run's settings with
``NORIAI_DAY_CACHE=false``, the engine reading the whole day per quote as it did
before issue 15. The targets of issues 10 and 15 are checked on the run with
admission control.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import sys
import tempfile
import threading
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench._loadclients import PASSWORD, Phase, Town, login, measure, prefill, seed_town
from bench._loadstack import database, stack, tracebacks

# `make bench` runs every benchmark; a full run (seeding, two stacks, 3 levels x 2 kinds
# x 20 s) took 11 minutes on two busy cores (load average 10), so `bench all` runs the
# three levels the targets are about (issue 15's at 8, issue 10's at 32 and 128), for
# 6 s, on a smaller day (~6 minutes there).
ALL_DEFAULT_ARGS: list[str] = ["--levels", "8,32,128", "--seconds", "6", "--members", "100",
                              "--prefill", "40"]
KINDS = ("quotes", "bookings")
GATED_LEVELS = (32, 128)  # issue 10: no 5xx but 503 at 32 and 128 clients
QUOTE_P99_TARGET_S, QUOTE_P99_LEVEL = 1.0, 32
KAMISU_P99_TARGET_S, KAMISU_P99_LEVEL = 0.05, 8  # issue 15: the day kept in memory
NO_CACHE_RUN = "no-cache"  # admission on, the day read from the database per quote
BEFORE_RUN = "before"  # another checkout's servers (--before-dir), its own default settings
NO_ADMISSION = {"NORIAI_MAX_IN_FLIGHT": "0", "NORIAI_MAX_ENGINE_IN_FLIGHT": "0",
                "NORIAI_MAX_QUEUED": "0"}


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Add the ``noriai bench load`` options."""
    parser.add_argument("--levels", default="8,32,128", help="concurrent clients, comma-separated")
    parser.add_argument("--seconds", type=float, default=20.0, help="length of each level and kind")
    parser.add_argument("--kinds", default="quotes,bookings", help="quotes, bookings")
    parser.add_argument("--workers", type=int, default=2, help="API worker processes")
    parser.add_argument("--baseline", action=argparse.BooleanOptionalAction, default=True,
                        help="also measure the same load with admission control off")
    parser.add_argument("--day-cache-baseline", action=argparse.BooleanOptionalAction,
                        default=True, help="also measure the admission run's settings with "
                        "NORIAI_DAY_CACHE=false (the engine reads the whole day per quote)")
    parser.add_argument("--json", action="store_true", help="print the figures as one JSON object")
    parser.add_argument("--vehicles", type=int, default=10, help="vehicles on shift that day")
    parser.add_argument("--members", type=int, default=300, help="approved members")
    parser.add_argument("--prefill", type=int, default=120, help="rides booked before the load")
    parser.add_argument("--timeout", type=float, default=30.0, help="client time-out per request")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--database-url", default="postgresql+psycopg://postgres@127.0.0.1:5432/test",
                        help="PostgreSQL server to make throwaway databases on")
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/7",
                        help="a Redis database of its own (flushed before and after)")
    parser.add_argument("--cache-dir", type=Path, default=None,
                        help="map cache shared by the servers (default: a temporary one)")
    parser.add_argument("--set", action="append", default=[], metavar="NAME=VALUE",
                        help="a server setting for the admission run, e.g. "
                        "NORIAI_QUEUE_WAIT_S=1 (repeatable)")
    parser.add_argument("--code-dir", type=Path, default=None,
                        help="run the servers from this checkout, e.g. a git worktree of an "
                        "older commit for before/after figures (default: this one)")
    parser.add_argument("--before-dir", type=Path, default=None,
                        help="also measure a 'before' run with its servers from this checkout "
                        "(e.g. `git archive` of an older commit) and its own default "
                        "settings, on a copy of the same day, before -> after in one run")


@dataclass
class _Bench:
    """What every run of one invocation shares."""

    args: argparse.Namespace
    settings: Any
    city_map: Any
    tmp: Path
    cache_dir: Path
    levels: list[int]
    kinds: list[str]

    def stack(self, db_url: str, name: str, extra: dict[str, str], **kw: Any) -> Any:
        a = self.args
        code_dir = a.before_dir if name == BEFORE_RUN else a.code_dir
        return stack(db_url, a.redis_url, a.workers, extra, self.tmp / name, self.cache_dir,
                     code_dir=code_dir, **kw)

    def seed(self, base: str) -> tuple[Town, int]:
        """Seed the day through the API and prefill it; return it and the rides booked."""
        a = self.args
        town = asyncio.run(seed_town(base, a, self.settings, self.city_map))
        return town, asyncio.run(prefill(base, town, a.prefill, a.timeout, a.seed))

    def measured(self, run: str, extra: dict[str, str], db_url: str,
                 town: Town | None) -> tuple[list[Phase], dict[str, Any]]:
        """Start the run's stack, seed it unless ``town`` was seeded before, load it."""
        print(f"noriai bench load: {run}: starting {self.args.workers} API workers and a "
              "dispatcher ...", file=sys.stderr, flush=True)
        t0 = time.monotonic()
        booked = None
        with self.stack(db_url, run, extra,
                        admin=None if town else ("bench", PASSWORD)) as st:
            if town is None:
                town, booked = self.seed(st.base)
            else:
                town.tokens = asyncio.run(login(st.base))
            setup_s = time.monotonic() - t0
            phases = asyncio.run(measure(st.base, run, town, self.args, self.levels,
                                          self.kinds))
            found = [tb for log in st.logs for tb in tracebacks(log)]
        kinds = Counter(tb.splitlines()[-1].split(":")[0] for tb in found)
        info = {"run": run, "day": town.day.isoformat(), "prefilled": booked,
                "setup_s": round(setup_s, 1), "server_tracebacks": len(found),
                "traceback_kinds": dict(kinds.most_common()),
                "first_traceback": found[0] if found else None}
        return phases, info

    def all_runs(self, runs: list[tuple[str, dict[str, str]]]
                 ) -> tuple[list[Phase], list[dict[str, Any]]]:
        """Every run; with several, each starts from a copy of one seeded day."""
        server = self.args.database_url
        if len(runs) == 1:
            with database(server, runs[0][0]) as (_, url):
                phases, info = self.measured(*runs[0], url, None)
            return phases, [info]
        phases, infos = [], []
        # copies of one seeded day: the runs differ only in their settings
        with database(server, "seed") as (seed_name, seed_url):
            print("noriai bench load: seeding the day once for every run ...",
                  file=sys.stderr, flush=True)
            with self.stack(seed_url, "seed", NO_ADMISSION, dispatcher=False,
                            admin=("bench", PASSWORD)) as st:
                town, booked = self.seed(st.base)
            for name, extra in runs:
                with database(server, name, template=seed_name) as (_, url):
                    ph, info = self.measured(name, extra, url, town)
                phases += ph
                infos.append({**info, "prefilled": booked})
        return phases, infos


def _fmt(x: float | None) -> str:
    return "-" if x is None else f"{x:.2f}"


def _table(phases: list[Phase]) -> str:
    head = (f"{'run':9} {'clients':>7} {'kind':8} {'tries':>6} {'2xx':>6} {'409':>5} {'429':>4} "
            f"{'503':>6} {'5xx':>5} {'t/o':>4} {'4xx':>4} {'conn':>4} {'ok/s':>6} "
            f"{'p50 s':>6} {'p95 s':>6} {'p99 s':>6} {'client':>6} {'lag99':>6}")
    rows = [head]
    for p in phases:
        c = p.counts
        rows.append(f"{p.run:9} {p.level:7d} {p.kind:8} {p.attempts:6d} {c['2xx']:6d} "
                    f"{c['409']:5d} {c['429']:4d} {c['503']:6d} {c['5xx']:5d} {c['timeout']:4d} "
                    f"{c['4xx']:4d} {c['conn']:4d} {c['2xx'] / max(p.elapsed_s, 1e-9):6.1f} "
                    f"{_fmt(p.pct(0.5)):>6} {_fmt(p.pct(0.95)):>6} {_fmt(p.pct(0.99)):>6} "
                    f"{100 * p.client_cpu_s / max(p.elapsed_s, 1e-9):5.0f}% "
                    f"{_fmt(p.lag(0.99)):>6}")
    return "\n".join(rows)


def verdict(phases: list[Phase]) -> list[tuple[str, bool]]:
    """The issue's targets on the run with admission control: (what, met) for each."""
    out = []
    for p in phases:
        if p.run != "admission":
            continue
        if p.level in GATED_LEVELS:
            bad = p.counts["5xx"] + p.counts["timeout"] + p.counts["conn"]
            out.append((f"{p.kind} at {p.level} clients: {p.counts['5xx']} 5xx other than 503, "
                        f"{p.counts['timeout']} client time-outs, {p.counts['conn']} refused "
                        "connections (target 0)", bad == 0))
        if p.kind == "quotes" and p.level == QUOTE_P99_LEVEL:
            p99 = p.pct(0.99)
            out.append((f"quotes at {p.level} clients: p99 of the answered {_fmt(p99)} s "
                        f"(target <= {QUOTE_P99_TARGET_S:g} s)",
                        p99 is not None and p99 <= QUOTE_P99_TARGET_S))
        if p.kind == "quotes" and p.level == KAMISU_P99_LEVEL:
            p99 = p.pct(0.99)
            out.append((f"quotes at {p.level} clients: p99 of the answered {_fmt(p99)} s "
                        f"(issue 15 target <= {KAMISU_P99_TARGET_S:g} s)",
                        p99 is not None and p99 <= KAMISU_P99_TARGET_S))
    return out


def _compare_cache(phases: list[Phase], old_run: str = NO_CACHE_RUN) -> list[str]:
    """Lines comparing the admission run with ``old_run`` (the same settings without the
    day cache, or another checkout's servers).
    """
    old = {(p.level, p.kind): p for p in phases if p.run == old_run}
    lines = []
    for p in phases:
        b = old.get((p.level, p.kind))
        if p.run != "admission" or b is None:
            continue
        lines.append(f"  {p.kind} at {p.level} clients: p50 {_fmt(b.pct(0.5))} s -> "
                     f"{_fmt(p.pct(0.5))} s, p99 {_fmt(b.pct(0.99))} s -> {_fmt(p.pct(0.99))} s, "
                     f"ok/s {b.counts['2xx'] / max(b.elapsed_s, 1e-9):.1f} -> "
                     f"{p.counts['2xx'] / max(p.elapsed_s, 1e-9):.1f}, 503 "
                     f"{b.counts['503']} -> {p.counts['503']}, 5xx {b.counts['5xx']} -> "
                     f"{p.counts['5xx']}")
    return lines


def _compare(phases: list[Phase]) -> list[str]:
    base = {(p.level, p.kind): p for p in phases if p.run == "baseline"}
    lines = []
    for p in phases:
        b = base.get((p.level, p.kind))
        if p.run != "admission" or b is None:
            continue

        def share(x: Phase) -> str:
            return f"{100 * x.counts['5xx'] / max(x.attempts, 1):.1f} %"

        bp, ap = b.pct(0.99), p.pct(0.99)
        ratio = f" (baseline/admission x{bp / ap:.1f})" if bp and ap else ""
        lines.append(f"  {p.kind} at {p.level} clients: 5xx {share(b)} -> {share(p)}, time-outs "
                     f"{b.counts['timeout']} -> {p.counts['timeout']}, p99 {_fmt(bp)} s -> "
                     f"{_fmt(ap)} s{ratio}, ok/s {b.counts['2xx'] / max(b.elapsed_s, 1e-9):.1f} -> "
                     f"{p.counts['2xx'] / max(p.elapsed_s, 1e-9):.1f}")
    return lines


def _parse(args: argparse.Namespace) -> tuple[list[int], list[str]] | str:
    try:
        levels = [int(x) for x in args.levels.split(",") if x.strip()]
    except ValueError:
        return f"--levels must be whole numbers, not {args.levels!r}"
    kinds = [k.strip() for k in args.kinds.split(",") if k.strip()]
    if bad := [k for k in kinds if k not in KINDS]:
        return f"unknown kind {bad[0]!r} (quotes, bookings)"
    if not levels or min(levels) < 1 or not kinds:
        return "--levels and --kinds need at least one value; levels must be positive"
    if min(args.seconds, args.timeout) <= 0 or min(args.workers, args.vehicles, args.members) < 1:
        return "--seconds, --timeout, --workers, --vehicles and --members must be positive"
    if args.prefill < 0:
        return "--prefill must not be negative"
    if bad := [kv for kv in args.set if not kv.startswith("NORIAI_") or "=" not in kv]:
        return f"--set takes NORIAI_NAME=VALUE, not {bad[0]!r}"
    return levels, kinds


def _reachable(database_url: str, redis_url: str) -> None:
    import redis
    from sqlalchemy import create_engine, text

    engine = create_engine(database_url)
    try:
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
    finally:
        engine.dispose()
    with redis.Redis.from_url(redis_url, socket_connect_timeout=5) as r:
        r.ping()


def _raise_on_term(signum: int, frame: Any) -> None:
    raise KeyboardInterrupt  # the stacks' clean-up runs as for Ctrl-C


def run(args: argparse.Namespace, settings: Any) -> int:
    """Run the benchmark: each stack seeded, loaded level by level; print figures and targets."""
    from redis import RedisError
    from sqlalchemy.exc import SQLAlchemyError

    from booking_api.settings import Settings
    from maps import load_map

    parsed = _parse(args)
    if isinstance(parsed, str):
        print(f"noriai: {parsed}", file=sys.stderr)
        return 2
    levels, kinds = parsed
    settings = settings if isinstance(settings, Settings) else Settings(_env_file=None)  # type: ignore[call-arg]
    runs = [("baseline", NO_ADMISSION)] if args.baseline else []
    if args.before_dir is not None:
        runs.append((BEFORE_RUN, {}))
    admission = dict(kv.split("=", 1) for kv in args.set)
    if args.day_cache_baseline:
        runs.append((NO_CACHE_RUN, {**admission, "NORIAI_DAY_CACHE": "false"}))
    runs.append(("admission", admission))
    main = threading.current_thread() is threading.main_thread()
    old_term = signal.signal(signal.SIGTERM, _raise_on_term) if main else None
    load_before = os.getloadavg()
    try:
        with tempfile.TemporaryDirectory(prefix="noriai-bench-load-") as tmp_name:
            _reachable(args.database_url, args.redis_url)  # before a minute of map and seeding
            tmp = Path(tmp_name)
            cache_dir = args.cache_dir or tmp / "cache"
            # built once here: a cold map build in each worker outlasts uvicorn's
            # 5 s worker health check, which then kills and restarts the workers
            print("noriai bench load: loading the map ...", file=sys.stderr, flush=True)
            config = settings.model_copy(update={"cache_dir": cache_dir}).maps_config()
            bench = _Bench(args, settings, load_map(config), tmp, cache_dir, levels, kinds)
            phases, infos = bench.all_runs(runs)
    except (RuntimeError, OSError, SQLAlchemyError, RedisError) as exc:
        # PostgreSQL or Redis not running, a server that did not start: one line, no traceback
        what = str(exc) if isinstance(exc, RuntimeError) else str(exc).splitlines()[0]
        print(f"noriai: the load benchmark could not run: {what}", file=sys.stderr)
        return 1
    finally:
        if main:
            signal.signal(signal.SIGTERM, old_term)
    checks = verdict(phases)
    load_after = os.getloadavg()
    admission_known = "max_in_flight" in Settings.model_fields
    if args.json:
        print(json.dumps({"phases": [p.as_dict() for p in phases], "runs": infos,
                          "checks": [{"what": w, "met": m} for w, m in checks],
                          "load_average": {"before": load_before, "after": load_after},
                          "admission_settings_known": admission_known,
                          "code_dir": str(args.code_dir) if args.code_dir else None,
                          "admission_settings": args.set}, indent=1))
        return 0
    print(f"PostgreSQL, Redis, {args.workers} API workers and a dispatcher; {args.seconds:g} s "
          f"per level and kind, client time-out {args.timeout:g} s; day "
          f"{infos[-1]['day']} with {args.vehicles} vehicles, {args.members} members, "
          f"{infos[-1]['prefilled']} rides prefilled"
          + (" (every run starts from a copy of that day)" if len(infos) > 1 else "")
          + (f"; servers run from {args.code_dir}" if args.code_dir else "")
          + (f"; admission run with {' '.join(args.set)}" if args.set else ""))
    print("bookings = a quote then its confirm (the first answer that is not 2xx counts); "
          "latency percentiles of answered requests, 503 and time-outs left out; client = "
          "the CPU the clients used (of one core); lag99 = how late the clients' event loop "
          "woke (99th percentile, s): latency the client itself adds to every figure")
    print(_table(phases))
    if not admission_known:
        print("note: booking_api.settings has no admission-control settings yet; the baseline "
              "and the admission run are the same code")
    if cmp := _compare(phases):
        print("admission control against the baseline (admission off), same run:")
        print("\n".join(cmp))
    if cmp := _compare_cache(phases):
        print("the engine's day kept in memory against the old path (NORIAI_DAY_CACHE=false), "
              "same run:")
        print("\n".join(cmp))
    if cmp := _compare_cache(phases, BEFORE_RUN):
        print(f"this checkout against the servers of {args.before_dir} (before -> after), "
              "same run:")
        print("\n".join(cmp))
    for info in infos:
        if info["server_tracebacks"]:
            seen = ", ".join(f"{k} {n}" for k, n in info["traceback_kinds"].items())
            print(f"{info['run']}: the servers logged {info['server_tracebacks']} tracebacks "
                  f"({seen}); the first:\n{info['first_traceback']}")
    for what, met in checks:
        print(f"{'PASS' if met else 'FAIL'}  {what}")
    print(f"machine load average (1/5/15 min) before {load_before[0]:.1f}/{load_before[1]:.1f}/"
          f"{load_before[2]:.1f}, after {load_after[0]:.1f}/{load_after[1]:.1f}/{load_after[2]:.1f}"
          f" on {os.cpu_count()} cores")
    return 0
