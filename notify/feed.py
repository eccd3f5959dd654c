"""Deliveries derived from the logs the service already writes in each cause's transaction.

The engine appends an ``events`` row (``ride.booked``, ``ride.en_route``, ``ride.late`` ...)
in the same transaction as the change, and the API an audit row (``member.approve``,
``member.no_show_lift`` ...): those rows are the transactional outbox. The feed reads them
in id order from a stored cursor and turns each into notices, which ``outbox.enqueue``
writes at most once. An id not seen yet may be a transaction still open (PostgreSQL hands
out ids before commit): the cursor waits at such a gap for ``gap_wait_s`` before it
takes the gap for a rolled-back transaction, and rows read past it are read again
(harmless: the unique key keeps one delivery).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any, Protocol
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from dispatch.store.tables import EventRow, RideRow, VehicleRow
from notify.config import NotifyConfig
from notify.domain import Event, Notice
from notify.outbox import cancel_ride_bound, enqueue, recipient
from notify.store import CursorRow
from notify.templates import Catalogue


@dataclass(frozen=True)
class LogItem:
    """One row of a source log: its id, time, kind and what it says."""

    id: int
    at: datetime
    kind: str
    subject_id: str | None
    data: Mapping[str, Any] = field(default_factory=dict)


class Directory(Protocol):
    """What the notifier asks the booking side (members, fares, the audit log)."""

    def phone(self, s: Session, member_id: str) -> str | None:
        """The member's phone, or None when unknown (then nothing is sent)."""
        ...

    def fare_yen(self, s: Session, ride_id: str) -> int | None:
        """The booked fare of a ride."""
        ...

    def is_staff(self, s: Session, account_id: str) -> bool:
        """Whether an account id is staff (an office cancellation is told, a rider's is not)."""
        ...

    def standing(self, s: Session, member_id: str, now: datetime) -> tuple[str, datetime | None]:
        """The member's no-show standing ("ok", "warned", "suspended") and its end at ``now``
        (no-shows after ``now`` are not counted)."""
        ...

    def audit_after(self, s: Session, after_id: int, limit: int) -> list[LogItem]:
        """Audit rows after ``after_id`` in id order (kind = action, subject = entity id)."""
        ...

    def audit_max_id(self, s: Session) -> int:
        """The newest audit row's id (0 when none)."""
        ...

    def office_phone(self) -> str:
        """The reservation centre's number, named in messages."""
        ...


def _events_after(s: Session, after_id: int, limit: int) -> list[LogItem]:
    rows = s.scalars(
        select(EventRow).where(EventRow.id > after_id).order_by(EventRow.id).limit(limit)
    )
    return [LogItem(r.id, r.at, r.kind, r.ride_id, r.payload or {}) for r in rows]


