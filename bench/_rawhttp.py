"""A lean HTTP/1.1 keep-alive connection for the load benchmark's closed-loop clients.

Each client of ``noriai bench load`` holds one connection, as an app does, and
sends its next request when the last is answered. Through httpx the clients
spent about 4 ms of the client process's CPU per request, on two busy cores
that were also running the servers, and a request waited in httpx's connection
pool for the client's own event loop: traced request by request at 32 clients,
the 1 % slowest quotes spent 1.5-3.5 s there, before the first byte was sent,
while the server took under 0.7 s for each of them. Latency the client adds is
not the service's, so the load is driven with this: a request written in one
piece, the answer read by its ``Content-Length`` (or chunks), nothing else.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from typing import Any
from urllib.parse import urlsplit


class TransportError(Exception):
    """The connection failed before a whole answer was read."""


class Timeout(Exception):
    """No whole answer within the client's time-out."""


class Headers(dict[str, str]):
    """Response headers by lower-case name; ``get`` takes any case, as httpx's do."""

    def get(self, key: str, default: Any = None) -> Any:  # type: ignore[override]
        return super().get(key.lower(), default)


class Answer:
    """What the server answered: status, headers, body (the parts the clients read)."""

    def __init__(self, status_code: int, headers: Headers, content: bytes) -> None:
        self.status_code = status_code
        self.headers = headers
        self.content = content

    def json(self) -> Any:
        return json.loads(self.content)


class Connection:
    """One keep-alive connection to ``base``; requests on it go one after the other."""

    def __init__(self, base: str, timeout_s: float) -> None:
        url = urlsplit(base)
        self.host = url.hostname or "127.0.0.1"
        self.port = url.port or 80
        self.timeout_s = timeout_s
        self._reader: asyncio.StreamReader | None = None
        self._writer: asyncio.StreamWriter | None = None

    async def post(self, path: str, json: Any, headers: dict[str, str]) -> Answer:
        """POST ``json`` to ``path``; raise ``Timeout`` or ``TransportError``."""
        payload = _dumps(json)
        head = "".join(f"{k}: {v}\r\n" for k, v in headers.items())
        data = (f"POST {path} HTTP/1.1\r\nHost: {self.host}:{self.port}\r\n"
                f"Content-Type: application/json\r\nContent-Length: {len(payload)}\r\n"
                f"{head}\r\n").encode("latin-1") + payload
        try:
            return await asyncio.wait_for(self._exchange(data), self.timeout_s)
        except TimeoutError as exc:
            await self.close()  # an answer may still come on it: never read it as the next
            raise Timeout(f"no answer within {self.timeout_s:g} s") from exc

    async def _exchange(self, data: bytes) -> Answer:
        for attempt in (1, 2):
            reused, answered = self._writer is not None, False
            try:
                if self._writer is None:
                    self._reader, self._writer = await asyncio.open_connection(
                        self.host, self.port)
                assert self._reader is not None
                self._writer.write(data)
                line = await self._reader.readline()
                if not line:
                    raise ConnectionResetError("closed before the answer")
                answered = True
                return await self._answer(line)
            except (OSError, asyncio.IncompleteReadError, ValueError) as exc:
                await self.close()
                # A kept-alive connection the server closed while it was idle: sent again
                # on a new one, as browsers do (nothing of an answer had been read).
                stale = reused and not answered and isinstance(exc, ConnectionError)
                if not (stale and attempt == 1):
                    raise TransportError(str(exc) or type(exc).__name__) from exc
        raise AssertionError("unreachable")

    async def _answer(self, status_line: bytes) -> Answer:
        assert self._reader is not None
        status = int(status_line.split(b" ", 2)[1])
        headers = Headers()
        while (line := await self._reader.readline()) not in (b"\r\n", b"\n", b""):
            name, _, value = line.decode("latin-1").partition(":")
            headers[name.strip().lower()] = value.strip()
        if headers.get("transfer-encoding", "").lower() == "chunked":
            content = await self._chunks()
        else:
            content = await self._reader.readexactly(int(headers.get("content-length", "0")))
        if headers.get("connection", "").lower() == "close":
            await self.close()
        return Answer(status, headers, content)

    async def _chunks(self) -> bytes:
        assert self._reader is not None
        parts = []
        while size := int((await self._reader.readline()).split(b";")[0], 16):
            parts.append(await self._reader.readexactly(size))
            await self._reader.readexactly(2)
        while await self._reader.readline() not in (b"\r\n", b"\n", b""):
            pass  # trailers
        return b"".join(parts)

    async def close(self) -> None:
        """Close the connection (the next request opens a new one)."""
        writer, self._reader, self._writer = self._writer, None, None
        if writer is not None:
            writer.close()
            with contextlib.suppress(OSError):
                await writer.wait_closed()


def _dumps(body: Any) -> bytes:
    return json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode()
