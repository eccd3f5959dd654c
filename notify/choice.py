"""Which channels reach a member, at which address, and when (quiet hours).

Defaults follow what the member gave: a mobile number gets SMS, a landline only gets
an automated call, a push subscription gets Web Push instead. A member's own choice
wins, but a channel without an address (no email given, no subscription) is skipped.
"""

from __future__ import annotations

import re
from datetime import datetime, time, timedelta, tzinfo

from notify.domain import CHANNELS, Recipient
from notify.phone import BadPhone, LineKind, parse_phone


def digits(phone: str) -> str:
    """Return the phone number's digits (and a leading +)."""
    plus = "+" if phone.strip().startswith("+") else ""
    return plus + re.sub(r"\D", "", phone)


def is_mobile(phone: str) -> bool:
    """Return True for a Japanese mobile number (it can take an SMS)."""
    try:
        return parse_phone(phone).kind is LineKind.MOBILE
    except BadPhone:
        return False


def default_channels(r: Recipient) -> tuple[str, ...]:
    """Return the channels for a member who chose none: by what they gave.

    A push subscription replaces the phone (the app is installed); otherwise a mobile
    gets SMS and a landline an automated call. An email address given adds email.
    """
    email = ("email",) if r.preferences.email else ()
    if r.push_subscription:
        return ("push", *email)
    if not r.phone.strip():
        return email
    return ("sms" if is_mobile(r.phone) else "voice", *email)


def e164(phone: str, country: str = "81") -> str:
    """Return the number as +<country><number> (a national 0 dropped), as providers want it."""
    d = digits(phone)
    if d.startswith("+"):
        return d
    return f"+{country}{d[1:]}" if d.startswith("0") else f"+{d}"


def address_of(r: Recipient, channel: str, country: str = "81") -> str | None:
    """Return where ``channel`` reaches the member, or None when it cannot."""
    if channel == "push":
        return r.push_subscription
    if channel == "sms":
        return e164(r.phone, country) if is_mobile(r.phone) else None
    if channel == "voice":
        return e164(r.phone, country) if r.phone.strip() else None
    if channel == "email":
        return r.preferences.email or None
    return None


def channels_for(r: Recipient, country: str = "81") -> list[tuple[str, str]]:
    """Return ``(channel, address)`` for each channel that will carry the member's messages.

    When none of the chosen channels has an address (the subscription was withdrawn),
    the defaults are used, so nobody who asked to be told is silently dropped.
    """
    chosen = r.preferences.channels
    wanted = default_channels(r) if chosen is None else chosen
    out = [(c, a) for c in CHANNELS if c in wanted and (a := address_of(r, c, country))]
    if not out and chosen:
        out = [(c, a) for c in default_channels(r) if (a := address_of(r, c, country))]
    return out


def after_quiet_hours(
    when: datetime, start: time | None, end: time | None, zone: tzinfo
) -> datetime:
    """Return ``when`` or, inside the quiet hours [start, end) local time, their end."""
    if start is None or end is None or start == end:
        return when
    local = when.astimezone(zone)
    t = local.time()
    inside = start <= t < end if start < end else (t >= start or t < end)
    if not inside:
        return when
    day = local.date() if t < end else local.date() + timedelta(days=1)
    return datetime.combine(day, end, tzinfo=zone).astimezone(when.tzinfo)
