"""A ride's notification opens that ride (issue 12 §2): the service worker keeps the
notifier's per-ride link (#/bookings?ride=ID, notify.outbox.ride_url), a tap moves the
open app there, and the ride's card is brought forward and focused."""

from __future__ import annotations

from typing import Any

import pytest

from notify.outbox import ride_url
from tests.web.conftest import TOKYO, Live, check_axe, wait_until
from tests.web.seed import approved_member, book_to_city_hall

pytestmark = pytest.mark.browser
PASSWORD = "ride-link-pass-1"


def test_a_tap_on_a_rides_notification_opens_that_ride(
    new_page: Any, live: Live, fleet: list[str]
) -> None:
    """Two rides booked; the notification of the later one focuses the later one's card."""
    phone = "09055551301"
    member = approved_member(live, name="知手 結衣", kana="しって ゆい", phone=phone,
                             password=PASSWORD, birth_date="1952-05-05")  # fmt: skip
    day = live.clock.now().astimezone(TOKYO).date().isoformat()
    book_to_city_hall(live, member["id"], day, "13:00")
    later = book_to_city_hall(live, member["id"], day, "15:30")
    page = new_page("phone", permissions=["notifications"])
    page.goto(live.url + "/#/login")
    page.fill("#login-id", phone)
    page.fill("#login-pw", PASSWORD)
    page.click("#login-form button[type=submit]")
    page.wait_for_selector("#view-book:not([hidden])")
    # the worker is registered after the first screen and caches the shell before it is
    # active; a notification can only be shown by an active one
    assert page.evaluate("navigator.serviceWorker.ready.then(() => true)")
    sw = page.context.service_workers[0] if page.context.service_workers else (
        page.context.wait_for_event("serviceworker"))  # fmt: skip
    link = ride_url(live.url, later["id"])
    assert link.endswith(f"/#/bookings?ride={later['id']}")
    shown = sw.evaluate(
        """(url) => showPush(JSON.stringify({title: "予約", body: "15:30", url, tag: "d-r1"}))
          .then(() => self.registration.getNotifications({tag: "d-r1"}))
          .then((ns) => ns.map((n) => n.data.url))""",
        link,
    )
    assert shown == [link]
    sw.evaluate("(url) => openRide(url).then(() => true)", link)
    wait_until(page, "location.hash.startsWith('#/bookings?ride=')", 10)
    page.wait_for_selector(f"article.booking[data-id='{later['id']}'][aria-current='true']")
    wait_until(page, f"document.activeElement?.dataset?.id === {later['id']!r}", 10)
    assert page.locator("article.booking[aria-current='true']").count() == 1
    check_axe(page, "resident: bookings opened from a notification")
