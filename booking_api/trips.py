"""The booking flow: resolve places, apply the service rules, quote, confirm, show.

Everything that reaches the optimizer goes through the ``BookingEngine`` port
(quote / confirm / cancel / get_ride / list_rides). Here we add what the API
owns: who the ride is for, the fare, the service rules, idempotent confirms.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from booking_api import fareops, reports  # record_refusal
from booking_api.db import BookingMetaRow, MemberRow, OfferRow, SavedPlaceRow, SeriesRow
from booking_api.errors import ApiError, not_found
from booking_api.faredb import HoldingRow
from booking_api.membership import get_place, rule_error, snap_point
from booking_api.noshow import check_not_suspended
from booking_api.rules import (
    RuleViolation,
    check_areas,
    check_daily_limit,
    check_party,
    check_service_time,
    local_to_utc,
    tz,
)
from booking_api.schemas.bookings import (
    AlternativeOut,
    BookingOut,
    OfferOut,
    PayWithOut,
    PlaceRef,
    TripIn,
)
from booking_api.state import AppState
from dispatch.domain import (
    Channel,
    LatLon,
    NoCapacity,
    Offer,
    Refusal,
    Ride,
    RideStatus,
    TripRequest,
)
from dispatch.ports import BookingEngine
from dispatch.store.tables import VehicleRow
from fares.choice import PayChoice

INACTIVE = {RideStatus.CANCELLED, RideStatus.NO_SHOW, RideStatus.REJECTED}


@dataclass(frozen=True)
class Resolved:
    """A trip end resolved to a point with its label, area and (for designated places) category."""

    lat: float
    lon: float
    label: str
    area: str | None
    category: str | None = None
    place_id: str | None = None


def resolve_place(db: Session, state: AppState, member: MemberRow, ref: PlaceRef) -> Resolved:
    """Turn a ``PlaceRef`` into a point in the service area, or answer 404/422."""
    city_map = state.city_map
    if ref.home:
        return Resolved(member.home_lat, member.home_lon, ref.label or "自宅", member.home_area)
    if ref.saved_place_id is not None:
        saved = db.get(SavedPlaceRow, ref.saved_place_id)
        if saved is None or saved.member_id != member.id:
            raise not_found("saved place", "登録場所")
        return Resolved(
            saved.lat, saved.lon, ref.label or saved.label, saved.area, place_id=saved.place_id
        )
    if ref.place_id is not None:
        place = get_place(city_map, ref.place_id)
        lat, lon = float(place.lat), float(place.lon)
        area = snap_point(city_map, lat, lon)
        return Resolved(
            lat, lon, ref.label or str(place.name), area, str(place.category), ref.place_id
        )
    assert ref.lat is not None and ref.lon is not None  # guaranteed by PlaceRef's validator
    area = snap_point(city_map, ref.lat, ref.lon)
    return Resolved(ref.lat, ref.lon, ref.label or f"{ref.lat:.5f}, {ref.lon:.5f}", area)


def active_rides(engine: BookingEngine, member_id: str, day: date) -> list[Ride]:
    """Return the member's rides of ``day`` that still count (not cancelled or no-show)."""
    return [
        r
        for r in engine.list_rides(member_id=member_id, service_date=day)
        if r.status not in INACTIVE
    ]


def service_date(state: AppState, ride: Ride) -> date:
    """Return a ride's service day: the local date of its asked time, as the engine files it."""
    when = ride.request.depart_at or ride.request.arrive_by or ride.pickup_window_start
    return local_date(state, when)


def check_can_book(member: MemberRow) -> None:
    """Refuse (403) a member who is not approved, at the quote and again at the confirm."""
    if member.status != "approved":
        raise ApiError(
            403,
            "member_not_approved",
            "This member is not approved yet.",
            "この会員はまだ承認されていません。",
        )


