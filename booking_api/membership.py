"""Members: registration (online or by staff), eligibility, home snapping, approval, search.

Registration checks consent, the city's eligibility rules and that the home
point lies in the service area (snapped on the map), then stores a pending
member and a resident login. Approval issues the human-friendly member number.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, or_, select, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from booking_api.city import CityRules
from booking_api.db import AccountRow, MemberRow, SavedPlaceRow, audit
from booking_api.errors import ApiError
from booking_api.notifications import check_channels, store_choice
from booking_api.pins import require_strong
from booking_api.rules import RuleViolation, check_eligibility, tz
from booking_api.schemas.members import (
    MemberOut,
    RegistrationIn,
    SavedPlaceOut,
)
from booking_api.security import hash_password, phone_digits_of
from booking_api.state import AppState
from booking_api.text import digits, normalise, phone_prefix
from maps import MapsError

SNAPSHOT_FIELDS = (
    "member_number", "status", "rejection_reason", "name", "kana", "birth_date", "phone", "address",
    "home_lat", "home_lon", "home_area", "wheelchair", "walking_aid", "needs_help_boarding",
    "companion_allowed", "emergency_contact_name", "emergency_contact_phone", "category",
    "channel", "notes",
)  # fmt: skip


NUMBER_LOCK = 0x4E4F5249  # advisory lock key for issuing member numbers ("NORI")


def field_refusal(status: int, code: str, field: str, en: str, ja: str) -> ApiError:
    """Return an error about one field of the form, named in ``errors`` as a validation
    error names it, so that the apps show the sentence next to that field.
    """
    errors = [{"field": f"body.{field}", "message_en": en, "message_ja": ja}]
    return ApiError(status, code, en, ja, errors=errors)


def rule_error(exc: RuleViolation) -> ApiError:
    """Return the 422 for a broken service rule."""
    return ApiError(422, exc.code, exc.message_en, exc.message_ja)


def snap_point(city_map: Any, lat: float, lon: float) -> str | None:
    """Snap a point to the roads and return its service area, or answer 422 with the reason."""
    try:
        snap = city_map.snap(lat, lon)
    except MapsError as exc:
        raise ApiError(422, exc.code, exc.message_en, exc.message_ja) from exc
    return None if snap.area is None else str(snap.area)


def get_place(city_map: Any, place_id: str) -> Any:
    """Return a designated place by id, or answer 404."""
    try:
        return city_map.places.get(place_id)
    except (KeyError, AttributeError) as exc:
        raise ApiError(
            404, "not_found", "No such place.", "該当する施設が見つかりません。"
        ) from exc


def member_out(row: MemberRow, *, staff: bool) -> MemberOut:
    """Return the member as shown to staff (with notes) or to the member."""
    data = {name: getattr(row, name) for name in MemberOut.model_fields if hasattr(row, name)}
    data["notes"] = row.notes if staff else None
    return MemberOut(**data)


def snapshot(row: MemberRow) -> dict[str, Any]:
    """Return the member's fields as JSON-able data for the audit log."""
    values = {k: getattr(row, k) for k in SNAPSHOT_FIELDS}
    return {k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in values.items()}


