"""The facts of the fare reports, read from the tables: completed rides, shifts, ledger rows.

``fares.reports`` computes the figures; this module reads what they are
computed from, for service days ``first``..``last``:

- completed rides (the engine's ``rides`` in state ``completed``) with their
  booked fare, the fare category it was priced with and carers
  (``api_bookings``), the member's number (``api_members``; the member's
  category now only for a ride booked without one) and the payment record if
  any (``fare_ride_payments``);
- the vehicles' shifts (``shifts``): the hours each vehicle operated, from
  the driver's sign-on to sign-off on the tablet (``started_at``/``ended_at``,
  UTC) minus the break, the scheduled start or end where none was recorded
  (``fares.reports.operated`` says which): the hours the city pays the
  operator for, driving or waiting;
- the ledger rows whose time falls on those days in the city's zone.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from booking_api import fareops
from booking_api.db import BookingMetaRow, MemberRow
from booking_api.faredb import LedgerRow, RidePaymentRow
from dispatch.domain import RideStatus
from dispatch.store.tables import RideRow, ShiftRow
from fares.ledger import Entry
from fares.reports import FareRide, ServiceTime, operated


def completed_rides(db: Session, first: date, last: date) -> list[FareRide]:
    """Return the completed rides of service days ``first``..``last`` (by day, then id)."""
    q = (
        select(RideRow, BookingMetaRow, MemberRow, RidePaymentRow)
        .join(BookingMetaRow, BookingMetaRow.ride_id == RideRow.id, isouter=True)
        .join(MemberRow, MemberRow.id == RideRow.member_id, isouter=True)
        .join(RidePaymentRow, RidePaymentRow.ride_id == RideRow.id, isouter=True)
        .where(
            RideRow.service_date >= first,
            RideRow.service_date <= last,
            RideRow.status == RideStatus.COMPLETED.value,
        )
        .order_by(RideRow.service_date, RideRow.id)
    )
    out = []
    for ride, meta, member, pay in db.execute(q):
        out.append(
            FareRide(
                ride_id=ride.id,
                service_date=ride.service_date,
                member_number=(member.member_number or "") if member else "",
                # the category the fare was priced with: a member's later change is not
                # a change of past rides
                category=(meta.fare_category if meta else None)
                or (member.category if member else ""),
                party_size=ride.party_size,
                carers=meta.carers if meta else 0,
                # the fare owed is the booked one; a payment record repeats it as due_yen
                fare_yen=pay.due_yen if pay else (meta.fare_yen if meta else 0),
                vehicle_id=ride.vehicle_id or "",
                dropped_off_at=ride.dropped_off_at,
                payment_method=pay.method if pay else None,
                reason=pay.reason if pay else "",
                recorded_by=pay.actor if pay else "",
                fare_rules=(meta.fare_rules if meta else None) or "",
            )
        )
    return out


def service_times(db: Session, first: date, last: date) -> list[ServiceTime]:
    """Return each vehicle shift of ``first``..``last`` with its seconds in service, as
    operated where the tablet recorded the sign-on or sign-off, else as scheduled."""
    q = (
        select(ShiftRow)
        .where(ShiftRow.service_date >= first, ShiftRow.service_date <= last)
        .order_by(ShiftRow.service_date, ShiftRow.vehicle_id)
    )
    return [
        operated(s.vehicle_id, s.service_date, (s.start_at, s.end_at), s.break_duration_s,
                 (s.started_at, s.ended_at))
        for s in db.scalars(q)
    ]  # fmt: skip


def ledger_entries(db: Session, first: date, last: date, zone: ZoneInfo) -> list[Entry]:
    """Return the ledger rows made on local days ``first``..``last``, oldest first."""
    start = datetime.combine(first, time(0), zone).astimezone(UTC)
    end = datetime.combine(last + timedelta(days=1), time(0), zone).astimezone(UTC)
    return fareops.entries(db, LedgerRow.at >= start, LedgerRow.at < end)
