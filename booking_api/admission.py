"""Admission control: a bounded number of API requests worked on at once per process.

Past its capacity a service that takes every request makes them all slow: they
pile up on the database pool and the day's writer lock until clients time out
and the pool gives up with a 500. Here each process works on at most
``max_in_flight`` API requests at once, of which at most ``max_engine_in_flight``
are engine work (quotes and confirmations, which hold a CPU and the day's lock);
up to ``max_queued`` more wait for a slot for at most ``queue_wait_s``. Anything
beyond is answered at once with 503 and ``Retry-After``, in the house error
shape, so a client backs off instead of timing out, and nothing is half done.

A quote (a new trip's, or a change's) has a latency budget of its own,
``quote_queue_wait_s``: a quote answered after seconds in a queue is worse than
a 503 retried after ``Retry-After`` (a person is waiting, and ``busy`` means
nothing was done, so a retry is always safe). A quote that has waited that long
for its slots is refused, and one that arrives when the queue ahead of it would
outlast the budget (queued requests x the slots' mean holding time / slots) is
refused at once rather than after waiting it out. The budget covers the whole
wait, both tiers together. A confirmation keeps ``queue_wait_s``: the person
has chosen, and racing retries of one booking must be answered, not refused.

The gate is a pure ASGI middleware (no per-request thread); websockets, static
files, ``/health`` and the service clock are never held back.
"""

from __future__ import annotations

import asyncio
import json
import re
from dataclasses import dataclass
from typing import Any

from booking_api.dberrors import BUSY_EN, BUSY_JA
from booking_api.errors import prefers_english_header

Scope = dict[str, Any]
ASGIApp = Any

# Requests that run the optimizer and take the day's writer lock.
_ENGINE_WORK = re.compile(
    r"^/api/v1/(quotes|bookings|series)(/[^/]+/(modify|modify/confirm|cancel))?/?$"
)
# Quotes: engine work a person waits for, answered within ``quote_queue_wait_s`` or refused.
_QUOTE = re.compile(r"^/api/v1/(quotes|bookings/[^/]+/modify)/?$")
# Cheap answers that must stay available under load (the apps poll the clock).
_EXEMPT = ("/api/v1/clock",)


@dataclass(frozen=True)
class AdmissionLimits:
    """The gate's sizes (0 in ``max_in_flight`` or ``max_engine_in_flight`` = no limit)."""

    max_in_flight: int
    max_engine_in_flight: int
    max_queued: int
    queue_wait_s: float
    retry_after_s: int
    # the queue-time budget of a quote; None: ``queue_wait_s``
    quote_queue_wait_s: float | None = None


class _Slots:
    """A counting semaphore with a bounded waiting room, for one event loop."""

    def __init__(self, size: int, max_queued: int, wait_s: float) -> None:
        self.size = size
        self.max_queued = max_queued
        self.wait_s = wait_s
        self.busy = 0
        self.waiting = 0
        self.hold_s = 0.0  # moving mean of how long a slot is held (0: nothing measured yet)
        self._freed: asyncio.Condition | None = None

    def expected_wait_s(self) -> float:
        """Return how long a request arriving now would wait for a slot, by the mean hold."""
        ahead = self.waiting + max(0, self.busy - self.size + 1)
        return ahead * self.hold_s / max(self.size, 1)

    def held(self, seconds: float) -> None:
        """Count one slot held for ``seconds`` into the moving mean."""
        self.hold_s = seconds if self.hold_s == 0.0 else 0.8 * self.hold_s + 0.2 * seconds

    async def acquire(self, budget_s: float | None = None) -> bool:
        """Take a slot, waiting in the bounded room; False when refused or timed out.

        ``budget_s`` (what is left of a quote's budget) bounds the wait instead of the
        tier's own ``wait_s``; a request whose expected wait already exceeds its bound
        is refused without waiting.
        """
        if self.size <= 0:
            return True
        if self.busy < self.size and self.waiting == 0:
            self.busy += 1
            return True
        wait_s = self.wait_s if budget_s is None else budget_s
        if self.waiting >= self.max_queued or wait_s <= 0 or self.expected_wait_s() > wait_s:
            return False
        if self._freed is None:
            self._freed = asyncio.Condition()
        self.waiting += 1
        try:
            async with self._freed:
                await asyncio.wait_for(
                    self._freed.wait_for(lambda: self.busy < self.size), wait_s
                )
                self.busy += 1
                return True
        except TimeoutError:
            if self.busy < self.size and self.waiting > 1:
                # A slot freed as we gave up: pass the wake-up on, or it is lost.
                async with self._freed:
                    self._freed.notify(1)
            return False
        finally:
            self.waiting -= 1

    async def release(self) -> None:
        """Give a slot back and wake one waiter."""
        if self.size <= 0:
            return
        self.busy -= 1
        if self._freed is not None and self.waiting:
            async with self._freed:
                self._freed.notify(1)


class AdmissionControl:
    """ASGI middleware that admits API requests within ``AdmissionLimits``."""

    def __init__(self, app: ASGIApp, limits: AdmissionLimits) -> None:
        self.app = app
        self.limits = limits
        self.all = _Slots(limits.max_in_flight, limits.max_queued, limits.queue_wait_s)
        self.engine = _Slots(limits.max_engine_in_flight, limits.max_queued, limits.queue_wait_s)
        self.quote_wait_s = limits.quote_queue_wait_s
        self.refused = 0

    async def __call__(self, scope: Scope, receive: Any, send: Any) -> None:
        """Pass the request on once it holds its slots, or answer 503 at once."""
        path = scope.get("path", "")
        if scope["type"] != "http" or not path.startswith("/api/") or path in _EXEMPT:
            await self.app(scope, receive, send)
            return
        tiers = [self.all]
        budget_s = None
        if scope.get("method") == "POST" and _ENGINE_WORK.match(path):
            tiers.insert(0, self.engine)  # always engine first, then general: no lock cycle
            if _QUOTE.match(path):
                budget_s = self.quote_wait_s
        held: list[tuple[_Slots, float]] = []
        loop = asyncio.get_running_loop()
        arrived = loop.time()
        try:
            for tier in tiers:
                left_s = None if budget_s is None else budget_s - (loop.time() - arrived)
                if not await tier.acquire(left_s):
                    self.refused += 1
                    await self._busy(scope, send)
                    return
                held.append((tier, loop.time()))
            await self.app(scope, receive, send)
        finally:
            for tier, since in reversed(held):
                tier.held(loop.time() - since)
                await tier.release()

    async def _busy(self, scope: Scope, send: Any) -> None:
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        english = prefers_english_header(headers.get("accept-language", ""))
        detail = {
            "code": "busy",
            "message": BUSY_EN if english else BUSY_JA,
            "message_ja": BUSY_JA,
            "message_en": BUSY_EN,
            "retry_after_s": self.limits.retry_after_s,
        }
        payload = json.dumps({"detail": detail}, ensure_ascii=False).encode()
        await send(
            {
                "type": "http.response.start",
                "status": 503,
                "headers": [
                    (b"content-type", b"application/json"),
                    (b"content-length", str(len(payload)).encode()),
                    (b"retry-after", str(self.limits.retry_after_s).encode()),
                ],
            }
        )
        await send({"type": "http.response.body", "body": payload})
