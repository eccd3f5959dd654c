"""No-show policy: count a member's no-shows, warn, suspend bookings, lift a suspension,
void one wrong no-show.

The count comes from the rides the engine marked ``no_show`` (their pickup
time), inside the city's window and after the last time staff cleared the
member's record. Reaching ``suspend_after`` suspends new bookings for
``suspend_days`` from that no-show; when a suspension ends the count starts
again from zero, so one bad spell is punished once.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Literal

from sqlalchemy.orm import Session

from booking_api.city import CityRules, NoShowPolicy
from booking_api.db import MemberRow, audit
from booking_api.errors import ApiError, not_found
from booking_api.rules import tz
from booking_api.schemas.members import NoShowOut
from dispatch.domain import IllegalTransition, Ride, RideStatus, UnknownRide
from dispatch.ports import BookingEngine

State = Literal["ok", "warned", "suspended"]
OK: State = "ok"
WARNED: State = "warned"
SUSPENDED: State = "suspended"


@dataclass(frozen=True)
class NoShowStanding:
    """A member's standing: no-shows that count now, the state and the end of a suspension."""

    count: int
    state: State
    suspended_until: datetime | None


def assess(
    policy: NoShowPolicy, times: Iterable[datetime], cleared_at: datetime | None, now: datetime
) -> NoShowStanding:
    """Return the standing given the no-show times, the last clearing by staff and ``now``."""
    if not policy.enabled:
        return NoShowStanding(0, OK, None)
    start = now - timedelta(days=policy.window_days)
    if cleared_at is not None and cleared_at > start:
        start = cleared_at
    count, until = 0, None
    for t in sorted(t for t in times if t >= start):
        if until is not None and t >= until:
            count, until = 0, None  # the suspension was served: a new count begins
        count += 1
        if until is None and count >= policy.suspend_after:
            until = t + timedelta(days=policy.suspend_days)
    if until is not None:
        if now < until:
            return NoShowStanding(count, SUSPENDED, until)
        count = 0
    return NoShowStanding(count, WARNED if count >= policy.warn_after else OK, None)


def no_show_times(
    engine: BookingEngine, member_id: str, rides: list[Ride] | None = None
) -> list[datetime]:
    """Return the pickup times of the member's rides the engine marked as no-shows
    (from ``rides``, every ride of the member, when the caller has read them already).
    """
    if rides is None:
        rides = engine.list_rides(member_id=member_id)
    return [r.pickup_window_start for r in rides if r.status == RideStatus.NO_SHOW]


def standing(
    engine: BookingEngine,
    rules: CityRules,
    member: MemberRow,
    now: datetime,
    rides: list[Ride] | None = None,
) -> NoShowStanding:
    """Return the member's current no-show standing (``rides``: see ``no_show_times``)."""
    if not rules.no_show.enabled:
        return NoShowStanding(0, OK, None)
    times = no_show_times(engine, member.id, rides)
    return assess(rules.no_show, times, member.no_shows_cleared_at, now)


def messages(rules: CityRules, st: NoShowStanding) -> tuple[str, str] | None:
    """Return the (Japanese, English) notice for a warned or suspended member, else None."""
    policy = rules.no_show
    if st.state == SUSPENDED and st.suspended_until is not None:
        until = st.suspended_until.astimezone(tz(rules))
        return (
            f"ご不在（無断キャンセル）が{policy.window_days}日間に{st.count}回あったため、"
            f"{until.month}月{until.day}日 {until:%H:%M}までご予約を停止しています。"
            "ご事情がある場合は予約センターにご連絡ください。",
            f"Booking is suspended until {until:%Y-%m-%d %H:%M} because you were not at the "
            f"pickup {st.count} times in {policy.window_days} days. "
            "Please call the reservation centre if there was a reason.",
        )
    if st.state == WARNED:
        return (
            f"ご不在（無断キャンセル）が{policy.window_days}日間に{st.count}回ありました。"
            f"{policy.suspend_after}回になると{policy.suspend_days}日間ご予約できなくなります。"
            "行けなくなったときは早めにキャンセルしてください。",
            f"You were not at the pickup {st.count} times in {policy.window_days} days. "
            f"At {policy.suspend_after} times booking is suspended for "
            f"{policy.suspend_days} days; please cancel early when you cannot ride.",
        )
    return None


