"""Admission control: past its capacity a process answers 503 with Retry-After at once.

The gate is driven by real concurrent HTTP requests through uvicorn to an app whose
route takes a known time, so the in-flight and queue bounds are what is measured.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
import uvicorn
from fastapi import FastAPI

from booking_api.admission import AdmissionControl, AdmissionLimits

HOLD_S = 0.6


def _app(limits: AdmissionLimits) -> FastAPI:
    app = FastAPI()

    @app.post("/api/v1/quotes")
    def slow_quote() -> dict[str, str]:
        time.sleep(HOLD_S)
        return {"ok": "quote"}

    @app.post("/api/v1/bookings")
    def slow_confirm() -> dict[str, str]:
        time.sleep(HOLD_S)
        return {"ok": "booking"}

    @app.get("/api/v1/members")
    def slow_read() -> dict[str, str]:
        time.sleep(HOLD_S)
        return {"ok": "read"}

    @app.get("/api/v1/clock")
    def clock() -> dict[str, str]:
        return {"ok": "clock"}

    app.add_middleware(AdmissionControl, limits=limits)
    return app


@pytest.fixture
def serve() -> Iterator[Any]:
    servers: list[tuple[uvicorn.Server, threading.Thread]] = []

    def start(limits: AdmissionLimits) -> str:
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = int(s.getsockname()[1])
        srv = uvicorn.Server(
            uvicorn.Config(_app(limits), host="127.0.0.1", port=port, log_level="warning")
        )
        thread = threading.Thread(target=srv.run, daemon=True)
        thread.start()
        deadline = time.monotonic() + 10
        while not srv.started:
            assert time.monotonic() < deadline
            time.sleep(0.02)
        servers.append((srv, thread))
        return f"http://127.0.0.1:{port}"

    yield start
    for srv, thread in servers:
        srv.should_exit = True
        thread.join(5)


def _burst(url: str, n: int, method: str, path: str) -> list[tuple[int, float, httpx.Response]]:
    barrier = threading.Barrier(n)
    out: list[tuple[int, float, httpx.Response]] = []

    def one() -> None:
        with httpx.Client(base_url=url, timeout=30) as c:
            barrier.wait()
            t0 = time.monotonic()
            r = c.request(method, path, headers={"Accept-Language": "en"})
            out.append((r.status_code, time.monotonic() - t0, r))

    threads = [threading.Thread(target=one) for _ in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    return out


def test_beyond_slots_and_queue_the_answer_is_503_at_once(serve: Any) -> None:
    url = serve(AdmissionLimits(2, 1, max_queued=2, queue_wait_s=10, retry_after_s=3))
    answers = _burst(url, 6, "POST", "/api/v1/quotes")
    codes = sorted(code for code, _, _ in answers)
    # One engine slot, two waiting: three served one after another, three refused.
    assert codes == [200, 200, 200, 503, 503, 503]
    for code, took, r in answers:
        if code == 503:
            assert took < HOLD_S, "a refusal must not wait for a slot"
            assert r.headers["Retry-After"] == "3"
            detail = r.json()["detail"]
            assert detail["code"] == "busy" and "busy" in detail["message"]
            assert "混み合って" in detail["message_ja"]


def test_a_queued_request_gives_up_after_its_wait(serve: Any) -> None:
    url = serve(AdmissionLimits(1, 0, max_queued=5, queue_wait_s=0.2, retry_after_s=1))
    answers = _burst(url, 3, "GET", "/api/v1/members")
    codes = sorted(code for code, _, _ in answers)
    assert codes == [200, 503, 503]
    assert all(took < HOLD_S for code, took, _ in answers if code == 503)


def test_the_clock_and_unlimited_gates_are_never_held(serve: Any) -> None:
    url = serve(AdmissionLimits(1, 1, max_queued=0, queue_wait_s=1, retry_after_s=1))
    with httpx.Client(base_url=url, timeout=30) as c:
        busy = threading.Thread(target=lambda: c.post("/api/v1/quotes"))
        busy.start()
        time.sleep(HOLD_S / 3)
        assert c.get("/api/v1/clock").status_code == 200  # exempt while the slot is taken
        busy.join()
    open_url = serve(AdmissionLimits(0, 0, max_queued=0, queue_wait_s=1, retry_after_s=1))
    assert sorted(c for c, _, _ in _burst(open_url, 4, "POST", "/api/v1/quotes")) == [200] * 4


def test_a_quote_waits_no_longer_than_its_budget(serve: Any) -> None:
    # Other requests may wait 10 s; a quote only its 0.2 s budget, then 503 + Retry-After.
    url = serve(
        AdmissionLimits(
            8, 1, max_queued=10, queue_wait_s=10, retry_after_s=2, quote_queue_wait_s=0.2
        )
    )
    answers = _burst(url, 3, "POST", "/api/v1/quotes")
    assert sorted(code for code, _, _ in answers) == [200, 503, 503]
    for code, took, r in answers:
        if code == 503:
            assert took < HOLD_S, "a quote past its budget is refused, not served late"
            assert r.headers["Retry-After"] == "2"
            assert r.json()["detail"]["code"] == "busy"


def test_a_quote_whose_queue_outlasts_the_budget_is_refused_at_once(serve: Any) -> None:
    url = serve(
        AdmissionLimits(
            8, 1, max_queued=10, queue_wait_s=10, retry_after_s=1, quote_queue_wait_s=0.3
        )
    )
    with httpx.Client(base_url=url, timeout=30) as c:
        assert c.post("/api/v1/quotes").status_code == 200  # the gate learns a quote's time
        busy = threading.Thread(target=lambda: c.post("/api/v1/quotes"))
        busy.start()
        time.sleep(HOLD_S / 3)
        t0 = time.monotonic()
        r = c.post("/api/v1/quotes")
        took = time.monotonic() - t0
        busy.join()
    # ~0.4 s still to wait for the slot > the 0.3 s budget: no point waiting it out
    assert r.status_code == 503 and took < 0.15, took
    assert r.headers["Retry-After"] == "1"


def test_quotes_within_the_budget_wait_and_are_served(serve: Any) -> None:
    url = serve(
        AdmissionLimits(
            8, 1, max_queued=10, queue_wait_s=0.1, retry_after_s=1, quote_queue_wait_s=2.0
        )
    )
    answers = _burst(url, 2, "POST", "/api/v1/quotes")
    assert sorted(code for code, _, _ in answers) == [200, 200]


def test_a_confirmation_waits_its_turn_past_the_quote_budget(serve: Any) -> None:
    # The person has chosen; racing retries of one booking must be answered, not refused.
    url = serve(
        AdmissionLimits(
            8, 1, max_queued=10, queue_wait_s=10, retry_after_s=1, quote_queue_wait_s=0.1
        )
    )
    answers = _burst(url, 3, "POST", "/api/v1/bookings")
    assert sorted(code for code, _, _ in answers) == [200, 200, 200]
