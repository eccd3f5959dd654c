"""``DispatchEngine``: the live engine behind the ``BookingEngine`` port.

Quotes insert the request into the persisted plan (``optimizer.quote``, the
cheapest feasible insertion that keeps every promise); the offer is held for
``offer_hold_s``. ``confirm`` re-checks the offer against the plan as it is
now, inside the day's writer lock, so two confirmations of the last place
give one ride and one ``NoCapacity`` with alternatives. Fleet operations
(vehicles, shifts, taps, positions, delays, breakdowns, the background loop)
come from ``dispatch.fleet``; the operators' manual move from ``dispatch.moves``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from dispatch.adapter import DayData, ProblemBuilder, epoch, node_key
from dispatch.alternatives import usable_alternatives
from dispatch.domain import (
    Alternative,
    IllegalTransition,
    LimitReached,
    NoCapacity,
    Offer,
    OfferExpired,
    OfferTaken,
    Refusal,
    Ride,
    RideStatus,
    TripRequest,
    UnknownRide,
)
from dispatch.moves import MoveOps
from dispatch.store.repo import (
    append_event,
    change_session,
    fill_request,
    read_session,
    request_from_json,
    request_to_json,
    ride_of,
    without_waiting_for_disk,
    write_session,
)
from dispatch.store.tables import OfferRow, RideRow
from optimizer import Quote, QuoteRefusal
from optimizer.model import Plan, Problem, Request

_NO_CAPACITY_EN = "No vehicle can take this ride at that time."
_NO_CAPACITY_JA = "ご希望の時間帯に空いている車両がありません。"


class _Refused(Exception):
    """Raised inside a transaction to roll it back when the promise no longer fits."""


# Rides that no longer count towards a member's rides of the day.
_INACTIVE = (RideStatus.CANCELLED, RideStatus.NO_SHOW, RideStatus.REJECTED)


def _booked_by(row: RideRow | None, ride_id: str, key: str | None) -> Ride:
    """Return the ride an offer became when ``key`` booked it; else raise ``OfferTaken``."""
    if row is not None and key and row.idempotency_key == key:
        return ride_of(row)
    raise OfferTaken(
        "This offer has already been booked; see your bookings.",
        "このご提案はすでに予約されています。予約の確認をご覧ください。",
        ride_id,
    )


@dataclass(frozen=True)
class _Terms:
    """What a confirmation must still meet when it books (see ``DispatchEngine.confirm``)."""

    key: str | None
    max_rides_per_day: int | None
    replaces: RideRow | None
    by: str


def _dt(t_s: int) -> datetime:
    return datetime.fromtimestamp(t_s, tz=UTC)


class DispatchEngine(MoveOps):
    """The dispatch engine (see the module docstring); implements ``BookingEngine``."""

    # -- quotes ----------------------------------------------------------------
    def _invalid(self, req: TripRequest) -> Refusal | None:
        if (req.depart_at is None) == (req.arrive_by is None):
            return Refusal(
                "invalid_time",
                "Give either a departure time or an arrival time.",
                "出発時刻か到着時刻のどちらか一方を指定してください。",
            )
        t = req.depart_at or req.arrive_by
        if t is None or t.tzinfo is None:
            msg = "TripRequest times must be timezone-aware"
            raise ValueError(msg)
        if req.party_size < 0 or req.wheelchairs < 0 or req.party_size + req.wheelchairs < 1:
            return Refusal(
                "invalid_party", "A party needs at least one person.", "1名以上で予約してください。"
            )
        if t < self.now():
            return Refusal(
                "time_in_past", "That time has already passed.", "指定の時刻はすでに過ぎています。"
            )
        return None

    def _prepare(
        self, s: Session, req: TripRequest, rid: str, data: DayData | None = None
    ) -> tuple[Problem, Plan, Request, ProblemBuilder]:
        """Return the day's problem and plan with ``req`` added as request ``rid``.

        ``data`` is the day as ``load_day`` read it (``cached_day`` when not given).
        """
        t = req.depart_at or req.arrive_by
        assert t is not None
        day = self.local_date(t)
        ps = self.snap(req.pickup.lat, req.pickup.lon)
        ds = self.snap(req.dropoff.lat, req.dropoff.lon)
        areas = {a for a in (ps.area, ds.area) if a}
        b = self.builder(day) if data is None else self.builder()
        new = b.new_request(rid, req, ps.node, ds.node, areas)
        if data is None:
            data = self.cached_day(s, day)
        problem, plan = b.build(data, [new], live=self.is_live(day))
        return problem, plan, new, b

    def _refusal(self, res: QuoteRefusal, request: TripRequest) -> Refusal:
        found = (
            Alternative(
                _dt(a.pickup_window.earliest_s),
                _dt(a.pickup_window.latest_s),
                _dt(a.estimated_dropoff_s),
            )
            for a in res.alternatives
        )
        alts = usable_alternatives(found, request, _dt(self.now_s()))
        return Refusal("no_capacity", _NO_CAPACITY_EN, _NO_CAPACITY_JA, alts)

    def now_s(self) -> int:
        """Return the current time in epoch seconds."""
        return epoch(self.now())

    def quote(self, request: TripRequest) -> Offer | Refusal:
        """Return an offer with a promised pickup window, or a refusal with alternatives."""
        bad = self._invalid(request)
        if bad is not None:
            return bad
        offer_id = self.new_id("O")
        try:
            with read_session(self.db) as s:
                problem, plan, new, b = self._prepare(s, request, offer_id)
        except Exception as exc:
            if hasattr(exc, "code") and hasattr(exc, "message_en"):
                return Refusal(exc.code, exc.message_en, getattr(exc, "message_ja", ""))
            raise
        res = self.quote_on(b, problem, plan, new)
        if isinstance(res, QuoteRefusal):
            return self._refusal(res, request)
        p = res.promise
        now = self.now()
        t = request.depart_at or request.arrive_by
        assert t is not None
        row = OfferRow(
            id=offer_id,
            request=request_to_json(request),
            service_date=self.local_date(t),
            vehicle_id=res.vehicle_id,
            pickup_window_start=_dt(p.pickup_window.earliest_s),
            pickup_window_end=_dt(p.pickup_window.latest_s),
            estimated_pickup=_dt(res.estimated_pickup_s),
            estimated_dropoff=_dt(res.estimated_dropoff_s),
            latest_dropoff=_dt(p.latest_dropoff_s),
            expires_at=now + timedelta(seconds=self.config.offer_hold_s),
            created_at=now,
        )
        with change_session(self.db) as s:
            without_waiting_for_disk(s)  # an offer lost in a crash is refused at confirm
            s.add(row)
        return self._offer_of(row, request)

    def _offer_of(self, row: OfferRow, req: TripRequest) -> Offer:
        return Offer(
            offer_id=row.id,
            request=req,
            pickup_window_start=row.pickup_window_start,
            pickup_window_end=row.pickup_window_end,
            estimated_pickup=row.estimated_pickup,
            estimated_dropoff=row.estimated_dropoff,
            latest_dropoff=row.latest_dropoff,
            expires_at=row.expires_at,
            vehicle_id=row.vehicle_id,
        )

    # -- confirm -------------------------------------------------------------
    def _ride_by_key(self, key: str) -> Ride | None:
        with read_session(self.db) as s:
            row = s.scalars(select(RideRow).where(RideRow.idempotency_key == key)).first()
            return ride_of(row) if row else None

    def confirm(
        self,
        offer_id: str,
        *,
        idempotency_key: str | None = None,
        max_rides_per_day: int | None = None,
        replaces: str | None = None,
        by: str = "",
    ) -> Ride:
        """Book the offered ride if its promise still fits the current plan, or raise.

        Everything that must hold when the ride is booked is checked inside the
        transaction that books it, under the day's writer lock: the offer is not
        taken (``OfferTaken`` unless the same ``idempotency_key`` booked it, which
        returns that ride), the member has fewer than ``max_rides_per_day`` live
        rides that day (``LimitReached``), and the ride it ``replaces`` (a change
        of booking) can still be changed (``IllegalTransition``); that ride is
        cancelled in the same transaction, so racing changes give one new ride.
        """
        if idempotency_key:
            done = self._ride_by_key(idempotency_key)
            if done is not None:
                return done
        with read_session(self.db) as s:
            offer = s.get(OfferRow, offer_id)
            old = s.get(RideRow, replaces) if replaces else None
        if offer is None:
            raise OfferExpired("This offer is unknown.", "この提案は見つかりません。")
        if offer.ride_id:
            return self._taken(offer.ride_id, idempotency_key)
        if offer.expires_at < self.now():
            raise OfferExpired(
                "This offer has expired; please ask again.",
                "提案の有効期限が切れました。もう一度検索してください。",
            )
        if replaces and old is None:
            raise UnknownRide(f"No ride {replaces}.", f"予約 {replaces} は見つかりません。")
        terms = _Terms(idempotency_key, max_rides_per_day, old, by)
        try:
            ride = self._book(offer, terms)
        except _Refused:
            self.discard_pending()
            req = request_from_json(offer.request)
            with read_session(self.db) as s:
                problem, plan, new, b = self._prepare(s, req, "alt")
            res = self.quote_on(b, problem, plan, new)
            alts = self._refusal(res, req).alternatives if isinstance(res, QuoteRefusal) else ()
            raise NoCapacity(
                "The offered time was just taken; please choose another time.",
                "ご提案した時間は他の予約で埋まりました。別の時間をお選びください。",
                alts,
            ) from None
        except IntegrityError:
            self.discard_pending()
            done = self._ride_by_key(idempotency_key) if idempotency_key else None
            if done is None:
                raise
            return done
        return ride

    def _taken(self, ride_id: str, key: str | None) -> Ride:
        """Return the ride an offer became if ``key`` booked it, else raise ``OfferTaken``."""
        with read_session(self.db) as s:
            return _booked_by(s.get(RideRow, ride_id), ride_id, key)

    def _book(self, offer: OfferRow, terms: _Terms) -> Ride:
        day = offer.service_date
        req = request_from_json(offer.request)
        old = terms.replaces
        days = (day, old.service_date) if old is not None else (day,)
        with self.publishing(), write_session(self.db, *days) as s:
            fresh = s.get(OfferRow, offer.id)
            if fresh is not None and fresh.ride_id:
                return _booked_by(s.get(RideRow, fresh.ride_id), fresh.ride_id, terms.key)
            replaced = self._replaceable(s, old)
            if terms.max_rides_per_day is not None:
                self._check_daily_limit(s, req.member_id, day, terms.max_rides_per_day, old)
            ps = self.snap(req.pickup.lat, req.pickup.lon)
            ds = self.snap(req.dropoff.lat, req.dropoff.lon)
            row = RideRow(
                id=self.new_id("R"),
                status=RideStatus.BOOKED.value,
                service_date=day,
                pickup_node=node_key(ps.node),
                dropoff_node=node_key(ds.node),
                areas=sorted({a for a in (ps.area, ds.area) if a}),
                pickup_window_start=offer.pickup_window_start,
                pickup_window_end=offer.pickup_window_end,
                latest_dropoff=offer.latest_dropoff,
                created_at=self.now(),
                offer_id=offer.id,
                idempotency_key=terms.key,
            )
            fill_request(row, req)
            if replaced is not None:
                # The new ride is planned without the one it replaces (its places are freed).
                self._cancel_row(s, replaced, terms.by, f"modified: replaced by {row.id}")
                s.flush()
            # under the day's lock the kept day is exactly what is stored (or is read again)
            b = self.builder(day)
            new, promise = b.ride_request(row)
            problem, plan = b.build(
                self.cached_day(s, day), [new], live=self.is_live(day), extra_promises=[promise]
            )
            res = self.quote_on(b, problem, plan, new)
            if not isinstance(res, Quote):
                raise _Refused
            vid = res.vehicle_id
            s.add(row)
            s.flush()
            append_event(s, "ride.booked", self.now(), ride_id=row.id, payload={"offer": offer.id})
            row.vehicle_id = vid
            self.set_ride_status(s, row, RideStatus.ASSIGNED)
            self.save_route(s, day, vid, b, res.plan.route_of(vid))
            moved = replaced is not None and (replaced.service_date, replaced.vehicle_id) != (
                day,
                vid,
            )
            if replaced is not None and replaced.vehicle_id and moved:
                # The old ride's car is re-timed without it (its own day may differ).
                self.reschedule(s, replaced.service_date, [replaced.vehicle_id])
            if fresh is not None:
                fresh.ride_id = row.id
            s.flush()
            return ride_of(row)

    def _replaceable(self, s: Session, old: RideRow | None) -> RideRow | None:
        """Return the ride being changed, re-read under the lock, if it can still change."""
        if old is None:
            return None
        row = s.get(RideRow, old.id)
        if row is None or row.status not in {RideStatus.BOOKED.value, RideStatus.ASSIGNED.value}:
            raise IllegalTransition(
                "This booking can no longer be changed.", "この予約は変更できません。"
            )
        return row

    def _check_daily_limit(
        self, s: Session, member_id: str, day: date, limit: int, old: RideRow | None
    ) -> None:
        """Raise ``LimitReached`` when the member already has ``limit`` live rides that day."""
        q = select(func.count()).where(
            RideRow.member_id == member_id,
            RideRow.service_date == day,
            RideRow.status.not_in([str(x) for x in _INACTIVE]),
        )
        if old is not None:
            q = q.where(RideRow.id != old.id)
        if int(s.scalar(q) or 0) >= limit:
            raise LimitReached(limit)

    # -- cancel and read -----------------------------------------------------
    def cancel(self, ride_id: str, *, by: str, reason: str = "") -> Ride:
        """Cancel a ride (flagging a late cancellation) and re-time its vehicle's route."""
        with read_session(self.db) as s:
            row = s.get(RideRow, ride_id)
            if row is None:
                raise UnknownRide(f"No ride {ride_id}.", f"予約 {ride_id} は見つかりません。")
            day = row.service_date
        with self.publishing(), write_session(self.db, day) as s:
            row = s.get(RideRow, ride_id)
            assert row is not None
            self._cancel_row(s, row, by, reason)
            if row.vehicle_id:
                self.reschedule(s, day, [row.vehicle_id])
            return ride_of(row)

    def _cancel_row(self, s: Session, row: RideRow, by: str, reason: str) -> None:
        """Mark ``row`` cancelled by ``by`` now; late when inside the notice period."""
        self.set_ride_status(s, row, RideStatus.CANCELLED)
        now = self.now()
        notice = timedelta(seconds=self.config.late_cancel_notice_s)
        row.cancelled_at, row.cancelled_by, row.cancel_reason = now, by, reason
        row.late_cancellation = now > row.pickup_window_start - notice

    def get_ride(self, ride_id: str) -> Ride:
        """Return one ride or raise ``UnknownRide``."""
        with read_session(self.db) as s:
            row = s.get(RideRow, ride_id)
            if row is None:
                raise UnknownRide(f"No ride {ride_id}.", f"予約 {ride_id} は見つかりません。")
            return ride_of(row)

    def list_rides(
        self,
        *,
        member_id: str | None = None,
        vehicle_id: str | None = None,
        service_date: date | None = None,
    ) -> list[Ride]:
        """Return rides matching every given filter, by pickup window then id."""
        q = select(RideRow)
        if member_id is not None:
            q = q.where(RideRow.member_id == member_id)
        if vehicle_id is not None:
            q = q.where(RideRow.vehicle_id == vehicle_id)
        if service_date is not None:
            q = q.where(RideRow.service_date == service_date)
        q = q.order_by(RideRow.pickup_window_start, RideRow.id)
        with read_session(self.db) as s:
            return [ride_of(r) for r in s.scalars(q)]