def standing_out(rules: CityRules, st: NoShowStanding) -> NoShowOut:
    """Return the standing as shown on the member card and the resident's profile."""
    notice = messages(rules, st)
    return NoShowOut(
        count=st.count,
        state=st.state,
        suspended_until=st.suspended_until,
        window_days=rules.no_show.window_days,
        warn_after=rules.no_show.warn_after,
        suspend_after=rules.no_show.suspend_after,
        message_ja=notice[0] if notice else None,
        message_en=notice[1] if notice else None,
    )


def check_not_suspended(
    engine: BookingEngine,
    rules: CityRules,
    member: MemberRow,
    now: datetime,
    rides: list[Ride] | None = None,
) -> None:
    """Refuse (403 ``member_suspended``) a quote or booking for a suspended member."""
    st = standing(engine, rules, member, now, rides)
    notice = messages(rules, st)
    if st.state == SUSPENDED and notice is not None:
        raise ApiError(
            403,
            "member_suspended",
            notice[1],
            notice[0],
            suspended_until=st.suspended_until.isoformat() if st.suspended_until else None,
        )


def lift(
    db: Session,
    engine: BookingEngine,
    rules: CityRules,
    member: MemberRow,
    actor: str,
    reason: str,
    now: datetime,
) -> NoShowStanding:
    """Clear the member's no-show record (ends a suspension or warning); audited with the reason."""
    before = standing(engine, rules, member, now)
    if before.state == OK:
        raise ApiError(
            409,
            "illegal_transition",
            "This member has no warning or suspension to lift.",
            "この会員には解除する警告・利用停止がありません。",
        )
    # Every no-show recorded so far stops counting, even one whose pickup time is after ``now``.
    times = no_show_times(engine, member.id)
    member.no_shows_cleared_at = max([now, *(t + timedelta(seconds=1) for t in times)])
    after = assess(rules.no_show, times, member.no_shows_cleared_at, now)
    audit(
        db, actor, "member.no_show_lift", "member", member.id,
        _snap(before), {**_snap(after), "reason": reason}, now,
    )  # fmt: skip
    return after


def void(
    db: Session,
    engine: BookingEngine,
    rules: CityRules,
    member: MemberRow,
    ride_id: str,
    actor: str,
    reason: str,
    now: datetime,
) -> NoShowStanding:
    """Void one wrong no-show of the member (a driver's mistake), with the reason; audited.

    The engine turns the ride from ``no_show`` into ``cancelled``, so it leaves the
    count, and a warning or suspension it caused ends with it (the standing is
    always computed from the rides). Other no-shows still count.
    """
    member_id, cleared = member.id, member.no_shows_cleared_at
    db.commit()  # let go of the database before the engine writes (SQLite's one writer)
    try:
        ride = engine.get_ride(ride_id)
    except UnknownRide as exc:
        raise not_found("booking", "予約") from exc
    if ride.request.member_id != member_id:
        raise not_found("booking", "予約")
    if ride.status != RideStatus.NO_SHOW:
        raise ApiError(
            409, "not_a_no_show", "This booking is not recorded as a no-show.",
            "この予約は不在として記録されていません。",
        )  # fmt: skip
    before = assess(rules.no_show, no_show_times(engine, member_id), cleared, now)
    try:
        engine.void_no_show(ride_id, by=actor, reason=reason)
    except IllegalTransition as exc:  # voided or changed a moment ago
        raise ApiError(409, "not_a_no_show", exc.message_en, exc.message_ja) from exc
    after = assess(rules.no_show, no_show_times(engine, member_id), cleared, now)
    audit(
        db, actor, "ride.no_show_void", "ride", ride_id,
        {**_snap(before), "status": RideStatus.NO_SHOW.value, "member_id": member_id},
        {**_snap(after), "status": RideStatus.CANCELLED.value, "reason": reason}, now,
    )  # fmt: skip
    return after


def _snap(st: NoShowStanding) -> dict[str, Any]:
    until = st.suspended_until.isoformat() if st.suspended_until else None
    return {"no_show_count": st.count, "no_show_state": st.state, "suspended_until": until}
