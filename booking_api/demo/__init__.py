"""``noriai demo``: the whole system on one machine with a simulated fleet.

Embedded defaults (SQLite file, in-process bus), a sped-up clock starting at
the service start of the next service day, demo data from ``seed.toml`` (only
into an empty database), the live simulated fleet of ``dispatch.sim.live`` in
the same process, and the API on 127.0.0.1.
"""

from __future__ import annotations

import asyncio
import sys
import tomllib
from dataclasses import replace
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any, cast

from sqlalchemy import func, select

from booking_api import membership, trips
from booking_api.city import CityRules
from booking_api.db import AccountRow, MemberRow
from booking_api.rules import is_service_day, local_to_utc, tz
from booking_api.schemas.members import RegistrationIn
from booking_api.security import hash_password
from booking_api.settings import Settings
from booking_api.state import AppState
from dispatch import rota
from dispatch.domain import Channel, LatLon, Offer, TripRequest

SEED = Path(__file__).resolve().parent / "seed.toml"


def demo_day(rules: CityRules, today: date) -> date:
    """Return ``today`` if vehicles run on it, else the next service day."""
    day = today
    while not is_service_day(rules, day):
        day += timedelta(days=1)
    return day


def plan_shifts(state: AppState, scenario: Any, vehicle_ids: list[str]) -> rota.Report:
    """Give each demo vehicle a weekly template (the scenario's hours on the city's operating
    weekdays; one an admin changed is kept) and generate the shifts of the booking horizon,
    the same way a city's fleet gets them, so a newcomer can book tomorrow and next week."""
    raw = scenario.raw
    brk = raw.get("break_window")

    def minute(t: time) -> int:
        return t.hour * 60 + t.minute

    hours = rota.DayHours(
        minute(scenario.shift_start),
        minute(scenario.shift_end),
        minute(time.fromisoformat(brk[0])) if brk else None,
        minute(time.fromisoformat(brk[1])) if brk else None,
        int(raw.get("break_min", 0)) * 60 if brk else 0,
    )
    week = dict.fromkeys(sorted(state.rules.calendar.operating_weekdays), hours)
    for vid in vehicle_ids:
        if not rota.template_of(state.db, vid):
            rota.save_template(state.db, vid, week, state.now())
    today = trips.local_date(state, state.now())
    first, last = rota.horizon(today, state.rules.booking_horizon_days)
    return rota.generate(
        state.db, cast(Any, state.engine), state.rules.calendar, tz(state.rules), first, last,
        today=today,
    )  # fmt: skip


def load_seed(path: Path = SEED) -> dict[str, Any]:
    """Read the demo data file."""
    return tomllib.loads(path.read_text(encoding="utf-8"))


def seed_people(state: AppState, seed: dict[str, Any]) -> list[str]:
    """Create the demo logins and members in an empty database; return printable login lines."""
    lines: list[str] = []
    with state.write_sessions() as db:
        if (db.scalar(select(func.count()).select_from(AccountRow)) or 0) > 0:
            return lines
        for acc in seed["accounts"]:
            db.add(
                AccountRow(
                    username=acc["username"],
                    role=acc["role"],
                    password_hash=hash_password(acc["password"]),
                    display_name=acc["display_name"],
                )
            )
            lines.append(f"  {acc['role']:<9} {acc['username']} / {acc['password']}")
        drivers = seed["drivers"]
        for i in range(int(seed["vehicles"])):
            vid, user = f"V{i + 1:02d}", f"{drivers['username_prefix']}{i + 1:02d}"
            db.add(
                AccountRow(
                    username=user,
                    role="driver",
                    password_hash=hash_password(drivers["password"]),
                    display_name=f"{vid} 運転手",
                    vehicle_id=vid,
                )
            )
            lines.append(f"  driver    {user} / {drivers['password']}  (vehicle {vid})")
        db.flush()
        admin = db.scalar(select(AccountRow).where(AccountRow.role == "admin"))
        actor = admin.id if admin else "demo"
        for person, approve in [(m, True) for m in seed["members"]] + [
            (a, False) for a in seed.get("applicants", [])
        ]:
            row = membership.register(
                db,
                state,
                _registration(person),
                channel=person.get("channel", "online"),
                category=person.get("category"),
                actor=actor,
            )
            if approve:
                membership.approve(db, state, row, actor, None)
                for place in person.get("places", []):
                    membership.add_saved_place(
                        db, state, row, place["label"], None, None, place["place_id"]
                    )
                lines.append(
                    f"  resident  {row.member_number} (or {row.phone})"
                    f" / {person['password']}  {row.name}"
                )
            else:
                lines.append(f"  applicant {row.name} (pending approval)")
        db.commit()
    return lines


