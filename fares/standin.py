"""The local payment provider's stand-in, served on 127.0.0.1 for the tests and the demo.

It plays the provider's side of an online purchase: its checkout page
(``GET /pay?checkout=…&amount=…``, what ``LocalProvider.pay_url`` points at) lets
the resident pay, cancel, or leave the payment pending; paying or cancelling
sends a signed webhook (``StandIn``: HMAC over the raw body) to the server and
then sends the browser back to the resident's wallet with the outcome
(``#/wallet?checkout=…&result=paid|cancel|pending``). The server credits the
wallet only when the paid webhook arrives, so the page waits for nothing else.
"""

from __future__ import annotations

import html
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import httpx

from fares.payprovider import StandIn

_PAGE = """<!doctype html><html lang="ja"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width,initial-scale=1">
<title>決済（テスト用） Payment (stand-in)</title>
<style>body{{font:1.25rem/1.6 sans-serif;max-width:30rem;margin:2rem auto;padding:0 1rem}}
button{{font-size:1.25rem;min-height:3rem;width:100%;margin:.5rem 0}}</style></head>
<body><main><h1>決済（テスト用） / Payment (stand-in)</h1>
<p id="amount">お支払い金額 / Amount: <strong>{amount}円</strong></p>
<form method="post" action="/pay/{checkout}/paid">
<input type="hidden" name="amount" value="{amount}">
<button id="pay" type="submit">支払う / Pay</button></form>
<form method="post" action="/pay/{checkout}/pending">
<input type="hidden" name="amount" value="{amount}">
<button id="later" type="submit">あとで支払う / Pay later</button></form>
<form method="post" action="/pay/{checkout}/cancel">
<input type="hidden" name="amount" value="{amount}">
<button id="cancel" type="submit">やめる / Cancel</button></form></main></body></html>"""


@dataclass
class PayStandIn:
    """A running stand-in: its base URL, its signer (to resend, settle later) and its server."""

    url: str
    signer: StandIn
    server: ThreadingHTTPServer

    def close(self) -> None:
        """Stop serving."""
        self.server.shutdown()
        self.server.server_close()


def _handler(signer: StandIn, return_url: str) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: Any) -> None:  # quiet: tests read their own output
            return

        def _send(self, status: int, body: str = "", location: str = "") -> None:
            self.send_response(status)
            if location:
                self.send_header("Location", location)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            data = body.encode()
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_GET(self) -> None:
            parts = urlsplit(self.path)
            query = parse_qs(parts.query)
            checkout = query.get("checkout", [""])[0]
            amount = query.get("amount", [""])[0]
            if parts.path != "/pay" or not checkout or not amount.isdigit():
                self._send(404, "not found")
                return
            self._send(200, _PAGE.format(checkout=html.escape(checkout), amount=int(amount)))

        def do_POST(self) -> None:
            bits = self.path.strip("/").split("/")
            length = int(self.headers.get("Content-Length") or 0)
            form = parse_qs(self.rfile.read(length).decode())
            amount = form.get("amount", [""])[0]
            if len(bits) != 3 or bits[0] != "pay" or bits[2] not in ("paid", "pending", "cancel"):
                self._send(404, "not found")
                return
            if not amount.isdigit():
                self._send(400, "no amount")
                return
            checkout, result = bits[1], bits[2]
            if result == "paid":
                signer.pay(checkout, int(amount))
            elif result == "cancel":
                signer.deliver(*signer.event(checkout, "payment.failed", int(amount)))
            back = f"{return_url}#/wallet?" + urlencode({"checkout": checkout, "result": result})
            self._send(303, location=back)

    return Handler


def serve(
    secret: str,
    server_url: str,
    port: int = 0,
    clock: Callable[[], float] = time.time,
    provider: str = "local",
) -> PayStandIn:
    """Start the stand-in on 127.0.0.1 (``port`` 0: a free one) in a thread; return it.

    ``server_url`` is Noriai's base URL: the webhooks go to its
    ``/api/v1/payments/webhooks/<provider>`` and the resident returns to its ``/``.
    ``clock`` is the time the signatures carry (the server's clock in the tests).
    """
    base = server_url.rstrip("/")
    hook = f"{base}/api/v1/payments/webhooks/{provider}"

    def send(body: bytes, headers: dict[str, str]) -> int:
        res = httpx.post(hook, content=body, headers=headers, timeout=10)
        return res.status_code

    signer = StandIn(secret=secret, send=send, clock=clock)
    server = ThreadingHTTPServer(("127.0.0.1", port), _handler(signer, f"{base}/"))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return PayStandIn(url=f"http://127.0.0.1:{server.server_port}", signer=signer, server=server)
