"""Residents' app in a real browser: accessibility, sizes, 200 % zoom, language, PWA, draft."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.web.conftest import Live, check_axe, choose_lang, screenshots, wait_until

pytestmark = pytest.mark.browser

SMALL_TARGETS_JS = """() => [...document.querySelectorAll(
    'button, a.btn, input, select, textarea, .tabs a')]
  .filter(el => el.offsetParent !== null && !el.closest('.leaflet-container'))
  .map(el => {
    const box = el.type === 'checkbox' || el.type === 'radio' ? el.closest('label') : el;
    const b = (box || el).getBoundingClientRect();
    return {id: el.id || el.name || el.textContent.trim().slice(0, 20), h: b.height, w: b.width};
  })
  .filter(x => x.h < 44 || x.w < 44)"""
SCROLL_JS = "document.documentElement.scrollWidth - document.documentElement.clientWidth"
NAMES = {
    "/#/": "resident-welcome",
    "/#/login": "resident-login",
    "/#/register": "resident-register",
}


@pytest.mark.parametrize("route", ["/#/", "/#/login", "/#/register"])
def test_public_pages_reach_the_bar(new_page: Any, live: Live, route: str) -> None:
    """No serious axe issue, 18 px text, 44 px targets, no sideways scroll at 200 % zoom."""
    page = new_page("phone")
    page.goto(live.url + route)
    page.wait_for_selector(".view:not([hidden]) h1")
    check_axe(page, route)
    body_px = page.evaluate("parseFloat(getComputedStyle(document.body).fontSize)")
    assert body_px >= 18
    assert page.evaluate(SMALL_TARGETS_JS) == []
    screenshots(page, NAMES[route])
    # 200 % zoom on a 390 px phone leaves 195 CSS pixels: nothing may need sideways scrolling.
    page.set_viewport_size({"width": 195, "height": 422})
    page.wait_for_timeout(100)
    overflow = page.evaluate(SCROLL_JS)
    assert overflow <= 1, f"{route} scrolls sideways by {overflow}px at 200 % zoom"


def test_language_switch_changes_every_label(new_page: Any, live: Live) -> None:
    """The English switch relabels the page, sets lang="en" and is remembered."""
    page = new_page("phone")
    page.goto(live.url + "/#/login")
    assert page.locator("#view-login h1").inner_text() == "ログイン"
    choose_lang(page, "en")
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.locator("#view-login h1").inner_text() == "Log in"
    assert page.get_by_label("Member number or phone number").is_visible()
    page.reload()
    wait_until(page, "document.documentElement.lang === 'en'")
    assert page.locator("#view-login h1").inner_text() == "Log in"
    screenshots(page, "resident-login-english", ("phone",))
    choose_lang(page, "ja")
    assert page.locator("html").get_attribute("lang") == "ja"


def test_registration_draft_survives_a_reload(new_page: Any, live: Live) -> None:
    """A half-filled application is kept after a reload; the page announces staff approval."""
    page = new_page("phone")
    page.goto(live.url + "/#/register")
    assert "職員が内容を確認" in page.locator("#view-register").inner_text()
    page.fill("#reg-name", "途中 保存")
    page.fill("#reg-phone", "090-5555-0000")
    page.check("input[name=walking_aid]")
    page.reload()
    page.wait_for_selector("#view-register:not([hidden])")
    assert page.input_value("#reg-name") == "途中 保存"
    assert page.input_value("#reg-phone") == "090-5555-0000"
    assert page.is_checked("input[name=walking_aid]")
    # The password is never kept in the draft.
    assert "password" not in page.evaluate("localStorage.getItem('noriai.registration.draft')")


def test_missing_fields_are_flagged_in_words(new_page: Any, live: Live) -> None:
    """Submitting an empty form marks the fields and says so, without calling the API."""
    page = new_page("phone")
    page.goto(live.url + "/#/register")
    page.evaluate("localStorage.removeItem('noriai.registration.draft')")
    page.reload()
    page.click("#reg-form button[type=submit]")
    err = page.locator("#reg-error")
    assert err.is_visible()
    assert "入力内容を確認" in err.inner_text()
    assert page.get_attribute("#reg-name", "aria-invalid") == "true"


def test_pwa_manifest_icons_and_service_worker(new_page: Any, live: Live) -> None:
    """Installable: a manifest with 192/512 icons and a service worker for `/`."""
    manifest = httpx.get(live.url + "/manifest.webmanifest").json()
    assert manifest["start_url"] == "/" and manifest["display"] == "standalone"
    sizes = {i["sizes"] for i in manifest["icons"]}
    assert {"192x192", "512x512"} <= sizes
    for icon in manifest["icons"]:
        res = httpx.get(live.url + icon["src"])
        assert res.status_code == 200 and res.content[:4] == b"\x89PNG"
    page = new_page("phone")
    page.goto(live.url + "/")
    scope = page.evaluate("navigator.serviceWorker.ready.then(r => r.scope)")
    assert scope == live.url + "/"
