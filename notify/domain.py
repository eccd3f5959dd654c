"""What the notifier talks about: events, deliveries and their state machine, preferences.

Small frozen types only; the tables are in ``notify.store``, the choice of channels in
``notify.choice``, the texts in ``notify.templates``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, time
from enum import StrEnum


class Event(StrEnum):
    """Something a rider is told about; each has a template per language."""

    REGISTRATION_APPROVED = "registration_approved"
    REGISTRATION_REJECTED = "registration_rejected"
    BOOKING_CONFIRMED = "booking_confirmed"
    BOOKING_CHANGED = "booking_changed"
    BOOKING_CANCELLED = "booking_cancelled"  # by the office (a rider's own cancel is not sent)
    REMINDER = "reminder"  # the evening before
    CAR_EN_ROUTE = "car_en_route"
    CAR_ARRIVED = "car_arrived"
    PICKUP_DELAYED = "pickup_delayed"
    NO_SHOW_WARNING = "no_show_warning"
    SUSPENDED = "suspended"
    SUSPENSION_LIFTED = "suspension_lifted"
    BROADCAST = "broadcast"


#: Sent even in the member's quiet hours: the car is coming now, or the service stops.
URGENT: frozenset[Event] = frozenset(
    {Event.CAR_EN_ROUTE, Event.CAR_ARRIVED, Event.PICKUP_DELAYED, Event.BROADCAST}
)

#: Messages about a ride that lose their point once the ride is cancelled.
RIDE_BOUND: frozenset[Event] = frozenset(
    {Event.REMINDER, Event.CAR_EN_ROUTE, Event.CAR_ARRIVED, Event.PICKUP_DELAYED}
)

CHANNELS: tuple[str, ...] = ("push", "sms", "voice", "email")
LANGUAGES: tuple[str, ...] = ("ja", "en", "ja-x-easy")


class DeliveryStatus(StrEnum):
    """Where one delivery stands."""

    QUEUED = "queued"  # waiting for its due time (retries wait here too)
    SENDING = "sending"  # claimed by a worker until its lease ends
    SENT = "sent"  # the provider accepted it (no receipt yet, or a channel without receipts)
    DELIVERED = "delivered"  # the provider's receipt says it reached the phone
    FAILED = "failed"  # refused for good (bad address ...), or its receipt says not delivered
    EXPIRED = "expired"  # not sent before its give-up time; the office was told
    CANCELLED = "cancelled"  # no longer true (the ride was cancelled first)


#: Channels whose provider reports delivery later (the SMS gateway's receipts, the voice
#: provider's call status); on the others "sent" is as far as anyone knows, and
#: "delivered" is not counted for them.
RECEIPT_CHANNELS: frozenset[str] = frozenset({"sms", "voice"})

#: The allowed moves. A lease that ran out (a worker died) puts SENDING back to QUEUED.
#: A receipt settles a delivery the provider had, whatever the worker last wrote: after
#: SENT, but also while SENDING (the receipt outran the worker's record of the answer)
#: or back in QUEUED (the answer was lost and a retry waits: it is then not sent again).
TRANSITIONS: Mapping[DeliveryStatus, frozenset[DeliveryStatus]] = {
    DeliveryStatus.QUEUED: frozenset(
        {
            DeliveryStatus.SENDING,
            DeliveryStatus.CANCELLED,
            DeliveryStatus.EXPIRED,
            DeliveryStatus.DELIVERED,  # a receipt
            DeliveryStatus.FAILED,  # a receipt
        }
    ),
    DeliveryStatus.SENDING: frozenset(
        {
            DeliveryStatus.SENT,
            DeliveryStatus.QUEUED,
            DeliveryStatus.FAILED,
            DeliveryStatus.EXPIRED,
            DeliveryStatus.SENDING,  # a re-claim after the lease ran out
            DeliveryStatus.DELIVERED,  # a receipt
        }
    ),
    DeliveryStatus.SENT: frozenset({DeliveryStatus.DELIVERED, DeliveryStatus.FAILED}),
    DeliveryStatus.DELIVERED: frozenset(),
    DeliveryStatus.FAILED: frozenset(),
    DeliveryStatus.EXPIRED: frozenset(),
    DeliveryStatus.CANCELLED: frozenset(),
}


class IllegalDeliveryTransition(ValueError):
    """A delivery was asked to move where the table does not allow."""


def delivery_transition(current: DeliveryStatus, target: DeliveryStatus) -> DeliveryStatus:
    """Return ``target`` if the table allows ``current → target``, else raise."""
    if target not in TRANSITIONS[current]:
        msg = f"delivery cannot go from {current.value} to {target.value}"
        raise IllegalDeliveryTransition(msg)
    return target


@dataclass(frozen=True)
class Preferences:
    """What a member chose; ``channels`` None means "the defaults for what they gave"."""

    channels: tuple[str, ...] | None = None
    quiet_start: time | None = None
    quiet_end: time | None = None
    language: str = "ja"
    email: str = ""


@dataclass(frozen=True)
class Recipient:
    """A member as the notifier needs them: how to reach them and in which language."""

    member_id: str
    phone: str
    preferences: Preferences = field(default_factory=Preferences)
    push_subscription: str | None = None  # the newest subscription, as JSON


@dataclass(frozen=True)
class Notice:
    """One event for one member, before the channels are chosen.

    ``key`` names the cause once (``events:123``, ``audit:45``, ``reminder:R1``,
    ``broadcast:B1``): with the member and channel it is the at-most-once key.
    """

    key: str
    event: Event
    member_id: str
    at: datetime
    params: Mapping[str, str] = field(default_factory=dict)
    ride_id: str | None = None
    give_up_at: datetime | None = None  # sooner than the default (a ride's pickup passes)
