"""The contract between the notifier and its channels (push, SMS, voice, email, stand-in).

A channel is anything with a ``name`` and an async ``send``. It never raises for a
provider's answer: it returns a :class:`SendResult` that says whether a retry can help.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True)
class Message:
    """One message to one address over one channel, already rendered in the rider's language."""

    delivery_id: str  # the outbox row id: providers get it as an idempotency key
    channel: str  # "push" | "sms" | "voice" | "email"
    address: str  # E.164-ish phone, email address, or a push subscription as JSON
    language: str  # "ja" | "en" | "ja-x-easy"
    subject: str  # email subject / push title
    body: str  # plain text: SMS text, voice script, push body, email body
    url: str | None = None  # deep link opened from a push or an email


@dataclass(frozen=True)
class SendResult:
    """What the provider answered: sent, or failed for good, or failed for now."""

    ok: bool
    permanent: bool = False  # True: retrying cannot help (bad address, 4xx); False: retry later
    provider_ref: str | None = None
    error: str | None = None  # short, no personal data
    address_gone: bool = False  # the address itself is dead (a push subscription: 404/410)


class Channel(Protocol):
    """A way to reach a rider; ``send`` answers within ``timeout_s`` and never raises."""

    name: str

    async def send(self, message: Message, *, timeout_s: float) -> SendResult: ...
