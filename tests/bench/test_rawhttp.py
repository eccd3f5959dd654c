"""The load clients' HTTP/1.1 connection against a real socket server on this machine."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable

import pytest

from bench import _rawhttp as rawhttp

Handler = Callable[[asyncio.StreamReader, asyncio.StreamWriter], Awaitable[None]]


async def _read_request(reader: asyncio.StreamReader) -> tuple[str, dict[str, str], bytes]:
    line = (await reader.readline()).decode()
    headers = {}
    while (h := await reader.readline()) not in (b"\r\n", b""):
        name, _, value = h.decode().partition(":")
        headers[name.strip().lower()] = value.strip()
    body = await reader.readexactly(int(headers.get("content-length", "0")))
    return line, headers, body


async def _serve(handler: Handler) -> tuple[asyncio.Server, str]:
    server = await asyncio.start_server(handler, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    return server, f"http://127.0.0.1:{port}"


def test_answers_by_length_and_by_chunks_on_one_connection() -> None:
    """Two requests on one kept-alive connection: a sized answer, then a chunked one."""
    seen: list[tuple[str, dict[str, str], bytes]] = []
    connections = 0

    async def handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        nonlocal connections
        connections += 1
        seen.append(await _read_request(reader))
        body = b'{"offer": 1}'
        writer.write(b"HTTP/1.1 503 Service Unavailable\r\nRetry-After: 2\r\n"
                     b"Content-Length: %d\r\n\r\n%s" % (len(body), body))
        seen.append(await _read_request(reader))
        writer.write(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
                     b"5\r\n{\"a\":\r\n3\r\n 2}\r\n0\r\n\r\n")
        await writer.drain()
        await reader.read()  # until the client closes
        writer.close()

    async def main() -> tuple[rawhttp.Answer, rawhttp.Answer]:
        server, base = await _serve(handler)
        conn = rawhttp.Connection(base, timeout_s=5)
        try:
            first = await conn.post("/api/v1/quotes", json={"名前": "太郎"},
                                    headers={"Authorization": "Bearer t"})
            second = await conn.post("/api/v1/bookings", json={"offer_id": "O1"}, headers={})
        finally:
            await conn.close()
            server.close()
        return first, second

    first, second = asyncio.run(main())
    assert (first.status_code, first.headers.get("Retry-After"), first.json()) == (
        503, "2", {"offer": 1})
    assert (second.status_code, second.json()) == (200, {"a": 2})
    assert connections == 1
    (line1, head1, body1), (line2, _, body2) = seen
    assert line1.startswith("POST /api/v1/quotes HTTP/1.1")
    assert head1["authorization"] == "Bearer t"
    assert head1["content-type"] == "application/json"
    assert json.loads(body1) == {"名前": "太郎"}
    assert line2.startswith("POST /api/v1/bookings") and json.loads(body2) == {"offer_id": "O1"}


def test_a_connection_the_server_closed_while_idle_is_replaced_once() -> None:
    """The server drops the kept-alive connection after one answer: the next request is
    sent again on a new connection; a server that drops every request is an error."""
    connections = 0

    async def drop_after_one(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        nonlocal connections
        connections += 1
        await _read_request(reader)
        writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n{}")
        await writer.drain()
        writer.close()  # idle timeout: no "Connection: close" was said

    async def drop_all(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await _read_request(reader)
        writer.close()

    async def main() -> list[int]:
        server, base = await _serve(drop_after_one)
        conn = rawhttp.Connection(base, timeout_s=5)
        codes = [(await conn.post("/x", json={}, headers={})).status_code]
        await asyncio.sleep(0.05)  # the server's close has arrived
        codes.append((await conn.post("/x", json={}, headers={})).status_code)
        await conn.close()
        server.close()
        server, base = await _serve(drop_all)
        with pytest.raises(rawhttp.TransportError):
            await rawhttp.Connection(base, timeout_s=5).post("/x", json={}, headers={})
        server.close()
        return codes

    assert asyncio.run(main()) == [200, 200]
    assert connections == 2


def test_no_answer_in_time_is_a_timeout() -> None:
    async def silent(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await _read_request(reader)
        await asyncio.sleep(5)

    async def main() -> None:
        server, base = await _serve(silent)
        conn = rawhttp.Connection(base, timeout_s=0.2)
        try:
            with pytest.raises(rawhttp.Timeout):
                await conn.post("/x", json={}, headers={})
        finally:
            server.close()

    asyncio.run(main())
