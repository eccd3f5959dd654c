"""Admission control: past its capacity a process answers 503 with Retry-After at once.

The gate is driven by real concurrent HTTP requests through uvicorn to an app whose
routes hold until the test opens a ``threading.Event``. So "refused at once" is
checked by cause, not by a stopwatch: a refusal that waited for a slot could not
come back while every slot is still held, on however loaded a machine.
"""

from __future__ import annotations

import asyncio
import socket
import threading
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
import uvicorn
from fastapi import FastAPI

from booking_api.admission import AdmissionControl, AdmissionLimits, _Slots

# The routes' longest hold: a safety net, never reached while a test works.
SAFETY_S = 30.0


class _Held:
    """The routes' gate: each request counts itself in and holds until ``open``."""

    def __init__(self) -> None:
        self.gate = threading.Event()
        self.inside = 0
        self._lock = threading.Lock()

    def hold(self) -> None:
        with self._lock:
            self.inside += 1
        self.gate.wait(SAFETY_S)

    def wait_inside(self, n: int) -> None:
        deadline = time.monotonic() + SAFETY_S
        while self.inside < n:
            assert time.monotonic() < deadline, f"{self.inside} of {n} requests got in"
            time.sleep(0.01)


def _app(limits: AdmissionLimits, held: _Held) -> FastAPI:
    app = FastAPI()

    @app.post("/api/v1/quotes")
    def slow_quote() -> dict[str, str]:
        held.hold()
        return {"ok": "quote"}

    @app.post("/api/v1/bookings")
    def slow_confirm() -> dict[str, str]:
        held.hold()
        return {"ok": "booking"}

    @app.get("/api/v1/members")
    def slow_read() -> dict[str, str]:
        held.hold()
        return {"ok": "read"}

    @app.get("/api/v1/clock")
    def clock() -> dict[str, str]:
        return {"ok": "clock"}

    app.add_middleware(AdmissionControl, limits=limits)
    return app


@pytest.fixture
def serve() -> Iterator[Any]:
    servers: list[tuple[uvicorn.Server, threading.Thread, _Held]] = []

    def start(limits: AdmissionLimits) -> tuple[str, _Held]:
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = int(s.getsockname()[1])
        held = _Held()
        srv = uvicorn.Server(
            uvicorn.Config(_app(limits, held), host="127.0.0.1", port=port, log_level="warning")
        )
        thread = threading.Thread(target=srv.run, daemon=True)
        thread.start()
        deadline = time.monotonic() + 10
        while not srv.started:
            assert time.monotonic() < deadline
            time.sleep(0.02)
        servers.append((srv, thread, held))
        return f"http://127.0.0.1:{port}", held

    yield start
    for srv, thread, held in servers:
        held.gate.set()
        srv.should_exit = True
        thread.join(5)


class _Burst:
    """``n`` concurrent requests; their answers are collected as they come back."""

    def __init__(self, url: str, n: int, method: str, path: str) -> None:
        self.answers: list[httpx.Response] = []
        self._came = threading.Condition()
        barrier = threading.Barrier(n)

        def one() -> None:
            with httpx.Client(base_url=url, timeout=SAFETY_S + 10) as c:
                barrier.wait()
                r = c.request(method, path, headers={"Accept-Language": "en"})
            with self._came:
                self.answers.append(r)
                self._came.notify_all()

        self.threads = [threading.Thread(target=one) for _ in range(n)]
        for t in self.threads:
            t.start()

    def first(self, k: int) -> list[httpx.Response]:
        """Return the first ``k`` answers, waiting for them (a failure past the net)."""
        with self._came:
            assert self._came.wait_for(lambda: len(self.answers) >= k, SAFETY_S)
            return list(self.answers[:k])

    def all(self) -> list[httpx.Response]:
        for t in self.threads:
            t.join(SAFETY_S + 10)
        return list(self.answers)


def _codes(answers: list[httpx.Response]) -> list[int]:
    return sorted(r.status_code for r in answers)


def test_beyond_slots_and_queue_the_answer_is_503_at_once(serve: Any) -> None:
    url, held = serve(AdmissionLimits(2, 1, max_queued=2, queue_wait_s=SAFETY_S, retry_after_s=3))
    burst = _Burst(url, 6, "POST", "/api/v1/quotes")
    # One engine slot, two waiting, three refused: the refusals come back while the
    # slot is still held, so none of them waited for it.
    refused = burst.first(3)
    assert not held.gate.is_set() and held.inside == 1
    assert _codes(refused) == [503, 503, 503]
    for r in refused:
        assert r.headers["Retry-After"] == "3"
        detail = r.json()["detail"]
        assert detail["code"] == "busy" and "busy" in detail["message"]
        assert "混み合って" in detail["message_ja"]
    held.gate.set()
    assert _codes(burst.all()) == [200, 200, 200, 503, 503, 503]


