"""The service day's version: bumped by every write to a day's rides or plans.

Any session (the engine's, the booking API's) that flushes a change to a
``RideRow`` or ``PlanRow`` bumps ``service_days.version`` of that row's day in
the same transaction (once per transaction and day), so a process that keeps
a day in memory (``dispatch.daycache``) can tell, with one small read, whether
another process changed it. After the commit the changed rows are handed to
the in-process listeners of the same database (``listen``), so a process's
own writes keep its memory current without a reload.

The hooks are SQLAlchemy session events on every ``Session``: a write that
goes around the ORM (a Core ``UPDATE rides``) must bump the version itself
(``bump``).
"""

from __future__ import annotations

import threading
import weakref
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Any, cast

from sqlalchemy import Connection, Table, event, inspect
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from dispatch.store.tables import PlanRow, RideRow, ServiceDay

INFO = "noriai.day_changes"
_RIDE_KEYS = tuple(a.key for a in inspect(RideRow).column_attrs)
_PLAN_KEYS = tuple(a.key for a in inspect(PlanRow).column_attrs)


@dataclass
class DayChange:
    """What one committed transaction did to one day.

    ``version`` is the day's version after the commit (the one before was
    ``version - 1``). ``rides`` and ``plans`` map ids to the rows' column values
    (``None``: deleted). ``complete`` is false when some changed row could not
    be read back without the database (the listener must reload the day).
    """

    day: date
    version: int
    rides: dict[str, dict[str, Any] | None] = field(default_factory=dict)
    plans: dict[str, dict[str, Any] | None] = field(default_factory=dict)
    complete: bool = True


Listener = Callable[[list[DayChange]], None]
_listeners: weakref.WeakKeyDictionary[Any, list[Listener]] = weakref.WeakKeyDictionary()
_lock = threading.Lock()


def listen(pool: Any, fn: Listener) -> None:
    """Call ``fn`` with the day changes of every transaction committed through ``pool``."""
    with _lock:
        _listeners.setdefault(pool, []).append(fn)


def unlisten(pool: Any, fn: Listener) -> None:
    """Stop calling ``fn`` (see ``listen``)."""
    with _lock:
        fns = _listeners.get(pool, [])
        if fn in fns:
            fns.remove(fn)


def bump(conn: Connection, day: date) -> int:
    """Add one to ``day``'s version (creating its row) and return the new version."""
    table = cast("Table", ServiceDay.__table__)
    ins = pg_insert(table) if conn.dialect.name == "postgresql" else sqlite_insert(table)
    stmt = (
        ins.values(service_date=day, version=1)
        .on_conflict_do_update(
            index_elements=[table.c.service_date], set_={"version": table.c.version + 1}
        )
        .returning(table.c.version)
    )
    return int(conn.execute(stmt).scalar_one())


def read_version(conn: Connection, day: date) -> int:
    """Return ``day``'s current version (0 when nothing was ever written)."""
    table = ServiceDay.__table__
    got = conn.execute(
        table.select().with_only_columns(table.c.version).where(table.c.service_date == day)
    ).scalar()
    return int(got or 0)


class _Pending:
    """Per transaction: the days bumped and the changed objects (read after the commit)."""

    def __init__(self, pool: Any) -> None:
        self.pool = pool
        self.versions: dict[date, int] = {}
        # (the object, its day, deleted, inserted in this transaction)
        self.objects: dict[tuple[type, Any], tuple[Any, date, bool, bool]] = {}
        self.broken: set[date] = set()


def _days_of(obj: Any) -> set[date]:
    state = inspect(obj)
    hist = state.attrs.service_date.history
    return {d for d in (*hist.added, *hist.unchanged, *hist.deleted) if d is not None}


@event.listens_for(Session, "after_flush")
def _after_flush(session: Session, _ctx: Any) -> None:
    inserted = set(map(id, session.new))
    changed: list[tuple[Any, bool]] = [
        *((o, False) for o in (*session.new, *session.dirty)),
        *((o, True) for o in session.deleted),
    ]
    changed = [(o, gone) for o, gone in changed if isinstance(o, RideRow | PlanRow)]
    if not changed:
        return
    conn = session.connection()
    pending: _Pending | None = session.info.get(INFO)
    if pending is None:
        pending = session.info[INFO] = _Pending(conn.engine.pool)
    for obj, gone in changed:
        for day in _days_of(obj):
            if day not in pending.versions:
                pending.versions[day] = bump(conn, day)
            key = (type(obj), id(obj))
            was_new = id(obj) in inserted or (key in pending.objects and pending.objects[key][3])
            pending.objects[key] = (obj, day, gone, was_new)


@event.listens_for(Session, "after_soft_rollback")
def _after_rollback(session: Session, previous: Any) -> None:
    pending: _Pending | None = session.info.get(INFO)
    if pending is None:
        return
    if previous.nested:
        # a savepoint rolled back: what it changed cannot be told apart any more
        pending.broken.update(pending.versions)
    else:
        session.info.pop(INFO, None)


def _server_filled(model: type) -> frozenset[str]:
    """Columns the database may fill on insert (their value is only known by reading)."""
    attrs: Any = inspect(model).column_attrs
    return frozenset(
        a.key for a in attrs
        if any(c.server_default is not None or c.autoincrement is True for c in a.columns)
    )


_FILLED = {RideRow: _server_filled(RideRow), PlanRow: _server_filled(PlanRow)}


def _values(obj: Any, keys: tuple[str, ...], new: bool) -> dict[str, Any] | None:
    state = inspect(obj)
    loaded, expired, filled = state.dict, state.expired_attributes, _FILLED[type(obj)]
    out: dict[str, Any] = {}
    for k in keys:
        if k in loaded:
            v = loaded[k]
            out[k] = list(v) if isinstance(v, list) else v
        elif k in expired or k in filled or not new:
            return None  # expired, or filled by the database: only the database knows
        else:
            out[k] = None  # never set on a new row without a default: stored as NULL
    return out


@event.listens_for(Session, "after_commit")
def _after_commit(session: Session) -> None:
    pending: _Pending | None = session.info.pop(INFO, None)
    if pending is None:
        return
    with _lock:
        fns = list(_listeners.get(pending.pool, ()))
    if not fns:
        return
    changes = {d: DayChange(d, v, complete=d not in pending.broken)
               for d, v in pending.versions.items()}
    for (kind, _), (obj, day, gone, new) in pending.objects.items():
        ch = changes[day]
        is_ride = kind is RideRow
        values = None if gone else _values(obj, _RIDE_KEYS if is_ride else _PLAN_KEYS, new)
        if not gone and values is None:
            ch.complete = False
            continue
        if values is not None and values["service_date"] != day:
            values = None  # moved to another day: gone from this one
        if is_ride:
            ch.rides[obj.id] = values
        else:
            ch.plans[obj.vehicle_id] = values
    for fn in fns:
        fn(list(changes.values()))
