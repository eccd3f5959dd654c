"""Command-line sub-commands of ``dispatch``: ``noriai simulate`` and ``noriai dispatcher``.

Handlers take ``(args, settings)``; ``settings`` is the service's settings
object (only its attributes are read, so this package never imports the
booking API). A person's mistake prints one ``noriai: ...`` line and returns 2.
"""

from __future__ import annotations

import argparse
import json
import signal
import sys
import threading
from pathlib import Path
from typing import Any

# with --reoptimize-rounds the rounds bound the work; this only stops a runaway round
_ROUNDS_CAP_S = 60.0


def _fail(message: str) -> int:
    print(f"noriai: {message}", file=sys.stderr)
    return 2


def _load_city_map(settings: Any, city: str) -> Any:
    import maps

    cache = Path(getattr(settings, "cache_dir", Path.home() / ".cache" / "noriai")) / "maps"
    print(f"loading the {city} map...", file=sys.stderr, flush=True)
    return maps.load_map(maps.MapsConfig.bundled(city, cache_dir=cache))


def _simulate(args: argparse.Namespace, settings: Any) -> int:
    from dispatch.sim import simulate
    from dispatch.sim.report import table, write
    from dispatch.sim.scale import run_scale
    from dispatch.sim.scenario import ScenarioError, load_scenario

    if args.vehicles < 1:
        return _fail("--vehicles must be at least 1")
    if args.requests is not None and args.requests < 1:
        return _fail("--requests must be at least 1")
    if args.reoptimize_rounds < 0:
        return _fail("--reoptimize-rounds must be 0 or more")
    if args.engine_samples < 0:
        return _fail("--engine-samples must be 0 or more")
    if args.wheelchair_place_cost is not None and args.wheelchair_place_cost < 0:
        return _fail("--wheelchair-place-cost must be 0 or more")
    if args.darp_share is not None and not 0.0 <= args.darp_share < 1.0:
        return _fail("--darp-share must be at least 0 and below 1")
    if args.darp_iterations is not None and args.darp_iterations < 1:
        return _fail("--darp-iterations must be at least 1")
    if (args.requests is not None and args.requests >= 5000) or args.scale:
        report = run_scale(
            vehicles=args.vehicles,
            requests=args.requests or 20 * args.vehicles,
            seed=args.seed,
            reoptimize_s=args.reoptimize_s,
            engine_samples=args.engine_samples,
        )
        print(json.dumps(report, ensure_ascii=False) if args.json else _scale_text(report))
        return 0
    try:
        scenario = load_scenario(args.scenario)
    except ScenarioError as exc:
        return _fail(str(exc))
    try:
        city_map = _load_city_map(settings, scenario.city)
    except Exception as exc:
        return _fail(f"cannot load the map of {scenario.city}: {exc}")
    from dispatch.sim.demand import source_from_map

    report = simulate(
        scenario,
        city_map,
        source_from_map(city_map),
        vehicles=args.vehicles,
        seed=args.seed,
        requests=args.requests,
        offline_time_limit_s=args.offline_time_limit,
        reoptimize_s=args.reoptimize_s if args.reoptimize_rounds == 0 else _ROUNDS_CAP_S,
        reoptimize_rounds=args.reoptimize_rounds or None,
        wheelchair_place_cost_s=args.wheelchair_place_cost,
        darp_share=args.darp_share,
        darp_iterations=args.darp_iterations,
    )
    report["vehicles"] = args.vehicles
    out = Path(args.out) if args.out else Path(f"noriai-sim-{scenario.name}-{args.seed}")
    path_json, path_png = write(report, out)
    if args.json:
        print(json.dumps(report, ensure_ascii=False))
    else:
        print(table(report))
        print(f"report: {path_json}\nchart:  {path_png}")
    return 0


def _scale_text(report: dict[str, Any]) -> str:
    return "\n".join(f"{k:32} {v}" for k, v in report.items())


