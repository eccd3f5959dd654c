"""Notifications: a member's channels and quiet hours, Web Push subscriptions, the
delivery log, office broadcasts and the demo's stand-in outbox (logic in ``notify``).
"""

from __future__ import annotations

import uuid
from datetime import timedelta
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Query, Response
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from booking_api.db import MemberRow, audit
from booking_api.deps import Db, Resident, Staff, State
from booking_api.errors import ApiError, not_found
from booking_api.notifications import check_channels, notify_config
from booking_api.routes import reports as report_routes
from booking_api.rules import local_to_utc, tz
from booking_api.schemas.notifications import (
    BroadcastIn,
    BroadcastOut,
    BroadcastPreview,
    BroadcastTarget,
    DeliveryCounts,
    DeliveryDayCounts,
    DeliveryOut,
    DeliveryPage,
    DeliveryReport,
    OutboxMessageOut,
    PreferencesIn,
    PreferencesOut,
    PushKeyOut,
    PushSubscriptionIn,
)
from booking_api.schemas.types import Day
from dispatch.store.tables import RideRow
from notify.choice import channels_for, is_mobile
from notify.domain import RECEIPT_CHANNELS, Event, Notice
from notify.outbox import enqueue, recipient
from notify.report import DayChannelCount, daily_counts, totals
from notify.store import (
    BroadcastRow,
    DeliveryRow,
    PreferenceRow,
    PushSubscriptionRow,
    StandInMessageRow,
)
from notify.templates import Catalogue
from notify.withdraw import follow_channels

router = APIRouter(tags=["notifications"])
ACTIVE = ("booked", "assigned", "en_route", "arrived")


@lru_cache(maxsize=4)
def _catalogue(directory: Path) -> Catalogue:
    return Catalogue.load(directory)


def _member(db: Session, member_id: str | None) -> MemberRow:
    row = db.get(MemberRow, member_id) if member_id else None
    if row is None:
        raise not_found("member", "会員")
    return row


def _prefs_out(db: Session, state: Any, member: MemberRow) -> PreferencesOut:
    row = db.get(PreferenceRow, member.id)
    r = recipient(db, member.id, member.phone)
    config = notify_config(state.settings)
    return PreferencesOut(
        channels=list(row.channels) if row and row.channels is not None else None,  # type: ignore[arg-type]
        quiet_start=row.quiet_start if row else None,
        quiet_end=row.quiet_end if row else None,
        language=row.language if row else "ja",  # type: ignore[arg-type]
        email=row.email if row else "",
        effective=[c for c, _ in channels_for(r, config.country_code)],  # type: ignore[misc]
        push_subscribed=r.push_subscription is not None,
        mobile=is_mobile(member.phone),
        city_quiet_start=config.quiet_start.strftime("%H:%M") if config.quiet_start else None,
        city_quiet_end=config.quiet_end.strftime("%H:%M") if config.quiet_end else None,
    )


def _save_prefs(
    db: Session, state: Any, member: MemberRow, body: PreferencesIn, actor: str
) -> PreferencesOut:
    if (body.quiet_start is None) != (body.quiet_end is None):
        raise ApiError(
            422, "quiet_hours_incomplete",
            "Give both the start and the end of the quiet hours, or neither.",
            "お知らせを控える時間は、開始と終了の両方を入れてください（どちらも空でも可）。",
        )  # fmt: skip
    check_channels(body.channels, member.phone, body.email)
    row = db.get(PreferenceRow, member.id)
    before = None
    if row is None:
        row = PreferenceRow(member_id=member.id)
        db.add(row)
    else:
        before = {"channels": row.channels, "quiet": [row.quiet_start, row.quiet_end]}
    row.channels = list(dict.fromkeys(body.channels)) if body.channels is not None else None  # type: ignore[assignment]
    row.quiet_start, row.quiet_end = body.quiet_start, body.quiet_end
    row.language, row.email = body.language, body.email
    row.updated_at, row.updated_by = state.now(), actor
    after = {"channels": row.channels, "quiet": [row.quiet_start, row.quiet_end]}
    audit(db, actor, "member.notify_prefs", "member", member.id, before, after, state.now())
    db.flush()
    follow_channels(db, member.id, member.phone, notify_config(state.settings))
    db.commit()
    return _prefs_out(db, state, member)


