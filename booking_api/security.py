"""Passwords (argon2), bearer tokens that expire, and the login rate limit.

Tokens are random strings; only their SHA-256 is stored, so a copy of the
database does not hand out sessions. Failed logins are counted per account
(however it is named) and per client address in sliding windows; past a limit
the answer is 429 with ``Retry-After``. Resetting a password or disabling an
account ends its sessions.
"""

from __future__ import annotations

import hashlib
import re
import secrets
import unicodedata
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import delete, func, or_, select
from sqlalchemy.orm import Session

from booking_api.db import (
    AccountRow,
    LoginAttemptRow,
    MemberRow,
    RegistrationAttemptRow,
    SessionRow,
)
from booking_api.errors import ApiError
from booking_api.text import digits
from notify.phone import BadPhone, parse_phone

# Every dash people type in a phone number, after NFKC (the lenient reading's).
_DASHES = "‐‑‒–—―−ー─━"

# Low-cost parameters keep a login under ~50 ms on a small server while staying argon2id.
_hasher = PasswordHasher(time_cost=2, memory_cost=19456, parallelism=1)


def login_identity(login: str) -> str:
    """Return the key failed logins are counted under (a phone in any format counts as one)."""
    text = unicodedata.normalize("NFKC", login).strip()
    number = digits(text)
    return number if number and not re.search(r"[^\d\s()+\-‐ー]", text) else text.lower()


def hash_password(password: str) -> str:
    """Return the argon2id hash of ``password``."""
    return _hasher.hash(password)


DUMMY_HASH = _hasher.hash("noriai-dummy-password")


def verify_password(password_hash: str, password: str) -> bool:
    """Return whether ``password`` matches ``password_hash``."""
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def token_hash(token: str) -> str:
    """Return the stored form of a bearer token."""
    return hashlib.sha256(token.encode()).hexdigest()


def issue_token(
    session: Session, account_id: str, now: datetime, ttl_s: int
) -> tuple[str, datetime]:
    """Create a session for ``account_id`` and return the token and its expiry."""
    token = secrets.token_urlsafe(32)
    expires = now + timedelta(seconds=ttl_s)
    session.add(
        SessionRow(
            token_hash=token_hash(token), account_id=account_id, created_at=now, expires_at=expires
        )
    )
    return token, expires


def account_for_token(session: Session, token: str, now: datetime) -> AccountRow | None:
    """Return the active account of an unexpired token, else ``None``.

    One statement reads the session, its account and a resident's member row:
    every signed-in request starts here, and the member stays in ``session``'s
    identity map (held in ``session.info``, as the map itself holds rows weakly),
    so the route's ``session.get`` of that member sends nothing (a quote read the
    three one after the other, three round trips).
    """
    found = session.execute(
        select(AccountRow, SessionRow.expires_at, MemberRow)
        .join(SessionRow, SessionRow.account_id == AccountRow.id)
        .outerjoin(MemberRow, MemberRow.id == AccountRow.member_id)
        .where(SessionRow.token_hash == token_hash(token))
    ).first()
    if found is None:
        return None
    account, expires_at, member = found
    session.info["signed_in_member"] = member
    return account if expires_at > now and account.active else None


def revoke_token(session: Session, token: str) -> None:
    """Delete the session of ``token`` (logout)."""
    session.execute(delete(SessionRow).where(SessionRow.token_hash == token_hash(token)))


def phone_digits_of(login: str) -> str | None:
    """Return the national digits of a phone number typed in any form, else ``None``.

    ``0299-44-5566``, ``０２９９−４４−５５６６``, ``+81 299 44 5566``, ``+81 (0)299…`` and
    ``0081…`` all give ``0299445566``, so every way to name a member's phone finds them
    and counts against the same account. A number ``notify.phone`` accepts (the form
    phones are stored in) is read by it; anything else of six digits or more with only
    digits, spaces, brackets, ``+`` and dashes is read leniently, as numbers stored
    before that check still are.
    """
    try:
        return parse_phone(login).national
    except BadPhone:
        pass
    text = unicodedata.normalize("NFKC", login).strip()
    if re.search(rf"[^\d\s()+\-{_DASHES}]", text):
        return None
    number = digits(text)
    international = text.startswith("+") or number.startswith("0081")
    if international:
        number = number.removeprefix("00").removeprefix("81")
        number = number if number.startswith("0") else "0" + number
    return number if len(number) >= 6 else None


def find_account(session: Session, login: str) -> AccountRow | None:
    """Find the account for a login: staff username, member number, or member phone."""
    text = login.strip()
    account = session.scalar(select(AccountRow).where(AccountRow.username == text))
    if account is not None:
        return account
    conds = [MemberRow.member_number == unicodedata.normalize("NFKC", text).upper()]
    phone = phone_digits_of(text)
    if phone is not None:
        conds.append(MemberRow.phone_digits == phone)
    member = session.scalar(select(MemberRow).where(or_(*conds)))
    if member is None:
        return None
    return session.scalar(select(AccountRow).where(AccountRow.member_id == member.id))


@dataclass(frozen=True)
class LoginLimits:
    """How many failed logins are allowed before the answer is 429.

    ``per_account`` failures in ``window_s`` and ``per_day`` in 24 hours lock an
    account however it is named (member number, phone in any form, username) and
    from whatever address; ``per_address`` failures in ``window_s`` from one client
    address, over any logins, stop one machine from trying many accounts.
    """

    per_account: int
    window_s: int
    per_day: int
    per_address: int


DAY_S = 24 * 3600


def failure_key(account: AccountRow | None, login: str) -> str:
    """Return the key failures are counted under: the account, however it was named.

    A login that names no account is counted under its normalised text, so an
    unknown login locks after as many tries as a real one and a 429 does not
    reveal which logins exist.
    """
    if account is not None:
        return f"account:{account.id}"
    return f"login:{phone_digits_of(login) or login_identity(login)}"[:100]


