"""``noriai bench pages``: the apps' first and repeat load on a slow mobile network.

Starts the real app twice in this process (uvicorn threads on 127.0.0.1, a
throwaway SQLite database): as shipped (versioned assets cached for a year,
gzip) and as the baseline of the same run with both turned off. Debian's
chromium (through Playwright) loads each page with a slow-3G profile (400 ms
round trip, 500 kbit/s down and up, set through the DevTools protocol) and
counts what crossed the network (encoded bytes, requests) until the app showed
its first screen in its language; then it opens the page again in the same
browser profile (a repeat visit: the HTTP cache and the service worker kept).
Budgets of issue 16 §5: resident first load ≤ 100 KB and ≤ 2.5 s, a repeat
visit ≤ 1 s. Timing is wall-clock on this machine, so a busy machine reads
slower; the byte and request counts do not depend on it.
"""

from __future__ import annotations

import argparse
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tqdm import tqdm

CHROMIUM = "/usr/bin/chromium"
SLOW_3G = {"offline": False, "latency": 400, "downloadThroughput": 500_000 / 8,
           "uploadThroughput": 500_000 / 8}
PAGES = {"resident": "/", "operator": "/operator", "tablet": "/driver"}
READY = "document.documentElement.dataset.i18nReady === '1' && " \
        "!!document.querySelector('.view:not([hidden]) h1, .view:not([hidden]) h2')"
BUDGET_FIRST_KB, BUDGET_FIRST_S, BUDGET_REPEAT_S = 100.0, 2.5, 1.0
ALL_DEFAULT_ARGS: list[str] = ["--repeats", "2"]


