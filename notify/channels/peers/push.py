"""A stand-in Web Push service (RFC 8030) that checks what a real one checks, and more.

It plays both ends a browser and its push service play: :meth:`PushServicePeer.subscribe`
makes a subscription (a P-256 key pair and an auth secret, as ``PushManager.subscribe``
would) and returns its JSON; ``POST /push/<id>`` then

- verifies the VAPID header (RFC 8292): ``vapid t=<JWT>, k=<key>``, an ES256 signature by
  ``k``, ``aud`` equal to this service's origin, ``exp`` in the future and at most 24 h away,
  a ``sub`` contact, and ``k`` equal to the subscription's application server key if given;
- decrypts the ``aes128gcm`` body per RFC 8291/8188 with the subscription's private key
  (written here from the RFCs, not with the sender's library, so a fault in one is caught);
- records the plaintext and answers 201 with a ``Location``.

A subscription can be ended (:meth:`unsubscribe` → 410, unknown → 404), and the usual fault
switches of :class:`~notify.channels.peers._http.HTTPPeer` apply (429/5xx, hang, down).
"""

from __future__ import annotations

import base64
import json
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from cryptography.exceptions import InvalidSignature, InvalidTag
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from notify.channels.peers._http import HTTPPeer, Reply, Request

MAX_EXP_AHEAD_S = 24 * 3600  # RFC 8292 §2: exp no more than 24 hours from the request


def b64url_decode(text: str) -> bytes:
    """Decode unpadded base64url (the encoding of every Web Push key and token)."""
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def b64url_encode(data: bytes) -> str:
    """Encode as unpadded base64url."""
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


class PushRejected(ValueError):
    """Why the push service refused a request (becomes a 4xx answer)."""

    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status = status


@dataclass(frozen=True)
class PushRecord:
    """One push message as the browser would receive it, after decryption."""

    subscription_id: str
    plaintext: bytes
    ttl: int
    urgency: str | None
    claims: dict[str, Any]
    vapid_public_key: str

    def json(self) -> Any:
        """The decrypted payload parsed as JSON."""
        return json.loads(self.plaintext.decode("utf-8"))


@dataclass
class _Subscription:
    private_key: ec.EllipticCurvePrivateKey
    auth: bytes
    application_server_key: str | None
    active: bool = True
    received: list[PushRecord] = field(default_factory=list)


def verify_vapid(authorization: str, audience: str, now: float) -> tuple[dict[str, Any], str]:
    """Check a ``vapid t=…, k=…`` header; return the JWT claims and the public key ``k``.

    Raises :class:`PushRejected` (401) when the scheme, the signature, ``aud``, ``exp`` or
    ``sub`` is wrong: what RFC 8292 asks a push service to refuse.
    """
    scheme, _, params = authorization.partition(" ")
    if scheme.lower() != "vapid":
        raise PushRejected(401, "authorization scheme is not vapid")
    parts = dict(p.strip().split("=", 1) for p in params.split(",") if "=" in p)
    token, key = parts.get("t", ""), parts.get("k", "")
    try:
        header_b64, claims_b64, signature_b64 = token.split(".")
        header = json.loads(b64url_decode(header_b64))
        claims = json.loads(b64url_decode(claims_b64))
        signature = b64url_decode(signature_b64)
        public = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), b64url_decode(key))
    except (ValueError, TypeError) as exc:
        raise PushRejected(401, f"malformed VAPID token: {exc}") from exc
    if header.get("alg") != "ES256" or len(signature) != 64:
        raise PushRejected(401, "VAPID token is not ES256")
    r, s = int.from_bytes(signature[:32], "big"), int.from_bytes(signature[32:], "big")
    try:
        public.verify(
            encode_dss_signature(r, s),
            f"{header_b64}.{claims_b64}".encode("ascii"),
            ec.ECDSA(hashes.SHA256()),
        )
    except InvalidSignature as exc:
        raise PushRejected(401, "VAPID signature does not verify") from exc
    if claims.get("aud") != audience:
        raise PushRejected(401, f"VAPID aud {claims.get('aud')!r} is not {audience!r}")
    exp = claims.get("exp")
    if not isinstance(exp, int) or exp <= now or exp > now + MAX_EXP_AHEAD_S:
        raise PushRejected(401, "VAPID exp is past or more than 24 h ahead")
    sub = str(claims.get("sub", ""))
    if not sub.startswith(("mailto:", "https:")):
        raise PushRejected(401, "VAPID sub is not a mailto: or https: contact")
    return claims, key


def _hkdf(salt: bytes, ikm: bytes, info: bytes, length: int) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=length, salt=salt, info=info).derive(ikm)


