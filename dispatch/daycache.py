"""The service day kept in memory: rides, plans, locations and their travel times.

A quote used to read and rebuild the whole day from the database. ``DayCache``
keeps, per service day, the active rides and the plans (as read-only records)
labelled with the day's version (``dispatch.store.versions``: every write to
a day's rides or plans bumps it in its own transaction). A read checks the
version with one small query: when it matches, the records are exactly what
is stored; when not (another process wrote), the day is read again. This
process's own commits are applied to the records as they happen, so its own
writes cost no reload.

The fleet (vehicles, and the day's open shifts) is kept too, on PostgreSQL,
labelled with a stamp of the stored rows: a digest of each row's id and
``xmin`` (the transaction that wrote that row version), read in the same
statement as the day's version. Any write to a vehicle or a shift, through the
ORM or not, in any process, gives the row a new ``xmin`` and so the fleet a new
stamp, and the next read takes the rows again; with no shared counter to bump
there is no hot row for position reports to queue on. (A stamp can change
without a write, e.g. when a row is frozen: that costs one read, never a stale
answer.) On SQLite the fleet is read every time. Breaks are not kept.

``Locations`` is the day's list of road nodes with the travel times between
them, grown by one row and column per new node instead of a dense day-sized
matrix per quote. Memory: ``16 * capacity**2`` bytes for the two int64 arrays
(capacity doubles from 256 as nodes are added) plus the optimizer's
list-of-lists copy of the durations; a day is bounded by the road nodes its
requests touch (started again past ``max_nodes`` or twice the nodes of the
day's own rides), and at most ``max_days`` days are kept.

A record is taken as the database reads it: a ride read at version ``v`` but
committed later is only ever labelled with an older version, so it cannot be
taken for current (see ``DayCache.rides_and_plans``).
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from types import SimpleNamespace
from typing import Any

import numpy as np
from sqlalchemy import Engine, text
from sqlalchemy.orm import Session

from dispatch.adapter import node_key
from dispatch.ports import TravelTimes
from dispatch.state import ACTIVE_RIDE_STATUSES
from dispatch.store import versions
from dispatch.store.tables import PlanRow, RideRow, ShiftRow, VehicleRow
from optimizer.model import Problem
from optimizer.schedule import Context

_ACTIVE = frozenset(s.value for s in ACTIVE_RIDE_STATUSES)
_RIDES = RideRow.__table__
_PLANS = PlanRow.__table__
_VEHICLES = VehicleRow.__table__
_SHIFTS = ShiftRow.__table__
# The day's version and the fleet's stamp in one round trip (PostgreSQL; module doc).
_STAMPS = text(
    "SELECT (SELECT version FROM service_days WHERE service_date = :day),"
    " (SELECT md5(string_agg(id || ':' || xmin::text, ',' ORDER BY id)) FROM vehicles),"
    " (SELECT md5(string_agg(id::text || ':' || xmin::text, ',' ORDER BY id))"
    "  FROM shifts WHERE service_date = :day)"
)


def record(values: dict[str, Any]) -> Any:
    """Return a read-only stand-in for a row (attribute access, as the builder reads rows)."""
    return SimpleNamespace(**values)


class Locations:
    """A day's road nodes, indexed once each, and the travel times between them.

    ``index`` adds a node (its travel times are computed on the next
    ``matrices``); the arrays returned are square at the current capacity, the
    cells of unknown nodes zero. Indices never change, so a problem built
    earlier stays valid while nodes are added.
    """

    def __init__(self, travel: TravelTimes, capacity: int = 256) -> None:
        self.travel = travel
        self.nodes: list[Any] = []
        self._index: dict[str, int] = {}
        self._filled = 0
        self.first_fill = 0  # nodes at the first ``matrices``: the day's own, before quotes
        self._lock = threading.RLock()
        self.dur = np.zeros((capacity, capacity), dtype=np.int64)
        self.dist = np.zeros((capacity, capacity), dtype=np.int64)
        self.rows: list[list[int]] = []  # the optimizer's list form of ``dur``, grown with it
        self._root: Context | None = None

    def index(self, node: Any) -> int:
        """Return the location index of ``node``, adding it the first time."""
        key = node_key(node)
        with self._lock:
            i = self._index.get(key)
            if i is None:
                i = self._index[key] = len(self.nodes)
                self.nodes.append(node)
            return i

    def __len__(self) -> int:
        return len(self.nodes)

    def matrices(self) -> tuple[np.ndarray, np.ndarray]:
        """Return (durations_s, distances_m) covering every node indexed so far."""
        with self._lock:
            n, k = len(self.nodes), self._filled
            if n > k:
                self._grow(n)
                new, old = self.nodes[k:n], self.nodes[:k]
                d1, m1 = self.travel.matrix(new, self.nodes[:n])
                self.dur[k:n, :n] = np.asarray(d1, dtype=np.int64).reshape(n - k, n)
                self.dist[k:n, :n] = np.asarray(m1, dtype=np.int64).reshape(n - k, n)
                if k:
                    d2, m2 = self.travel.matrix(old, new)
                    self.dur[:k, k:n] = np.asarray(d2, dtype=np.int64).reshape(k, n - k)
                    self.dist[:k, k:n] = np.asarray(m2, dtype=np.int64).reshape(k, n - k)
                for i in range(k):
                    self.rows[i].extend(self.dur[i, k:n].tolist())
                for i in range(k, n):
                    self.rows.append(self.dur[i, :n].tolist())
                self._filled = n
                self.first_fill = self.first_fill or n
            return self.dur, self.dist

    def _grow(self, n: int) -> None:
        cap = self.dur.shape[0]
        if n <= cap:
            return
        while cap < n:
            cap *= 2
        k = self._filled
        for name in ("dur", "dist"):
            bigger = np.zeros((cap, cap), dtype=np.int64)
            bigger[:k, :k] = getattr(self, name)[:k, :k]
            setattr(self, name, bigger)
        self._root = None

    def context(self, problem: Problem) -> Context:
        """Return the optimizer's context of ``problem`` (built on these matrices).

        The durations' list form is shared with every earlier context instead of
        being converted per quote (``Context`` reuses its base's when the
        matrix is the same array).
        """
        with self._lock:
            root = self._root
            if root is None or root.problem.durations_s is not problem.durations_s:
                empty = np.zeros((0, 0), dtype=np.int64)
                root = Context(problem.replace(durations_s=empty, distances_m=None, requests=(),
                                               vehicles=(), promises=(), states=()))
                root.problem = problem  # its matrix is the one later problems share
                root.dur = self.rows  # grown in place by ``matrices``
                if problem.durations_s is self.dur:
                    self._root = root
        return Context(problem, base=root)

    def nbytes(self) -> int:
        """Return the memory held by the matrices (the list form not counted)."""
        return int(self.dur.nbytes + self.dist.nbytes)


@dataclass
class _Day:
    version: int
    rides: dict[str, Any]
    plans: dict[str, Any]
    ordered: list[Any] | None = field(default=None)

    def ride_list(self) -> list[Any]:
        got = self.ordered
        if got is None:
            got = self.ordered = sorted(
                self.rides.values(), key=lambda r: (r.pickup_window_start, r.id)
            )
        return got


@dataclass(frozen=True)
class _Fleet:
    stamp: tuple[str | None, str | None]
    vehicles: list[Any]  # every vehicle, by id
    shifts: dict[str, Any]  # the day's open shifts by vehicle


class DayCache:
    """Per service day, the active rides and the plans of the stored version (module doc)."""

    def __init__(
        self, db: Engine, travel: TravelTimes, *, max_days: int = 8, max_nodes: int = 1024
    ) -> None:
        self.travel = travel
        self.max_days = max_days
        # a day's locations start again (from the nodes still in use) past this many
        # nodes or twice the day's own: quotes never booked must not grow it for ever
        self.max_nodes = max_nodes
        self._days: dict[date, _Day] = {}
        self._locations: dict[date, Locations] = {}
        self._fleets: dict[date, _Fleet] = {}
        self._lock = threading.Lock()
        self.reloads = 0  # how many times a day was read from the database (tests, bench)
        self.fleet_reloads = 0  # how many times the fleet was read (tests, bench)
        self.applied = 0  # how many own commits were applied without a reload
        versions.listen(db.pool, self._on_commit)

    def locations(self, day: date) -> Locations:
        """Return ``day``'s locations (created empty the first time)."""
        with self._lock:
            loc = self._locations.get(day)
            if loc is not None and len(loc) > max(self.max_nodes, 2 * loc.first_fill):
                loc = None  # problems built on the old one keep their own arrays
            if loc is None:
                loc = self._locations[day] = Locations(self.travel)
                self._evict()
            return loc

    def records(
        self, s: Session, day: date
    ) -> tuple[list[Any], dict[str, Any], list[Any], dict[str, Any]]:
        """Return ``day``'s active rides and plans (see ``rides_and_plans``), every
        vehicle (by id) and the day's open shifts by vehicle, as stored now.

        On PostgreSQL the day's version and the fleet's stamp are read in one
        statement, and the fleet is read again only when its stamp changed.
        """
        conn = s.connection()
        if conn.dialect.name != "postgresql":
            rides, plans = self.rides_and_plans(s, day)
            return (rides, plans, *self._read_fleet(s, day))
        v, vstamp, sstamp = conn.execute(_STAMPS, {"day": day}).one()  # before the rows
        rides, plans = self._rides_and_plans(s, day, int(v or 0))
        stamp = (vstamp, sstamp)
        with self._lock:
            fleet = self._fleets.get(day)
        if fleet is None or fleet.stamp != stamp:
            fleet = _Fleet(stamp, *self._read_fleet(s, day))
            with self._lock:
                self.fleet_reloads += 1
                self._fleets[day] = fleet
                self._evict()
        return rides, plans, fleet.vehicles, fleet.shifts

    @staticmethod
    def _read_fleet(s: Session, day: date) -> tuple[list[Any], dict[str, Any]]:
        vt, st = _VEHICLES, _SHIFTS
        vehicles = [record(dict(m)) for m in s.execute(vt.select().order_by(vt.c.id)).mappings()]
        q_shifts = st.select().where(st.c.service_date == day, st.c.ended_at.is_(None))
        shifts = {m["vehicle_id"]: record(dict(m)) for m in s.execute(q_shifts).mappings()}
        return vehicles, shifts

    def rides_and_plans(self, s: Session, day: date) -> tuple[list[Any], dict[str, Any]]:
        """Return ``day``'s active rides (by pickup window, id) and plans as stored now.

        Reads the day's version in ``s``; the records are read again when it is not
        the one kept. A session that has written to the day itself (uncommitted) is
        answered from the database and nothing is kept.
        """
        v = versions.read_version(s.connection(), day)  # before the rows: see module doc
        return self._rides_and_plans(s, day, v)

    def _rides_and_plans(
        self, s: Session, day: date, v: int
    ) -> tuple[list[Any], dict[str, Any]]:
        with self._lock:
            st = self._days.get(day)
        if st is not None and st.version == v and not self._own_writes(s, day):
            return st.ride_list(), st.plans
        q = _RIDES.select().where(_RIDES.c.service_date == day,
                                  _RIDES.c.status.in_(sorted(_ACTIVE)))
        rides = {m["id"]: record(dict(m)) for m in s.execute(q).mappings()}
        plans = {
            m["vehicle_id"]: record(dict(m))
            for m in s.execute(_PLANS.select().where(_PLANS.c.service_date == day)).mappings()
        }
        fresh = _Day(v, rides, plans)
        if not self._own_writes(s, day):
            with self._lock:
                self.reloads += 1
                old = self._days.get(day)
                if old is None or old.version <= v:
                    self._days[day] = fresh
                    self._evict()
        return fresh.ride_list(), plans

    @staticmethod
    def _own_writes(s: Session, day: date) -> bool:
        pending = s.info.get(versions.INFO)
        return bool(s.new or s.dirty or s.deleted) or (
            pending is not None and day in pending.versions
        )

    def forget(self, day: date | None = None) -> None:
        """Drop what is kept of ``day`` (every day when ``None``)."""
        with self._lock:
            if day is None:
                self._days.clear()
                self._locations.clear()
                self._fleets.clear()
            else:
                self._days.pop(day, None)
                self._locations.pop(day, None)
                self._fleets.pop(day, None)

    def version(self, day: date) -> int | None:
        """Return the version kept for ``day`` (``None`` when nothing is kept)."""
        with self._lock:
            st = self._days.get(day)
            return st.version if st is not None else None

    def _evict(self) -> None:
        tables: tuple[dict[date, Any], ...] = (self._days, self._locations, self._fleets)
        for table in tables:
            while len(table) > self.max_days:
                table.pop(min(table))  # the oldest service day goes first

    def _on_commit(self, changes: Sequence[versions.DayChange]) -> None:
        with self._lock:
            for ch in changes:
                st = self._days.get(ch.day)
                if st is None:
                    continue
                if not ch.complete or st.version != ch.version - 1:
                    if st.version < ch.version:
                        del self._days[ch.day]  # someone else's write came in between
                    continue
                rides, plans = dict(st.rides), dict(st.plans)
                for rid, values in ch.rides.items():
                    if values is None or values["status"] not in _ACTIVE:
                        rides.pop(rid, None)
                    else:
                        rides[rid] = record(values)
                for vid, values in ch.plans.items():
                    if values is None:
                        plans.pop(vid, None)
                    else:
                        plans[vid] = record(values)
                self._days[ch.day] = _Day(ch.version, rides, plans)
                self.applied += 1
