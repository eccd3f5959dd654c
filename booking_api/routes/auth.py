"""Login (residents by member number or phone, staff by username), logout, who am I."""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter, Request, Response
from pydantic import BaseModel, Field

from booking_api.clientaddr import client_address
from booking_api.db import AccountRow, MemberRow
from booking_api.deps import Account, Db, State, bearer_token
from booking_api.errors import ApiError
from booking_api.schemas.types import Line
from booking_api.security import (
    DUMMY_HASH,
    LoginLimits,
    check_rate_limit,
    clear_failures,
    failure_key,
    find_account,
    issue_token,
    record_failure,
    revoke_token,
    verify_password,
)
from booking_api.settings import Settings

router = APIRouter(prefix="/auth", tags=["auth"])


class LoginIn(BaseModel):
    """Credentials: member number, phone or username, and password/PIN."""

    login: Line = Field(min_length=1, max_length=100)
    password: Line = Field(min_length=1, max_length=128)


class MeOut(BaseModel):
    """The logged-in account."""

    role: str
    account_id: str
    display_name: str
    member_id: str | None = None
    member_number: str | None = None
    vehicle_id: str | None = None
    report_gps: bool | None = None  # drivers: whether the tablet sends its GPS position
    navigation: str | None = None  # drivers: geo, google or apple (the ナビ button's link)


class LoginOut(MeOut):
    """A new bearer token and when it expires."""

    token: str
    expires_at: datetime


def me_out(
    db: Db, account: AccountRow, tablet_gps: bool = True, navigation: str = "geo"
) -> MeOut:
    """Return the account as the apps see it (a driver's tablet learns whether to send GPS
    and which navigation app its ナビ button opens)."""
    member = db.get(MemberRow, account.member_id) if account.member_id else None
    return MeOut(
        role=account.role,
        account_id=account.id,
        display_name=account.display_name,
        member_id=account.member_id,
        member_number=member.member_number if member else None,
        vehicle_id=account.vehicle_id,
        report_gps=tablet_gps if account.role == "driver" else None,
        navigation=navigation if account.role == "driver" else None,
    )


def login_limits(settings: Settings) -> LoginLimits:
    """Return the failed-login limits of ``settings``."""
    return LoginLimits(
        per_account=settings.login_max_failures,
        window_s=settings.login_window_s,
        per_day=settings.login_max_failures_per_day,
        per_address=settings.login_max_failures_per_address,
    )


@router.post("/login", responses={401: {}, 403: {}, 429: {}})
def login(body: LoginIn, request: Request, db: Db, state: State) -> LoginOut:
    """Log in and receive a bearer token. 5 failures in 15 minutes (20 in a day) on one
    account, however it is named, or 20 from one address → 429 with ``Retry-After``.
    """
    now = state.now()
    settings = state.settings
    ip = client_address(request, settings.trusted_proxies)
    account = find_account(db, body.login)
    key = failure_key(account, body.login)
    check_rate_limit(db, key, ip, now, login_limits(settings))
    # Verify against a dummy hash for unknown logins too, so timing does not tell which exist.
    stored = account.password_hash if account is not None else DUMMY_HASH
    if not verify_password(stored, body.password) or account is None or not account.active:
        record_failure(db, key, ip, now)
        db.commit()
        raise ApiError(
            401,
            "invalid_credentials",
            "The login or password is wrong.",
            "会員番号（電話番号）またはパスワードが正しくありません。",
        )
    if account.member_id:
        member = db.get(MemberRow, account.member_id)
        if member is not None and member.status == "pending":
            raise ApiError(
                403,
                "member_not_approved",
                "Your registration is being reviewed by the city staff; we will contact you.",
                "ご登録は市の担当者が確認中です。承認後にご連絡します。",
            )
        if member is not None and member.status == "rejected":
            raise ApiError(
                403,
                "member_not_approved",
                f"Your registration was not approved: {member.rejection_reason}",
                f"ご登録は承認されませんでした。理由: {member.rejection_reason}",
                rejection_reason=member.rejection_reason,
            )
    clear_failures(db, key)
    token, expires = issue_token(db, account.id, now, settings.token_ttl_s)
    db.commit()
    out = me_out(db, account, settings.tablet_gps, settings.navigation_app)
    return LoginOut(token=token, expires_at=expires, **out.model_dump())


@router.post("/logout", status_code=204)
def logout(request: Request, account: Account, db: Db) -> Response:
    """End this session."""
    token = bearer_token(request)
    if token:
        revoke_token(db, token)
        db.commit()
    return Response(status_code=204)


@router.get("/me")
def me(account: Account, db: Db, state: State) -> MeOut:
    """Return the logged-in account."""
    return me_out(db, account, state.settings.tablet_gps, state.settings.navigation_app)