def test_a_queued_request_gives_up_after_its_wait(serve: Any) -> None:
    url, held = serve(AdmissionLimits(1, 0, max_queued=5, queue_wait_s=0.2, retry_after_s=1))
    burst = _Burst(url, 3, "GET", "/api/v1/members")
    # The two queued reads give up while the first still holds the only slot.
    assert _codes(burst.first(2)) == [503, 503] and not held.gate.is_set()
    held.gate.set()
    assert _codes(burst.all()) == [200, 503, 503]


def test_the_clock_and_unlimited_gates_are_never_held(serve: Any) -> None:
    url, held = serve(AdmissionLimits(1, 1, max_queued=0, queue_wait_s=1, retry_after_s=1))
    busy = _Burst(url, 1, "POST", "/api/v1/quotes")
    held.wait_inside(1)
    with httpx.Client(base_url=url, timeout=SAFETY_S) as c:
        assert c.post("/api/v1/quotes").status_code == 503  # the one slot is taken
        assert c.get("/api/v1/clock").status_code == 200  # exempt while it is
    held.gate.set()
    assert _codes(busy.all()) == [200]
    open_url, open_held = serve(
        AdmissionLimits(0, 0, max_queued=0, queue_wait_s=1, retry_after_s=1)
    )
    burst = _Burst(open_url, 4, "POST", "/api/v1/quotes")
    open_held.wait_inside(4)  # all four at once: no limit
    open_held.gate.set()
    assert _codes(burst.all()) == [200] * 4


def test_a_quote_waits_no_longer_than_its_budget(serve: Any) -> None:
    # Other requests may wait the whole safety net; a quote only its 0.2 s budget.
    url, held = serve(
        AdmissionLimits(
            8, 1, max_queued=10, queue_wait_s=SAFETY_S, retry_after_s=2, quote_queue_wait_s=0.2
        )
    )
    burst = _Burst(url, 3, "POST", "/api/v1/quotes")
    refused = burst.first(2)
    assert not held.gate.is_set(), "a quote past its budget is refused, not served late"
    assert _codes(refused) == [503, 503]
    for r in refused:
        assert r.headers["Retry-After"] == "2"
        assert r.json()["detail"]["code"] == "busy"
    held.gate.set()
    assert _codes(burst.all()) == [200, 503, 503]


def _finishes_in_one_step(acquire: Any) -> tuple[bool, Any]:
    """Run ``acquire`` as a task for one loop step: (done, its result if done)."""

    async def probe() -> tuple[bool, Any]:
        task = asyncio.ensure_future(acquire)
        await asyncio.sleep(0)  # the task's first step runs here
        if task.done():
            return True, task.result()
        task.cancel()
        return False, None

    return asyncio.run(probe())


def test_a_quote_whose_queue_outlasts_the_budget_is_refused_without_waiting() -> None:
    slots = _Slots(1, max_queued=10, wait_s=SAFETY_S)
    slots.busy = 1
    slots.held(0.6)  # the gate has learned that a slot is held ~0.6 s
    # ~0.6 s to wait > a 0.3 s budget: refused on the spot, never queued.
    assert _finishes_in_one_step(slots.acquire(0.3)) == (True, False)
    assert slots.waiting == 0
    # Within its budget the same quote queues: it is still waiting after that step.
    assert _finishes_in_one_step(slots.acquire(2.0)) == (False, None)
    assert slots.waiting == 0  # and the cancelled wait left the room


def test_quotes_within_the_budget_wait_and_are_served(serve: Any) -> None:
    url, held = serve(
        AdmissionLimits(
            8, 1, max_queued=10, queue_wait_s=0.1, retry_after_s=1, quote_queue_wait_s=SAFETY_S
        )
    )
    burst = _Burst(url, 2, "POST", "/api/v1/quotes")
    held.wait_inside(1)
    time.sleep(0.5)  # longer than the general 0.1 s wait: the quote budget applies
    held.gate.set()
    assert _codes(burst.all()) == [200, 200]


def test_a_confirmation_waits_its_turn_past_the_quote_budget(serve: Any) -> None:
    # The person has chosen; racing retries of one booking must be answered, not refused.
    url, held = serve(
        AdmissionLimits(
            8, 1, max_queued=10, queue_wait_s=SAFETY_S, retry_after_s=1, quote_queue_wait_s=0.1
        )
    )
    burst = _Burst(url, 3, "POST", "/api/v1/bookings")
    held.wait_inside(1)
    time.sleep(0.5)  # longer than the quote budget
    held.gate.set()
    assert _codes(burst.all()) == [200, 200, 200]
