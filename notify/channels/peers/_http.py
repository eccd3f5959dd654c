"""A small threaded HTTP server the provider stand-ins are built on.

Each peer listens on 127.0.0.1 in a daemon thread, so tests, fault tests and the demo can run
it inside their own process. Besides answering like the real provider it can be told to fail:
answer a status for the next N requests, hang until released, or be down (its port closed,
then opened again on the same port, as a provider that comes back does).
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Self


@dataclass(frozen=True)
class Reply:
    """What a peer's route answers: status, JSON body (or none) and extra headers."""

    status: int
    body: dict[str, Any] | None = None
    headers: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class Request:
    """A request as the peer received it (header names lower-cased)."""

    method: str
    path: str
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        """The body parsed as JSON."""
        return json.loads(self.body.decode("utf-8"))


Route = Callable[[Request], Reply]


class HTTPPeer:
    """Base of the HTTP stand-ins: start/stop, fault switches, thread-safe records.

    Subclasses implement :meth:`route`. Use as a context manager or call :meth:`start`
    and :meth:`stop`; ``url`` is ``http://127.0.0.1:<port>`` once started (``port=0``
    picks a free port, kept across :meth:`down`/:meth:`up`).
    """

    def __init__(self, port: int = 0) -> None:
        self.port = port
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self._failures: list[Reply] = []
        self._fail_always: Reply | None = None
        self._release = threading.Event()
        self._release.set()
        self.requests_seen = 0
        self.connections = 0  # TCP connections accepted (a shared client reuses a few)

    # -- life cycle -------------------------------------------------------------------------

    @property
    def url(self) -> str:
        """The peer's origin, e.g. ``http://127.0.0.1:43121``."""
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> Self:
        """Listen (again) on ``port`` and serve in a daemon thread; returns self."""
        peer = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def setup(self) -> None:
                super().setup()
                with peer._lock:
                    peer.connections += 1

            def log_message(self, format: str, *args: Any) -> None:
                # The default writes every request to stderr; tests read records instead.
                return

            def _handle(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                request = Request(
                    method=self.command,
                    path=self.path,
                    headers={k.lower(): v for k, v in self.headers.items()},
                    body=body,
                )
                reply = peer._dispatch(request)
                payload = b"" if reply.body is None else json.dumps(reply.body).encode()
                try:
                    self.send_response(reply.status)
                    for name, value in reply.headers:
                        self.send_header(name, value)
                    if reply.body is not None:
                        self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(payload)))
                    self.end_headers()
                    self.wfile.write(payload)
                except OSError:
                    # The client gave up (its timeout) while the peer hung: nothing to answer.
                    self.close_connection = True

            do_GET = do_POST = do_PUT = do_DELETE = _handle

        server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        server.daemon_threads = True
        self.port = server.server_address[1]
        self._server = server
        # A short poll so stop() and down() take milliseconds, not the default half second.
        self._thread = threading.Thread(
            target=server.serve_forever, args=(0.02,), name=type(self).__name__, daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Close the port and release any hanging request."""
        self._release.set()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def down(self) -> None:
        """Be unreachable: the port is closed, so clients get "connection refused"."""
        self.stop()

    def up(self) -> None:
        """Come back on the same port after :meth:`down`."""
        if self._server is None:
            self.start()

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- fault switches ---------------------------------------------------------------------

    def fail_next(self, status: int, times: int = 1, retry_after: int | None = None) -> None:
        """Answer ``status`` (with an error body) to the next ``times`` requests."""
        headers = (("Retry-After", str(retry_after)),) if retry_after is not None else ()
        reply = Reply(status, {"error": f"stand-in answers {status}"}, headers)
        with self._lock:
            self._failures.extend([reply] * times)

    def fail_always(self, status: int | None) -> None:
        """Answer ``status`` to every request until called again with ``None``."""
        with self._lock:
            self._fail_always = None if status is None else Reply(status, {"error": "down"})

    def hang(self) -> None:
        """Hold every request without answering until :meth:`release` (or :meth:`stop`)."""
        self._release.clear()

    def release(self) -> None:
        """Let held requests go on (they are then answered normally)."""
        self._release.set()

    # -- internals --------------------------------------------------------------------------

    def _dispatch(self, request: Request) -> Reply:
        with self._lock:
            self.requests_seen += 1
        # A hung peer answers nothing; the wait is bounded so a forgotten release cannot
        # keep a thread alive for ever.
        self._release.wait(timeout=120)
        with self._lock:
            forced = self._failures.pop(0) if self._failures else self._fail_always
        if forced is not None:
            return forced
        return self.route(request)

    def route(self, request: Request) -> Reply:
        """Answer one request as the real provider would (overridden by each peer)."""
        return Reply(404, {"error": "no such route"})