def decrypt_aes128gcm(
    body: bytes, private_key: ec.EllipticCurvePrivateKey, auth_secret: bytes
) -> bytes:
    """Decrypt a Web Push message body (RFC 8291 keys, RFC 8188 ``aes128gcm`` records).

    Raises :class:`PushRejected` (400) when the header, a record or the padding is wrong.
    """
    if len(body) < 21:
        raise PushRejected(400, "body shorter than the aes128gcm header")
    salt, rs, idlen = body[:16], int.from_bytes(body[16:20], "big"), body[20]
    as_public_raw, ciphertext = body[21 : 21 + idlen], body[21 + idlen :]
    if idlen != 65 or rs < 18:
        raise PushRejected(400, "keyid is not an uncompressed P-256 key or rs too small")
    try:
        as_public = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), as_public_raw)
    except ValueError as exc:
        raise PushRejected(400, "keyid is not a P-256 point") from exc
    ua_public_raw = private_key.public_key().public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
    )
    ecdh_secret = private_key.exchange(ec.ECDH(), as_public)
    key_info = b"WebPush: info\x00" + ua_public_raw + as_public_raw
    ikm = _hkdf(auth_secret, ecdh_secret, key_info, 32)
    cek = _hkdf(salt, ikm, b"Content-Encoding: aes128gcm\x00", 16)
    nonce = int.from_bytes(_hkdf(salt, ikm, b"Content-Encoding: nonce\x00", 12), "big")
    records = [ciphertext[i : i + rs] for i in range(0, len(ciphertext), rs)]
    if not records:
        raise PushRejected(400, "no records")
    plaintext = b""
    for seq, record in enumerate(records):
        try:
            padded = AESGCM(cek).decrypt((nonce ^ seq).to_bytes(12, "big"), record, None)
        except InvalidTag as exc:
            raise PushRejected(400, "a record does not decrypt") from exc
        data = padded.rstrip(b"\x00")
        last = seq == len(records) - 1
        if not data or data[-1] != (2 if last else 1):
            raise PushRejected(400, "wrong record delimiter")
        plaintext += data[:-1]
    return plaintext


class PushServicePeer(HTTPPeer):
    """The push service stand-in; ``received`` lists each decrypted message."""

    def __init__(
        self, port: int = 0, *, on_record: Callable[[PushRecord], None] | None = None
    ) -> None:
        super().__init__(port)
        self.on_record = on_record
        self.received: list[PushRecord] = []
        self.rejections: list[str] = []  # why requests were refused, for failing tests
        self._subs: dict[str, _Subscription] = {}

    def subscribe(self, application_server_key: str | None = None) -> dict[str, Any]:
        """Make a subscription as a browser would; return its JSON (endpoint and keys).

        ``application_server_key`` (the VAPID public key, base64url) binds it to that
        sender: pushes signed by another key are refused with 403.
        """
        private = ec.generate_private_key(ec.SECP256R1())
        auth = secrets.token_bytes(16)
        sub_id = secrets.token_urlsafe(12)
        with self._lock:
            self._subs[sub_id] = _Subscription(private, auth, application_server_key)
        public = private.public_key().public_bytes(
            serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
        )
        return {
            "endpoint": f"{self.url}/push/{sub_id}",
            "keys": {"p256dh": b64url_encode(public), "auth": b64url_encode(auth)},
        }

    def unsubscribe(self, subscription: dict[str, Any]) -> None:
        """End a subscription: later pushes to it are answered 410 Gone."""
        sub_id = str(subscription["endpoint"]).rsplit("/", 1)[-1]
        with self._lock:
            self._subs[sub_id].active = False

    def route(self, request: Request) -> Reply:
        """Accept ``POST /push/<id>`` after checking VAPID and decrypting the body.

        ``POST /subscriptions`` (optional ``{"applicationServerKey": …}``) answers a new
        subscription, for a notifier in another process that has no browser to ask.
        """
        if request.method == "POST" and request.path == "/subscriptions":
            try:
                key = request.json().get("applicationServerKey") if request.body else None
            except (ValueError, AttributeError):
                return Reply(400, {"error": "body must be a JSON object"})
            return Reply(201, self.subscribe(application_server_key=key))
        if request.method != "POST" or not request.path.startswith("/push/"):
            return Reply(404, {"error": "no such route"})
        try:
            record = self._accept(request.path.removeprefix("/push/"), request)
        except PushRejected as exc:
            with self._lock:
                self.rejections.append(str(exc))
            return Reply(exc.status, {"error": str(exc)})
        if self.on_record is not None:
            self.on_record(record)
        return Reply(201, None, (("Location", f"/messages/{len(self.received)}"),))

    def _accept(self, sub_id: str, request: Request) -> PushRecord:
        with self._lock:
            sub = self._subs.get(sub_id)
        if sub is None:
            raise PushRejected(404, "no such subscription")
        if not sub.active:
            raise PushRejected(410, "subscription expired or unsubscribed")
        ttl_header = request.headers.get("ttl", "")
        if not ttl_header.isdigit():
            raise PushRejected(400, "TTL header missing (RFC 8030 §5.2)")
        claims, key = verify_vapid(request.headers.get("authorization", ""), self.url, time.time())
        if sub.application_server_key is not None and key != sub.application_server_key:
            raise PushRejected(403, "VAPID key is not the subscription's application server key")
        if request.headers.get("content-encoding") != "aes128gcm":
            raise PushRejected(400, "content encoding is not aes128gcm")
        plaintext = decrypt_aes128gcm(request.body, sub.private_key, sub.auth)
        record = PushRecord(
            sub_id, plaintext, int(ttl_header), request.headers.get("urgency"), claims, key
        )
        with self._lock:
            sub.received.append(record)
            self.received.append(record)
        return record