def login_lines(seed: dict[str, Any]) -> list[str]:
    """Return the demo's logins as listed in the seed file (residents by phone number)."""
    lines = [f"  {a['role']:<9} {a['username']} / {a['password']}" for a in seed["accounts"]]
    drivers = seed["drivers"]
    for i in range(int(seed["vehicles"])):
        user = f"{drivers['username_prefix']}{i + 1:02d}"
        lines.append(f"  driver    {user} / {drivers['password']}  (vehicle V{i + 1:02d})")
    lines += [f"  resident  {m['phone']} / {m['password']}  {m['name']}" for m in seed["members"]]
    return lines


def _registration(person: dict[str, Any]) -> RegistrationIn:
    return RegistrationIn(
        name=person["name"],
        kana=person["kana"],
        birth_date=date.fromisoformat(person["birth_date"]),
        phone=person["phone"],
        address=person["address"],
        home_lat=person["home"][0],
        home_lon=person["home"][1],
        wheelchair=person.get("wheelchair", False),
        walking_aid=person.get("walking_aid", False),
        consent_terms=True,
        consent_privacy=True,
        password=person["password"],
    )


def seed_rides(state: AppState, seed: dict[str, Any], day: date) -> int:
    """Book the seed's rides on ``day`` if that day has none yet; return how many were booked."""
    engine = state.engine
    assert engine is not None
    if engine.list_rides(service_date=day):
        return 0
    booked = 0
    with state.write_sessions() as db:
        members = list(
            db.scalars(
                select(MemberRow)
                .where(MemberRow.status == "approved")
                .order_by(MemberRow.member_number)
            )
        )
        for ride in seed.get("rides", []):
            member = members[int(ride["member"]) % len(members)]
            place = (
                state.city_map.places.get(ride.get("to") or ride.get("from"))
                if state.city_map
                else None
            )
            if place is None:
                continue
            home, there = LatLon(member.home_lat, member.home_lon), LatLon(place.lat, place.lon)
            outbound = "to" in ride
            when = local_to_utc(state.rules, day, ride["time"])
            if when <= state.now():
                continue
            request = TripRequest(
                member_id=member.id,
                pickup=home if outbound else there,
                dropoff=there if outbound else home,
                depart_at=when,
                party_size=1,
                wheelchairs=1 if member.wheelchair else 0,
                pickup_label="自宅" if outbound else place.name,
                dropoff_label=place.name if outbound else "自宅",
                channel=Channel.PHONE,
                rider_name=member.name,
                rider_phone=member.phone,
            )
            trips.release(db)
            offer = engine.quote(request)
            if not isinstance(offer, Offer):
                continue
            fare = state.rules.fares.fare(member.category, 1, day=day)
            row = trips.OfferRow(
                offer_id=offer.offer_id,
                member_id=member.id,
                fare_yen=fare.total_yen,
                expires_at=offer.expires_at,
                service_date=day,
                fare_category=member.category,
                fare_rules=fare.version,
            )
            db.add(row)
            db.commit()
            trips.record_booking(db, state, row, engine.confirm(offer.offer_id), "demo")
            db.commit()
            booked += 1
    return booked


