"""Writing deliveries: a notice becomes one outbox row per channel, at most once.

Called inside the transaction that records the cause (a broadcast with its audit
line) or by the feed that reads the event and audit logs; either way the unique
``(event_key, member_id, channel)`` makes a repeat change nothing.
"""

from __future__ import annotations

import json
import uuid
from datetime import datetime, time, timedelta
from typing import Any, cast
from urllib.parse import quote
from zoneinfo import ZoneInfo

from sqlalchemy import select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from notify.choice import after_quiet_hours, channels_for
from notify.config import NotifyConfig
from notify.domain import (
    RIDE_BOUND,
    URGENT,
    DeliveryStatus,
    Notice,
    Preferences,
    Recipient,
)
from notify.store import DeliveryRow, PreferenceRow, PushSubscriptionRow
from notify.templates import Catalogue


def preferences_of(s: Session, member_id: str) -> Preferences:
    """Return the member's stored preferences, or the defaults."""
    row = s.get(PreferenceRow, member_id)
    if row is None:
        return Preferences()
    return Preferences(
        channels=tuple(row.channels) if row.channels is not None else None,
        quiet_start=time.fromisoformat(row.quiet_start) if row.quiet_start else None,
        quiet_end=time.fromisoformat(row.quiet_end) if row.quiet_end else None,
        language=row.language or "ja",
        email=row.email or "",
    )


def recipient(s: Session, member_id: str, phone: str) -> Recipient:
    """Return the member with their preferences and newest push subscription."""
    sub = s.scalars(
        select(PushSubscriptionRow.subscription)
        .where(PushSubscriptionRow.member_id == member_id)
        .order_by(PushSubscriptionRow.created_at.desc())
        .limit(1)
    ).first()
    return Recipient(
        member_id=member_id,
        phone=phone,
        preferences=preferences_of(s, member_id),
        push_subscription=json.dumps(sub, separators=(",", ":")) if sub else None,
    )


def ride_url(public_url: str, ride_id: str) -> str:
    """The resident app's page of one ride (its bookings, that ride's card brought forward)."""
    return f"{public_url}/#/bookings?ride={quote(ride_id, safe='')}"


def _insert(s: Session) -> Any:
    return pg_insert if s.get_bind().dialect.name == "postgresql" else sqlite_insert


def enqueue(
    s: Session,
    notice: Notice,
    r: Recipient,
    catalogue: Catalogue,
    config: NotifyConfig,
    now: datetime,
) -> list[str]:
    """Add the notice's deliveries for ``r`` (skipping any already there); return the channels.

    Non-urgent messages wait for the end of the member's quiet hours (their own, else
    the city's); each gives up ``give_up_after_s`` after it was due, or at the notice's
    own limit when sooner.
    """
    zone = ZoneInfo(config.timezone)
    prefs = r.preferences
    quiet = (prefs.quiet_start, prefs.quiet_end)
    if quiet == (None, None):
        quiet = (config.quiet_start, config.quiet_end)
    due = now if notice.event in URGENT else after_quiet_hours(now, *quiet, zone)
    give_up = due + timedelta(seconds=config.give_up_after_s)
    if notice.give_up_at is not None:
        give_up = max(min(give_up, notice.give_up_at), now)
    lang = prefs.language
    text = catalogue.render(notice.event, lang, notice.params, zone)
    url = ride_url(config.public_url, notice.ride_id) if notice.ride_id else f"{config.public_url}/"
    made: list[str] = []
    for channel, address in channels_for(r, config.country_code):
        values = {
            "id": uuid.uuid4().hex,
            "event_key": notice.key,
            "event": notice.event.value,
            "member_id": r.member_id,
            "channel": channel,
            "ride_id": notice.ride_id,
            "address": address,
            "language": lang,
            "subject": text.subject,
            "body": text.spoken if channel == "voice" else text.body,
            "url": url if channel in ("push", "email") else None,
            "urgent": notice.event in URGENT,
            "status": DeliveryStatus.QUEUED.value,
            "attempts": 0,
            "created_at": now,
            "due_at": due,
            "give_up_at": give_up,
            "worker": "",
            "provider_ref": "",
            "error": "",
        }
        stmt = _insert(s)(DeliveryRow).values(**values).on_conflict_do_nothing()
        if cast(Any, s.execute(stmt)).rowcount:
            made.append(channel)
    if notice.event.value == "booking_cancelled" and notice.ride_id:
        cancel_ride_bound(s, notice.ride_id)
    return made


def cancel_ride_bound(s: Session, ride_id: str) -> None:
    """Cancel the ride's queued reminders and on-the-day messages (the ride is gone)."""
    s.execute(
        update(DeliveryRow)
        .where(
            DeliveryRow.ride_id == ride_id,
            DeliveryRow.status == DeliveryStatus.QUEUED.value,
            DeliveryRow.event.in_([e.value for e in RIDE_BOUND]),
        )
        .values(status=DeliveryStatus.CANCELLED.value, error="ride cancelled")
    )
