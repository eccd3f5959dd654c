"""A channel withdrawn: the member's queued messages follow their new choice of channels.

When a member's channels change (they opt out of SMS in the app, the office takes email
off on the phone, they turn push off), messages still queued for a channel they no
longer have would go out there all the same. A message is meant for the person, not
the channel, so each such delivery (queued, not yet claimed by a worker) is:

- cancelled (``channel withdrawn``) when the same message is also on its way, or went,
  over a channel the member keeps: they hear it there;
- otherwise moved to the member's first channel that has no delivery of that message
  yet, with the text it was rendered with (the same for push, SMS and email; a call
  reads its own spoken script, so a move to or from voice needs that script from a
  sibling delivery of the same message);
- cancelled (``channel withdrawn``) when no such channel or text is left (the text was
  blanked by the keep-bodies rule, or only a call script would do). Cancelled ones count
  in the daily count's cancelled column; the member's card shows why.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from notify.choice import channels_for
from notify.config import NotifyConfig
from notify.domain import DeliveryStatus
from notify.outbox import recipient, ride_url
from notify.store import DeliveryRow

WITHDRAWN = "channel withdrawn"
#: A sibling in these states does not reach the member (or no longer will).
_LOST = frozenset(
    {DeliveryStatus.FAILED.value, DeliveryStatus.EXPIRED.value, DeliveryStatus.CANCELLED.value}
)


@dataclass(frozen=True)
class Followed:
    """What following the new channels did: deliveries moved and cancelled."""

    moved: int = 0
    cancelled: int = 0


def _text_for(row: DeliveryRow, siblings: list[DeliveryRow], channel: str) -> str | None:
    """The body ``channel`` needs, from this row or a sibling of the same message."""
    spoken = channel == "voice"
    for source in (row, *siblings):
        if (source.channel == "voice") == spoken and source.purged_at is None and source.body:
            return source.body
    return None


def follow_channels(s: Session, member_id: str, phone: str, config: NotifyConfig) -> Followed:
    """Move or cancel the member's queued deliveries on channels they no longer have.

    Call it in the transaction that stores the new preferences (or forgets a push
    subscription), after the change. The rows are locked; one a worker has claimed
    (sending) is left to it: it is on its way already.
    """
    targets = channels_for(recipient(s, member_id, phone), config.country_code)
    wanted = {c for c, _ in targets}
    rows = s.scalars(
        select(DeliveryRow)
        .where(
            DeliveryRow.member_id == member_id,
            DeliveryRow.status == DeliveryStatus.QUEUED.value,
            DeliveryRow.channel.not_in(wanted),
        )
        .order_by(DeliveryRow.created_at, DeliveryRow.id)
        .with_for_update()
    ).all()
    moved = cancelled = 0
    for row in rows:
        siblings = list(
            s.scalars(
                select(DeliveryRow).where(
                    DeliveryRow.member_id == member_id,
                    DeliveryRow.event_key == row.event_key,
                    DeliveryRow.id != row.id,
                )
            )
        )
        reached = any(x.channel in wanted and x.status not in _LOST for x in siblings)
        taken = {x.channel for x in siblings}
        target = None if reached else next(((c, a) for c, a in targets if c not in taken), None)
        body = _text_for(row, siblings, target[0]) if target else None
        if target is None or body is None:
            row.status, row.error = DeliveryStatus.CANCELLED.value, WITHDRAWN
            cancelled += 1
            continue
        channel, address = target
        link = ride_url(config.public_url, row.ride_id) if row.ride_id else f"{config.public_url}/"
        row.channel, row.address, row.body = channel, address, body
        row.url = (row.url or link) if channel in ("push", "email") else None
        if row.attempts:  # its backoff was the old channel's trouble, not the new one's
            row.attempts, row.error = 0, ""
        moved += 1
    return Followed(moved, cancelled)
