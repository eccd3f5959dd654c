"""Browser-test fixtures: the real app under uvicorn on a free port, Debian's chromium, axe-core.

The app is ``create_app`` with settings pointing at a SQLite file in a temporary
folder and a clock fixed to a service day (09:00 in Tokyo, ticking with real
time), so bookings are inside service hours whatever the hour of the run. Pages
get the same clock through Playwright's clock API. Screenshots go to
``artifacts/screenshots/`` (gitignored).
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest

ROOT = Path(__file__).resolve().parents[2]
AXE = Path(__file__).resolve().parent / "assets" / "axe.min.js"
SHOTS = ROOT / "artifacts" / "screenshots"
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
# Chromium logs every refused request; the apps handle these (offline queue, 4xx in words).
EXPECTED_CONSOLE = (
    "ERR_INTERNET_DISCONNECTED",
    "the server responded with a status of 4",
    # a busy service's 503 (the apps try again, then say so: tests/web/test_busy_retry.py)
    "the server responded with a status of 503",
    # Playwright's contexts are incognito: the resident app says push is unavailable
    "does not support the Push API in incognito mode",
)
SIZES = {"phone": (390, 844), "tablet": (1180, 820), "desktop": (1440, 900)}
TOKYO = ZoneInfo("Asia/Tokyo")
ADMIN = ("webadmin", "web-admin-pass-1")
OPERATOR = ("operator1", "operator-pass-1")
DRIVER_PASSWORD = "driver-pass-1"
PAY_SECRET = "web-test-payment-secret"  # the payment stand-in's webhook signing secret


def service_day_start() -> datetime:
    """Return 09:00 Tokyo time on the next plain service weekday (Tue–Thu, no holiday).

    The city's calendar decides (national holidays, the year-end closure, closed dates).
    """
    from booking_api.city import load_city

    calendar = load_city(ROOT / "booking_api" / "cities" / "kamisu.toml").calendar
    day = datetime.now(TOKYO).date() + timedelta(days=1)
    while day.weekday() not in (1, 2, 3) or not calendar.is_service_day(day):
        day += timedelta(days=1)
    return datetime(day.year, day.month, day.day, 9, 0, tzinfo=TOKYO).astimezone(UTC)


class ShiftedClock:
    """Real time moved to a fixed starting instant: deterministic date, time still flows."""

    def __init__(self, start: datetime) -> None:
        self.start = start
        self._t0 = time.monotonic()

    def now(self) -> datetime:
        """Return the shifted current time (UTC-aware)."""
        return self.start + timedelta(seconds=time.monotonic() - self._t0)


@dataclass
class Live:
    """A running app: its base URL, clock and an admin token for seeding."""

    url: str
    clock: ShiftedClock
    admin_token: str
    app: Any

    def api(self, method: str, path: str, token: str | None = None, **kw: Any) -> Any:
        """Call the API directly (for seeding and checks); raise on an HTTP error."""
        headers = {"Authorization": f"Bearer {token or self.admin_token}"}
        res = httpx.request(method, self.url + path, headers=headers, timeout=30, **kw)
        if res.is_error:  # the answer's words say why a seeding step was refused
            raise AssertionError(f"{method} {path}: {res.status_code} {res.text[:500]}")
        return res.json() if res.content else None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="package")
def live(tmp_path_factory: pytest.TempPathFactory, shared_cache_dir: Path) -> Iterator[Live]:
    """Start the real app with uvicorn in a thread; yield its URL; stop it afterwards."""
    uvicorn = pytest.importorskip("uvicorn")
    from booking_api.main import create_app
    from booking_api.settings import Settings
    from tests.web.seed import create_admin

    tmp = tmp_path_factory.mktemp("web")
    import booking_api.db  # noqa: F401  (registers the API's tables)
    import dispatch.store.tables  # noqa: F401  (registers the engine's tables)
    from dispatch.store.base import Base, make_engine

    url = f"sqlite:///{tmp / 'noriai.sqlite'}"
    from notify.channels.push import generate_vapid_keys

    vapid = generate_vapid_keys()  # the resident app's push button subscribes with it
    port, pay_port = _free_port(), _free_port()  # online purchases: the payment stand-in's page
    settings = Settings(
        _env_file=None,  # type: ignore[call-arg]
        database_url=url,
        data_dir=tmp / "data",
        cache_dir=shared_cache_dir,
        redis_url="",
        vapid_private_key=vapid.private_key,
        vapid_public_key=vapid.public_key,
        vapid_subject="mailto:office@example.jp",
        payment_provider="local",
        payment_webhook_secret=PAY_SECRET,
        payment_page_url=f"http://127.0.0.1:{pay_port}/pay",
    )
    db = make_engine(url)
    Base.metadata.create_all(db)
    clock = ShiftedClock(service_day_start())
    app = create_app(settings, clock=clock, db=db)
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", ws="auto")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 120
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            pytest.fail("the app did not start")
        time.sleep(0.05)
    url = f"http://127.0.0.1:{port}"
    token = create_admin(app, url, *ADMIN)
    from fares.standin import serve as serve_payments

    # signed with the app's shifted clock, which the webhook's freshness check reads
    payments = serve_payments(PAY_SECRET, url, pay_port, lambda: clock.now().timestamp())
    try:
        yield Live(url=url, clock=clock, admin_token=token, app=app)
    finally:
        payments.close()
        server.should_exit = True
        thread.join(timeout=10)
        db.dispose()


@pytest.fixture(scope="package")
def fleet(live: Live) -> list[str]:
    """Two vehicles on shift on the service day, plus an operator and a driver per vehicle."""
    from tests.web.seed import seed_fleet, staff_account

    ids = seed_fleet(live.app, live.clock.start)
    staff_account(live, OPERATOR[0], OPERATOR[1], "operator")
    for vid in ids:
        staff_account(live, f"driver-{vid.lower()}", DRIVER_PASSWORD, "driver", vehicle_id=vid)
    return ids


# A browser with WebGL for certain (SwiftShader): the shared one runs with --disable-gpu.
GL_ARGS = [a for a in CHROMIUM_ARGS if a != "--disable-gpu"] + [
    "--use-angle=swiftshader", "--enable-unsafe-swiftshader",
]  # fmt: skip
# An init script for a page whose browser has no WebGL (the maps' Leaflet fallback).
NO_WEBGL = """const plain = HTMLCanvasElement.prototype.getContext;
HTMLCanvasElement.prototype.getContext = function (kind, ...rest) {
  return /webgl/.test(kind) ? null : plain.call(this, kind, ...rest);
};"""


@pytest.fixture(scope="module")
def gl_browser(browser: Any) -> Iterator[Any]:
    """A second browser with WebGL, from the session's Playwright (a second
    sync_playwright() in the same process is refused when the shared browser runs)."""
    gl = browser.browser_type.launch(executable_path=str(CHROMIUM), headless=True, args=GL_ARGS)
    yield gl
    gl.close()


@pytest.fixture(scope="package")
def browser() -> Iterator[Any]:
    """Debian's chromium, headless, driven by Playwright (never a downloaded browser).

    Package-scoped: Playwright's sync API keeps an event loop running in the main
    thread, which would break ``asyncio.run`` in tests collected after these.
    """
    if not CHROMIUM.exists():
        pytest.fail("Debian's chromium is required at /usr/bin/chromium (.ci/run installs it)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        yield b
        b.close()


def _then_catalogues(page: Any, navigate: Any) -> Any:
    def go(*args: Any, **kw: Any) -> Any:
        response = navigate(*args, **kw)
        if page.url.startswith("http"):
            wait_until(page, "document.documentElement.dataset.i18nReady === '1'")
        return response

    return go


@pytest.fixture
def new_page(browser: Any, live: Live) -> Iterator[Any]:
    """Return a factory of pages (own context each) whose clock is the app's clock.

    ``make(size, device_off_s=...)`` gives a device whose clock is set wrong.

    Every page collects its JavaScript errors; the test fails if any page had one
    (requests refused offline or with a 4xx that the page explains are expected).
    """
    contexts: list[Any] = []
    errors: list[str] = []

    def make(size: str = "phone", device_off_s: float = 0, **kw: Any) -> Any:
        w, h = SIZES[size]
        ctx = browser.new_context(viewport={"width": w, "height": h}, locale="ja-JP", **kw)
        contexts.append(ctx)
        page = ctx.new_page()
        # ``device_off_s``: a device whose own clock is that far off the service's
        page.clock.install(time=live.clock.now() + timedelta(seconds=device_off_s))
        page.on("pageerror", lambda e: errors.append(f"{page.url}: {e}"))
        page.on(
            "console",
            lambda m: (
                errors.append(f"{page.url}: {m.text}")
                if m.type == "error" and not any(x in m.text for x in EXPECTED_CONSOLE)
                else None
            ),
        )
        page.set_default_timeout(20000)
        # The apps load their message catalogues before they run, which may be after
        # the "load" event a navigation waits for: wait for the catalogues as well.
        for name in ("goto", "reload"):
            setattr(page, name, _then_catalogues(page, getattr(page, name)))
        return page

    yield make
    for ctx in contexts:
        ctx.close()
    assert not errors, f"JavaScript errors in the page: {errors}"


def wait_until(page: Any, expression: str, timeout_s: float = 20.0) -> None:
    """Wait until a JavaScript ``expression`` is true in ``page``.

    ``page.wait_for_function`` compiles its string inside the page, which the
    apps' Content-Security-Policy forbids (no 'unsafe-eval'); ``evaluate`` runs
    through the browser's debugging protocol, which the policy does not govern.
    """
    deadline = time.monotonic() + timeout_s
    while not page.evaluate(expression):
        assert time.monotonic() < deadline, f"still false after {timeout_s} s: {expression}"
        page.wait_for_timeout(50)


def choose_lang(page: Any, code: str) -> None:
    """Pick a language from the header's language menu, as a person would.

    Opens the menu under the ``#lang`` button, clicks the choice written in
    that language and waits until the page's ``lang`` attribute follows.
    """
    page.click("#lang")
    page.click(f"#lang-menu button[data-lang='{code}']")
    html_lang = "ja" if code.startswith("ja") else code
    wait_until(page, f"document.documentElement.lang === {html_lang!r}")


def home_to_first_hospital(page: Any) -> None:
    """On the call screen, choose by keyboard home (1) to the first 病院 found (1).

    Leaves the focus on the date field, as an operator would find it.
    """
    page.wait_for_selector("#from:focus")
    page.keyboard.type("1")
    page.keyboard.press("Enter")
    page.wait_for_selector("#to:focus")
    page.keyboard.type("病院")
    page.keyboard.press("Enter")
    page.wait_for_selector("#to-opts[data-search='病院'] kbd")
    page.keyboard.type("1")
    page.keyboard.press("Enter")
    page.wait_for_selector("#date:focus")


def check_axe(page: Any, what: str) -> None:
    """Run axe-core on the page and fail on serious or critical violations."""
    # Evaluated, not added as a <script>: the pages' Content-Security-Policy refuses inline script.
    page.evaluate(AXE.read_text("utf-8"))
    result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    bad = [
        f"{v['id']} ({v['impact']}): {v['help']} -> "
        + "; ".join(n["target"][0] if n["target"] else "?" for n in v["nodes"][:3])
        for v in result["violations"]
        if v["impact"] in ("serious", "critical")
    ]
    assert not bad, f"accessibility violations on {what}: {bad}"


def screenshots(
    page: Any, name: str, sizes: tuple[str, ...] = ("phone", "tablet", "desktop")
) -> None:
    """Save a full-page screenshot at each size as artifacts/screenshots/<name>-<size>.png."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    original = page.viewport_size
    for size in sizes:
        w, h = SIZES[size]
        page.set_viewport_size({"width": w, "height": h})
        page.wait_for_timeout(150)
        page.screenshot(path=str(SHOTS / f"{name}-{size}.png"), full_page=True)
    page.set_viewport_size(original)


def assert_reflows(page: Any, what: str) -> None:
    """At 200 % zoom on a phone (195 CSS pixels wide) nothing may need sideways scrolling."""
    original = page.viewport_size
    page.set_viewport_size({"width": 195, "height": 422})
    page.wait_for_timeout(100)
    js = "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    overflow = page.evaluate(js)
    culprits = page.evaluate(
        """() => [...document.querySelectorAll('body *')]
        .filter(e => e.getBoundingClientRect().right > document.documentElement.clientWidth + 1)
        .filter(e => !e.closest('.tabs, .leaflet-container'))
        .slice(0, 5).map(e => e.tagName + '.' + e.className + '#' + e.id)"""
    )
    page.set_viewport_size(original)
    assert overflow <= 1, f"{what} scrolls sideways by {overflow}px at 200 % zoom: {culprits}"
