"""Who the client is: the socket's address, or, behind a listed reverse proxy, the
address the proxy saw.

``X-Forwarded-For`` is written by whoever sends the request, so it is believed
only when the socket peer is a proxy listed in ``NORIAI_TRUSTED_PROXIES``. Each
proxy appends the address it received the request from, so the list is read
from the right: the first hop that is not itself a listed proxy is the client;
anything left of it may be forged and is ignored. Every rate limit and log line
names the client through :func:`client_address`.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Sequence
from functools import lru_cache

from starlette.requests import HTTPConnection

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


@lru_cache(maxsize=16)
def parse_networks(entries: tuple[str, ...]) -> tuple[Network, ...]:
    """Return the networks of ``entries`` (addresses or CIDR blocks); ValueError names a bad one."""
    out: list[Network] = []
    for entry in entries:
        try:
            out.append(ipaddress.ip_network(entry.strip(), strict=False))
        except ValueError as exc:
            raise ValueError(f"not an IP address or network: {entry!r}") from exc
    return tuple(out)


def _is_trusted(address: str, networks: tuple[Network, ...]) -> bool:
    try:
        ip = ipaddress.ip_address(address.strip().strip("[]"))
    except ValueError:
        return False
    return any(ip in net for net in networks)


def forwarded_client(peer: str, forwarded_for: str | None, trusted: Sequence[str]) -> str:
    """Return the client's address given the socket ``peer`` and its X-Forwarded-For value.

    The header counts only when ``peer`` is in ``trusted``; then its rightmost
    entry that is not a trusted proxy is the client (all proxies: the leftmost).
    """
    networks = parse_networks(tuple(trusted))
    if not networks or not forwarded_for or not _is_trusted(peer, networks):
        return peer
    hops = [h.strip() for h in forwarded_for.split(",") if h.strip()]
    for hop in reversed(hops):
        if not _is_trusted(hop, networks):
            return hop[:64]
    return hops[0][:64] if hops else peer


def client_address(conn: HTTPConnection, trusted: Sequence[str]) -> str:
    """Return the address of the client of a request or websocket (see the module docs)."""
    peer = conn.client.host if conn.client else "-"
    return forwarded_client(peer, conn.headers.get("x-forwarded-for"), trusted)


def is_https(conn: HTTPConnection, trusted: Sequence[str]) -> bool:
    """Return whether the client reached us over TLS: the request's own scheme, or the
    ``X-Forwarded-Proto`` of a trusted proxy that terminated TLS.
    """
    if conn.url.scheme in {"https", "wss"}:
        return True
    peer = conn.client.host if conn.client else "-"
    networks = parse_networks(tuple(trusted))
    if not networks or not _is_trusted(peer, networks):
        return False
    proto = conn.headers.get("x-forwarded-proto", "").split(",")[-1].strip().lower()
    return proto == "https"
