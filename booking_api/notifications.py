"""The booking side of the notifier: its configuration, the directory it asks, its channels.

``notify`` sits below the web layer and cannot read members, fares or the audit log
itself; :class:`BookingDirectory` answers for it from the API's tables. The notifier's
city parts (reminder time, quiet hours, how long texts are kept) come from the city
file's ``[notify]`` section, the rest from the settings.
"""

from __future__ import annotations

import tomllib
from collections.abc import Sequence
from datetime import datetime, time
from pathlib import Path

import httpx
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from booking_api.city import CITIES_DIR, CityRules
from booking_api.db import AccountRow, AuditRow, BookingMetaRow, MemberRow
from booking_api.errors import ApiError
from booking_api.noshow import assess
from booking_api.settings import Settings
from dispatch.store.tables import RideRow
from notify.channels.base import Channel
from notify.choice import is_mobile
from notify.config import NotifyConfig
from notify.feed import Feed, LogItem
from notify.store import PreferenceRow
from notify.templates import Catalogue

CATALOGUES = Path(__file__).resolve().parent / "static" / "common" / "lang"


def notify_config(settings: Settings) -> NotifyConfig:
    """Return the notifier's configuration from the settings and the city file."""
    rules = settings.city_rules()
    path = settings.city_file or CITIES_DIR / f"{settings.city}.toml"
    raw = tomllib.loads(path.read_text(encoding="utf-8")).get("notify", {})
    quiet = raw.get("quiet_hours") or [None, None]
    return NotifyConfig(
        catalogue_dir=CATALOGUES,
        timezone=rules.timezone,
        public_url=settings.public_url.rstrip("/"),
        reminder_time=time.fromisoformat(raw.get("reminder_time", "18:00")),
        quiet_start=time.fromisoformat(quiet[0]) if quiet[0] else None,
        quiet_end=time.fromisoformat(quiet[1]) if quiet[1] else None,
        keep_bodies_days=int(raw.get("keep_message_days", 30)),
        give_up_after_s=settings.notify_give_up_after_s,
        backoff_first_s=settings.notify_backoff_first_s,
        backoff_max_s=settings.notify_backoff_max_s,
        batch_size=settings.notify_batch_size,
        poll_s=settings.notify_poll_s,
    )


class BookingDirectory:
    """Answers the notifier's questions from the booking API's tables."""

    def __init__(self, rules: CityRules) -> None:
        self.rules = rules

    def phone(self, s: Session, member_id: str) -> str | None:
        """The phone of an existing member (pending ones too: they hear their approval)."""
        row = s.get(MemberRow, member_id)
        return row.phone if row is not None else None

    def fare_yen(self, s: Session, ride_id: str) -> int | None:
        """The fare the ride was booked with."""
        meta = s.get(BookingMetaRow, ride_id)
        return meta.fare_yen if meta is not None else None

    def is_staff(self, s: Session, account_id: str) -> bool:
        """Whether the account is an operator or admin (so the office cancelled)."""
        acc = s.get(AccountRow, account_id)
        return acc is not None and acc.role in ("operator", "admin")

    def standing(self, s: Session, member_id: str, now: datetime) -> tuple[str, datetime | None]:
        """The member's no-show standing computed as the API does (``booking_api.noshow``)."""
        member = s.get(MemberRow, member_id)
        if member is None or not self.rules.no_show.enabled:
            return "ok", None
        times = s.scalars(
            select(RideRow.pickup_window_start).where(
                RideRow.member_id == member_id,
                RideRow.status == "no_show",
                RideRow.pickup_window_start <= now,  # as of ``now``: later ones not yet
            )
        )
        st = assess(self.rules.no_show, list(times), member.no_shows_cleared_at, now)
        return st.state, st.suspended_until

    def audit_after(self, s: Session, after_id: int, limit: int) -> list[LogItem]:
        """Audit rows after ``after_id``, oldest first."""
        rows = s.scalars(
            select(AuditRow).where(AuditRow.id > after_id).order_by(AuditRow.id).limit(limit)
        )
        return [
            LogItem(r.id, r.at, r.action, r.entity_id, {"before": r.before, "after": r.after})
            for r in rows
        ]

    def audit_max_id(self, s: Session) -> int:
        """The newest audit row's id."""
        return int(s.scalar(select(func.max(AuditRow.id))) or 0)

    def office_phone(self) -> str:
        """The reservation centre's number from the city file."""
        return self.rules.reservation_phone


def make_feed(settings: Settings) -> Feed:
    """Return the feed that turns the service's logs into deliveries."""
    config = notify_config(settings)
    return Feed(
        BookingDirectory(settings.city_rules()), Catalogue.load(config.catalogue_dir), config
    )


def provider_channels(
    settings: Settings, client: httpx.AsyncClient | None = None
) -> dict[str, Channel]:
    """Return the real providers' channels that the settings configure (none: none).

    ``client`` is the worker loop's shared HTTP client for the SMS and voice adapters
    (``notify.channels._http.shared_client``); the caller closes it when the loop ends.
    """
    from notify.channels.email import EmailChannel
    from notify.channels.push import PushChannel
    from notify.channels.sms import SmsChannel
    from notify.channels.voice import VoiceChannel

    push, sms, voice, email = (
        settings.push_config(),
        settings.sms_config(),
        settings.voice_config(),
        settings.email_config(),
    )
    made: dict[str, Channel] = {}
    if push is not None:
        made["push"] = PushChannel(push)
    if sms is not None:
        made["sms"] = SmsChannel(sms, client)
    if voice is not None:
        made["voice"] = VoiceChannel(voice, client)
    if email is not None:
        made["email"] = EmailChannel(email)
    return made


def check_channels(channels: Sequence[str] | None, phone: str, email: str) -> None:
    """Answer 422 when a chosen channel cannot reach the member (no email, SMS to a landline)."""
    if channels and "email" in channels and not email:
        raise ApiError(
            422, "email_required", "To be told by email, give an email address.",
            "メールでお知らせするには、メールアドレスを入れてください。",
        )  # fmt: skip
    if channels and "sms" in channels and not is_mobile(phone):
        raise ApiError(
            422, "sms_needs_mobile",
            "SMS reaches mobile numbers only (070, 080, 090); choose a call for this number.",
            "SMS は携帯電話（070・080・090）にだけ送れます。"
            "この番号には自動音声の電話をお選びください。",
        )  # fmt: skip


def store_choice(
    db: Session,
    member_id: str,
    channels: Sequence[str] | None,
    email: str,
    actor: str,
    now: datetime,
) -> None:
    """Keep the channels (and email) chosen at registration; nothing chosen keeps no row."""
    if channels is None and not email:
        return
    db.add(
        PreferenceRow(
            member_id=member_id,
            channels=list(dict.fromkeys(channels)) if channels is not None else None,
            email=email,
            language="ja",
            updated_at=now,
            updated_by=actor,
        )
    )
