"""The booking API's own tables (members, accounts, sessions, audit, idempotency, offers).

They subclass dispatch's shared ``Base`` so one Alembic history
(``booking_api/migrations``) covers every table. Rides, vehicles and plans
live in dispatch's tables; here we keep who a ride is for and what it costs.
"""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

import notify.store  # noqa: F401  (registers the notifier's tables in the one history)
from dispatch.store.base import Base, UTCDateTime


def new_id() -> str:
    """Return a new opaque string id."""
    return uuid.uuid4().hex


def utcnow() -> datetime:
    """Return the current UTC time (used only for record timestamps, never for rules)."""
    return datetime.now(UTC)


class MemberRow(Base):
    """A registered resident (会員), pending until staff approve them."""

    __tablename__ = "api_members"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    member_number: Mapped[str | None] = mapped_column(String(20), unique=True)
    status: Mapped[str] = mapped_column(String(16), default="pending", index=True)
    rejection_reason: Mapped[str] = mapped_column(Text, default="")
    name: Mapped[str] = mapped_column(String(100))
    kana: Mapped[str] = mapped_column(String(100))
    name_norm: Mapped[str] = mapped_column(String(100), index=True)
    kana_norm: Mapped[str] = mapped_column(String(100), index=True)
    birth_date: Mapped[date] = mapped_column(Date)
    phone: Mapped[str] = mapped_column(String(20))
    phone_digits: Mapped[str] = mapped_column(String(20), unique=True)
    address: Mapped[str] = mapped_column(String(200))
    home_lat: Mapped[float] = mapped_column(Float)
    home_lon: Mapped[float] = mapped_column(Float)
    home_area: Mapped[str | None] = mapped_column(String(16))
    wheelchair: Mapped[bool] = mapped_column(Boolean, default=False)
    walking_aid: Mapped[bool] = mapped_column(Boolean, default=False)
    needs_help_boarding: Mapped[bool] = mapped_column(Boolean, default=False)
    companion_allowed: Mapped[bool] = mapped_column(Boolean, default=False)
    emergency_contact_name: Mapped[str] = mapped_column(String(100), default="")
    emergency_contact_phone: Mapped[str] = mapped_column(String(20), default="")
    consent_at: Mapped[datetime] = mapped_column(UTCDateTime)
    category: Mapped[str] = mapped_column(String(32))
    channel: Mapped[str] = mapped_column(String(16), index=True)
    notes: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    approved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # No-shows before this instant no longer count (staff lifted a warning or suspension).
    no_shows_cleared_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class SavedPlaceRow(Base):
    """A member's saved place (home, hospital, favourite shop) for one-tap booking."""

    __tablename__ = "api_saved_places"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    member_id: Mapped[str] = mapped_column(ForeignKey("api_members.id"), index=True)
    label: Mapped[str] = mapped_column(String(100))
    lat: Mapped[float] = mapped_column(Float)
    lon: Mapped[float] = mapped_column(Float)
    place_id: Mapped[str | None] = mapped_column(String(32))
    area: Mapped[str | None] = mapped_column(String(16))


