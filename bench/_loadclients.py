"""The load benchmark's clients: seeding a town through the API and driving closed-loop clients.

``bench.load`` starts the servers and reports; this module is what its clients do
against them: seed members, vehicles and booked rides over HTTP, sign in the staff,
and send quotes and bookings at a level of concurrency for a time, counting every
answer by status, as a well-behaved app would (waiting out ``Retry-After``).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import random
import secrets
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from bench import _rawhttp as rawhttp

STATUSES = ("2xx", "409", "429", "503", "5xx", "4xx", "timeout", "conn")
PASSWORD = "bench-" + "load-pass"  # staff accounts of the throwaway stack only
OPERATORS = ("operator1", "operator2", "operator3")

@dataclass
class Phase:
    """The answers of one run x level x kind."""

    run: str
    level: int
    kind: str
    elapsed_s: float = 0.0
    http_requests: int = 0
    counts: Counter[str] = field(default_factory=Counter)
    codes: Counter[str] = field(default_factory=Counter)  # HTTP statuses, transport errors
    client_cpu_s: float = 0.0  # this process's CPU time: a starved client inflates latency
    latencies_s: list[float] = field(default_factory=list)
    # how late the clients' event loop woke from 10 ms sleeps: what the client itself adds
    # to a measured latency when it is starved (its CPU or the machine's)
    client_lag_s: list[float] = field(default_factory=list)

    @property
    def attempts(self) -> int:
        return sum(self.counts.values())

    def pct(self, q: float) -> float | None:
        return _pct(self.latencies_s, q)

    def lag(self, q: float) -> float | None:
        return _pct(self.client_lag_s, q)

    def as_dict(self) -> dict[str, Any]:
        return {"run": self.run, "clients": self.level, "kind": self.kind,
                "attempts": self.attempts, "http_requests": self.http_requests,
                "elapsed_s": round(self.elapsed_s, 2),
                **{s: self.counts[s] for s in STATUSES},
                "http_codes": dict(sorted(self.codes.items())),
                "client_cpu_share": round(self.client_cpu_s / max(self.elapsed_s, 1e-9), 2),
                **{f"client_lag_p{int(q * 100)}_s": self.lag(q) for q in (0.5, 0.99)},
                "ok_per_s": round(self.counts["2xx"] / max(self.elapsed_s, 1e-9), 2),
                **{f"p{int(q * 100)}_s": self.pct(q) for q in (0.5, 0.95, 0.99)}}


def _pct(values: list[float], q: float) -> float | None:
    xs = sorted(values)
    return xs[min(len(xs) - 1, int(q * len(xs)))] if xs else None


@dataclass
class Town:
    """What the clients know of the city: members' homes and their allowed destinations."""

    members: list[str]
    dests: dict[str, list[str]]  # member id -> place ids reachable from home
    day: date
    tokens: list[str]


# -- seeding through the API -------------------------------------------------------------------


def _service_day(rules: Any, now: datetime) -> date:
    from booking_api.rules import is_service_day

    day = now.date() + timedelta(days=1)
    for _ in range(rules.booking_horizon_days):
        if is_service_day(rules, day):
            return day
        day += timedelta(days=1)
    raise RuntimeError("no service day in the booking horizon")


def _ok(res: Any, what: str) -> Any:
    if res.status_code >= 300:
        raise RuntimeError(f"{what}: {res.status_code} {res.text[:500]}")
    return res.json() if res.content else None