def register(
    db: Session,
    state: AppState,
    data: RegistrationIn,
    *,
    channel: str,
    category: str | None = None,
    notes: str = "",
    actor: str | None = None,
) -> MemberRow:
    """Check and store a new pending member with a resident login; 409 if the phone is known."""
    rules = state.rules
    now = state.now()
    if not (data.consent_terms and data.consent_privacy):
        raise ApiError(
            422,
            "consent_required",
            "Please agree to the terms of use and the privacy policy.",
            "利用規約と個人情報の取り扱いへの同意が必要です。",
        )
    require_strong(data.password, phone=data.phone, birth_date=data.birth_date)
    check_channels(data.notify_channels, data.phone, data.email)
    category = category or rules.fares.default_category
    if category not in rules.fares.categories:
        raise ApiError(
            422,
            "bad_category",
            f"Unknown fare category {category!r}.",
            f"料金区分「{category}」はありません。",
        )
    try:
        check_eligibility(rules, data.birth_date, now.astimezone(tz(rules)).date(), category)
    except RuleViolation as exc:
        raise rule_error(exc) from exc
    if rules.require_residency:
        area = snap_point(state.city_map, data.home_lat, data.home_lon)
    else:
        area = state.city_map.area_of(data.home_lat, data.home_lon) if state.city_map else None
    phone = digits(data.phone)
    if len(phone) < 6:
        raise field_refusal(
            422,
            "bad_phone",
            "phone",
            "The phone number is too short: please include the area code "
            "(e.g. 0299-12-3456 or 090-1234-5678).",
            "電話番号の桁数が足りません。市外局番から入力してください（例：0299-12-3456、090-1234-5678）。",
        )
    if db.scalar(select(MemberRow.id).where(MemberRow.phone_digits == phone)) is not None:
        raise field_refusal(
            409,
            "already_exists",
            "phone",
            "A member with this phone number is already registered; "
            "please call the reservation centre.",
            "この電話番号はすでに登録されています。予約センターにお問い合わせください。",
        )
    row = MemberRow(
        status="pending",
        name=data.name,
        kana=data.kana,
        name_norm=normalise(data.name),
        kana_norm=normalise(data.kana),
        birth_date=data.birth_date,
        phone=data.phone,
        phone_digits=phone,
        address=data.address,
        home_lat=data.home_lat,
        home_lon=data.home_lon,
        home_area=area,
        wheelchair=data.wheelchair,
        walking_aid=data.walking_aid,
        needs_help_boarding=data.needs_help_boarding,
        companion_allowed=data.companion_allowed,
        emergency_contact_name=data.emergency_contact_name,
        emergency_contact_phone=data.emergency_contact_phone,
        consent_at=now,
        category=category,
        channel=channel,
        notes=notes,
        created_at=now,
        rejection_reason="",
    )
    try:
        db.add(row)
        db.flush()  # assigns the id; a racing registration of the same phone fails here
    except IntegrityError as exc:
        db.rollback()
        raise ApiError(
            409, "already_exists", "This member is already registered.", "すでに登録されています。"
        ) from exc
    db.add(
        AccountRow(
            member_id=row.id,
            role="resident",
            password_hash=hash_password(data.password),
            display_name=data.name,
            created_at=now,
        )
    )
    store_choice(db, row.id, data.notify_channels, data.email, actor or "self", now)
    if actor is not None:
        audit(db, actor, "member.register", "member", row.id, None, snapshot(row), now)
    return row


def approve_at_entry(rules: CityRules, role: str, asked: bool | None) -> bool:
    """Return whether a member registered by staff is approved at once, or answer 403.

    The city's rule decides when staff do not say (``approve``: at once, so the
    caller can book in the same call; ``queue``: like an online application).
    Under the queue rule only an admin may approve at entry.
    """
    if asked is None:
        return rules.staff_registration == "approve"
    if asked and rules.staff_registration == "queue" and role != "admin":
        raise ApiError(
            403,
            "approval_queued",
            "In this city a registration taken by an operator waits for approval; "
            "an administrator approves it on the approvals screen.",
            "この市では、オペレーターが受け付けた登録は承認待ちになります。"
            "管理者が登録承認の画面で承認します。",
        )
    return asked


def approve(
    db: Session, state: AppState, row: MemberRow, actor: str, category: str | None
) -> MemberRow:
    """Approve a pending (or rejected) member and issue the next member number."""
    if row.status == "approved":
        raise ApiError(
            409,
            "illegal_transition",
            "This member is already approved.",
            "この会員はすでに承認済みです。",
        )
    if category is not None and category not in state.rules.fares.categories:
        raise ApiError(
            422,
            "bad_category",
            f"Unknown fare category {category!r}.",
            f"料金区分「{category}」はありません。",
        )
    before = snapshot(row)
    prefix = state.rules.member_number_prefix
    if db.get_bind().dialect.name == "postgresql":
        # Serialise number issuing between API processes (SQLite writers are serialised already).
        db.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": NUMBER_LOCK})
    issued = db.scalar(select(func.count()).where(MemberRow.member_number.is_not(None))) or 0
    row.member_number = f"{prefix}{issued + 1:06d}"
    row.status = "approved"
    row.rejection_reason = ""
    row.approved_at = state.now()
    if category:
        row.category = category
    audit(db, actor, "member.approve", "member", row.id, before, snapshot(row), state.now())
    return row