class AccountRow(Base):
    """A login: a resident (``member_id`` set) or staff/driver (``username`` set)."""

    __tablename__ = "api_accounts"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    username: Mapped[str | None] = mapped_column(String(64), unique=True)
    member_id: Mapped[str | None] = mapped_column(ForeignKey("api_members.id"), unique=True)
    role: Mapped[str] = mapped_column(String(16))
    password_hash: Mapped[str] = mapped_column(String(200))
    display_name: Mapped[str] = mapped_column(String(100), default="")
    vehicle_id: Mapped[str | None] = mapped_column(String(64))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class SessionRow(Base):
    """A bearer token (stored as its SHA-256) that expires."""

    __tablename__ = "api_sessions"

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    account_id: Mapped[str] = mapped_column(ForeignKey("api_accounts.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)


class LoginAttemptRow(Base):
    """One failed login, counted per account (``identity``) and per client address."""

    __tablename__ = "api_login_attempts"
    __table_args__ = (
        Index("ix_api_login_attempts_key", "identity", "ip", "at"),
        Index("ix_api_login_attempts_ip", "ip", "at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    identity: Mapped[str] = mapped_column(String(100))
    ip: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(UTCDateTime)


class RegistrationAttemptRow(Base):
    """One online registration attempt, counted per client address and per phone number."""

    __tablename__ = "api_registration_attempts"
    __table_args__ = (
        Index("ix_api_registration_attempts_ip", "ip", "at"),
        Index("ix_api_registration_attempts_phone", "phone_digits", "at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    ip: Mapped[str] = mapped_column(String(64))
    phone_digits: Mapped[str] = mapped_column(String(20))
    at: Mapped[datetime] = mapped_column(UTCDateTime)


class AuditRow(Base):
    """Who changed what and when, with the record before and after (staff writes)."""

    __tablename__ = "api_audit_log"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    actor: Mapped[str] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(64))
    entity: Mapped[str] = mapped_column(String(32))
    entity_id: Mapped[str] = mapped_column(String(64))
    before: Mapped[Any] = mapped_column(JSON, nullable=True)
    after: Mapped[Any] = mapped_column(JSON, nullable=True)


class IdempotencyRow(Base):
    """The stored answer to a confirm made with an ``Idempotency-Key``."""

    __tablename__ = "api_idempotency_keys"
    __table_args__ = (UniqueConstraint("account_id", "key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    account_id: Mapped[str] = mapped_column(String(32))
    key: Mapped[str] = mapped_column(String(200))
    request_hash: Mapped[str] = mapped_column(String(64))
    status_code: Mapped[int] = mapped_column(Integer)
    response: Mapped[Any] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class OfferRow(Base):
    """An offer we handed out: whose it is, its fare and labels (the engine holds the promise)."""

    __tablename__ = "api_offers"

    offer_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    member_id: Mapped[str] = mapped_column(ForeignKey("api_members.id"), index=True)
    fare_yen: Mapped[int] = mapped_column(Integer)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    service_date: Mapped[date] = mapped_column(Date)
    series_id: Mapped[str | None] = mapped_column(String(32))
    replaces_ride_id: Mapped[str | None] = mapped_column(String(64))
    carers: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    # the member's fare category the fare was priced with; the booking keeps it
    fare_category: Mapped[str | None] = mapped_column(String(32))
    # the version of the city's fare rules that priced it (fares.rules.FareTable.version_of)
    fare_rules: Mapped[str | None] = mapped_column(String(40))
    # the party's size, so a ticket chosen at confirmation is checked for enough rides
    party_size: Mapped[int | None] = mapped_column(Integer)


class BookingMetaRow(Base):
    """What the API knows about a booked ride beyond the engine: fare and its category, who
    booked, series."""

    __tablename__ = "api_bookings"

    ride_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    member_id: Mapped[str] = mapped_column(ForeignKey("api_members.id"), index=True)
    fare_yen: Mapped[int] = mapped_column(Integer)
    # carers (介助者) of the party: the engine knows only its size, a change re-quotes with them
    carers: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    # the fare category the fare was priced with (the member's may change later; the reports
    # count the ride under this one, as the fare stays what it was)
    fare_category: Mapped[str | None] = mapped_column(String(32))
    # the version of the city's fare rules that priced the fare ("<effective_from>#<hash>"),
    # so a rule changed later is seen never to have re-priced this ride (None: booked
    # before the version was kept)
    fare_rules: Mapped[str | None] = mapped_column(String(40))
    # how the member chose to pay when she booked (ticket, pass, cash, ic, qr; the holding
    # for a ticket or pass): the tablet's pre-selected method, not a payment (None: no choice)
    pay_method: Mapped[str | None] = mapped_column(String(16))
    pay_holding_id: Mapped[str | None] = mapped_column(String(32))
    booked_by: Mapped[str] = mapped_column(String(32))
    series_id: Mapped[str | None] = mapped_column(String(32), index=True)
    service_date: Mapped[date] = mapped_column(Date, index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class RefusalRow(Base):
    """A quote we refused: when, for which day, member, channel and pickup area, and why.

    Kept for the city's reports (refusals and their reasons); ``code`` is the
    stable reason key (``no_capacity``, ``closed_day``, ``outside_area`` ...).
    """

    __tablename__ = "api_refusals"
    __table_args__ = (Index("ix_api_refusals_day", "service_date"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    service_date: Mapped[date] = mapped_column(Date)
    member_id: Mapped[str] = mapped_column(String(40))
    channel: Mapped[str] = mapped_column(String(20))
    area: Mapped[str] = mapped_column(String(40))
    code: Mapped[str] = mapped_column(String(60))
    requested_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


class SeriesRow(Base):
    """A recurring booking: a weekly pattern until a date (e.g. dialysis Mon/Wed/Fri)."""

    __tablename__ = "api_series"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    member_id: Mapped[str] = mapped_column(ForeignKey("api_members.id"), index=True)
    weekdays: Mapped[Any] = mapped_column(JSON)
    time: Mapped[str] = mapped_column(String(5))
    time_mode: Mapped[str] = mapped_column(String(16))
    start_date: Mapped[date] = mapped_column(Date)
    until: Mapped[date] = mapped_column(Date)
    request: Mapped[Any] = mapped_column(JSON)
    from_label: Mapped[str] = mapped_column(String(200))
    to_label: Mapped[str] = mapped_column(String(200))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class SeriesOccurrenceRow(Base):
    """One date of a series: booked (with its ride), unplaced (and why), paused or cancelled."""

    __tablename__ = "api_series_occurrences"
    __table_args__ = (UniqueConstraint("series_id", "date"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    series_id: Mapped[str] = mapped_column(ForeignKey("api_series.id"))
    date: Mapped[date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(16))
    ride_id: Mapped[str | None] = mapped_column(String(64))
    code: Mapped[str] = mapped_column(String(64), default="", server_default="")
    message_ja: Mapped[str] = mapped_column(String(400), default="", server_default="")
    message_en: Mapped[str] = mapped_column(String(400), default="", server_default="")
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class SeriesPauseRow(Base):
    """A date range over which a series is not booked (e.g. a holiday), until resumed."""

    __tablename__ = "api_series_pauses"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    series_id: Mapped[str] = mapped_column(ForeignKey("api_series.id"), index=True)
    start_date: Mapped[date] = mapped_column(Date)
    end_date: Mapped[date] = mapped_column(Date)
    reason: Mapped[str] = mapped_column(String(200), default="", server_default="")
    created_by: Mapped[str] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    resumed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


def audit(
    session: Any,
    actor: str,
    action: str,
    entity: str,
    entity_id: str,
    before: Any,
    after: Any,
    at: datetime,
) -> None:
    """Add one audit-log line to ``session`` (committed with the change it records)."""
    session.add(
        AuditRow(
            at=at,
            actor=actor,
            action=action,
            entity=entity,
            entity_id=entity_id,
            before=before,
            after=after,
        )
    )


# The fare tables live in their own module; importing it here puts them in the one history.
import booking_api.faredb  # noqa: E402, F401
