"""What the HTTP channels (push, SMS, voice) share: one classification of failures.

Permanent means retrying this message cannot help: the address or the request is wrong
(400, 404, 410, 413, 422). Everything else is worth another try later: time-outs, refused
connections, 429 and 5xx, and also 401/403, which say *our* key is wrong, not the rider's
address, so the queue should survive until the office fixes the settings (the worker
gives up after its configured time and tells the office).
"""

from __future__ import annotations

import logging

import httpx

from notify.channels.base import Message, SendResult

log = logging.getLogger("notify.channels")

PERMANENT_STATUSES = frozenset({400, 404, 410, 413, 422})


def status_result(message: Message, status: int) -> SendResult:
    """The result for a provider's non-success HTTP status (logged by delivery id only)."""
    return failed(message, f"http_{status}", permanent=status in PERMANENT_STATUSES)


def failed(message: Message, error: str, *, permanent: bool) -> SendResult:
    """Log and return a failed attempt: only the delivery id, channel and error class."""
    log.warning(
        "delivery %s on %s failed: %s (%s)",
        message.delivery_id,
        message.channel,
        error,
        "permanent" if permanent else "retry",
    )
    return SendResult(ok=False, permanent=permanent, error=error)


def shared_client(concurrency: int) -> httpx.AsyncClient:
    """The one HTTP client a worker loop gives its SMS and voice channels; close it after.

    Its pool keeps a connection per send in flight alive between batches, so a message
    costs a request, not a TCP connection. Each request still passes its own time-out.
    Make it inside the running loop that uses it (``async with shared_client(n) as c``).
    """
    n = max(1, concurrency)
    limits = httpx.Limits(max_connections=2 * n, max_keepalive_connections=n)
    return httpx.AsyncClient(limits=limits)