def build_request(
    db: Session,
    state: AppState,
    engine: BookingEngine,
    member: MemberRow,
    trip: TripIn,
    day: date,
    hhmm: str,
    *,
    channel: Channel,
    swap: bool = False,
    ignore_ride: str | None = None,
    extra_rides: int = 0,
    horizon: bool = True,
) -> TripRequest:
    """Apply the service rules and return the engine's request (``swap`` for the return trip)."""
    rules = state.rules
    check_can_book(member)
    # one read of the member's rides for both the no-show standing and the day's limit
    mine = engine.list_rides(member_id=member.id)
    check_not_suspended(engine, rules, member, state.now(), mine)
    origin = resolve_place(db, state, member, trip.from_)
    dest = resolve_place(db, state, member, trip.to)
    if swap:
        origin, dest = dest, origin
    when = local_to_utc(rules, day, hhmm)
    try:
        check_party(rules, trip.party_size)
        check_service_time(rules, when, state.now(), horizon=horizon)
        check_areas(
            rules,
            origin.area,
            dest.area,
            to_category=dest.category,
            to_place_id=dest.place_id,
            from_category=origin.category,
            from_place_id=origin.place_id,
        )
        rides = [
            r
            for r in mine
            if r.status not in INACTIVE
            and r.ride_id != ignore_ride
            and service_date(state, r) == day
        ]
        check_daily_limit(rules, len(rides) + extra_rides)
    except RuleViolation as exc:
        reports.record_refusal(
            db,
            member_id=member.id,
            channel=str(channel),
            when=when,
            area=origin.area,
            code=exc.code,
            at=state.now(),
            zone=tz(rules),
        )
        raise rule_error(exc) from exc
    if abs(origin.lat - dest.lat) < 1e-6 and abs(origin.lon - dest.lon) < 1e-6:
        raise ApiError(
            422,
            "same_place",
            "The pickup and drop-off are the same place.",
            "乗車地と降車地が同じです。",
        )
    wheelchair = trip.wheelchair or member.wheelchair
    return TripRequest(
        member_id=member.id,
        pickup=LatLon(origin.lat, origin.lon),
        dropoff=LatLon(dest.lat, dest.lon),
        depart_at=when if trip.time_mode == "depart_at" else None,
        arrive_by=when if trip.time_mode == "arrive_by" else None,
        party_size=trip.party_size,
        wheelchairs=1 if wheelchair else 0,
        needs_extra_time=member.walking_aid or member.needs_help_boarding,
        pickup_label=origin.label,
        dropoff_label=dest.label,
        channel=channel,
        notes=trip.notes,
        rider_name=member.name,
        rider_phone=member.phone,
    )


def alternatives(items: Any) -> list[dict[str, Any]]:
    """Return alternatives as JSON-able dicts."""
    return [
        AlternativeOut(
            pickup_window_start=a.pickup_window_start,
            pickup_window_end=a.pickup_window_end,
            estimated_dropoff=a.estimated_dropoff,
        ).model_dump(mode="json")
        for a in items
    ]


def refusal_error(refusal: Refusal | NoCapacity) -> ApiError:
    """Return the 409 for a request no vehicle can take, with the nearest times that work."""
    code = refusal.code if isinstance(refusal, Refusal) else NoCapacity.code
    return ApiError(
        409,
        code,
        refusal.message_en,
        refusal.message_ja,
        alternatives=alternatives(refusal.alternatives),
    )


def quote(
    db: Session,
    state: AppState,
    engine: BookingEngine,
    member: MemberRow,
    request: TripRequest,
    *,
    series_id: str | None = None,
    replaces: str | None = None,
) -> OfferOut:
    """Ask the engine for an offer, remember whose it is, and return it (409 on refusal)."""
    release(db)
    answer = engine.quote(request)
    if isinstance(answer, Refusal):
        when = request.depart_at or request.arrive_by
        if when is not None:  # record_refusal: the city's reports count refusals by reason
            area = reports.pickup_area(state.city_map, request.pickup.lat, request.pickup.lon)
            reports.record_refusal(
                db,
                member_id=member.id,
                channel=str(request.channel),
                when=when,
                area=area,
                code=answer.code,
                at=state.now(),
                zone=tz(state.rules),
            )
        raise refusal_error(answer)
    when = request.depart_at or request.arrive_by
    assert when is not None
    # the fare of the ride's day (rule versions) and areas (area-pair fares)
    fare = fareops.offer_fare(state, member.category, request, when.astimezone(tz(state.rules)))
    db.add(
        OfferRow(
            offer_id=answer.offer_id,
            member_id=member.id,
            fare_yen=fare.total_yen,
            expires_at=answer.expires_at,
            service_date=when.astimezone(tz(state.rules)).date(),
            series_id=series_id,
            replaces_ride_id=replaces,
            fare_category=member.category,
            fare_rules=fare.version,
            party_size=request.party_size,
        )
    )
    return offer_out(answer, fare.total_yen)


def release(db: Session) -> None:
    """End the request's transaction before the engine writes.

    On SQLite a write request holds the database's write lock from its first
    statement (``BEGIN IMMEDIATE``); the engine takes that lock itself, so we
    must let go first or it would wait on us.
    """
    db.commit()


def offer_out(offer: Offer, fare: int) -> OfferOut:
    """Return an engine offer as the API shows it."""
    return OfferOut(
        offer_id=offer.offer_id,
        pickup_window_start=offer.pickup_window_start,
        pickup_window_end=offer.pickup_window_end,
        estimated_pickup=offer.estimated_pickup,
        estimated_dropoff=offer.estimated_dropoff,
        latest_dropoff=offer.latest_dropoff,
        expires_at=offer.expires_at,
        fare_yen=fare,
        from_label=offer.request.pickup_label,
        to_label=offer.request.dropoff_label,
    )


def offer_row(db: Session, offer_id: str) -> OfferRow | None:
    """Return our record of an offer: the one ``db`` is adding (no round trip), else the
    stored one.
    """
    for obj in db.new:
        if isinstance(obj, OfferRow) and obj.offer_id == offer_id:
            return obj
    return db.get(OfferRow, offer_id)