@router.get("/me/notifications")
def my_preferences(account: Resident, db: Db, state: State) -> PreferencesOut:
    """Return the resident's channels, quiet hours and what they come to."""
    return _prefs_out(db, state, _member(db, account.member_id))


@router.put("/me/notifications")
def set_my_preferences(
    body: PreferencesIn, account: Resident, db: Db, state: State
) -> PreferencesOut:
    """Choose channels (``null``: the defaults), quiet hours, language and email."""
    return _save_prefs(db, state, _member(db, account.member_id), body, account.id)


@router.get("/members/{member_id}/notifications", responses={404: {}})
def member_preferences(member_id: str, staff: Staff, db: Db, state: State) -> PreferencesOut:
    """Return a member's notification choice (the member card)."""
    return _prefs_out(db, state, _member(db, member_id))


@router.put("/members/{member_id}/notifications", responses={404: {}})
def set_member_preferences(
    member_id: str, body: PreferencesIn, staff: Staff, db: Db, state: State
) -> PreferencesOut:
    """Set a member's channels and quiet hours for them (a phone call); audited."""
    return _save_prefs(db, state, _member(db, member_id), body, staff.id)


@router.get("/push/key")
def push_key(state: State) -> PushKeyOut:
    """Return the VAPID public key the resident app subscribes with."""
    key = state.settings.vapid_public_key
    return PushKeyOut(public_key=key, enabled=bool(key))


@router.post("/me/push-subscriptions", status_code=201)
def add_push_subscription(
    body: PushSubscriptionIn, account: Resident, db: Db, state: State
) -> PreferencesOut:
    """Keep this browser's push subscription; pushes go to the newest one."""
    member = _member(db, account.member_id)
    sub = body.model_dump(exclude_none=True)
    row = db.scalar(
        select(PushSubscriptionRow).where(PushSubscriptionRow.endpoint == body.endpoint)
    )
    if row is None:
        db.add(PushSubscriptionRow(id=uuid.uuid4().hex, member_id=member.id,
                                   endpoint=body.endpoint, subscription=sub,
                                   created_at=state.now()))  # fmt: skip
    else:
        row.member_id, row.subscription, row.created_at = member.id, sub, state.now()
    db.commit()
    return _prefs_out(db, state, member)


@router.delete("/me/push-subscriptions", status_code=204)
def remove_push_subscriptions(account: Resident, db: Db, state: State) -> Response:
    """Forget every push subscription of the resident (they turned push off)."""
    db.execute(
        delete(PushSubscriptionRow).where(PushSubscriptionRow.member_id == account.member_id)
    )
    member = db.get(MemberRow, account.member_id) if account.member_id else None
    if member is not None:  # queued pushes follow to the member's other channels
        follow_channels(db, member.id, member.phone, notify_config(state.settings))
    db.commit()
    return Response(status_code=204)


def _delivery_out(row: DeliveryRow, member: MemberRow | None) -> DeliveryOut:
    return DeliveryOut(
        id=row.id, event=row.event, member_id=row.member_id,
        member_number=member.member_number if member else None,
        member_name=member.name if member else "", channel=row.channel, ride_id=row.ride_id,
        language=row.language, subject=row.subject, body=row.body, status=row.status,
        attempts=row.attempts, created_at=row.created_at, due_at=row.due_at,
        sent_at=row.sent_at, delivered_at=row.delivered_at, error=row.error,
    )  # fmt: skip


