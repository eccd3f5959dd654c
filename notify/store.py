"""The notifier's tables: deliveries (the outbox), preferences, push subscriptions,
feed cursors, broadcasts and the stand-in providers' record.

They subclass dispatch's shared ``Base`` so the one Alembic history covers them.
A delivery row is one message to one member over one channel for one event; the
unique ``(event_key, member_id, channel)`` makes "at most once" a database fact.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Date, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from dispatch.store.base import Base, UTCDateTime


class DeliveryRow(Base):
    """One message for one member over one channel, and how its sending went."""

    __tablename__ = "notify_deliveries"
    __table_args__ = (
        UniqueConstraint("event_key", "member_id", "channel"),
        Index("ix_notify_deliveries_due", "status", "due_at"),
        Index("ix_notify_deliveries_member", "member_id", "created_at"),
        Index("ix_notify_deliveries_created", "created_at"),
        Index("ix_notify_deliveries_provider_ref", "channel", "provider_ref"),
    )

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    event_key: Mapped[str] = mapped_column(String(120))
    event: Mapped[str] = mapped_column(String(40))
    member_id: Mapped[str] = mapped_column(String(40))
    channel: Mapped[str] = mapped_column(String(16))
    ride_id: Mapped[str | None] = mapped_column(String(40), nullable=True)
    address: Mapped[str] = mapped_column(Text, default="")
    language: Mapped[str] = mapped_column(String(16), default="ja")
    subject: Mapped[str] = mapped_column(Text, default="")
    body: Mapped[str] = mapped_column(Text, default="")
    url: Mapped[str | None] = mapped_column(Text, nullable=True)
    urgent: Mapped[bool] = mapped_column(default=False)
    status: Mapped[str] = mapped_column(String(16), default="queued")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    give_up_at: Mapped[datetime] = mapped_column(UTCDateTime)
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    worker: Mapped[str] = mapped_column(String(64), default="")
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    provider_ref: Mapped[str] = mapped_column(String(200), default="")
    error: Mapped[str] = mapped_column(String(200), default="")
    purged_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


class PreferenceRow(Base):
    """A member's choice of channels, quiet hours (local HH:MM), language and email."""

    __tablename__ = "notify_preferences"

    member_id: Mapped[str] = mapped_column(String(40), primary_key=True)
    channels: Mapped[list[str]] = mapped_column(JSON, default=list)
    quiet_start: Mapped[str | None] = mapped_column(String(5), nullable=True)
    quiet_end: Mapped[str | None] = mapped_column(String(5), nullable=True)
    language: Mapped[str] = mapped_column(String(16), default="ja")
    email: Mapped[str] = mapped_column(String(200), default="")
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_by: Mapped[str] = mapped_column(String(40), default="")


class PushSubscriptionRow(Base):
    """A browser's Web Push subscription (endpoint and keys) for one member."""

    __tablename__ = "notify_push_subscriptions"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    member_id: Mapped[str] = mapped_column(String(40), index=True)
    endpoint: Mapped[str] = mapped_column(String(1000), unique=True)
    subscription: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class CursorRow(Base):
    """How far the notifier has read a source log (``events``, ``audit``)."""

    __tablename__ = "notify_cursors"

    source: Mapped[str] = mapped_column(String(20), primary_key=True)
    last_id: Mapped[int] = mapped_column(Integer, default=0)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class BroadcastRow(Base):
    """An office broadcast: to whom (a day and/or an area), what, by whom, how many."""

    __tablename__ = "notify_broadcasts"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    service_date: Mapped[date | None] = mapped_column(Date, nullable=True)
    area: Mapped[str | None] = mapped_column(String(16), nullable=True)
    message_ja: Mapped[str] = mapped_column(Text)
    message_en: Mapped[str] = mapped_column(Text)
    recipients: Mapped[int] = mapped_column(Integer, default=0)
    by_channel: Mapped[dict[str, int]] = mapped_column(JSON, default=dict)
    created_by: Mapped[str] = mapped_column(String(40))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class StandInMessageRow(Base):
    """What a stand-in provider "sent" (demo, benchmarks): shown on ``/dev/outbox``."""

    __tablename__ = "notify_standin_outbox"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    delivery_id: Mapped[str] = mapped_column(String(32), unique=True)
    channel: Mapped[str] = mapped_column(String(16))
    address: Mapped[str] = mapped_column(Text)
    language: Mapped[str] = mapped_column(String(16))
    subject: Mapped[str] = mapped_column(Text)
    body: Mapped[str] = mapped_column(Text)
    url: Mapped[str | None] = mapped_column(Text, nullable=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime)
