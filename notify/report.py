"""Daily delivery counts by channel for the operators' reports (issue 12 §3).

A delivery counts on the local day it was queued (the city's midnight cuts the days,
however the offset of its zone changes) and under where it stands now: still
waiting (queued, or being sent), sent (the provider took it, no receipt yet),
delivered (the provider's receipt says the phone has it), failed (refused for good,
or its receipt says not delivered), given up (not sent before its give-up time) or
cancelled (the ride went first). Only the channels whose provider is asked for
receipts (``receipts``: SMS when the gateway's receipt secret is set) count
"delivered"; for the others it stays None rather than a 0 that reads as "none arrived".
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from notify.domain import CHANNELS, RECEIPT_CHANNELS, DeliveryStatus
from notify.store import DeliveryRow

#: Where each stored status is counted; SENDING is a claimed row not yet answered.
COLUMN: dict[str, str] = {
    DeliveryStatus.QUEUED.value: "queued",
    DeliveryStatus.SENDING.value: "queued",
    DeliveryStatus.SENT.value: "sent",
    DeliveryStatus.DELIVERED.value: "delivered",
    DeliveryStatus.FAILED.value: "failed",
    DeliveryStatus.EXPIRED.value: "given_up",
    DeliveryStatus.CANCELLED.value: "cancelled",
}


@dataclass(frozen=True)
class DayChannelCount:
    """One local day and one channel: how many deliveries queued that day stand where."""

    day: date
    channel: str
    queued: int = 0
    sent: int = 0
    failed: int = 0
    given_up: int = 0
    cancelled: int = 0
    delivered: int | None = None  # None: this channel's provider reports no receipts

    @property
    def total(self) -> int:
        """Every delivery queued that day on this channel."""
        done = self.sent + (self.delivered or 0) + self.failed
        return self.queued + done + self.given_up + self.cancelled


def _cell(
    day: date, channel: str, counts: dict[str, int], receipts: frozenset[str]
) -> DayChannelCount:
    """One cell; "delivered" is a 0 where receipts can come, else absent (None)."""
    zero = {"delivered": 0} if channel in receipts else {}
    return DayChannelCount(day, channel, **{**zero, **counts})


def day_starts(first: date, last: date, zone: ZoneInfo) -> list[datetime]:
    """Return the UTC instants of local midnight from ``first`` to the day after ``last``."""
    days = (last - first).days + 2
    return [
        datetime.combine(first + timedelta(days=i), datetime.min.time(), zone).astimezone(UTC)
        for i in range(days)
    ]


def daily_counts(
    s: Session,
    first: date,
    last: date,
    zone: ZoneInfo,
    receipts: frozenset[str] = RECEIPT_CHANNELS,
) -> list[DayChannelCount]:
    """Return one row per local day from ``first`` to ``last`` and per channel (zeros too).

    One grouped query: each row's local day is found by comparing its queue time with
    the days' UTC starts, so the database never needs the zone rules.
    """
    starts = day_starts(first, last, zone)
    day_index = case(
        *((DeliveryRow.created_at < b, i) for i, b in enumerate(starts[1:])),
        else_=len(starts),
    )
    rows = s.execute(
        select(day_index, DeliveryRow.channel, DeliveryRow.status, func.count())
        .where(DeliveryRow.created_at >= starts[0], DeliveryRow.created_at < starts[-1])
        .group_by(day_index, DeliveryRow.channel, DeliveryRow.status)
    ).all()
    counts: dict[tuple[int, str], dict[str, int]] = {}
    for index, channel, status, n in rows:
        column = COLUMN.get(status)
        if column is None or channel not in CHANNELS:
            continue  # a status or channel this report does not know is not guessed into one
        cell = counts.setdefault((int(index), channel), {})
        cell[column] = cell.get(column, 0) + int(n)
    return [
        _cell(first + timedelta(days=i), channel, dict(counts.get((i, channel), {})), receipts)
        for i in range(len(starts) - 1)
        for channel in CHANNELS
    ]


def totals(
    rows: list[DayChannelCount], receipts: frozenset[str] = RECEIPT_CHANNELS
) -> list[DayChannelCount]:
    """Return the period's total per channel (``day`` is the period's first day)."""
    if not rows:
        return []
    first = min(r.day for r in rows)
    out = []
    for channel in CHANNELS:
        mine = [r for r in rows if r.channel == channel]
        out.append(
            DayChannelCount(
                first,
                channel,
                queued=sum(r.queued for r in mine),
                sent=sum(r.sent for r in mine),
                delivered=(sum(r.delivered or 0 for r in mine) if channel in receipts else None),
                failed=sum(r.failed for r in mine),
                given_up=sum(r.given_up for r in mine),
                cancelled=sum(r.cancelled for r in mine),
            )
        )
    return out
