"""A busy service (503 ``busy`` from the admission gate) is tried again by the app itself.

The server's gate answers 503 ``busy`` with ``Retry-After`` when it is full; nothing
was done with the request, so the apps send it again after the time asked, saying
so, and show the message only when the service stays busy. The busy answers are
injected at the browser's network layer (what a full gate sends, byte for byte
in shape); the quote that follows is the real server's.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.web.conftest import Live
from tests.web.seed import approved_member

pytestmark = pytest.mark.browser

PHONE = "09055550909"  # no other browser test uses it (they share one server)
PASSWORD = "busy-retry-1"
BUSY = {
    "detail": {
        "code": "busy",
        "message": "ただいま大変混み合っています。少し時間をおいてもう一度お試しください。",
        "message_ja": "ただいま大変混み合っています。少し時間をおいてもう一度お試しください。",
        "message_en": "The service is very busy right now. Please try again in a moment.",
        "retry_after_s": 1,
    }
}


def _sign_in(page: Any, live: Live) -> None:
    page.goto(live.url + "/#/login")
    page.fill("#login-id", PHONE)
    page.fill("#login-pw", PASSWORD)
    page.click("#login-form button[type=submit]")


def _ask_for_a_quote(page: Any) -> None:
    """From the first screen: home to the first shop, the first day at 11:00, quote."""
    page.locator(".place-btn").first.click()
    page.locator(".cat[data-cat=shopping]").click()
    page.locator("#cat-results .place-btn").first.click()
    page.locator(".day").first.click()
    page.fill("#b-time", "11:00")
    page.click("#book-step .next")
    page.click("#book-step .next")


def test_a_busy_answer_is_tried_again_and_only_a_lasting_one_is_shown(
    new_page: Any, live: Live, fleet: list[str]
) -> None:
    """Busy on every try: after the first send and three more, each after the time asked,
    the rider reads that the service is busy, and no offer. Tapped again with two busy
    answers to come: "trying again", then the offer, the quote sent three times."""
    approved_member(
        live, name="混雑 太郎", kana="こんざつ たろう", phone=PHONE, password=PASSWORD,
        birth_date="1948-03-03",
    )  # fmt: skip
    page = new_page("phone")
    sent: list[str] = []
    busy_left = {"n": 99}

    def gate(route: Any) -> None:
        sent.append(route.request.post_data or "")
        if busy_left["n"] > 0:
            busy_left["n"] -= 1
            route.fulfill(
                status=503,
                headers={"Retry-After": "1", "Content-Type": "application/json"},
                body=json.dumps(BUSY, ensure_ascii=False),
            )
        else:
            route.continue_()

    page.route("**/api/v1/quotes", gate)
    _sign_in(page, live)
    # busy on every try: the first send and three more, then the message; no offer
    _ask_for_a_quote(page)
    page.wait_for_selector("#toast:not([hidden]):has-text('自動でもう一度')")
    page.wait_for_selector("#quote-error .notice.error", timeout=60000)
    assert "混み合っています" in page.inner_text("#quote-error")
    assert len(sent) == 4
    assert len(set(sent)) == 1  # the same request each time
    assert page.locator(".offer-big").count() == 0

    # the rider taps again; busy twice more, then the server's own answer: the offer
    sent.clear()
    busy_left["n"] = 2
    page.click("#book-step .next")
    page.wait_for_selector(".offer-big", timeout=60000)
    assert len(sent) == 3
