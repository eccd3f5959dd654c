"""Schemas of notification preferences, push subscriptions, deliveries and broadcasts."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Literal

from pydantic import BaseModel, Field

from booking_api.schemas.types import Day, Line, NotBool, Text, WholeNumber

ChannelName = Literal["push", "sms", "voice", "email"]
Language = Literal["ja", "en", "ja-x-easy"]
EmailText = Annotated[str, Field(max_length=200, pattern=r"^$|^[^@\s]+@[^@\s]+\.[^@\s]+$")]
"""An email address, or empty for none."""
HourMinute = Annotated[str, Field(pattern=r"^([01][0-9]|2[0-3]):[0-5][0-9]$", examples=["21:00"])]


class PreferencesIn(BaseModel):
    """A member's choice: channels (none given: the defaults), quiet hours, language, email."""

    channels: list[ChannelName] | None = Field(default=None, max_length=4)
    quiet_start: HourMinute | None = None
    quiet_end: HourMinute | None = None
    language: Language = "ja"
    email: EmailText = ""


class PreferencesOut(PreferencesIn):
    """The stored choice, what it comes to (``effective``) and what can be used."""

    effective: list[ChannelName] = []
    push_subscribed: bool = False
    mobile: bool = False
    city_quiet_start: str | None = None
    city_quiet_end: str | None = None


class PushKeys(BaseModel):
    """The browser's keys of a push subscription (base64url)."""

    p256dh: Annotated[str, Field(min_length=16, max_length=200, pattern=r"^[A-Za-z0-9_\-=]+$")]
    auth: Annotated[str, Field(min_length=8, max_length=100, pattern=r"^[A-Za-z0-9_\-=]+$")]


class PushSubscriptionIn(BaseModel):
    """A ``PushSubscription.toJSON()`` from the resident app."""

    endpoint: Annotated[str, Field(min_length=10, max_length=1000, pattern=r"^https?://\S+$")]
    keys: PushKeys
    expirationTime: WholeNumber | None = None  # the browser's own name


class PushKeyOut(BaseModel):
    """The VAPID public key the browser subscribes with; empty when push is off."""

    public_key: str
    enabled: bool


class DeliveryOut(BaseModel):
    """One message to one member over one channel and how its sending went."""

    id: str
    event: str
    member_id: str
    member_number: str | None = None
    member_name: str = ""
    channel: str
    ride_id: str | None = None
    language: str
    subject: str
    body: str
    status: str
    attempts: int
    created_at: datetime
    due_at: datetime
    sent_at: datetime | None = None
    delivered_at: datetime | None = None
    error: str = ""


class DeliveryPage(BaseModel):
    """A page of deliveries, newest first; ``next_before`` pages on."""

    items: list[DeliveryOut]
    next_before: str | None = None


class BroadcastTarget(BaseModel):
    """Whom a broadcast reaches: riders booked on a day (in an area), or members of an area."""

    service_date: Day | None = None
    area: Annotated[Line, Field(max_length=16)] | None = None


class BroadcastIn(BroadcastTarget):
    """The broadcast itself; ``expected`` is the count the office confirmed."""

    message_ja: Annotated[Text, Field(min_length=1, max_length=300)]
    message_en: Annotated[Text, Field(max_length=300)] = ""
    expected: Annotated[int, Field(ge=0, le=1_000_000), NotBool]


class BroadcastPreview(BaseModel):
    """How many riders a broadcast reaches, on which channels (a rider may have two)."""

    recipients: int
    by_channel: dict[str, int]
    unreachable: int = 0


class BroadcastOut(BroadcastPreview):
    """A broadcast made."""

    id: str
    service_date: date | None = None
    area: str | None = None
    created_at: datetime


class OutboxMessageOut(BaseModel):
    """What a stand-in provider "sent" (the demo's /dev/outbox)."""

    id: int
    delivery_id: str
    channel: str
    address: str
    language: str
    subject: str
    body: str
    url: str | None = None
    at: datetime


class DeliveryCounts(BaseModel):
    """Deliveries queued on one local day over one channel, by where they stand now.

    ``queued`` still waits (or is being sent); ``sent`` the provider took (no receipt
    yet); ``delivered`` its receipt says reached the phone; ``failed`` it refused for
    good or its receipt says was not delivered; ``given_up`` was not sent before its
    give-up time (the office was told); ``cancelled`` lost its point (the ride was
    cancelled first). ``delivered`` is null on the channels without receipts: push and
    email, SMS unless the gateway's receipt secret is set, calls without a voice provider
    (a call is delivered when answered and read out).
    """

    channel: ChannelName
    queued: int
    sent: int
    delivered: int | None = None
    failed: int
    given_up: int
    cancelled: int
    total: int


class DeliveryDayCounts(DeliveryCounts):
    """One local day (the city's midnight to midnight) and one channel."""

    date: date


class DeliveryReport(BaseModel):
    """The daily delivery counts by channel for a period, and its totals per channel."""

    start: date
    end: date
    timezone: str
    days: list[DeliveryDayCounts]
    totals: list[DeliveryCounts]


class SmsReceiptIn(BaseModel):
    """An SMS gateway's delivery receipt (DLR) for one message it accepted.

    ``id`` is the gateway's message id (its answer to the send); ``reference`` our
    delivery id when the gateway echoes it. ``buffered`` is not final (the phone is
    off); ``undelivered``, ``rejected`` and ``expired`` are failures for good.
    """

    id: Annotated[str, Field(min_length=1, max_length=200, pattern=r"^[A-Za-z0-9._:\-]+$")]
    reference: Annotated[str, Field(pattern=r"^[0-9a-f]{32}$")] | None = None
    status: Literal["delivered", "buffered", "undelivered", "rejected", "expired"]
    error_code: Annotated[str, Field(max_length=40, pattern=r"^[A-Za-z0-9._\-]*$")] = ""


class ReceiptOut(BaseModel):
    """What a receipt did (``applied``, ``unchanged`` for a repeat, ``pending`` for
    ``buffered``) and where the delivery stands now."""

    outcome: Literal["applied", "unchanged", "pending"]
    delivery_id: str
    status: str