class Feed:
    """Reads the event and audit logs and writes the deliveries they call for."""

    def __init__(
        self, directory: Directory, catalogue: Catalogue, config: NotifyConfig, limit: int = 500
    ) -> None:
        self.directory = directory
        self.catalogue = catalogue
        self.config = config
        self.limit = limit
        self.zone = ZoneInfo(config.timezone)
        self._sources: dict[str, tuple[Callable[..., list[LogItem]], Callable[..., int]]] = {
            "events": (_events_after, lambda s: s.scalar(select(func.max(EventRow.id))) or 0),
            "audit": (directory.audit_after, directory.audit_max_id),
        }

    def run_once(self, s: Session, now: datetime) -> int:
        """Read what is new in each log and enqueue its deliveries; return how many rows."""
        made = 0
        for name, (after, newest) in self._sources.items():
            cur = s.get(CursorRow, name)
            if cur is None:  # first start: history is not told again
                cur = CursorRow(source=name, last_id=newest(s), updated_at=now)
                s.add(cur)
                s.flush()
            items = after(s, cur.last_id, self.limit)
            made += sum(self._deliver(s, n, now) for it in items for n in self.notices(s, it, now))
            settled = now - timedelta(seconds=self.config.gap_wait_s)
            cur.last_id = advance(cur.last_id, items, settled)
            cur.updated_at = now
        return made

    def _deliver(self, s: Session, n: Notice, now: datetime) -> int:
        phone = self.directory.phone(s, n.member_id)
        if phone is None:
            return 0
        r = recipient(s, n.member_id, phone)
        n = replace(n, params={"office": self.directory.office_phone(), **n.params})
        return len(enqueue(s, n, r, self.catalogue, self.config, now))

    def notices(self, s: Session, it: LogItem, now: datetime) -> list[Notice]:
        """Return what one log row tells riders (mostly nothing)."""
        prefix = "events" if "." in it.kind and it.kind.split(".")[0] in {"ride", "tap"} else ""
        key = f"{prefix or 'audit'}:{it.id}"
        if prefix:
            return list(self._ride_notices(s, it, key, now))
        return list(self._audit_notices(s, it, key, now))

    def _ride_notices(self, s: Session, it: LogItem, key: str, now: datetime) -> Iterable[Notice]:
        ride = s.get(RideRow, it.subject_id) if it.subject_id else None
        if ride is None:
            return
        base = {
            "ref": ride.id,
            "start": ride.pickup_window_start.isoformat(),
            "end": ride.pickup_window_end.isoformat(),
            "from": ride.pickup_label,
            "to": ride.dropoff_label,
        }
        end = ride.pickup_window_end + timedelta(minutes=30)

        def notice(event: Event, give_up: datetime | None = end, **extra: str) -> Notice:
            return Notice(key, event, ride.member_id, it.at, {**base, **extra}, ride.id, give_up)

        if it.kind == "ride.booked":
            mark = f"modified: replaced by {ride.id}"
            replaced = s.scalar(select(RideRow.id).where(RideRow.cancel_reason == mark))
            fare = self.directory.fare_yen(s, ride.id)
            yield notice(
                Event.BOOKING_CHANGED if replaced else Event.BOOKING_CONFIRMED,
                None,
                fare=f"{fare or 0:,}",
            )
        elif it.kind == "ride.cancelled":
            # Whoever cancelled (the rider too, who is not told), the ride's waiting
            # reminder and on-the-day messages are no longer true; a modified ride's
            # successor gets its own.
            cancel_ride_bound(s, ride.id)
            if ride.cancel_reason.startswith("modified:"):
                return
            if ride.cancelled_by and self.directory.is_staff(s, ride.cancelled_by):
                yield notice(Event.BOOKING_CANCELLED, None, reason=ride.cancel_reason)
        elif it.kind == "ride.en_route":
            eta = ride.estimated_pickup or ride.pickup_window_start
            minutes = max(1, round((eta - it.at).total_seconds() / 60))
            yield notice(Event.CAR_EN_ROUTE, minutes=str(minutes))
        elif it.kind == "ride.arrived":
            car = s.get(VehicleRow, ride.vehicle_id) if ride.vehicle_id else None
            yield notice(
                Event.CAR_ARRIVED,
                plate=car.plate if car else "",
                colour=car.colour if car else "",
            )
        elif it.kind == "ride.late":
            new = it.data.get("new_pickup_s")
            if new is not None:
                at = datetime.fromtimestamp(int(new), tz=ride.pickup_window_start.tzinfo)
                yield notice(
                    Event.PICKUP_DELAYED, at + timedelta(minutes=30), pickup=at.isoformat()
                )
        elif it.kind == "ride.no_show":
            # The standing as of this no-show, not of the round: a worker that was behind
            # would otherwise tell a suspension once for each of the no-shows leading to it.
            state, until = self.directory.standing(s, ride.member_id, it.at)
            if state == "warned":
                yield notice(Event.NO_SHOW_WARNING, None)
            elif state == "suspended":
                yield notice(Event.SUSPENDED, None, until=until.isoformat() if until else "")

    def _audit_notices(self, s: Session, it: LogItem, key: str, now: datetime) -> Iterable[Notice]:
        member = it.subject_id or ""
        after = it.data.get("after") or {}
        before = it.data.get("before") or {}
        office = {"office": self.directory.office_phone()}
        if it.kind == "member.approve":
            number = str(after.get("member_number") or "")
            params = {**office, "number": number}
            yield Notice(key, Event.REGISTRATION_APPROVED, member, it.at, params)
        elif it.kind == "member.reject":
            reason = str(after.get("rejection_reason") or "")
            params = {**office, "reason": reason}
            yield Notice(key, Event.REGISTRATION_REJECTED, member, it.at, params)
        elif it.kind == "member.no_show_lift":
            yield Notice(key, Event.SUSPENSION_LIFTED, member, it.at, office)
        elif it.kind == "ride.no_show_void":
            was, now_state = before.get("no_show_state"), after.get("no_show_state")
            if was in ("warned", "suspended") and now_state == "ok" and before.get("member_id"):
                yield Notice(key, Event.SUSPENSION_LIFTED, str(before["member_id"]), it.at, office)


def advance(last_id: int, items: Sequence[LogItem], settled_before: datetime) -> int:
    """Return the new cursor: past every row with no unseen id before it.

    A missing id is waited for (an open transaction) unless the row after it is older
    than ``settled_before`` (then the missing one was rolled back).
    """
    cursor = last_id
    for it in items:
        if it.id != cursor + 1 and it.at >= settled_before:
            break
        cursor = it.id
    return cursor


def remind(feed: Feed, s: Session, now: datetime) -> int:
    """From the city's reminder time until midnight, enqueue tomorrow's rides' reminders.

    Rides booked after the reminder time are not reminded: their confirmation came minutes
    before. Each ride is reminded once (the key is the ride).
    """
    local = now.astimezone(feed.zone)
    if local.time() < feed.config.reminder_time:
        return 0
    tomorrow = local.date() + timedelta(days=1)
    sent_from = datetime.combine(local.date(), feed.config.reminder_time, tzinfo=feed.zone)
    rides = s.scalars(
        select(RideRow).where(
            RideRow.service_date == tomorrow,
            RideRow.status.in_(("booked", "assigned")),
            RideRow.created_at < sent_from,
        )
    )
    made = 0
    for ride in rides:
        params = {
            "ref": ride.id,
            "start": ride.pickup_window_start.isoformat(),
            "end": ride.pickup_window_end.isoformat(),
            "from": ride.pickup_label,
            "to": ride.dropoff_label,
        }
        n = Notice(
            f"reminder:{ride.id}",
            Event.REMINDER,
            ride.member_id,
            now,
            params,
            ride.id,
            ride.pickup_window_start - timedelta(hours=1),
        )
        made += feed._deliver(s, n, now)
    return made