@router.get("/deliveries")
def list_deliveries(
    staff: Staff,
    db: Db,
    state: State,
    member_id: Annotated[str | None, Query(max_length=40)] = None,
    channel: Annotated[str | None, Query(pattern="^(push|sms|voice|email)$")] = None,
    status: Annotated[
        str | None, Query(pattern="^(queued|sending|sent|delivered|failed|expired|cancelled)$")
    ] = None,
    event: Annotated[str | None, Query(max_length=40)] = None,
    on: Annotated[Day | None, Query(description="created on this local day")] = None,
    before: Annotated[str | None, Query(max_length=40)] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> DeliveryPage:
    """Return deliveries newest first, filtered by member, channel, status, event and day."""
    q = select(DeliveryRow)
    if member_id:
        q = q.where(DeliveryRow.member_id == member_id)
    if channel:
        q = q.where(DeliveryRow.channel == channel)
    if status:
        q = q.where(DeliveryRow.status == status)
    if event:
        q = q.where(DeliveryRow.event == event)
    if on is not None:
        start = local_to_utc(state.rules, on, "00:00")
        q = q.where(DeliveryRow.created_at >= start,
                    DeliveryRow.created_at < start + timedelta(days=1))  # fmt: skip
    if before:
        pivot = db.get(DeliveryRow, before)
        if pivot is not None:
            q = q.where(
                (DeliveryRow.created_at < pivot.created_at)
                | ((DeliveryRow.created_at == pivot.created_at) & (DeliveryRow.id < pivot.id))
            )
    rows = list(db.scalars(q.order_by(DeliveryRow.created_at.desc(), DeliveryRow.id.desc())
                           .limit(limit + 1)))  # fmt: skip
    more = len(rows) > limit
    rows = rows[:limit]
    members = {m.id: m for m in db.scalars(select(MemberRow).where(
        MemberRow.id.in_({r.member_id for r in rows})))}  # fmt: skip
    return DeliveryPage(
        items=[_delivery_out(r, members.get(r.member_id)) for r in rows],
        next_before=rows[-1].id if more and rows else None,
    )


def _counts(c: DayChannelCount) -> dict[str, Any]:
    return {"channel": c.channel, "queued": c.queued, "sent": c.sent, "delivered": c.delivered,
            "failed": c.failed, "given_up": c.given_up, "cancelled": c.cancelled,
            "total": c.total}  # fmt: skip


@router.get("/reports/deliveries", tags=["reports"], responses={422: {}})
def delivery_report(
    staff: Staff,
    db: Db,
    state: State,
    start: report_routes.Start = None,
    end: report_routes.End = None,
) -> DeliveryReport:
    """Return per local day and channel how many deliveries were queued and where they stand.

    Days are cut at the city's midnight; the period is bounded like the other reports
    (at most a year ahead, at most 92 days). ``delivered`` counts the SMS gateway's
    receipts (when it is asked for them) and the calls answered (a voice provider is set);
    it is null for the channels without either.
    """
    first, last = report_routes._range(state, start, end)
    zone = tz(state.rules)
    settings = state.settings
    asked = {"sms": bool(settings.sms_receipt_secret), "voice": bool(settings.voice_url)}
    receipts = frozenset(c for c in RECEIPT_CHANNELS if asked.get(c))
    rows = daily_counts(db, first, last, zone, receipts)
    return DeliveryReport(
        start=first, end=last, timezone=zone.key,
        days=[DeliveryDayCounts(date=r.day, **_counts(r)) for r in rows],
        totals=[DeliveryCounts(**_counts(r)) for r in totals(rows, receipts)],
    )  # fmt: skip


def _targets(db: Session, body: BroadcastTarget) -> list[MemberRow]:
    """Return the members a broadcast reaches (each once)."""
    if body.service_date is None and not body.area:
        raise ApiError(
            422, "broadcast_target_required", "Choose a day, an area or both.",
            "日付か地区（または両方）を選んでください。",
        )  # fmt: skip
    if body.service_date is not None:
        rides = db.scalars(select(RideRow).where(RideRow.service_date == body.service_date,
                                                 RideRow.status.in_(ACTIVE)))  # fmt: skip
        ids = {r.member_id for r in rides if not body.area or body.area in (r.areas or [])}
        q = select(MemberRow).where(MemberRow.id.in_(ids))
    else:
        q = select(MemberRow).where(MemberRow.home_area == body.area,
                                    MemberRow.status == "approved")  # fmt: skip
    return list(db.scalars(q.order_by(MemberRow.id)))


def _preview(db: Session, state: Any, members: list[MemberRow]) -> BroadcastPreview:
    country = notify_config(state.settings).country_code
    by: dict[str, int] = {}
    unreachable = 0
    for m in members:
        chans = channels_for(recipient(db, m.id, m.phone), country)
        unreachable += not chans
        for c, _ in chans:
            by[c] = by.get(c, 0) + 1
    return BroadcastPreview(recipients=len(members) - unreachable, by_channel=by,
                            unreachable=unreachable)  # fmt: skip


@router.post("/broadcasts/preview")
def preview_broadcast(
    body: BroadcastTarget, staff: Staff, db: Db, state: State
) -> BroadcastPreview:
    """Return how many riders a broadcast to this day/area reaches, on which channels."""
    return _preview(db, state, _targets(db, body))


@router.post("/broadcasts", status_code=201, responses={409: {}})
def send_broadcast(body: BroadcastIn, staff: Staff, db: Db, state: State) -> BroadcastOut:
    """Queue an office broadcast to every rider of the day/area; audited.

    ``expected`` is the count the office was shown: when the riders changed since the
    preview (409 ``broadcast_changed``), nothing is sent and the new count is given.
    """
    members = _targets(db, body)
    preview = _preview(db, state, members)
    if preview.recipients != body.expected:
        raise ApiError(
            409, "broadcast_changed",
            f"The riders changed since the preview: it now reaches {preview.recipients}.",
            f"確認後に対象が変わりました。現在の対象は{preview.recipients}人です。",
            recipients=preview.recipients,
        )  # fmt: skip
    config = notify_config(state.settings)
    now = state.now()
    row = BroadcastRow(id=uuid.uuid4().hex, service_date=body.service_date, area=body.area,
                       message_ja=body.message_ja, message_en=body.message_en or body.message_ja,
                       recipients=preview.recipients, by_channel=preview.by_channel,
                       created_by=staff.id, created_at=now)  # fmt: skip
    db.add(row)
    params = {"text_ja": row.message_ja, "text_en": row.message_en}
    catalogue = _catalogue(config.catalogue_dir)
    for m in members:
        n = Notice(f"broadcast:{row.id}", Event.BROADCAST, m.id, now, params)
        enqueue(db, n, recipient(db, m.id, m.phone), catalogue, config, now)
    audit(db, staff.id, "notify.broadcast", "broadcast", row.id, None,
          {"service_date": body.service_date.isoformat() if body.service_date else None,
           "area": body.area, "message_ja": body.message_ja, "message_en": row.message_en,
           "recipients": preview.recipients, "by_channel": preview.by_channel}, now)  # fmt: skip
    db.commit()
    return BroadcastOut(**preview.model_dump(), id=row.id, service_date=row.service_date,
                        area=row.area, created_at=now)  # fmt: skip


@router.get("/dev/outbox")
def standin_outbox(
    staff: Staff, db: Db, limit: Annotated[int, Query(ge=1, le=200)] = 50
) -> list[OutboxMessageOut]:
    """What the stand-in providers "sent", newest first (the demo; empty with real ones)."""
    rows = db.scalars(select(StandInMessageRow).order_by(StandInMessageRow.id.desc()).limit(limit))
    return [OutboxMessageOut.model_validate(r, from_attributes=True) for r in rows]