async def seed_town(
    base: str, args: argparse.Namespace, settings: Any, city_map: Any
) -> Town:
    """Vehicles and shifts of the scenario, staff logins, members; return what clients need."""
    import httpx
    from tqdm import tqdm

    from booking_api.rules import tz
    from dispatch.sim.scenario import load_scenario

    rules = settings.city_rules()
    zone = tz(rules)
    day = _service_day(rules, datetime.now(zone))
    scen = load_scenario("kamisu-weekday")
    fleet = scen.raw["fleet"]
    rng = random.Random(args.seed)
    async with httpx.AsyncClient(base_url=base, timeout=120) as c:
        signed = await c.post("/api/v1/auth/login", json={"login": "bench", "password": PASSWORD})
        staff = {"Authorization": f"Bearer {_ok(signed, 'admin login')['token']}"}
        at = lambda t: datetime.combine(day, t, tzinfo=zone).isoformat()  # noqa: E731
        b0, b1 = (datetime.strptime(x, "%H:%M").time() for x in scen.raw["break_window"])
        for i in range(args.vehicles):
            kind = "wagon" if (i + 1) % int(fleet["wagon_every"]) == 0 else "sedan"
            depot = fleet["depots"][i % len(fleet["depots"])]
            vid = f"L{i + 1:02d}"
            _ok(await c.post("/api/v1/vehicles", headers=staff, json={
                "id": vid, "name": f"{depot['name']} {i + 1}号車", **fleet[kind],
                "depot_lat": depot["lat"], "depot_lon": depot["lon"]}), "vehicle")
            _ok(await c.put(f"/api/v1/shifts/{vid}/{day.isoformat()}", headers=staff, json={
                "start": at(scen.shift_start), "end": at(scen.shift_end),
                "break_earliest": at(b0), "break_latest": at(b1),
                "break_duration_s": int(scen.raw["break_min"]) * 60}), "shift")
        for user in OPERATORS:  # a call centre: several operators book for members by phone
            _ok(await c.post("/api/v1/accounts", headers=staff, json={
                "username": user, "password": PASSWORD, "role": "operator",
                "display_name": f"予約センター {user}"}), "operator")
        towns = [t for t in city_map.towns.all if city_map.area_of(t.lat, t.lon)]
        places = [(p, city_map.area_of(p.lat, p.lon)) for p in city_map.places.all]
        cross = rules.cross_area_categories
        members, dests = [], {}
        bar = tqdm(total=args.members, desc="members", unit="member", file=sys.stderr)
        sem = asyncio.Semaphore(4)

        async def member(n: int) -> None:
            town = rng.choice(towns)
            area = city_map.area_of(town.lat, town.lon)
            born = date(1932, 1, 1) + timedelta(days=rng.randrange(26 * 365))
            body = {"name": f"負荷 太郎{n:03d}", "kana": "ふか たろう",
                    "birth_date": born.isoformat(),
                    "phone": f"0299-{70 + n // 10000:02d}-{n % 10000:04d}",
                    "address": f"茨城県神栖市{town.full_name}", "home_lat": town.lat,
                    "home_lon": town.lon,
                    "consent_terms": True, "consent_privacy": True,
                    "password": secrets.token_urlsafe(9), "channel": "phone", "approve": True}
            async with sem:
                row = _ok(await c.post("/api/v1/members", headers=staff, json=body), "member")
            members.append(row["id"])
            dests[row["id"]] = [p.id for p, a in places if a == area or p.category in cross]
            bar.update()

        await asyncio.gather(*(member(n) for n in range(args.members)))
        bar.close()
    members.sort()
    return Town(members, dests, day, await login(base))


async def login(base: str) -> list[str]:
    """Sign the admin and the operators in on this stack (its own secret key)."""
    import httpx

    async with httpx.AsyncClient(base_url=base, timeout=120) as c:
        tokens = []
        for user in ("bench", *OPERATORS):
            res = await c.post("/api/v1/auth/login", json={"login": user, "password": PASSWORD})
            tokens.append(f"Bearer {_ok(res, f'{user} login')['token']}")
    return tokens


# -- the clients -------------------------------------------------------------------------------


def _trip(rng: random.Random, town: Town) -> dict[str, Any]:
    member = rng.choice(town.members)
    place = {"place_id": rng.choice(town.dests[member])}
    outbound = rng.random() < 0.6
    arrive = outbound and rng.random() < 0.4
    minute = rng.randrange(9 * 60 if arrive else 8 * 60 + 30, 16 * 60, 5)
    return {"member_id": member, "from": {"home": True} if outbound else place,
            "to": place if outbound else {"home": True}, "date": town.day.isoformat(),
            "time": f"{minute // 60:02d}:{minute % 60:02d}",
            "time_mode": "arrive_by" if arrive else "depart_at", "party_size": 1}


def _status(code: int) -> str:
    if 200 <= code < 300:
        return "2xx"
    if code in (409, 429, 503):
        return str(code)
    return "5xx" if code >= 500 else "4xx"


async def _send(client: Any, path: str, body: dict[str, Any], headers: dict[str, str],
                phase: Phase) -> tuple[str, Any]:
    import httpx

    phase.http_requests += 1
    try:
        res = await client.post(path, json=body, headers=headers)
    except (httpx.TimeoutException, rawhttp.Timeout):
        return "timeout", None
    except (httpx.TransportError, rawhttp.TransportError) as exc:
        phase.codes[type(exc).__name__] += 1
        return "conn", None
    phase.codes[str(res.status_code)] += 1
    return _status(res.status_code), res


async def _attempt(client: Any, kind: str, rng: random.Random, town: Town,
                   phase: Phase) -> tuple[str, Any]:
    """One quote, or one booking (quote then confirm); the first answer that is not 2xx
    decides the outcome of a booking.
    """
    headers = {"Authorization": rng.choice(town.tokens)}
    status, res = await _send(client, "/api/v1/quotes", _trip(rng, town), headers, phase)
    if kind == "quotes" or status != "2xx":
        return status, res
    offer = res.json()["offer"]["offer_id"]
    headers["Idempotency-Key"] = secrets.token_hex(16)
    return await _send(client, "/api/v1/bookings", {"offer_id": offer}, headers, phase)