def add_commands(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Register ``noriai simulate`` and ``noriai dispatcher``."""
    p = subparsers.add_parser(
        "simulate", help="simulate a day of demand through the engine, with baselines"
    )
    p.add_argument("--scenario", default="kamisu-weekday", help="bundled name or a .toml file")
    p.add_argument("--vehicles", type=int, default=8)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--requests", type=int, default=None, help="trips in the day (overrides)")
    p.add_argument("--out", default=None, help="folder for report.json and kpis.png")
    p.add_argument("--json", action="store_true", help="print the KPIs as one JSON object")
    p.add_argument("--scale", action="store_true", help="scale mode on a synthetic grid city")
    p.add_argument("--offline-time-limit", type=float, default=30.0, dest="offline_time_limit")
    p.add_argument(
        "--reoptimize-rounds", type=int, default=20, dest="reoptimize_rounds",
        help="work per background re-optimisation (the same KPIs on every run of a seed); "
        "0: bounded by --reoptimize-s instead",
    )
    p.add_argument("--reoptimize-s", type=float, default=0.3, dest="reoptimize_s",
                   help="seconds per background re-optimisation with --reoptimize-rounds 0; "
                   "scale mode: the one full re-optimisation")
    p.add_argument(
        "--engine-samples", type=int, default=10, dest="engine_samples",
        help="scale mode: then store the day and time this many quotes through the engine "
        "(0: skip)",
    )
    p.add_argument(
        "--wheelchair-place-cost", type=int, default=None, dest="wheelchair_place_cost",
        metavar="S", help="seconds of driving a wheelchair car's place given to a rider "
        "without a wheelchair costs the plan (default: the scenario's [dispatch] rule, or 0)",
    )
    p.add_argument(
        "--darp-share", type=float, default=None, dest="darp_share", metavar="X",
        help="part of each re-optimisation given to the dial-a-ride search (0: off; "
        "default: the scenario's [dispatch] darp_share, or 0)",
    )
    p.add_argument(
        "--darp-iterations", type=int, default=None, dest="darp_iterations", metavar="N",
        help="with --reoptimize-rounds: the search's iterations per re-optimisation "
        "(default: EngineConfig's)",
    )
    p.set_defaults(handler=_simulate)
    d = subparsers.add_parser("dispatcher", help="run the engine's background loop (one leader)")
    d.add_argument("--interval", type=float, default=5.0, help="seconds between rounds")
    d.set_defaults(handler=_run_dispatcher)


def _run_dispatcher(args: argparse.Namespace, settings: Any) -> int:
    from dispatch.bus.memory import AlwaysLeader, InProcessBus
    from dispatch.clock import system_clock
    from dispatch.config import EngineConfig
    from dispatch.engine import DispatchEngine
    from dispatch.loop import run_dispatcher
    from dispatch.store import make_engine

    url = settings.resolved_database_url()
    config = settings.engine_config() if hasattr(settings, "engine_config") else EngineConfig()
    try:
        if hasattr(settings, "maps_config"):  # the service's settings: the city's own folder
            import maps

            print("loading the city map...", file=sys.stderr, flush=True)
            city_map = maps.load_map(settings.maps_config())
        else:
            city_map = _load_city_map(settings, settings.city)
    except Exception as exc:
        return _fail(f"cannot load the map: {exc}")
    bus: Any
    leader: Any
    if settings.redis_url:
        from dispatch.bus.redis import RedisBus, RedisLeaderLock

        bus = RedisBus(settings.redis_url)
        leader = RedisLeaderLock(settings.redis_url, ttl_ms=int(max(args.interval, 1) * 3000))
    else:
        bus, leader = InProcessBus(), AlwaysLeader()
    engine = DispatchEngine(
        config,
        db=make_engine(url),
        bus=bus,
        travel=city_map,
        clock=system_clock(float(getattr(settings, "clock_offset_s", 0.0))),
    )
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    run_dispatcher(engine, leader, interval_s=args.interval, stop=stop, progress=True)
    print("", file=sys.stderr)
    return 0