def own_offer(db: Session, offer_id: str, member_id: str | None) -> OfferRow:
    """Return our record of an offer; another member's offer is answered 404."""
    row = db.get(OfferRow, offer_id)
    if row is None:
        raise ApiError(
            409,
            "offer_expired",
            "This offer is no longer available; please ask for a new quote.",
            "このご提案は有効期限が切れました。もう一度お調べください。",
        )
    if member_id is not None and row.member_id != member_id:
        raise not_found("offer", "ご提案")
    return row


def record_booking(
    db: Session,
    state: AppState,
    offer: OfferRow,
    ride: Ride,
    booked_by: str,
    choice: PayChoice | None = None,
) -> None:
    """Store the API's side of a booked ride, once even when retries race (savepoint).

    The booking keeps the fare, the fare category and the fare rules' version
    it was priced with (the offer's; an offer made without a category takes the
    member's category now), so a later change of the member's category or of
    the city's rules changes none of them for this ride. ``choice`` is how the
    member chose to pay (checked by ``fareops.checked_choice``).
    """
    if db.get(BookingMetaRow, ride.ride_id) is not None:
        return
    category = offer.fare_category
    if category is None:
        member = db.get(MemberRow, offer.member_id)
        category = member.category if member else None
    try:
        with db.begin_nested():
            db.add(
                BookingMetaRow(
                    ride_id=ride.ride_id,
                    member_id=offer.member_id,
                    fare_yen=offer.fare_yen,
                    carers=offer.carers or 0,
                    fare_category=category,
                    fare_rules=offer.fare_rules,
                    pay_method=choice.method.value if choice else None,
                    pay_holding_id=choice.holding_id if choice else None,
                    booked_by=booked_by,
                    series_id=offer.series_id,
                    service_date=offer.service_date,
                    created_at=state.now(),
                )
            )
    except IntegrityError:
        pass  # a concurrent retry of the same confirmation recorded it first


def booking_out(db: Session, ride: Ride, *, detail: bool = False) -> BookingOut:
    """Return a ride with the API's data (member, fare, series)."""
    meta = db.get(BookingMetaRow, ride.ride_id)
    member = db.get(MemberRow, ride.request.member_id)
    req = ride.request
    return BookingOut(
        id=ride.ride_id,
        member_id=req.member_id,
        member_name=member.name if member else req.rider_name,
        status=str(ride.status),
        from_label=req.pickup_label,
        to_label=req.dropoff_label,
        from_lat=req.pickup.lat,
        from_lon=req.pickup.lon,
        to_lat=req.dropoff.lat,
        to_lon=req.dropoff.lon,
        pickup_window_start=ride.pickup_window_start,
        pickup_window_end=ride.pickup_window_end,
        latest_dropoff=ride.latest_dropoff,
        estimated_pickup=ride.estimated_pickup,
        estimated_dropoff=ride.estimated_dropoff,
        vehicle_id=ride.vehicle_id,
        party_size=req.party_size,
        carers=meta.carers if meta else 0,
        wheelchair=req.wheelchairs > 0,
        fare_yen=meta.fare_yen if meta else 0,
        fare_rules=meta.fare_rules if meta else None,
        pay_with=_pay_with(db, meta),
        channel=str(req.channel),
        created_at=ride.created_at,
        cancelled_at=ride.cancelled_at,
        late_cancellation=ride.late_cancellation,
        series_id=meta.series_id if meta else None,
        rider_phone=req.rider_phone if detail else None,
        notes=req.notes if detail else None,
        **_car(db, ride.vehicle_id),
    )


def _pay_with(db: Session, meta: BookingMetaRow | None) -> PayWithOut | None:
    """Return how the member chose to pay when she booked (with the ticket's product)."""
    if meta is None or not meta.pay_method:
        return None
    held = db.get(HoldingRow, meta.pay_holding_id) if meta.pay_holding_id else None
    return PayWithOut(
        method=meta.pay_method,
        holding_id=meta.pay_holding_id,
        product_id=held.product_id if held else None,
    )


def _car(db: Session, vehicle_id: str | None) -> dict[str, Any]:
    """Return the booked car's name, plate and colour, so the rider knows which car to board."""
    car = db.get(VehicleRow, vehicle_id) if vehicle_id else None
    if car is None:
        return {}
    return {"vehicle_name": car.name, "vehicle_plate": car.plate, "vehicle_colour": car.colour}


def local_date(state: AppState, when: datetime) -> date:
    """Return the local service date of an instant."""
    return when.astimezone(tz(state.rules)).date()


def find_member(db: Session, member_id: str) -> MemberRow:
    """Return a member or 404."""
    row = db.get(MemberRow, member_id)
    if row is None:
        raise not_found("member", "会員")
    return row


def series_rows(db: Session, member_id: str | None) -> list[SeriesRow]:
    """Return the series of a member (or all for staff), newest first."""
    stmt = select(SeriesRow).order_by(SeriesRow.created_at.desc())
    if member_id is not None:
        stmt = stmt.where(SeriesRow.member_id == member_id)
    return list(db.scalars(stmt))