def _too_many(en: str, ja: str, retry_after_s: int) -> ApiError:
    return ApiError(429, "too_many_attempts", en, ja, retry_after_s=max(1, retry_after_s))


def _retry_after(session: Session, where: Any, now: datetime, span_s: int) -> int:
    """Seconds until the oldest failure counted in ``where`` leaves its window."""
    oldest = session.scalar(select(func.min(LoginAttemptRow.at)).where(*where))
    if oldest is None:
        return span_s
    return int((oldest + timedelta(seconds=span_s) - now).total_seconds()) + 1


def _count(session: Session, where: Any) -> int:
    return int(session.scalar(select(func.count()).select_from(LoginAttemptRow).where(*where)) or 0)


def check_rate_limit(
    session: Session, key: str, ip: str, now: datetime, limits: LoginLimits
) -> None:
    """Raise 429 when the account of ``key`` or the address ``ip`` failed too often."""
    since = now - timedelta(seconds=limits.window_s)
    by_account = (LoginAttemptRow.identity == key, LoginAttemptRow.at > since)
    if _count(session, by_account) >= limits.per_account:
        minutes = max(1, limits.window_s // 60)
        raise _too_many(
            f"Too many failed logins. Please wait {minutes} minutes "
            "or ask the operator to reset your password.",
            f"ログインの失敗が続いたため、{minutes}分間ログインできません。時間をおいてお試しいただくか、"
            "オペレーターにパスワードの再設定をご依頼ください。",
            _retry_after(session, by_account, now, limits.window_s),
        )
    by_day = (LoginAttemptRow.identity == key, LoginAttemptRow.at > now - timedelta(seconds=DAY_S))
    if _count(session, by_day) >= limits.per_day:
        raise _too_many(
            "Too many failed logins today. Please ask the operator to reset your password.",
            "本日はログインの失敗が多いため、ログインできません。オペレーターにパスワードの再設定を"
            "ご依頼ください。",
            _retry_after(session, by_day, now, DAY_S),
        )
    by_address = (LoginAttemptRow.ip == ip, LoginAttemptRow.at > since)
    if _count(session, by_address) >= limits.per_address:
        minutes = max(1, limits.window_s // 60)
        raise _too_many(
            f"Too many failed logins from this connection. Please wait {minutes} minutes.",
            f"この接続からのログインの失敗が続いたため、{minutes}分間ログインできません。",
            _retry_after(session, by_address, now, limits.window_s),
        )


def record_failure(session: Session, key: str, ip: str, now: datetime) -> None:
    """Count one failed login (and forget failures older than a day)."""
    session.execute(
        delete(LoginAttemptRow).where(LoginAttemptRow.at < now - timedelta(seconds=DAY_S))
    )
    session.add(LoginAttemptRow(identity=key, ip=ip[:64], at=now))


def clear_failures(session: Session, key: str) -> None:
    """Forget the failed logins of an account (after it logged in, or staff reset it)."""
    session.execute(delete(LoginAttemptRow).where(LoginAttemptRow.identity == key))


def revoke_sessions(session: Session, account_id: str) -> int:
    """End every session of ``account_id`` (password reset, account disabled); return how many."""
    result = session.execute(delete(SessionRow).where(SessionRow.account_id == account_id))
    return int(getattr(result, "rowcount", 0) or 0)


@dataclass(frozen=True)
class RegistrationLimits:
    """Online applications allowed per client address and per phone number in ``window_s``."""

    per_address: int
    per_phone: int
    window_s: int


def admit_registration(
    session: Session, ip: str, phone: str, now: datetime, limits: RegistrationLimits
) -> None:
    """Count an online application and raise 429 when its address or phone is over the limit.

    The attempt is committed before counting, so concurrent requests (several API
    processes) each see at least every admitted attempt before them and no more than
    the limit get through; a refused attempt is taken back so that waiting the
    ``Retry-After`` is enough.
    """
    cutoff = now - timedelta(seconds=limits.window_s)
    session.execute(delete(RegistrationAttemptRow).where(RegistrationAttemptRow.at < cutoff))
    row = RegistrationAttemptRow(ip=ip[:64], phone_digits=phone[:20], at=now)
    session.add(row)
    session.commit()
    checks = (
        (RegistrationAttemptRow.ip == ip[:64], limits.per_address, "address"),
        (RegistrationAttemptRow.phone_digits == phone[:20], limits.per_phone, "phone"),
    )
    for cond, limit, what in checks:
        where = (cond, RegistrationAttemptRow.at > cutoff)
        count = session.scalar(
            select(func.count()).select_from(RegistrationAttemptRow).where(*where)
        )
        if int(count or 0) <= limit:
            continue
        oldest = session.scalar(select(func.min(RegistrationAttemptRow.at)).where(*where))
        retry = limits.window_s
        if oldest is not None:
            retry = int((oldest + timedelta(seconds=limits.window_s) - now).total_seconds()) + 1
        session.delete(row)
        session.commit()
        minutes = max(1, (retry + 59) // 60)
        who_en = "from this connection" if what == "address" else "for this phone number"
        who_ja = "この接続から" if what == "address" else "この電話番号で"
        raise ApiError(
            429,
            "too_many_registrations",
            f"Too many applications {who_en}. Please try again in {minutes} minutes "
            "or call the reservation centre.",
            f"{who_ja}のお申し込みが続いたため、受け付けを一時停止しています。{minutes}分ほど"
            "おいてお試しいただくか、予約センターにお電話ください。",
            retry_after_s=max(1, retry),
        )
