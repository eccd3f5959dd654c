"""Staff work on members: search, register by phone/counter, edit, approve, reject, reset PIN."""

from __future__ import annotations

import secrets
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Response
from sqlalchemy import select

from booking_api import membership, noshow, trips
from booking_api.db import AccountRow, MemberRow, SavedPlaceRow, audit
from booking_api.deps import CityMap, Db, Engine, Staff, State
from booking_api.errors import ApiError, not_found
from booking_api.pins import require_strong
from booking_api.schemas.bookings import BookingOut
from booking_api.schemas.members import (
    ApproveIn,
    LiftIn,
    MemberOut,
    MemberPatch,
    NoShowOut,
    PasswordIn,
    RejectIn,
    SavedPlaceIn,
    SavedPlaceOut,
    StaffRegistrationIn,
)
from booking_api.security import clear_failures, failure_key, hash_password, revoke_sessions
from booking_api.text import digits, normalise

router = APIRouter(prefix="/members", tags=["members"])


class MemberDetailOut(MemberOut):
    """A member with saved places and recent bookings (the operator's member card)."""

    saved_places: list[SavedPlaceOut]
    recent_bookings: list[BookingOut]


@router.get("")
def search_members(
    staff: Staff,
    db: Db,
    q: Annotated[str, Query(max_length=100)] = "",
    status: Literal["pending", "approved", "rejected"] | None = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> list[MemberOut]:
    """Search by phone fragment, name or kana (width, kana type and spaces ignored)."""
    return [membership.member_out(r, staff=True) for r in membership.search(db, q, status, limit)]


@router.post("", status_code=201, responses={403: {}, 409: {}, 422: {}})
def register_by_staff(
    body: StaffRegistrationIn, staff: Staff, db: Db, state: State, city_map: CityMap
) -> MemberOut:
    """Register a member who applied by phone or at the counter.

    Whether they are approved at once follows the city's rule
    (``registration.staff_registration``) unless ``approve`` says otherwise;
    under the queue rule only an admin may approve at entry. Audited.
    """
    del city_map
    approve = membership.approve_at_entry(state.rules, staff.role, body.approve)
    if not body.password:
        body = body.model_copy(update={"password": secrets.token_urlsafe(18)})
    row = membership.register(
        db,
        state,
        body,
        channel=body.channel,
        category=body.category,
        notes=body.notes,
        actor=staff.id,
    )
    if approve:
        membership.approve(db, state, row, staff.id, None)
    db.commit()
    return membership.member_out(row, staff=True)


def _member(db: Db, member_id: str) -> MemberRow:
    return trips.find_member(db, member_id)


@router.get("/{member_id}", responses={404: {}})
def get_member(member_id: str, staff: Staff, db: Db, state: State) -> MemberDetailOut:
    """Return the member card: data, saved places and recent bookings."""
    row = _member(db, member_id)
    places = [
        membership.saved_place_out(p)
        for p in db.scalars(select(SavedPlaceRow).where(SavedPlaceRow.member_id == row.id))
    ]
    recent: list[BookingOut] = []
    if state.engine is not None:
        rides = sorted(
            state.engine.list_rides(member_id=row.id),
            key=lambda r: r.pickup_window_start,
            reverse=True,
        )
        recent = [trips.booking_out(db, r) for r in rides[:10]]
    base = membership.member_out(row, staff=True)
    if state.engine is not None and state.rules.no_show.enabled:
        st = noshow.standing(state.engine, state.rules, row, state.now())
        base.no_shows = noshow.standing_out(state.rules, st)
    return MemberDetailOut(**dict(base), saved_places=places, recent_bookings=recent)


@router.post("/{member_id}/no-shows/lift", responses={404: {}, 409: {}, 503: {}})
def lift_no_shows(
    member_id: str, body: LiftIn, staff: Staff, db: Db, state: State, engine: Engine
) -> NoShowOut:
    """Lift a member's no-show warning or suspension: earlier no-shows stop counting (audited)."""
    row = _member(db, member_id)
    st = noshow.lift(db, engine, state.rules, row, staff.id, body.reason, state.now())
    db.commit()
    return noshow.standing_out(state.rules, st)


@router.post("/{member_id}/no-shows/{ride_id}/void", responses={404: {}, 409: {}, 503: {}})
def void_no_show(
    member_id: str, ride_id: str, body: LiftIn, staff: Staff, db: Db, state: State, engine: Engine
) -> NoShowOut:
    """Void one wrong no-show (e.g. a driver's mis-tap): it stops counting, and a suspension
    it caused ends (audited with the reason)."""
    row = _member(db, member_id)
    st = noshow.void(db, engine, state.rules, row, ride_id, staff.id, body.reason, state.now())
    db.commit()
    return noshow.standing_out(state.rules, st)


@router.patch("/{member_id}", responses={404: {}, 409: {}, 422: {}})
def edit_member(member_id: str, body: MemberPatch, staff: Staff, db: Db, state: State) -> MemberOut:
    """Change a member's data (recorded in the audit log)."""
    row = _member(db, member_id)
    before = membership.snapshot(row)
    changes: dict[str, Any] = body.model_dump(exclude_unset=True, exclude_none=True)
    if "category" in changes and changes["category"] not in state.rules.fares.categories:
        raise ApiError(
            422, "bad_category", "Unknown fare category.", "料金区分が正しくありません。"
        )
    if "phone" in changes:
        phone = digits(changes["phone"])
        other = db.scalar(
            select(MemberRow.id).where(MemberRow.phone_digits == phone, MemberRow.id != row.id)
        )
        if other is not None:
            raise ApiError(
                409,
                "already_exists",
                "Another member has this phone number.",
                "この電話番号は別の会員が登録しています。",
            )
        row.phone_digits = phone
    if "home_lat" in changes or "home_lon" in changes:
        lat, lon = changes.get("home_lat", row.home_lat), changes.get("home_lon", row.home_lon)
        row.home_area = (
            membership.snap_point(state.city_map, lat, lon)
            if state.city_map is not None
            else row.home_area
        )
    for key, value in changes.items():
        setattr(row, key, value)
    row.name_norm, row.kana_norm = normalise(row.name), normalise(row.kana)
    audit(
        db, staff.id, "member.edit", "member", row.id, before, membership.snapshot(row), state.now()
    )
    db.commit()
    return membership.member_out(row, staff=True)


@router.post("/{member_id}/approve", responses={404: {}, 409: {}})
def approve_member(
    member_id: str, body: ApproveIn, staff: Staff, db: Db, state: State
) -> MemberOut:
    """Approve an application and issue the member number."""
    row = membership.approve(db, state, _member(db, member_id), staff.id, body.category)
    db.commit()
    return membership.member_out(row, staff=True)


@router.post("/{member_id}/reject", responses={404: {}, 409: {}})
def reject_member(member_id: str, body: RejectIn, staff: Staff, db: Db, state: State) -> MemberOut:
    """Reject an application with the reason shown to the applicant."""
    row = membership.reject(db, state, _member(db, member_id), staff.id, body.reason)
    db.commit()
    return membership.member_out(row, staff=True)


@router.post("/{member_id}/password", status_code=204, responses={404: {}})
def reset_password(
    member_id: str, body: PasswordIn, staff: Staff, db: Db, state: State
) -> Response:
    """Set a new password/PIN for a member (e.g. when they forgot it); ends the member's
    sessions and lifts a login lock; audited.
    """
    row = _member(db, member_id)
    account = db.scalar(select(AccountRow).where(AccountRow.member_id == row.id))
    if account is None:
        raise not_found("account", "アカウント")
    require_strong(body.password, phone=row.phone, birth_date=row.birth_date)
    account.password_hash = hash_password(body.password)
    # Whoever holds the old PIN (or a device logged in with it) is signed out; the lock
    # of failed logins is lifted so the member can log in at once.
    revoke_sessions(db, account.id)
    clear_failures(db, failure_key(account, ""))
    audit(db, staff.id, "member.password_reset", "member", row.id, None, None, state.now())
    db.commit()
    return Response(status_code=204)


@router.get("/{member_id}/places", responses={404: {}})
def member_places(member_id: str, staff: Staff, db: Db) -> list[SavedPlaceOut]:
    """Return a member's saved places."""
    row = _member(db, member_id)
    return [
        membership.saved_place_out(p)
        for p in db.scalars(select(SavedPlaceRow).where(SavedPlaceRow.member_id == row.id))
    ]


@router.post("/{member_id}/places", status_code=201, responses={404: {}, 422: {}})
def add_member_place(
    member_id: str, body: SavedPlaceIn, staff: Staff, db: Db, state: State, city_map: CityMap
) -> SavedPlaceOut:
    """Save a place for a member."""
    del city_map
    row = membership.add_saved_place(
        db, state, _member(db, member_id), body.label, body.lat, body.lon, body.place_id
    )
    audit(
        db,
        staff.id,
        "member.place_add",
        "member",
        member_id,
        None,
        {"label": body.label},
        state.now(),
    )
    db.commit()
    return membership.saved_place_out(row)
