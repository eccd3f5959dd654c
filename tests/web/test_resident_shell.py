"""The residents' app shell from its service worker: no round trip on a repeat visit,
a load with no signal at all, and a release taken on the next load after a deploy.

The deploy test runs its own server (uvicorn on a free port, the real page routes of
``booking_api.web``) whose build can be switched while it runs, as a release does:
a service worker belongs to one origin, so the new build has to come from the same
host and port. That server has no API; the page says so in words and still starts.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi import FastAPI
from starlette.types import Receive, Scope, Send

from booking_api.assets import Assets
from booking_api.web import build_router
from tests.web.conftest import Live, _free_port, wait_until

pytestmark = pytest.mark.browser

CONTROLLED = "navigator.serviceWorker.ready.then(() => !!navigator.serviceWorker.controller)"
FIRST_SCREEN = (
    "document.documentElement.dataset.i18nReady === '1' && "
    "!!document.querySelector('#view-welcome:not([hidden]) h1')"
)
ENTRY = "document.querySelector('script[type=module]').getAttribute('src')"


def _until_controlled(page: Any) -> None:
    """Wait until the worker is active and controls the page (it claims open pages)."""
    deadline = time.monotonic() + 30
    while not page.evaluate(CONTROLLED):
        assert time.monotonic() < deadline, "the service worker never took the page"
        page.wait_for_timeout(100)


def test_the_app_opens_offline_from_its_service_worker(new_page: Any, live: Live) -> None:
    """Once visited, the welcome screen opens with no network at all."""
    page = new_page("phone")
    page.goto(live.url + "/")
    _until_controlled(page)
    page.context.set_offline(True)
    response = page.reload()
    assert response is not None and response.from_service_worker
    wait_until(page, FIRST_SCREEN)
    assert page.inner_text("#view-welcome h1").strip()
    page.context.set_offline(False)


class _Deployable:
    """An ASGI app whose build is switched by :meth:`deploy`; it records the paths asked."""

    def __init__(self, build: str) -> None:
        self.paths: list[str] = []
        self.deploy(build)

    def deploy(self, build: str) -> None:
        """Serve the pages and assets of ``build`` from now on."""
        app = FastAPI()
        app.include_router(build_router(Assets(build)))
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            self.paths.append(scope["path"])
        await self.app(scope, receive, send)


@pytest.fixture
def deployable() -> Iterator[tuple[str, _Deployable]]:
    """A server of build ``aaaaaaaaaaaa`` on a free port; yields its URL and the app."""
    import uvicorn

    site = _Deployable("aaaaaaaaaaaa")
    port = _free_port()
    server = uvicorn.Server(uvicorn.Config(site, host="127.0.0.1", port=port,
                                           log_level="warning", lifespan="off"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 60
    while not server.started:
        assert time.monotonic() < deadline and thread.is_alive(), "the server did not start"
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}", site
    finally:
        server.should_exit = True
        thread.join(timeout=10)


def test_a_repeat_visit_needs_no_round_trip_and_a_release_arrives_on_the_next_load(
    browser: Any, deployable: tuple[str, _Deployable]
) -> None:
    """The page comes from the worker's cache without asking the server; after a deploy
    the worker's update check installs the new build and the next load is the new one."""
    url, site = deployable
    ctx = browser.new_context(viewport={"width": 390, "height": 844}, locale="ja-JP")
    try:
        page = ctx.new_page()
        page.set_default_timeout(15000)
        page.goto(url + "/")
        wait_until(page, FIRST_SCREEN)
        assert page.evaluate(ENTRY) == "/static/v/aaaaaaaaaaaa/resident/app.js"
        _until_controlled(page)

        site.paths.clear()
        response = page.reload()
        wait_until(page, FIRST_SCREEN)
        assert response is not None and response.from_service_worker
        # cache first: the page and its scripts were not asked of the server
        assert "/" not in site.paths, site.paths
        assert not [p for p in site.paths if p.startswith("/static/")], site.paths

        site.deploy("bbbbbbbbbbbb")
        page.reload()  # this load is still the cached build; it checks /sw.js behind it
        wait_until(page, FIRST_SCREEN)
        assert page.evaluate(ENTRY) == "/static/v/aaaaaaaaaaaa/resident/app.js"
        wait_until(page, "caches.keys().then((ks) => ks.join(' ') === "
                         "'noriai-shell-/static/v/bbbbbbbbbbbb/')", timeout_s=30)
        page.reload()
        wait_until(page, FIRST_SCREEN)
        assert page.evaluate(ENTRY) == "/static/v/bbbbbbbbbbbb/resident/app.js"

        ctx.set_offline(True)  # and the new build is what opens without a signal
        page.reload()
        wait_until(page, FIRST_SCREEN)
        assert page.evaluate(ENTRY) == "/static/v/bbbbbbbbbbbb/resident/app.js"
    finally:
        ctx.close()


def test_a_signed_in_rider_opening_the_app_offline_stays_signed_in(
    new_page: Any, live: Live
) -> None:
    """Without a signal the shell opens and the session is kept (it was dropped as refused)."""
    from tests.web.seed import approved_member

    phone, password = "09066660017", "shell-pass-17"
    approved_member(live, name="神栖 花子", kana="かみす はなこ", phone=phone,
                    password=password, birth_date="1950-05-05")
    page = new_page("phone")
    page.goto(live.url + "/#/login")
    page.fill("#login-id", phone)
    page.fill("#login-pw", password)
    page.click("#login-form button[type=submit]")
    page.wait_for_selector("#view-book:not([hidden])")
    _until_controlled(page)
    page.context.set_offline(True)
    page.reload()
    wait_until(page, "document.documentElement.dataset.i18nReady === '1' && "
                     "!!document.querySelector('.view:not([hidden]) h1')")
    assert page.evaluate("!!localStorage.getItem('noriai.resident.token')")
    page.context.set_offline(False)
    page.reload()
    page.wait_for_selector("#view-book:not([hidden])")