def reject(db: Session, state: AppState, row: MemberRow, actor: str, reason: str) -> MemberRow:
    """Reject a pending member with the reason shown to them."""
    if row.status != "pending":
        raise ApiError(
            409,
            "illegal_transition",
            "Only pending applications can be rejected.",
            "審査中の申請のみ却下できます。",
        )
    before = snapshot(row)
    row.status = "rejected"
    row.rejection_reason = reason
    audit(db, actor, "member.reject", "member", row.id, before, snapshot(row), state.now())
    return row


def search(db: Session, q: str, status: str | None, limit: int) -> list[MemberRow]:
    """Find members by phone fragment, name or kana (normalised), newest first."""
    stmt = select(MemberRow)
    if status:
        stmt = stmt.where(MemberRow.status == status)
    text = normalise(q)
    if text:
        conds = [
            MemberRow.name_norm.contains(text, autoescape=True),
            MemberRow.kana_norm.contains(text, autoescape=True),
        ]
        prefix = phone_prefix(q)  # +81 90 12: numbers that start 09012
        number = phone_digits_of(q) or digits(q)  # a whole number in any form (+81 …)
        if prefix is not None:
            conds.append(MemberRow.phone_digits.startswith(prefix, autoescape=True))
        elif number and len(number) >= 2:
            conds.append(MemberRow.phone_digits.contains(number, autoescape=True))
        conds.append(MemberRow.member_number == q.strip().upper())
        stmt = stmt.where(or_(*conds))
    return list(db.scalars(stmt.order_by(MemberRow.created_at.desc()).limit(limit)))


def saved_place_out(row: SavedPlaceRow) -> SavedPlaceOut:
    """Return a saved place for the API."""
    return SavedPlaceOut(
        id=row.id, label=row.label, lat=row.lat, lon=row.lon, place_id=row.place_id, area=row.area
    )


def add_saved_place(
    db: Session,
    state: AppState,
    member: MemberRow,
    label: str,
    lat: float | None,
    lon: float | None,
    place_id: str | None,
) -> SavedPlaceRow:
    """Save a place for ``member`` after checking it lies in the service area."""
    if place_id is not None:
        place = get_place(state.city_map, place_id)
        lat, lon = float(place.lat), float(place.lon)
    if lat is None or lon is None:
        raise ApiError(
            422,
            "bad_place",
            "Give a point (lat, lon) or a place_id.",
            "地点（緯度・経度）または施設を指定してください。",
        )
    area = snap_point(state.city_map, lat, lon)
    row = SavedPlaceRow(
        member_id=member.id, label=label, lat=lat, lon=lon, place_id=place_id, area=area
    )
    db.add(row)
    return row


def member_for_account(db: Session, member_id: str | None) -> MemberRow:
    """Return the member of a resident account."""
    row = db.get(MemberRow, member_id) if member_id else None
    if row is None:
        raise ApiError(404, "not_found", "No such member.", "該当する会員が見つかりません。")
    return row


def _address_key(address: str) -> str:
    """Return an address folded for comparison (width, dashes and spaces ignored)."""
    return normalise(address).replace("ー", "-").replace("−", "-")


def duplicates(db: Session, row: MemberRow) -> list[tuple[MemberRow, list[str]]]:
    """Return the other members who may be the same person as ``row``, with why.

    Reasons: ``name_birth`` (same name or reading and the same birth date), ``phone``
    (the same phone number) and ``address_name`` (the same address and name or reading),
    compared in their normalised forms, so staff see a second application of one person
    before approving it.
    """
    candidates = db.scalars(
        select(MemberRow).where(
            MemberRow.id != row.id,
            or_(
                MemberRow.phone_digits == row.phone_digits,
                MemberRow.name_norm == row.name_norm,
                MemberRow.kana_norm == row.kana_norm,
            ),
        )
    )
    out: list[tuple[MemberRow, list[str]]] = []
    for other in candidates:
        same_name = other.name_norm == row.name_norm or other.kana_norm == row.kana_norm
        reasons = []
        if same_name and other.birth_date == row.birth_date:
            reasons.append("name_birth")
        if other.phone_digits == row.phone_digits:
            reasons.append("phone")
        if same_name and _address_key(other.address) == _address_key(row.address):
            reasons.append("address_name")
        if reasons:
            out.append((other, reasons))
    return out
