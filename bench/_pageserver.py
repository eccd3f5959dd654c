"""The app for ``noriai bench pages``: served on a free local port in a thread, and a
driver's tablet with a ride to show.

The server's clock starts at 09:00 in Tokyo on the city's next service day (time then
runs as usual), so a ride can be booked for the same morning whatever the hour of the
run, and the tablet, which reads the service's clock, has a next stop and the way there.
"""

from __future__ import annotations

import math
import threading
import time
from datetime import datetime, timedelta
from datetime import time as dtime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

TOKYO = ZoneInfo("Asia/Tokyo")
DEPOT = (35.890028, 140.664461)  # the bench car's depot: city hall


class Server:
    """The app on a free local port in a thread, stopped on exit."""

    def __init__(self, root: Path, warm: tuple[str, ...] = (), **settings: Any) -> None:
        import uvicorn

        import booking_api.db  # noqa: F401  (registers the API's tables)
        import dispatch.store.tables  # noqa: F401  (registers the engine's tables)
        from booking_api.main import create_app
        from booking_api.settings import Settings
        from dispatch.store.base import Base, make_engine

        url = f"sqlite:///{root / 'bench.sqlite'}"
        self.db = make_engine(url)
        Base.metadata.create_all(self.db)
        conf = Settings(_env_file=None, database_url=url, data_dir=root / "data",  # type: ignore[call-arg]
                        cache_dir=root / "cache", redis_url="", **settings)
        self.clock = service_morning(conf)
        self.warm = warm
        app = create_app(conf, db=self.db, clock=self.clock)
        self.app = app
        self.server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=0,
                                                    log_level="warning"))
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def __enter__(self) -> str:
        self.thread.start()
        deadline = time.monotonic() + 180
        while not self.server.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                raise RuntimeError("the app did not start")
            time.sleep(0.05)
        port = self.server.servers[0].sockets[0].getsockname()[1]
        url = f"http://127.0.0.1:{port}"
        import httpx

        for path in self.warm:  # warm: a fresh process's first answers are slow
            httpx.get(url + path, timeout=60)
        # and a zoomed-out tile: a fresh cache builds the basemap's overview (zooms below
        # the archive's) on the first one asked for, about ten seconds, once per server
        httpx.get(url + _tile_path(13, *DEPOT), timeout=120)
        return url

    def driver_token(self, url: str) -> str:
        """Return the session token of a driver of a new vehicle (seeded as the demo does)."""
        import httpx

        from booking_api.db import AccountRow
        from booking_api.security import hash_password
        from dispatch.domain import LatLon

        state = self.app.state.noriai
        with state.write_sessions() as db:
            db.add(AccountRow(username="bench-admin", role="admin", display_name="bench",
                              password_hash=hash_password("bench-admin-pass")))
            db.commit()
        if state.engine is None:
            raise RuntimeError(f"the engine did not start: {state.engine_error}")
        start = self.clock.start
        state.engine.add_vehicle("B01", depot=LatLon(*DEPOT), name="ベンチ1号",
                                 seats=4, wheelchairs=1)
        state.engine.set_shift("B01", start.astimezone(TOKYO).date(), start - timedelta(hours=1),
                               start + timedelta(hours=8))

        def login(user: str, password: str) -> str:
            res = httpx.post(f"{url}/api/v1/auth/login", json={"login": user, "password": password})
            res.raise_for_status()
            return str(res.json()["token"])

        admin = {"Authorization": f"Bearer {login('bench-admin', 'bench-admin-pass')}"}
        httpx.post(f"{url}/api/v1/accounts", headers=admin,
                   json={"username": "bench-driver", "password": "bench-driver-pass",
                         "role": "driver", "display_name": "bench", "vehicle_id": "B01"},
                   ).raise_for_status()
        book_a_ride(url, admin, self.clock.now() + timedelta(minutes=45))
        return login("bench-driver", "bench-driver-pass")

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)
        self.db.dispose()


def _tile_path(z: int, lat: float, lon: float) -> str:
    """The URL path of the zoom-``z`` basemap tile holding the point."""
    n = 2**z
    y = (1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * n
    return f"/tiles/{z}/{int((lon + 180) / 360 * n)}/{int(y)}.pbf"


def service_morning(conf: Any) -> Any:
    """Return a clock that starts at 09:00 in Tokyo on the city's next service day."""
    from dispatch.sim.live import SpeedClock

    calendar = conf.city_rules().calendar
    day = datetime.now(TOKYO).date() + timedelta(days=1)
    while not calendar.is_service_day(day):
        day += timedelta(days=1)
    return SpeedClock(datetime.combine(day, dtime(9, 0), tzinfo=TOKYO), speedup=1.0)


def book_a_ride(url: str, admin: dict[str, str], at: datetime) -> None:
    """Register a member and book a ride from home to city hall at ``at`` (on B01, the only car)."""
    import httpx

    member = httpx.post(f"{url}/api/v1/members", headers=admin, timeout=60, json={
        "name": "試験 太郎", "kana": "しけん たろう", "birth_date": "1940-01-01",
        "phone": "09000000001", "address": "神栖市大野原七丁目", "home_lat": 35.888975,
        "home_lon": 140.643843, "consent_terms": True, "consent_privacy": True,
        "password": "bench-rider-1", "channel": "counter", "approve": True})
    member.raise_for_status()
    local = at.astimezone(TOKYO)
    local += timedelta(minutes=(5 - local.minute % 5) % 5)
    quote = httpx.post(f"{url}/api/v1/quotes", headers=admin, timeout=60, json={
        "member_id": member.json()["id"], "from": {"home": True},
        "to": {"lat": 35.890028, "lon": 140.664461, "label": "神栖市役所"},
        "date": local.date().isoformat(), "time": local.strftime("%H:%M"),
        "time_mode": "depart_at", "party_size": 1, "notes": "門の前で待っています"})
    quote.raise_for_status()
    httpx.post(f"{url}/api/v1/bookings", headers=admin, timeout=60,
               json={"offer_id": quote.json()["offer"]["offer_id"]}).raise_for_status()