def _retry_after(res: Any) -> float:
    try:
        return min(30.0, float(res.headers.get("Retry-After", "1")))
    except (TypeError, ValueError):
        return 1.0


async def drive(base: str, town: Town, phase: Phase, seconds: float, timeout: float,
                seed: int, progress: bool = True) -> Phase:
    """Run ``phase.level`` closed-loop clients for ``seconds``; record every answer.

    Each client holds one keep-alive connection of its own (``bench._rawhttp``), as an
    app does; a second coroutine records how late this process's event loop runs.
    """
    from tqdm import tqdm

    t0, cpu0 = time.monotonic(), time.process_time()
    deadline = t0 + seconds
    bar = tqdm(total=round(seconds), desc=f"{phase.run} {phase.kind} x{phase.level}", unit="s",
               file=sys.stderr, disable=not progress,
               bar_format="{l_bar}{bar}| {n}/{total} s{postfix}")

    async def one(i: int) -> None:
        rng = random.Random(seed * 100_003 + i)
        conn = rawhttp.Connection(base, timeout)
        try:
            while time.monotonic() < deadline:
                t = time.perf_counter()
                status, res = await _attempt(conn, phase.kind, rng, town, phase)
                phase.counts[status] += 1
                if status not in ("503", "timeout", "conn"):
                    phase.latencies_s.append(time.perf_counter() - t)
                if status in ("503", "429"):  # an app waits as told before trying again
                    left = max(0.0, deadline - time.monotonic())
                    await asyncio.sleep(min(_retry_after(res), left))
        finally:
            await conn.close()

    async def lag() -> None:
        while time.monotonic() < deadline:
            t = time.monotonic()
            await asyncio.sleep(0.01)
            phase.client_lag_s.append(time.monotonic() - t - 0.01)

    async def ticker() -> None:
        while time.monotonic() < deadline:
            await asyncio.sleep(1)
            bar.n = min(bar.total, round(time.monotonic() - t0))
            bar.set_postfix_str(" ".join(f"{k} {v}" for k, v in sorted(phase.counts.items())))

    await asyncio.gather(ticker(), lag(), *(one(i) for i in range(phase.level)))
    bar.close()
    phase.elapsed_s = time.monotonic() - t0
    phase.client_cpu_s = time.process_time() - cpu0
    return phase


async def _settle(base: str, limit_s: float = 60.0) -> None:
    """Wait until the servers answer /health within a second (work left by time-outs done)."""
    import httpx

    deadline = time.monotonic() + limit_s
    async with httpx.AsyncClient(base_url=base, timeout=5) as c:
        while time.monotonic() < deadline:
            t = time.perf_counter()
            with contextlib.suppress(httpx.HTTPError):
                if (await c.get("/health")).status_code == 200 and time.perf_counter() - t < 1:
                    return
            await asyncio.sleep(1)


async def prefill(base: str, town: Town, n: int, timeout: float, seed: int) -> int:
    """Book ``n`` rides of the day before the load (4 clients; refusals are skipped)."""
    import httpx
    from tqdm import tqdm

    booked, tries, busy = 0, 0, 0
    bar = tqdm(total=n, desc="prefill", unit="ride", file=sys.stderr)
    scratch = Phase("prefill", 4, "bookings")
    async with httpx.AsyncClient(base_url=base, timeout=timeout) as client:

        async def one(i: int) -> None:
            nonlocal booked, tries, busy
            rng = random.Random(seed * 7919 + i)
            while booked + busy < n and tries < 4 * n:
                tries, busy = tries + 1, busy + 1
                status, res = await _attempt(client, "bookings", rng, town, scratch)
                busy -= 1
                if status == "2xx":
                    booked += 1
                    bar.update()
                elif status in ("503", "429"):
                    await asyncio.sleep(_retry_after(res))

        await asyncio.gather(*(one(i) for i in range(4)))
    bar.close()
    return booked


# -- a run and the report ----------------------------------------------------------------------


async def measure(base: str, run: str, town: Town, args: argparse.Namespace,
                   levels: list[int], kinds: list[str]) -> list[Phase]:
    phases = []
    for level in levels:
        for kind in kinds:
            await _settle(base)
            phase = Phase(run, level, kind)
            phases.append(await drive(base, town, phase, args.seconds, args.timeout,
                                      args.seed + level))
    return phases
