"""Payment providers behind one interface, and the local stand-in that signs its webhooks.

The settings pick the provider (``payment_provider``); the routes only know
``PaymentProvider``: where to send the resident to pay, and how to read a
webhook (its signature checked over the raw body). ``LocalProvider`` signs
like a real provider does (HMAC-SHA256 over ``"<timestamp>.<body>"`` in the
``Noriai-Signature`` header, ``t=<ts>,v1=<hex>``), so the tests and the demo
run the same verification a live provider would get. ``StandIn`` plays the
provider's side: it emits signed events, and can resend or reorder them.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

SIGNATURE_HEADER = "noriai-signature"
TOLERANCE_S = 300
EVENT_TYPES = frozenset({"payment.succeeded", "payment.failed", "payment.refunded"})


class BadSignature(Exception):
    """The webhook's signature is missing, malformed, stale or wrong."""


@dataclass(frozen=True)
class ProviderEvent:
    """One provider event: its id, type, checkout, per-checkout sequence and amount."""

    id: str
    type: str
    checkout_id: str
    sequence: int
    amount_yen: int
    payload: Mapping[str, Any]


class PaymentProvider(Protocol):
    """What the fare routes need from a payment provider."""

    @property
    def name(self) -> str:
        """Return the provider's name (the webhook URL's last part)."""

    def pay_url(self, checkout_id: str, amount_yen: int) -> str:
        """Return where the resident pays for this checkout."""

    def verify(self, body: bytes, headers: Mapping[str, str], now_s: float) -> ProviderEvent:
        """Return the event of a webhook whose signature is right, else raise ``BadSignature``."""


def sign(secret: str, body: bytes, ts: int) -> str:
    """Return the signature header value of ``body`` sent at ``ts``."""
    mac = hmac.new(secret.encode(), f"{ts}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={ts},v1={mac}"


@dataclass(frozen=True)
class LocalProvider:
    """The local provider: the stand-in's payment page and its HMAC-signed webhooks."""

    secret: str
    page_url: str = "/pay"
    name: str = "local"

    def pay_url(self, checkout_id: str, amount_yen: int) -> str:
        """Return the stand-in's payment page for this checkout."""
        return f"{self.page_url}?checkout={checkout_id}&amount={amount_yen}"

    def verify(self, body: bytes, headers: Mapping[str, str], now_s: float) -> ProviderEvent:
        """Check the signature (and its age) on the raw body, then read the event."""
        header = {k.lower(): v for k, v in headers.items()}.get(SIGNATURE_HEADER, "")
        parts = dict(p.split("=", 1) for p in header.split(",") if "=" in p)
        try:
            ts = int(parts["t"])
        except (KeyError, ValueError) as exc:
            msg = "no signature"
            raise BadSignature(msg) from exc
        expected = sign(self.secret, body, ts).split("v1=")[1]
        if not hmac.compare_digest(expected, parts.get("v1", "")):
            msg = "wrong signature"
            raise BadSignature(msg)
        if abs(now_s - ts) > TOLERANCE_S:
            msg = "stale signature"
            raise BadSignature(msg)
        try:
            data = json.loads(body)
            return ProviderEvent(
                id=str(data["id"]),
                type=str(data["type"]),
                checkout_id=str(data["checkout_id"]),
                sequence=int(data["sequence"]),
                amount_yen=int(data["amount_yen"]),
                payload=data,
            )
        except (ValueError, KeyError, TypeError) as exc:
            msg = "not an event"
            raise BadSignature(msg) from exc


def provider_from(settings: Any) -> PaymentProvider | None:
    """Return the provider the settings name, or None (no online sales)."""
    if settings.payment_provider == "local" and settings.payment_webhook_secret:
        return LocalProvider(settings.payment_webhook_secret, settings.payment_page_url)
    return None


@dataclass
class StandIn:
    """The provider's side, run locally: signed events for checkouts, sent by ``send``.

    ``send(body, headers)`` delivers one webhook (an HTTP POST to the server's
    webhook URL); the stand-in keeps what it sent, so a test can resend (replay)
    or send in another order.
    """

    secret: str
    send: Callable[[bytes, dict[str, str]], Any]
    clock: Callable[[], float]
    sent: list[tuple[bytes, dict[str, str]]] = field(default_factory=list)
    _seq: dict[str, int] = field(default_factory=dict)

    def event(self, checkout_id: str, type_: str, amount_yen: int) -> tuple[bytes, dict[str, str]]:
        """Return a signed event (not sent yet), numbered in the checkout's sequence."""
        seq = self._seq.get(checkout_id, 0) + 1
        self._seq[checkout_id] = seq
        body = json.dumps(
            {
                "id": f"evt_{checkout_id}_{seq}",
                "type": type_,
                "checkout_id": checkout_id,
                "sequence": seq,
                "amount_yen": amount_yen,
            }
        ).encode()
        return body, {SIGNATURE_HEADER: sign(self.secret, body, int(self.clock()))}

    def deliver(self, body: bytes, headers: dict[str, str]) -> Any:
        """Send one webhook and remember it."""
        self.sent.append((body, headers))
        return self.send(body, headers)

    def pay(self, checkout_id: str, amount_yen: int) -> Any:
        """The resident paid: send ``payment.succeeded``."""
        return self.deliver(*self.event(checkout_id, "payment.succeeded", amount_yen))
