"""Admins' staff, driver and admin accounts (create, link a driver to a vehicle, reset a
password, disable and enable) and the audit log of every staff write."""

from __future__ import annotations

import re
from typing import Annotated, Any

from fastapi import APIRouter, Query, Response
from pydantic import AwareDatetime, BeforeValidator
from sqlalchemy import select

from booking_api import auditlog
from booking_api.db import AccountRow, AuditRow, audit
from booking_api.deps import Admin, Db, Engine, State
from booking_api.errors import ApiError, not_found
from booking_api.pins import require_strong
from booking_api.schemas.accounts import AccountPasswordIn, AccountPatch, AuditOut
from booking_api.schemas.members import AccountIn, AccountOut
from booking_api.security import clear_failures, failure_key, hash_password, revoke_sessions

router = APIRouter(tags=["accounts"])


def account_out(row: AccountRow) -> AccountOut:
    """Return an account without its secret."""
    return AccountOut(
        id=row.id,
        username=row.username,
        role=row.role,
        display_name=row.display_name,
        vehicle_id=row.vehicle_id,
        active=row.active,
    )


@router.get("/accounts")
def list_accounts(admin: Admin, db: Db) -> list[AccountOut]:
    """Staff, driver and admin accounts."""
    rows = db.scalars(
        select(AccountRow).where(AccountRow.username.is_not(None)).order_by(AccountRow.username)
    )
    return [account_out(r) for r in rows]


def _check_vehicle(engine: Any, role: str, vehicle_id: str | None) -> None:
    """A driver's account drives a vehicle of the fleet; other accounts drive none."""
    if role != "driver":
        if vehicle_id:
            raise ApiError(
                422,
                "not_a_driver",
                "Only a driver's account is linked to a vehicle.",
                "車両を割り当てられるのは運転手アカウントだけです。",
            )
        return
    if not vehicle_id:
        raise ApiError(
            422,
            "vehicle_required",
            "A driver account needs a vehicle.",
            "運転手アカウントには車両の指定が必要です。",
        )
    listing = getattr(engine, "list_vehicles", None)
    if listing is None:  # an engine without a fleet of its own (tests' double)
        return
    fleet = {v.vehicle_id for v in listing() if getattr(v, "retired_at", None) is None}
    if vehicle_id not in fleet:
        raise ApiError(
            422,
            "unknown_vehicle",
            f"There is no vehicle {vehicle_id}.",
            f"車両 {vehicle_id} はありません。",
        )


@router.post("/accounts", status_code=201, responses={409: {}, 422: {}})
def create_account(
    body: AccountIn, admin: Admin, db: Db, state: State, engine: Engine
) -> AccountOut:
    """Create an operator, driver (linked to a vehicle of the fleet) or admin account."""
    _check_vehicle(engine, body.role, body.vehicle_id)
    if db.scalar(select(AccountRow.id).where(AccountRow.username == body.username)) is not None:
        raise ApiError(
            409,
            "already_exists",
            "This username is taken.",
            "このユーザー名はすでに使われています。",
        )
    require_strong(body.password)
    row = AccountRow(
        username=body.username,
        role=body.role,
        password_hash=hash_password(body.password),
        display_name=body.display_name or body.username,
        vehicle_id=body.vehicle_id,
        active=True,
        created_at=state.now(),
    )
    db.add(row)
    db.flush()
    audit(
        db,
        admin.id,
        "account.create",
        "account",
        row.id,
        None,
        account_out(row).model_dump(),
        state.now(),
    )
    db.commit()
    return account_out(row)


def _staff_account(db: Db, account_id: str) -> AccountRow:
    row = db.get(AccountRow, account_id)
    if row is None or row.username is None:  # residents are managed under /members
        raise not_found("account", "アカウント")
    return row


