"""Reading the audit log: staff writes filtered by who, what, member, ride and time, newest first.

The log stores what a write touched (``entity``, ``entity_id``); a member's lines
are those about the member, about their rides (``booking``/``ride``) and about
their series, found through the booking API's own tables, so no write has to
repeat the member id. Pages are keyed on the line id (``before``), which never
shifts while new lines arrive.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Select, or_, select
from sqlalchemy.orm import Session

from booking_api.db import AccountRow, AuditRow, BookingMetaRow, MemberRow, SeriesRow

RIDE_ENTITIES = ("booking", "ride")


@dataclass(frozen=True)
class AuditFilter:
    """What to look for; ``None`` means any. ``action`` ending in ``.`` is a group."""

    actor: str | None = None
    action: str | None = None
    member: str | None = None
    ride: str | None = None
    since: datetime | None = None
    until: datetime | None = None
    before: int | None = None
    limit: int = 100


def _actor_ids(db: Session, actor: str) -> list[str]:
    """An account id, or the id of the account with that username (both are accepted)."""
    ids = [actor]
    found = db.scalar(select(AccountRow.id).where(AccountRow.username == actor))
    if found is not None:
        ids.append(found)
    return ids


def _member_id(db: Session, member: str) -> str:
    """A member id, or the id of the member with that member number."""
    found = db.scalar(select(MemberRow.id).where(MemberRow.member_number == member))
    return found if found is not None else member


def query(db: Session, f: AuditFilter) -> Select[Any]:
    """Return the SELECT of the audit lines matching ``f``, newest first, one page long."""
    stmt = select(AuditRow)
    if f.actor is not None:
        stmt = stmt.where(AuditRow.actor.in_(_actor_ids(db, f.actor)))
    if f.action is not None:
        if f.action.endswith("."):
            stmt = stmt.where(AuditRow.action.startswith(f.action, autoescape=True))
        else:
            stmt = stmt.where(AuditRow.action == f.action)
    if f.ride is not None:
        stmt = stmt.where(AuditRow.entity.in_(RIDE_ENTITIES), AuditRow.entity_id == f.ride)
    if f.member is not None:
        member_id = _member_id(db, f.member)
        rides = select(BookingMetaRow.ride_id).where(BookingMetaRow.member_id == member_id)
        series = select(SeriesRow.id).where(SeriesRow.member_id == member_id)
        stmt = stmt.where(
            or_(
                (AuditRow.entity == "member") & (AuditRow.entity_id == member_id),
                AuditRow.entity.in_(RIDE_ENTITIES) & AuditRow.entity_id.in_(rides),
                (AuditRow.entity == "series") & AuditRow.entity_id.in_(series),
            )
        )
    if f.since is not None:
        stmt = stmt.where(AuditRow.at >= f.since)
    if f.until is not None:
        stmt = stmt.where(AuditRow.at < f.until)
    if f.before is not None:
        stmt = stmt.where(AuditRow.id < f.before)
    return stmt.order_by(AuditRow.id.desc()).limit(f.limit)


def actor_names(db: Session, actors: set[str]) -> dict[str, str]:
    """Return each actor account's display name (or username) by id."""
    if not actors:
        return {}
    rows = db.execute(
        select(AccountRow.id, AccountRow.display_name, AccountRow.username).where(
            AccountRow.id.in_(actors)
        )
    )
    return {i: (name or user or "") for i, name, user in rows}