@dataclass(frozen=True)
class Load:
    """One page load: what crossed the network and how long until the first screen."""

    kb: float
    requests: int
    seconds: float


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Add the ``noriai bench pages`` options."""
    parser.add_argument("--repeats", type=int, default=3,
                        help="loads of each page per server (the median is printed)")
    parser.add_argument("--pages", default=",".join(PAGES),
                        help=f"comma-separated, of {', '.join(PAGES)}")


class _Server:
    """The app on a free local port in a thread, stopped on exit."""

    def __init__(self, root: Path, **settings: Any) -> None:
        import uvicorn

        import booking_api.db  # noqa: F401  (registers the API's tables)
        import dispatch.store.tables  # noqa: F401  (registers the engine's tables)
        from booking_api.main import create_app
        from booking_api.settings import Settings
        from dispatch.store.base import Base, make_engine

        url = f"sqlite:///{root / 'bench.sqlite'}"
        self.db = make_engine(url)
        Base.metadata.create_all(self.db)
        conf = Settings(_env_file=None, database_url=url, data_dir=root / "data",  # type: ignore[call-arg]
                        cache_dir=root / "cache", redis_url="", **settings)
        app = create_app(conf, db=self.db)
        self.server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=0,
                                                    log_level="warning"))
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def __enter__(self) -> str:
        self.thread.start()
        deadline = time.monotonic() + 180
        while not self.server.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                raise RuntimeError("the app did not start")
            time.sleep(0.05)
        port = self.server.servers[0].sockets[0].getsockname()[1]
        return f"http://127.0.0.1:{port}"

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)
        self.db.dispose()


def _load(context: Any, url: str) -> Load:
    """Open ``url`` in a new tab of ``context`` on slow 3G; what it took to the first screen."""
    page = context.new_page()
    cdp = context.new_cdp_session(page)
    cdp.send("Network.enable")
    cdp.send("Network.emulateNetworkConditions", SLOW_3G)
    sizes: dict[str, float] = {}
    cached: set[str] = set()  # answered by the HTTP cache or the service worker: no network

    def answered(e: dict[str, Any]) -> None:
        r = e["response"]
        if r.get("fromDiskCache") or r.get("fromServiceWorker") or r.get("fromPrefetchCache"):
            cached.add(e["requestId"])

    cdp.on("Network.requestServedFromCache", lambda e: cached.add(e["requestId"]))
    cdp.on("Network.responseReceived", answered)
    cdp.on("Network.loadingFinished",
           lambda e: sizes.__setitem__(e["requestId"], e["encodedDataLength"]))
    t0 = time.perf_counter()
    page.goto(url, wait_until="commit")
    deadline = time.monotonic() + 60
    while not page.evaluate(READY):
        if time.monotonic() > deadline:
            raise RuntimeError(f"{url}: the first screen did not show within 60 s")
        time.sleep(0.02)
    seconds = time.perf_counter() - t0
    page.wait_for_timeout(300)  # let the answers of the first screen finish counting
    page.close()
    net = {k: v for k, v in sizes.items() if k not in cached}
    return Load(kb=sum(net.values()) / 1000, requests=len(net), seconds=seconds)


def _median(loads: list[Load]) -> Load:
    mid = sorted(loads, key=lambda x: x.seconds)[len(loads) // 2]
    return Load(kb=sorted(x.kb for x in loads)[len(loads) // 2],
                requests=sorted(x.requests for x in loads)[len(loads) // 2],
                seconds=mid.seconds)


def _measure(browser: Any, base: str, path: str, repeats: int, bar: Any) -> tuple[Load, Load]:
    firsts, repeat_loads = [], []
    for _ in range(repeats):
        context = browser.new_context(viewport={"width": 390, "height": 844}, locale="ja-JP")
        firsts.append(_load(context, base + path))
        bar.update()
        repeat_loads.append(_load(context, base + path))
        bar.update()
        context.close()
    return _median(firsts), _median(repeat_loads)


def run(args: argparse.Namespace, settings: Any) -> int:
    """Measure every page on both servers, print the table and the budgets; 0 if all met."""
    names = [p.strip() for p in args.pages.split(",") if p.strip()]
    bad = [n for n in names if n not in PAGES]
    if bad or args.repeats < 1:
        print(f"noriai: unknown page {bad[0]!r} (choose from {', '.join(PAGES)})" if bad
              else "noriai: --repeats must be at least 1")
        return 2
    if not Path(CHROMIUM).exists():
        print(f"noriai: the page benchmark needs Debian's chromium at {CHROMIUM}")
        return 2
    from playwright.sync_api import sync_playwright

    results: dict[tuple[str, str], tuple[Load, Load]] = {}
    runs: tuple[tuple[str, dict[str, Any]], ...] = (
        ("shipped", {}), ("baseline", {"versioned_assets": False, "compress": False}),
    )
    with sync_playwright() as pw, tempfile.TemporaryDirectory() as tmp:
        browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True)
        bar = tqdm(total=len(runs) * len(names) * args.repeats * 2, desc="page loads",
                   unit="load")
        for run_name, extra in runs:
            root = Path(tmp) / run_name
            root.mkdir()
            with _Server(root, **extra) as url:
                for name in names:
                    results[(run_name, name)] = _measure(browser, url, PAGES[name],
                                                         args.repeats, bar)
        bar.close()
        browser.close()
    print(f"\nslow 3G (400 ms RTT, 500 kbit/s), median of {args.repeats}; "
          "first load = empty cache, repeat = same browser again")
    print(f"{'page':<10}{'run':<10}{'first KB':>9}{'req':>5}{'first s':>9}"
          f"{'repeat KB':>10}{'req':>5}{'repeat s':>9}   (req: over the network)")
    for name in names:
        for run_name, _ in runs:
            first, again = results[(run_name, name)]
            print(f"{name:<10}{run_name:<10}{first.kb:>9.1f}{first.requests:>5}"
                  f"{first.seconds:>9.2f}{again.kb:>10.1f}{again.requests:>5}{again.seconds:>9.2f}")
        ship, base = results[("shipped", name)], results[("baseline", name)]
        print(f"{'':<10}{'ratio':<10}{ship[0].kb / base[0].kb:>9.2f}{'':>5}"
              f"{ship[0].seconds / base[0].seconds:>9.2f}"
              f"{ship[1].kb / max(base[1].kb, 0.001):>10.2f}{'':>5}"
              f"{ship[1].seconds / base[1].seconds:>9.2f}")
    met = True
    if "resident" in names:
        first, again = results[("shipped", "resident")]
        checks = [
            (f"resident first load ≤ {BUDGET_FIRST_KB:.0f} KB", first.kb <= BUDGET_FIRST_KB),
            (f"resident first load ≤ {BUDGET_FIRST_S} s", first.seconds <= BUDGET_FIRST_S),
            (f"resident repeat visit ≤ {BUDGET_REPEAT_S} s", again.seconds <= BUDGET_REPEAT_S),
        ]
        for text, ok in checks:
            print(f"  {'met' if ok else 'NOT met'}: {text}")
            met &= ok
    return 0 if met else 1