@router.patch("/accounts/{account_id}", responses={404: {}, 409: {}, 422: {}})
def edit_account(
    account_id: str, body: AccountPatch, admin: Admin, db: Db, state: State, engine: Engine
) -> AccountOut:
    """Disable (ends every session of the account at once) or enable an account, rename it,
    or link a driver's account to another vehicle; audited with the reason given.
    """
    row = _staff_account(db, account_id)
    before = account_out(row).model_dump()
    if body.active is False and row.id == admin.id:
        raise ApiError(
            409,
            "cannot_disable_self",
            "You cannot disable your own account; ask another admin.",
            "ご自身のアカウントは無効にできません。別の管理者に依頼してください。",
        )
    if body.display_name is not None:
        row.display_name = body.display_name
    action = "account.edit"
    if body.vehicle_id is not None and body.vehicle_id != row.vehicle_id:
        _check_vehicle(engine, row.role, body.vehicle_id)
        row.vehicle_id = body.vehicle_id
        action = "account.link_vehicle"
    if body.active is not None and body.active != row.active:
        row.active = body.active
        action = "account.enable" if body.active else "account.disable"
    if not row.active:
        revoke_sessions(db, row.id)  # enabling again must not revive a lost device's token
    after: dict[str, Any] = account_out(row).model_dump()
    if body.reason is not None:
        after["reason"] = body.reason
    audit(db, admin.id, action, "account", row.id, before, after, state.now())
    db.commit()
    return account_out(row)


@router.post("/accounts/{account_id}/password", status_code=204, responses={404: {}, 422: {}})
def reset_account_password(
    account_id: str, body: AccountPasswordIn, admin: Admin, db: Db, state: State
) -> Response:
    """Set a new password for an account; ends its sessions and lifts a login lock; audited."""
    row = _staff_account(db, account_id)
    require_strong(body.password)
    row.password_hash = hash_password(body.password)
    revoke_sessions(db, row.id)
    clear_failures(db, failure_key(row, ""))
    audit(db, admin.id, "account.password_reset", "account", row.id, None, None, state.now())
    db.commit()
    return Response(status_code=204)


_Text = Annotated[str, Query(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.:\-]+$")]
_Action = Annotated[
    str,
    Query(
        max_length=64,
        pattern=r"^[a-z_]+(\.[a-z_]*)?$",
        description="An action (account.disable), or a group ending in a dot (account.).",
    ),
]
def _iso_time(value: object) -> object:
    # Pydantic would read "0.5" as seconds after 1970; a time here is written out.
    if isinstance(value, str) and not re.match(r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}", value):
        raise ValueError("Give a date and time with its UTC offset, e.g. 2026-12-02T09:00+09:00.")
    return value


_When = Annotated[
    AwareDatetime,
    BeforeValidator(_iso_time),
    Query(
        description="With its UTC offset; the screen sends Tokyo time (+09:00).",
        json_schema_extra={"format": "date-time"},
    ),
]


@router.get("/audit", responses={422: {}})
def audit_log(
    admin: Admin,
    db: Db,
    actor: Annotated[_Text | None, Query(description="Account id or username.")] = None,
    action: _Action | None = None,
    member: Annotated[_Text | None, Query(description="Member id or number.")] = None,
    ride: Annotated[_Text | None, Query(description="Ride (booking) id.")] = None,
    from_: Annotated[_When | None, Query(alias="from")] = None,
    to: _When | None = None,
    before: Annotated[int | None, Query(ge=1, le=2**62, description="Older than this id.")] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> list[AuditOut]:
    """Staff writes, newest first, filtered by who, what, member, ride and time ``[from, to)``.

    One page of ``limit`` lines; the next page is ``before`` the last line's ``id``.
    422 when ``from`` is not before ``to`` (``bad_period``).
    """
    if from_ is not None and to is not None and from_ >= to:
        raise ApiError(
            422,
            "bad_period",
            "The start must be before the end.",
            "開始は終了より前にしてください。",
        )
    filt = auditlog.AuditFilter(actor, action, member, ride, from_, to, before, limit)
    rows: list[AuditRow] = list(db.scalars(auditlog.query(db, filt)))
    names = auditlog.actor_names(db, {r.actor for r in rows})
    return [
        AuditOut(
            id=r.id,
            at=r.at,
            actor=r.actor,
            actor_name=names.get(r.actor, ""),
            action=r.action,
            entity=r.entity,
            entity_id=r.entity_id,
            before=r.before,
            after=r.after,
        )
        for r in rows
    ]