def demo_notifier(settings: Settings, db: Any, clock: Any) -> Any:
    """Return the notifier of the demo: stand-in providers that write to ``/dev/outbox``."""
    from booking_api.notifications import make_feed, notify_config
    from notify.channels.standin import standins
    from notify.worker import Notifier

    return Notifier(db, standins(db, clock.now), notify_config(settings), clock.now,
                    make_feed(settings), "demo")  # fmt: skip


def run_demo(settings: Settings, host: str, port: int) -> int:
    """Seed, start the simulated fleet and serve the API until interrupted."""
    import uvicorn

    from booking_api.main import create_app
    from booking_api.migrate import upgrade
    from dispatch.bus.memory import InProcessBus
    from dispatch.engine import DispatchEngine
    from dispatch.sim.live import SpeedClock, run_live_fleet, seed_fleet
    from dispatch.sim.scenario import load_scenario
    from dispatch.store.base import make_engine
    from maps import load_map

    seed = load_seed()
    settings = settings.model_copy(
        update={
            "redis_url": "",
            "token_ttl_s": int(settings.token_ttl_s * settings.demo_speed),
            "tablet_gps": False,  # the simulated fleet reports the positions
        }
    )
    rules = settings.city_rules()
    url = settings.resolved_database_url()
    print(f"noriai demo: database {url}", file=sys.stderr)
    upgrade(url)
    db = make_engine(url)
    print("noriai demo: loading the map ...", file=sys.stderr)
    city_map = load_map(settings.maps_config())
    day = demo_day(rules, datetime.now(tz(rules)).date())
    start = datetime.combine(day, rules.service_start, tzinfo=tz(rules))
    clock = SpeedClock(start, settings.demo_speed)
    config = settings.engine_config()
    # an offer is held for the city's real minutes, not a tenth of them
    config = replace(config, offer_hold_s=int(config.offer_hold_s * settings.demo_speed))
    engine = DispatchEngine(
        config, db=db, bus=InProcessBus(), travel=cast(Any, city_map), clock=clock
    )
    state = AppState(
        settings=settings,
        rules=rules,
        db=db,
        clock=clock,
        engine=engine,
        city_map=city_map,
        bus=engine.bus,
    )
    scenario = load_scenario(seed["scenario"])
    vehicles = seed_fleet(engine, scenario, vehicles=int(seed["vehicles"]), day=day)
    plan_shifts(state, scenario, vehicles)
    ahead = [day + timedelta(days=i) for i in range(rules.booking_horizon_days + 1)]
    bookable = [d for d in ahead if engine.list_shifts(d)]
    logins = seed_people(state, seed)
    rides = seed_rides(state, seed, day)
    app = create_app(settings, engine=engine, clock=clock, city_map=city_map, db=db)
    print(
        f"noriai demo: {day} from {start:%H:%M} at {settings.demo_speed:g}x speed, "
        f"vehicles {', '.join(vehicles)}, {rides} rides booked; shifts on {len(bookable)} "
        f"service days to {ahead[-1]} (from weekly templates)",
        file=sys.stderr,
    )
    if not logins:  # seeded by an earlier run: the same logins still work
        logins = login_lines(seed)
    print("noriai demo: logins\n" + "\n".join(logins), file=sys.stderr)
    print(
        f"noriai demo: open http://{host}:{port}/ "
        "(operators /operator, drivers /driver, API /docs; messages sent: /operator#deliveries)",
        file=sys.stderr,
    )

    async def main() -> None:
        config = uvicorn.Config(
            app, host=host, port=port, log_level="warning", proxy_headers=False
        )  # the client's address is decided by booking_api.clientaddr
        server = uvicorn.Server(config)
        stop = asyncio.Event()
        fleet = asyncio.create_task(run_live_fleet(engine, clock=clock, stop=stop))
        notifier = asyncio.create_task(demo_notifier(settings, db, clock).run(stop))
        try:
            await server.serve()
        finally:
            stop.set()
            await fleet
            await notifier

    asyncio.run(main())
    return 0
