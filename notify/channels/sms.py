"""SMS through an HTTP gateway: one JSON POST per message, the delivery id as idempotency key.

The adapter speaks a generic gateway API (``POST <url>/messages`` with ``to``, ``from``,
``text``, ``reference``; ``Authorization: Bearer <key>``; ``Idempotency-Key:
<delivery_id>``), which most Japanese and international SMS gateways offer or a thin proxy
can provide. The key makes a retry after a lost answer safe: the gateway sends the SMS
once. With a ``receipt_url`` each message also names ``callback_url``: the gateway posts
its delivery receipt there, signed, echoing ``reference`` (``notify.receipts``).
"""

from __future__ import annotations

from dataclasses import dataclass

import httpx

from notify.channels._http import failed, status_result
from notify.channels.base import Message, SendResult


@dataclass(frozen=True)
class SmsConfig:
    """Where and as whom SMS are sent (from ``NORIAI_SMS_*``)."""

    url: str  # the gateway's base URL, e.g. https://sms.example.jp/v1
    api_key: str
    sender: str  # sender id or number shown to the rider
    receipt_url: str = ""  # where the gateway posts delivery receipts; empty: none asked

    def __post_init__(self) -> None:
        if not self.url.startswith(("http://", "https://")):
            raise ValueError("SMS gateway URL must start with http:// or https://")
        if self.receipt_url and not self.receipt_url.startswith(("http://", "https://")):
            raise ValueError("SMS receipt URL must start with http:// or https://")


class SmsChannel:
    """Sends one SMS per :meth:`send`; the gateway's message id is the provider ref.

    ``client`` is the worker loop's one long-lived HTTP client (see
    :func:`notify.channels._http.shared_client`): a client per message costs a new
    connection each time, about 7x the throughput in ``noriai bench notify``. Without one
    (a one-off send) each message opens and closes its own.
    """

    name = "sms"

    def __init__(self, config: SmsConfig, client: httpx.AsyncClient | None = None) -> None:
        self.config = config
        self._client = client

    async def send(self, message: Message, *, timeout_s: float) -> SendResult:
        """POST the SMS; classify a time-out, a refused connection or an error status."""
        request: dict[str, object] = {
            "to": message.address,
            "from": self.config.sender,
            "text": message.body,
            "reference": message.delivery_id,
        }
        if self.config.receipt_url:
            request["callback_url"] = self.config.receipt_url
        headers = {
            "Authorization": f"Bearer {self.config.api_key}",
            "Idempotency-Key": message.delivery_id,
        }
        return await post_json(
            self._client,
            f"{self.config.url.rstrip('/')}/messages",
            request,
            headers,
            message,
            timeout_s,
        )


async def post_json(
    client: httpx.AsyncClient | None,
    url: str,
    body: dict[str, object],
    headers: dict[str, str],
    message: Message,
    timeout_s: float,
) -> SendResult:
    """POST ``body`` and turn the answer into a :class:`SendResult` (shared with voice).

    2xx is success with the answer's ``id`` as provider ref; a time-out or a connection
    problem is a retry; other statuses are classified by :func:`status_result`. The
    time-out is this message's, whatever client is shared.
    """
    try:
        if client is None:
            async with httpx.AsyncClient() as own:
                response = await own.post(url, json=body, headers=headers, timeout=timeout_s)
        else:
            response = await client.post(url, json=body, headers=headers, timeout=timeout_s)
    except httpx.TimeoutException:
        return failed(message, "timeout", permanent=False)
    except httpx.TransportError:
        return failed(message, "connect", permanent=False)
    if not response.is_success:
        return status_result(message, response.status_code)
    try:
        ref = response.json().get("id")
    except ValueError:
        ref = None
    return SendResult(ok=True, provider_ref=None if ref is None else str(ref))
