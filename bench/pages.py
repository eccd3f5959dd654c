"""``noriai bench pages``: the apps' first and repeat load on a slow mobile network.

Starts the real app twice in this process (uvicorn threads on 127.0.0.1, a
throwaway SQLite database): as shipped (versioned assets cached for a year,
gzip) and as the baseline of the same run with both turned off. Debian's
chromium (through Playwright) loads each page with a slow-3G profile (400 ms
round trip, 500 kbit/s down and up, set through the DevTools protocol) and
counts what crossed the network (encoded bytes, requests) until the app showed
its first screen in its language; then it opens the page again in the same
browser profile (a repeat visit: the HTTP cache and the service worker kept).
The service workers are held to the same profile (DevTools throttles only the
target it is told to, and a worker is a target of its own: unthrottled, a
worker's network-first fetch would look free), and what they fetch from the
network while a page loads is counted in the "sw KB" column. Each server is
asked for every page and one zoomed-out basemap tile once before the browser
comes (a deployed server is warm; the first request of a fresh process costs it
a second or more, and its first zoomed-out tile the ~10 s the basemap's
overview takes to build).
``tablet-map`` is the tablet (1180×820) of a driver already signed in, with a
ride booked on its car (the server's clock is 09:00 in Tokyo on a service day,
so the tablet, which reads it, has a next stop and the way there): two times,
the route to the next stop on screen (the tablet's first sketch of it, or the
map's own route line if that comes first: the "route s" columns) and the
basemap drawn (the "first s" and "repeat s" columns: Leaflet's city layers or
MapLibre's tiles, whichever the tablet draws, with the sketch gone), the latter
read from the pixels of the map's middle (a screenshot every ~0.1 s, so
±0.1 s): drawn once it holds more than a few colours, where an empty map is
one. SwiftShader gives the browser WebGL.
Budgets of issue 16 §5: resident first load ≤ 100 KB and ≤ 2.5 s, a repeat
visit ≤ 1 s, the tablet's first map render ≤ 3 s. Timing is wall-clock on
this machine, so a busy machine reads slower; the byte and request counts do
not depend on it. ``--waterfall`` prints each shipped load's requests (start
and end from the navigation, KB, what answered), the chain that decides the
first screen.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tqdm import tqdm

from bench._pageserver import Server

CHROMIUM = "/usr/bin/chromium"
SLOW_3G = {"offline": False, "latency": 400, "downloadThroughput": 500_000 / 8,
           "uploadThroughput": 500_000 / 8}
PAGES = {"resident": "/", "operator": "/operator", "tablet": "/driver", "tablet-map": "/driver"}
GL_ARGS = ["--use-angle=swiftshader", "--enable-unsafe-swiftshader", "--ignore-gpu-blocklist"]
DRIVER_TOKEN = "noriai.driver.token"  # driver_app/static/driver.js keeps its session there
READY = "document.documentElement.dataset.i18nReady === '1' && " \
        "!!document.querySelector('.view:not([hidden]) h1, .view:not([hidden]) h2')"
# The tablet's first sketch of the route (driver_app/static/drsketch.js) is on screen.
ROUTE_SKETCHED = "!!document.querySelector('#dr-map [data-sketch] polyline.route')"
BUDGET_FIRST_KB, BUDGET_FIRST_S, BUDGET_REPEAT_S, BUDGET_MAP_S = 100.0, 2.5, 1.0, 3.0
# Resolves once the page's worker is active, or at once when there is none, or after 30 s.
SETTLE = """() => new Promise((done) => {
  if (!navigator.serviceWorker) return done(false);
  setTimeout(() => done(false), 30000);
  const poll = () => navigator.serviceWorker.getRegistration().then((r) => {
    if (r && r.active && !r.installing && !r.waiting) done(true); else setTimeout(poll, 100);
  });
  setTimeout(poll, 2000);  // a page may register its worker after its first screen
})"""
ALL_DEFAULT_ARGS: list[str] = ["--repeats", "2"]


@dataclass(frozen=True)
class Load:
    """One page load: what crossed the network and how long until the first screen.

    ``sw_kb`` is what the page's service worker fetched from the network meanwhile;
    ``route_s`` (the tablet's map) when the route to the next stop first showed;
    ``waterfall`` the page's requests as (start s, end s, KB, answered by, path).
    """

    kb: float
    requests: int
    seconds: float
    sw_kb: float = 0.0
    route_s: float = float("inf")
    drawn_by: str = ""
    waterfall: tuple[tuple[float, float, float, str, str], ...] = ()


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Add the ``noriai bench pages`` options."""
    parser.add_argument("--repeats", type=int, default=3,
                        help="loads of each page per server (the median is printed)")
    parser.add_argument("--pages", default=",".join(PAGES),
                        help=f"comma-separated, of {', '.join(PAGES)}")
    parser.add_argument("--waterfall", action="store_true",
                        help="print the requests of each shipped load (the last repeat)")


class _Workers:
    """Every service worker of the browser held to slow 3G, its network bytes counted.

    A browser-level DevTools session discovers the workers and attaches to each
    (the nested protocol: Playwright's session speaks to one target), then turns
    throttling on there as on the page.
    """

    def __init__(self, browser: Any) -> None:
        self.cdp = browser.new_browser_cdp_session()
        self.sizes: dict[str, float] = {}
        self.cached: set[str] = set()
        self._id = 0
        self.cdp.on("Target.targetCreated", self._created)
        self.cdp.on("Target.attachedToTarget", self._attached)
        self.cdp.on("Target.receivedMessageFromTarget", self._message)
        self.cdp.send("Target.setDiscoverTargets", {
            "discover": True, "filter": [{"type": "service_worker"}, {"exclude": True}]})

    def _send(self, session: str, method: str, params: dict[str, Any]) -> None:
        self._id += 1
        self.cdp.send("Target.sendMessageToTarget", {"sessionId": session, "message": json.dumps(
            {"id": self._id, "method": method, "params": params})})

    def _created(self, e: dict[str, Any]) -> None:
        if e["targetInfo"]["type"] == "service_worker":
            self.cdp.send("Target.attachToTarget",
                          {"targetId": e["targetInfo"]["targetId"], "flatten": False})

    def _attached(self, e: dict[str, Any]) -> None:
        self._send(e["sessionId"], "Network.enable", {})
        self._send(e["sessionId"], "Network.emulateNetworkConditions", SLOW_3G)

    def _message(self, e: dict[str, Any]) -> None:
        m = json.loads(e["message"])
        p = m.get("params", {})
        method = m.get("method")
        if method == "Network.loadingFinished":
            self.sizes[p["requestId"]] = p["encodedDataLength"]
        elif method == "Network.requestServedFromCache" or (
                method == "Network.responseReceived" and _from_cache(p["response"])):
            self.cached.add(p["requestId"])

    def take_kb(self) -> float:
        """Return the KB the workers fetched from the network since the last call."""
        kb = sum(v for k, v in self.sizes.items() if k not in self.cached) / 1000
        self.sizes.clear()
        self.cached.clear()
        return kb


def _from_cache(r: dict[str, Any]) -> bool:
    return bool(r.get("fromDiskCache") or r.get("fromServiceWorker")
                or r.get("fromPrefetchCache") or r.get("fromMemoryCache"))


def _map_drawn(page: Any) -> bool:
    """Whether the middle of the tablet's map shows a drawn basemap (many colours), its
    first sketch gone."""
    from io import BytesIO

    from PIL import Image

    box = page.evaluate("""(() => { const el = document.querySelector('#dr-map');
      const r = el && el.getBoundingClientRect();
      return r && r.width > 40 && r.height > 40 && !el.closest('[hidden]')
        && el.querySelector('canvas') && !el.querySelector('[data-sketch]')
        ? {x: r.x + r.width * 0.25, y: r.y + r.height * 0.25,
           width: r.width * 0.5, height: r.height * 0.5} : null; })()""")
    if not box:
        return False
    png = page.screenshot(clip=box, animations="allow", caret="initial", timeout=5000)
    colours = Image.open(BytesIO(png)).convert("RGB").getcolors(maxcolors=64)
    return colours is None or len(colours) > 6


def _load(context: Any, url: str, workers: _Workers, *, settle: bool = False,
          map_only: bool = False) -> Load:
    """Open ``url`` in a new tab of ``context`` on slow 3G; what it took to the first screen.

    With ``settle`` the tab stays open until its service worker is active (at most
    30 s), as on a visit that lasts longer than its first screen; the bytes counted
    are still those up to the first screen.
    """
    page = context.new_page()
    cdp = context.new_cdp_session(page)
    cdp.send("Network.enable")
    cdp.send("Network.emulateNetworkConditions", SLOW_3G)
    sizes: dict[str, float] = {}
    cached: set[str] = set()  # answered by the HTTP cache or the service worker: no network
    starts: dict[str, tuple[float, str]] = {}
    ends: dict[str, float] = {}
    how: dict[str, str] = {}

    def answered(e: dict[str, Any]) -> None:
        r = e["response"]
        if _from_cache(r):
            cached.add(e["requestId"])
            how[e["requestId"]] = "worker" if r.get("fromServiceWorker") else "cache"

    def finished(e: dict[str, Any]) -> None:
        sizes[e["requestId"]] = e["encodedDataLength"]
        ends[e["requestId"]] = e["timestamp"]

    cdp.on("Network.requestWillBeSent", lambda e: starts.setdefault(
        e["requestId"], (e["timestamp"], e["request"]["url"])))
    cdp.on("Network.requestServedFromCache", lambda e: cached.add(e["requestId"]))
    cdp.on("Network.responseReceived", answered)
    cdp.on("Network.loadingFinished", finished)
    workers.take_kb()
    t0 = time.perf_counter()
    page.goto(url, wait_until="commit")
    deadline = time.monotonic() + 60
    seconds = route_s = float("inf")  # never drawn reads as such, the other pages still count
    while True:
        if map_only and route_s == float("inf") and page.evaluate(ROUTE_SKETCHED):
            route_s = time.perf_counter() - t0
        if _map_drawn(page) if map_only else page.evaluate(READY):
            seconds = time.perf_counter() - t0
            route_s = min(route_s, seconds)  # the basemap draws the route with its tiles
            break
        if time.monotonic() > deadline:
            if map_only:
                break
            raise RuntimeError(f"{url}: the first screen did not show within 60 s")
        time.sleep(0.1 if map_only else 0.02)  # a screenshot costs the page CPU
    drawn_by = page.evaluate("""(() => { const el = document.querySelector('#dr-map');
      return !el ? '' : el.classList.contains('maplibregl-map') ? 'MapLibre'
        : el.classList.contains('leaflet-container') ? 'Leaflet' : ''; })()""") if map_only else ""
    page.wait_for_timeout(300)  # let the answers of the first screen finish counting
    net = {k: v for k, v in sizes.items() if k not in cached}
    sw_kb = workers.take_kb()
    if settle:  # a visit lasts: the page's worker, if it registers one, finishes installing
        page.evaluate(SETTLE)
    page.close()
    origin = min((t for t, _ in starts.values()), default=0.0)
    waterfall = tuple(sorted(
        (t - origin, ends.get(k, t) - origin, sizes.get(k, 0) / 1000,
         how.get(k, "network"), u.split("//", 1)[-1].split("/", 1)[-1][:72])
        for k, (t, u) in starts.items()))
    return Load(kb=sum(net.values()) / 1000, requests=len(net), seconds=seconds,
                sw_kb=sw_kb, route_s=route_s, drawn_by=drawn_by, waterfall=waterfall)


def _median(loads: list[Load]) -> Load:
    mid = sorted(loads, key=lambda x: x.seconds)[len(loads) // 2]
    return Load(kb=sorted(x.kb for x in loads)[len(loads) // 2],
                requests=sorted(x.requests for x in loads)[len(loads) // 2],
                seconds=mid.seconds, sw_kb=sorted(x.sw_kb for x in loads)[len(loads) // 2],
                route_s=sorted(x.route_s for x in loads)[len(loads) // 2], drawn_by=mid.drawn_by,
                waterfall=loads[-1].waterfall)


def _measure(browser: Any, workers: _Workers, base: str, path: str, repeats: int,
             bar: Any, driver_token: str | None = None) -> tuple[Load, Load]:
    firsts, repeat_loads = [], []
    for _ in range(repeats):
        size = {"width": 1180, "height": 820} if driver_token else {"width": 390, "height": 844}
        context = browser.new_context(viewport=size, locale="ja-JP")
        if driver_token:  # signed in before: the tablet opens on its run and map
            context.add_init_script(
                f"localStorage.setItem({json.dumps(DRIVER_TOKEN)}, {json.dumps(driver_token)})")
        only = driver_token is not None
        firsts.append(_load(context, base + path, workers, settle=True, map_only=only))
        bar.update()
        repeat_loads.append(_load(context, base + path, workers, map_only=only))
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
        browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=GL_ARGS)
        workers = _Workers(browser)
        bar = tqdm(total=len(runs) * len(names) * args.repeats * 2, desc="page loads",
                   unit="load")
        for run_name, extra in runs:
            root = Path(tmp) / run_name
            root.mkdir()
            server = Server(root, tuple(PAGES.values()), **extra)
            with server as url:
                for name in names:
                    token = None
                    if name == "tablet-map":
                        token = server.driver_token(url)
                    results[(run_name, name)] = _measure(browser, workers, url, PAGES[name],
                                                         args.repeats, bar, token)
        bar.close()
        browser.close()
    print(f"\nslow 3G (400 ms RTT, 500 kbit/s), median of {args.repeats}; "
          "first load = empty cache, repeat = same browser again")
    print(f"{'page':<10}{'run':<10}{'first KB':>9}{'req':>5}{'first s':>9}{'sw KB':>7}"
          f"{'repeat KB':>10}{'req':>5}{'repeat s':>9}{'sw KB':>7}   (req: over the network)")
    for name in names:
        for run_name, _ in runs:
            first, again = results[(run_name, name)]
            print(f"{name:<10}{run_name:<10}{first.kb:>9.1f}{first.requests:>5}"
                  f"{first.seconds:>9.2f}{first.sw_kb:>7.1f}{again.kb:>10.1f}{again.requests:>5}"
                  f"{again.seconds:>9.2f}{again.sw_kb:>7.1f}"
                  + (f"   map: {first.drawn_by or 'none'}, route s {first.route_s:.2f} / "
                     f"{again.route_s:.2f}" if name == "tablet-map" else ""))
        ship, base = results[("shipped", name)], results[("baseline", name)]
        print(f"{'':<10}{'ratio':<10}{ship[0].kb / base[0].kb:>9.2f}{'':>5}"
              f"{ship[0].seconds / base[0].seconds:>9.2f}"
              f"{ship[1].kb / max(base[1].kb, 0.001):>10.2f}{'':>5}"
              f"{ship[1].seconds / base[1].seconds:>9.2f}")
    if args.waterfall:
        for name in names:
            for label, load in zip(("first", "repeat"), results[("shipped", name)], strict=True):
                print(f"\n{name} shipped, {label} load ({load.seconds:.2f} s to the first screen):")
                for t0, t1, kb, by, path in load.waterfall:
                    print(f"  {t0:6.2f} {t1:6.2f} {kb:7.1f} KB  {by:<8} /{path}")
    met = True
    checks: list[tuple[str, bool]] = []
    if "resident" in names:
        first, again = results[("shipped", "resident")]
        checks += [
            (f"resident first load ≤ {BUDGET_FIRST_KB:.0f} KB (measured {first.kb:.1f} KB)",
             first.kb <= BUDGET_FIRST_KB),
            (f"resident first load ≤ {BUDGET_FIRST_S} s (measured {first.seconds:.2f} s)",
             first.seconds <= BUDGET_FIRST_S),
            (f"resident repeat visit ≤ {BUDGET_REPEAT_S} s (measured {again.seconds:.2f} s)",
             again.seconds <= BUDGET_REPEAT_S),
        ]
    if "tablet-map" in names:
        first, again = results[("shipped", "tablet-map")]
        checks += [
            (f"tablet's first map render ≤ {BUDGET_MAP_S} s, basemap included (measured "
             f"{first.seconds:.2f} s, {first.drawn_by or 'no map'}; the route at "
             f"{first.route_s:.2f} s)", first.seconds <= BUDGET_MAP_S),
            (f"tablet's map on a repeat visit ≤ {BUDGET_MAP_S} s, basemap included (measured "
             f"{again.seconds:.2f} s; the route at {again.route_s:.2f} s)",
             again.seconds <= BUDGET_MAP_S),
        ]
    for text, ok in checks:
        print(f"  {'met' if ok else 'NOT met'}: {text}")
        met &= ok
    return 0 if met else 1
