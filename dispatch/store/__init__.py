"""Persistence of the dispatch state (SQLAlchemy 2): tables, sessions, conversions."""

from __future__ import annotations

from dispatch.store import tables as tables  # registers the tables on Base.metadata
from dispatch.store.base import Base as Base
from dispatch.store.base import UTCDateTime as UTCDateTime
from dispatch.store.base import create_all as create_all
from dispatch.store.base import make_engine as make_engine
from dispatch.store.repo import change_session as change_session
from dispatch.store.repo import read_session as read_session
from dispatch.store.repo import write_session as write_session
