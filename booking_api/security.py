"""Passwords (argon2), bearer tokens that expire, and the login rate limit.

Tokens are random strings; only their SHA-256 is stored, so a copy of the
database does not hand out sessions. Failed logins are counted per identity and
client address in a sliding window; past the limit the answer is 429.
"""

from __future__ import annotations

import hashlib
import re
import secrets
import unicodedata
from datetime import datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import delete, func, or_, select
from sqlalchemy.orm import Session

from booking_api.db import AccountRow, LoginAttemptRow, MemberRow, SessionRow
from booking_api.errors import ApiError
from booking_api.text import digits

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
    """Return the active account of an unexpired token, else ``None``."""
    row = session.get(SessionRow, token_hash(token))
    if row is None or row.expires_at <= now:
        return None
    account = session.get(AccountRow, row.account_id)
    return account if account is not None and account.active else None


def revoke_token(session: Session, token: str) -> None:
    """Delete the session of ``token`` (logout)."""
    session.execute(delete(SessionRow).where(SessionRow.token_hash == token_hash(token)))


def find_account(session: Session, login: str) -> AccountRow | None:
    """Find the account for a login: staff username, member number, or member phone."""
    text = login.strip()
    account = session.scalar(select(AccountRow).where(AccountRow.username == text))
    if account is not None:
        return account
    phone = digits(text)
    conds = [MemberRow.member_number == text.upper()]
    if len(phone) >= 6:
        conds.append(MemberRow.phone_digits == phone)
    member = session.scalar(select(MemberRow).where(or_(*conds)))
    if member is None:
        return None
    return session.scalar(select(AccountRow).where(AccountRow.member_id == member.id))


def check_rate_limit(
    session: Session, identity: str, ip: str, now: datetime, max_failures: int, window_s: int
) -> None:
    """Raise 429 when ``identity`` from ``ip`` failed ``max_failures`` times in the window."""
    since = now - timedelta(seconds=window_s)
    failures = session.scalar(
        select(func.count())
        .select_from(LoginAttemptRow)
        .where(
            LoginAttemptRow.identity == identity,
            LoginAttemptRow.ip == ip,
            LoginAttemptRow.at > since,
        )
    )
    if (failures or 0) >= max_failures:
        minutes = max(1, window_s // 60)
        raise ApiError(
            429,
            "too_many_attempts",
            f"Too many failed logins. Please wait {minutes} minutes "
            "or ask the operator to reset your password.",
            f"ログインの失敗が続いたため、{minutes}分間ログインできません。時間をおいてお試しいただくか、"
            "オペレーターにパスワードの再設定をご依頼ください。",
            retry_after_s=window_s,
        )


def record_failure(session: Session, identity: str, ip: str, now: datetime) -> None:
    """Count one failed login."""
    session.add(LoginAttemptRow(identity=identity, ip=ip, at=now))


def clear_failures(session: Session, identity: str, ip: str) -> None:
    """Forget failed logins after a success."""
    session.execute(
        delete(LoginAttemptRow).where(
            LoginAttemptRow.identity == identity, LoginAttemptRow.ip == ip
        )
    )
