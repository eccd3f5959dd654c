"""Each app, on its own catalogue, shows no raw message key on its first screens.

The apps load only their app's messages (``/static/common/lang/<app>/<code>.json``,
booking_api/catalogues.py). A key the app's catalogue lacks would be shown as
itself (``op.noresult``): here every visible text node, and every visible
aria-label, placeholder and title, of the first screens in Japanese and English
must not look like a key, and the page must have asked for its own catalogue,
never the whole one.
"""

from __future__ import annotations

import re
from typing import Any

import pytest

from tests.web.conftest import DRIVER_PASSWORD, OPERATOR, Live, choose_lang
from tests.web.seed import approved_member

pytestmark = pytest.mark.browser

RAW_KEY = re.compile(r"^[a-z]+(\.[a-z0-9_]+)+$")
PHONE = "09077106116"
PASSWORD = "katalog-2026-pass"
# Every visible text node, and the visible elements' names and hints, one a line.
SHOWN_JS = """() => {
  const out = [document.title];
  const walk = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let n = walk.nextNode(); n; n = walk.nextNode()) {
    const el = n.parentElement;
    if (el && n.textContent.trim() && el.checkVisibility()) out.push(n.textContent.trim());
  }
  for (const el of document.querySelectorAll('[aria-label], [placeholder], [title]')) {
    if (!el.checkVisibility()) continue;
    for (const a of ['aria-label', 'placeholder', 'title']) {
      const v = el.getAttribute(a);
      if (v && v.trim()) out.push(v.trim());
    }
  }
  return out;
}"""


def _watch(page: Any) -> list[str]:
    """Collect the catalogue URLs the page asks for."""
    asked: list[str] = []
    page.on("request", lambda r: asked.append(r.url) if "/common/lang/" in r.url else None)
    return asked


def _no_raw_key(page: Any, what: str) -> None:
    shown = page.evaluate(SHOWN_JS)
    assert len(shown) > 5, f"{what}: nothing shown? {shown}"
    raw = sorted({s for s in shown if RAW_KEY.match(s)})
    assert not raw, f"{what} shows message keys instead of messages: {raw}"


def _own_catalogues(asked: list[str], app: str | None, code: str) -> None:
    """The page asked for its app's catalogues only (``None``: the whole ones only)."""
    names = [u.rsplit("/common/lang/", 1)[1] for u in asked]
    if app is None:
        assert "ja.json" in names and not [n for n in names if "/" in n], names
        return
    assert f"{app}/ja.json" in names, names
    if code != "ja":
        assert f"{app}/{code}.json" in names, names
    assert not [n for n in names if n not in ("languages.json",) and "/" not in n], names


@pytest.fixture(scope="module")
def member(live: Live, fleet: list[str]) -> dict[str, Any]:
    return approved_member(
        live, name="目録 確認", kana="もくろく かくにん", phone=PHONE, password=PASSWORD,
        birth_date="1946-06-06",
    )  # fmt: skip


@pytest.mark.parametrize("code", ["ja", "en"])
def test_resident_first_screens_show_no_raw_key(
    new_page: Any, live: Live, member: dict[str, Any], code: str
) -> None:
    page = new_page("phone")
    asked = _watch(page)
    page.goto(live.url + "/#/")
    page.wait_for_selector("#view-welcome:not([hidden]) h1")
    if code != "ja":
        choose_lang(page, code)
    _no_raw_key(page, f"resident welcome [{code}]")
    page.goto(live.url + "/#/login")
    page.wait_for_selector("#view-login:not([hidden]) h1")
    _no_raw_key(page, f"resident login [{code}]")
    page.fill("#login-id", PHONE)
    page.fill("#login-pw", PASSWORD)
    page.click("#login-form button[type=submit]")
    page.wait_for_selector("#view-book:not([hidden]) .place-btn")
    _no_raw_key(page, f"resident booking, where from [{code}]")
    _own_catalogues(asked, "resident", code)


@pytest.mark.parametrize("code", ["ja", "en"])
def test_operator_first_screens_show_no_raw_key(
    new_page: Any, live: Live, fleet: list[str], code: str
) -> None:
    page = new_page("desktop")
    asked = _watch(page)
    page.goto(live.url + "/operator")
    page.wait_for_selector("#view-login:not([hidden]) h1")
    if code != "ja":
        choose_lang(page, code)
    _no_raw_key(page, f"operator login [{code}]")
    page.fill("#op-user", OPERATOR[0])
    page.fill("#op-pw", OPERATOR[1])
    page.click("#login-form button[type=submit]")
    page.wait_for_selector("#view-call:not([hidden]) h1, #view-call:not([hidden]) h2")
    _no_raw_key(page, f"operator call screen [{code}]")
    _own_catalogues(asked, "operator", code)


@pytest.mark.parametrize("code", ["ja", "en"])
def test_tablet_first_screens_show_no_raw_key(
    new_page: Any, live: Live, fleet: list[str], code: str
) -> None:
    page = new_page("tablet")
    asked = _watch(page)
    page.goto(live.url + "/driver")
    page.wait_for_selector("#view-login:not([hidden]) h1")
    if code != "ja":
        choose_lang(page, code)
    _no_raw_key(page, f"tablet login [{code}]")
    page.fill("#dr-user", f"driver-{fleet[-1].lower()}")
    page.fill("#dr-pw", DRIVER_PASSWORD)
    page.click("#login-form button[type=submit]")
    page.wait_for_selector("#view-run:not([hidden])")
    page.wait_for_selector("#next :is(.nk, .done-all)")
    _no_raw_key(page, f"tablet day [{code}]")
    # the whole catalogues until the tablet's worker keeps lang/driver/ (see
    # tests/web/test_app_catalogues.py); its keys are held to lang/driver/ there
    _own_catalogues(asked, None, code)
