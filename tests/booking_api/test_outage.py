"""The database goes away mid-traffic: clear 503s with Retry-After, /health says so, and
the service recovers by itself once the database is back.

PostgreSQL is reached through a local TCP relay that the test can cut and restore,
so the outage is real (connections refused and dropped), not a mocked error.
"""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import pytest
from fastapi.testclient import TestClient

from booking_api.main import create_app
from booking_api.settings import Settings
from dispatch.store.base import Base, make_engine
from tests.booking_api.conftest import Api, _drop_schema, _postgres_schema_url, quote_body
from tests.booking_api.fakes import FakeFleet, FixedClock

pytestmark = pytest.mark.postgres


class Relay:
    """A TCP relay from a local port to ``target``; ``cut`` drops every connection."""

    def __init__(self, target: tuple[str, int]) -> None:
        self.target = target
        probe = socket.socket()
        probe.bind(("127.0.0.1", 0))
        self.port = int(probe.getsockname()[1])
        probe.close()
        self.conns: list[socket.socket] = []
        self.listener: socket.socket | None = None

    def open(self) -> None:
        """Listen again and relay new connections."""
        listener = socket.socket()
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port))
        listener.listen(64)
        self.listener = listener
        threading.Thread(target=self._accept, args=(listener,), daemon=True).start()

    def cut(self) -> None:
        """Stop listening and close every relayed connection (the database is gone)."""
        if self.listener is not None:
            with contextlib.suppress(OSError):
                self.listener.shutdown(socket.SHUT_RDWR)  # wakes the blocked accept()
            self.listener.close()
            self.listener = None
        for conn in self.conns:
            with contextlib.suppress(OSError):
                conn.shutdown(socket.SHUT_RDWR)
            conn.close()
        self.conns.clear()

    def _accept(self, listener: socket.socket) -> None:
        while True:
            try:
                client, _ = listener.accept()
            except OSError:
                return
            upstream = socket.create_connection(self.target)
            self.conns += [client, upstream]
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pump, args=(a, b), daemon=True).start()

    @staticmethod
    def _pump(src: socket.socket, dst: socket.socket) -> None:
        try:
            while data := src.recv(65536):
                dst.sendall(data)
        except OSError:
            pass
        finally:
            for s in (src, dst):
                with contextlib.suppress(OSError):
                    s.shutdown(socket.SHUT_RDWR)


@pytest.fixture
def relayed(postgres_url: str) -> Iterator[tuple[str, Relay]]:
    """A private PostgreSQL schema with every table, and a URL to it through a relay."""
    url, schema = _postgres_schema_url(postgres_url)
    direct = make_engine(url)
    Base.metadata.create_all(direct)
    direct.dispose()
    parts = urlsplit(url)
    relay = Relay((parts.hostname or "127.0.0.1", parts.port or 5432))
    relay.open()
    user = f"{parts.username}@" if parts.username else ""
    netloc = f"{user}127.0.0.1:{relay.port}"
    try:
        yield urlunsplit(parts._replace(netloc=netloc)), relay
    finally:
        relay.cut()
        _drop_schema(postgres_url, schema)


def test_database_outage_answers_503_and_recovers(
    settings: Settings, clock: FixedClock, city_map: Any, relayed: tuple[str, Relay]
) -> None:
    url, relay = relayed
    db = make_engine(url, pool_timeout_s=2, statement_timeout_s=5)
    app = create_app(settings, engine=FakeFleet(clock), clock=clock, city_map=city_map, db=db)
    with TestClient(app) as client:
        api = Api(client, db)
        _, me = api.member()
        assert client.get("/api/v1/bookings", headers=me).status_code == 200
        assert client.get("/health").status_code == 200

        relay.cut()
        for method, path in (("GET", "/api/v1/bookings"), ("POST", "/api/v1/quotes")):
            body = quote_body() if method == "POST" else None
            r = client.request(method, path, headers=me, json=body)
            assert r.status_code == 503, (path, r.status_code, r.text)
            assert r.headers["Retry-After"].isdigit()
            detail = r.json()["detail"]
            assert detail["code"] == "unavailable"
            assert "データベース" in detail["message_ja"] and "database" in detail["message_en"]
        health = client.get("/health")
        assert health.status_code == 503 and health.json()["db"] == "error"

        relay.open()
        back = time.monotonic()
        while client.get("/api/v1/bookings", headers=me).status_code != 200:
            assert time.monotonic() - back < 30, "the service did not recover"
            time.sleep(0.05)
        assert client.get("/health").status_code == 200
    db.dispose()
