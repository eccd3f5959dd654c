"""Online registration (public) and the resident's own data and saved places."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request, Response
from sqlalchemy import select

from booking_api import membership, noshow
from booking_api.clientaddr import client_address
from booking_api.db import MemberRow, SavedPlaceRow
from booking_api.deps import CityMap, Db, Resident, Staff, State
from booking_api.errors import not_found
from booking_api.pins import require_strong
from booking_api.schemas.members import (
    ApplicationOut,
    DuplicateOut,
    MemberOut,
    RegistrationIn,
    RegistrationOut,
    SavedPlaceIn,
    SavedPlaceOut,
)
from booking_api.security import RegistrationLimits, admit_registration, phone_digits_of
from booking_api.text import digits

router = APIRouter(tags=["members"])


@router.post("/registrations", status_code=201, responses={409: {}, 422: {}, 429: {}, 503: {}})
def register_online(
    body: RegistrationIn, request: Request, db: Db, state: State, city_map: CityMap
) -> RegistrationOut:
    """Apply for membership online; staff review the application. Limited per client
    address and per phone number (429 with ``Retry-After``).
    """
    del city_map  # the dependency only guarantees the map is loaded before snapping
    settings = state.settings
    limits = RegistrationLimits(
        per_address=settings.registration_max_per_address,
        per_phone=settings.registration_max_per_phone,
        window_s=settings.registration_window_s,
    )
    # A refused PIN is explained before the attempt counts: retyping it costs no try.
    require_strong(body.password, phone=body.phone, birth_date=body.birth_date)
    phone = phone_digits_of(body.phone) or digits(body.phone)
    ip = client_address(request, settings.trusted_proxies)
    admit_registration(db, ip, phone, state.now(), limits)
    row = membership.register(db, state, body, channel="online")
    db.commit()
    return RegistrationOut(
        member=membership.member_out(row, staff=False),
        message_en="Thank you. City staff will review your application; "
        "you can log in once it is approved.",
        message_ja="お申し込みありがとうございます。市の担当者が確認し、承認後にログインできるようになります。",
    )


@router.get("/registrations/pending")
def pending_applications(
    staff: Staff, db: Db, limit: Annotated[int, Query(ge=1, le=200)] = 100
) -> list[ApplicationOut]:
    """List the applications waiting for approval, oldest first, each with the members
    it may duplicate (same name and birth date, same phone, or same address and name).
    """
    del staff
    rows = db.scalars(
        select(MemberRow)
        .where(MemberRow.status == "pending")
        .order_by(MemberRow.created_at)
        .limit(limit)
    )
    return [
        ApplicationOut(
            member=membership.member_out(row, staff=True),
            duplicates=[
                DuplicateOut(
                    id=other.id,
                    member_number=other.member_number,
                    status=other.status,
                    name=other.name,
                    kana=other.kana,
                    birth_date=other.birth_date,
                    phone=other.phone,
                    address=other.address,
                    reasons=reasons,  # type: ignore[arg-type]
                )
                for other, reasons in membership.duplicates(db, row)
            ],
        )
        for row in rows
    ]


@router.get("/me")
def my_member(account: Resident, db: Db, state: State) -> MemberOut:
    """Return the logged-in resident's membership, with their no-show standing (a warning
    or suspension notice when there is one).
    """
    row = membership.member_for_account(db, account.member_id)
    out = membership.member_out(row, staff=False)
    if state.engine is not None and state.rules.no_show.enabled:
        st = noshow.standing(state.engine, state.rules, row, state.now())
        out.no_shows = noshow.standing_out(state.rules, st)
    return out


@router.get("/me/places")
def my_places(account: Resident, db: Db) -> list[SavedPlaceOut]:
    """Return the resident's saved places."""
    rows = db.scalars(select(SavedPlaceRow).where(SavedPlaceRow.member_id == account.member_id))
    return [membership.saved_place_out(r) for r in rows]


@router.post("/me/places", status_code=201, responses={404: {}, 422: {}})
def add_my_place(
    body: SavedPlaceIn, account: Resident, db: Db, state: State, city_map: CityMap
) -> SavedPlaceOut:
    """Save a place for one-tap booking."""
    del city_map
    member = membership.member_for_account(db, account.member_id)
    row = membership.add_saved_place(
        db, state, member, body.label, body.lat, body.lon, body.place_id
    )
    db.commit()
    return membership.saved_place_out(row)


@router.delete("/me/places/{place_id}", status_code=204, responses={404: {}})
def delete_my_place(place_id: str, account: Resident, db: Db) -> Response:
    """Delete one of the resident's saved places."""
    row = db.get(SavedPlaceRow, place_id)
    if row is None or row.member_id != account.member_id:
        raise not_found("saved place", "登録場所")
    db.delete(row)
    db.commit()
    return Response(status_code=204)
