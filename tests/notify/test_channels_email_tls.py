"""Email over TLS to a local aiosmtpd server with a certificate made here: implicit TLS
(465) and STARTTLS (587) arrive encrypted when the relay's certificate verifies against
the configured CA file; a certificate that does not verify, or a relay that offers no
STARTTLS, is a retry and nothing is written to it in clear.
"""

from __future__ import annotations

import asyncio
import ipaddress
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from notify.channels.base import Message
from notify.channels.email import EmailChannel, EmailConfig
from notify.channels.peers import SmtpPeer

SENDER = "神栖市デマンドタクシー <noreply@noriai.example.jp>"


@dataclass(frozen=True)
class Pki:
    """A CA's certificate and a relay certificate it signed for 127.0.0.1 and localhost."""

    ca_file: str
    cert_file: str
    key_file: str


def _name(cn: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)])


def make_pki(directory: Path, tag: str) -> Pki:
    """A throwaway CA and a server certificate signed by it, written as PEM files."""
    now = datetime.now(UTC)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca = (
        x509.CertificateBuilder().subject_name(_name(f"test CA {tag}"))
        .issuer_name(_name(f"test CA {tag}")).public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=5)).not_valid_after(now + timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(x509.KeyUsage(digital_signature=True, key_cert_sign=True, crl_sign=True,
                                     content_commitment=False, key_encipherment=False,
                                     data_encipherment=False, key_agreement=False,
                                     encipher_only=False, decipher_only=False), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()),
                       critical=False)
        .sign(ca_key, hashes.SHA256())
    )  # fmt: skip
    key = ec.generate_private_key(ec.SECP256R1())
    cert = (
        x509.CertificateBuilder().subject_name(_name("localhost")).issuer_name(ca.subject)
        .public_key(key.public_key()).serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=5)).not_valid_after(now + timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([
            x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False)
        .add_extension(x509.ExtendedKeyUsage([x509.ExtendedKeyUsageOID.SERVER_AUTH]),
                       critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()),
                       critical=False)
        .sign(ca_key, hashes.SHA256())
    )  # fmt: skip
    paths = [directory / f"{tag}-{n}.pem" for n in ("ca", "cert", "key")]
    paths[0].write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    paths[1].write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    paths[2].write_bytes(key.private_bytes(serialization.Encoding.PEM,
                                           serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))  # fmt: skip
    return Pki(*(str(p) for p in paths))


@pytest.fixture(scope="module")
def pki(tmp_path_factory: pytest.TempPathFactory) -> Pki:
    return make_pki(tmp_path_factory.mktemp("pki"), "relay")


@pytest.fixture(scope="module")
def other_ca(tmp_path_factory: pytest.TempPathFactory) -> Pki:
    return make_pki(tmp_path_factory.mktemp("pki-other"), "other")


def _message(did: str) -> Message:
    return Message(did, "email", "hanako.suzuki@example.jp", "ja", "【のりあい】お知らせ",
                   "明日 9:30 にお迎えに参ります。", None)  # fmt: skip


def _send(peer: SmtpPeer, did: str, **tls: object) -> tuple[bool, bool, str | None]:
    config = EmailConfig(peer.host, peer.port, SENDER, **tls)  # type: ignore[arg-type]
    result = asyncio.run(EmailChannel(config).send(_message(did), timeout_s=5))
    return result.ok, result.permanent, result.error


@pytest.mark.parametrize(
    ("mode", "tls"),
    [
        ("implicit", {"implicit_tls": True, "starttls": False}),
        ("implicit", {"implicit_tls": True}),  # STARTTLS left on: moot over implicit TLS
        ("starttls", {"starttls": True}),
    ],
)
def test_a_relay_whose_certificate_verifies_receives_the_message_encrypted(
    pki: Pki, mode: str, tls: dict[str, object]
) -> None:
    """Implicit TLS and STARTTLS both arrive, over TLS, checked against the CA file."""
    with SmtpPeer(tls=mode, cert_file=pki.cert_file, key_file=pki.key_file) as peer:
        assert _send(peer, "d-tls-1", ca_file=pki.ca_file, **tls) == (True, False, None)
        [mail] = peer.received
    assert mail.tls and mail.subject == "【のりあい】お知らせ"


@pytest.mark.parametrize("mode", ["implicit", "starttls"])
def test_a_certificate_that_does_not_verify_is_refused_and_retried(
    pki: Pki, other_ca: Pki, mode: str
) -> None:
    """Signed by a CA we do not trust (or the system's CAs only): nothing sent, a retry."""
    tls = {"implicit_tls": mode == "implicit", "starttls": mode == "starttls"}
    with SmtpPeer(tls=mode, cert_file=pki.cert_file, key_file=pki.key_file) as peer:
        assert _send(peer, "d-tls-2", ca_file=other_ca.ca_file, **tls) == (False, False, "tls")
        assert _send(peer, "d-tls-3", **tls) == (False, False, "tls")  # the system's CAs
        assert peer.received == []
        # the office turns verification off (a relay on the same host): it goes through
        assert _send(peer, "d-tls-4", verify_certs=False, **tls) == (True, False, None)
        assert [m.tls for m in peer.received] == [True]


def test_a_relay_without_starttls_is_not_written_to_in_clear() -> None:
    """STARTTLS is required when configured: a plain relay gets no message, it is retried."""
    with SmtpPeer() as peer:
        assert _send(peer, "d-tls-5", starttls=True) == (False, False, "tls")
        assert peer.received == []


def test_a_missing_ca_file_is_a_configuration_error(tmp_path: Path) -> None:
    """A CA file that is not there is refused when the settings are read, not at sending."""
    with pytest.raises(ValueError, match="CA file"):
        EmailConfig("127.0.0.1", 465, SENDER, implicit_tls=True, ca_file=str(tmp_path / "no.pem"))
