"""E-mail over STARTTLS with credentials, and over implicit TLS (smtps://), to real servers.

A throw-away CA and server certificate for 127.0.0.1 are made in the test; the client trusts
the CA through ``?cafile=`` in ``REGISTRY_SMTP_URL``. The password has characters that must be
percent-encoded in the URL.
"""

from __future__ import annotations

import ipaddress
import ssl
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from flask import Flask

from registry.jobs.passes import run_once
from registry.reminders.mail import MailConfigError, parse_smtp_url
from tests.factories import one_consent
from tests.servers import SmtpSink, _Handler, free_port

USER, PASSWORD = "registry", "p@ss:wörd/1"
PASSWORD_IN_URL = "p%40ss%3Aw%C3%B6rd%2F1"


def certificates(folder: Path) -> tuple[Path, Path, Path]:
    """(CA certificate, server certificate, server key) for 127.0.0.1."""
    now = datetime.now(UTC)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "test CA")])
    ca = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=5))
        .not_valid_after(now + timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(
            x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), critical=False
        )
        .sign(ca_key, hashes.SHA256())
    )
    key = ec.generate_private_key(ec.SECP256R1())
    cert = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")]))
        .issuer_name(ca_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=5))
        .not_valid_after(now + timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()),
            critical=False,
        )
        .add_extension(x509.ExtendedKeyUsage([x509.oid.ExtendedKeyUsageOID.SERVER_AUTH]), False)
        .sign(ca_key, hashes.SHA256())
    )
    paths = folder / "ca.pem", folder / "server.pem", folder / "server.key"
    paths[0].write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    paths[1].write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    paths[2].write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return paths


def server_context(cert: Path, key: Path) -> ssl.SSLContext:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    return context


class Logins:
    def __init__(self) -> None:
        self.seen: list[tuple[str, bool]] = []

    def __call__(self, server: Any, session: Any, envelope: Any, mechanism: str, data: Any) -> Any:
        ok = isinstance(data, LoginPassword) and (data.login, data.password) == (
            USER.encode(),
            PASSWORD.encode(),
        )
        self.seen.append((mechanism, ok))
        return AuthResult(success=ok, handled=False)  # False: the server answers 235 or 535


@pytest.fixture
def certs(tmp_path: Path) -> tuple[Path, Path, Path]:
    return certificates(tmp_path)


@pytest.fixture
def starttls_server(certs: tuple[Path, Path, Path]) -> Iterator[tuple[SmtpSink, Logins, int]]:
    sink, logins, port = SmtpSink(), Logins(), free_port()
    controller = Controller(
        _Handler(sink),
        hostname="127.0.0.1",
        port=port,
        tls_context=server_context(certs[1], certs[2]),
        require_starttls=True,
        auth_required=True,
        auth_require_tls=True,
        authenticator=logins,
    )
    controller.start()
    yield sink, logins, port
    controller.stop()


def test_starttls_with_credentials(
    isolated_app: Flask, starttls_server: tuple[SmtpSink, Logins, int], certs: Any
) -> None:
    sink, logins, port = starttls_server
    isolated_app.config["SMTP_URL"] = (
        f"smtp://{USER}:{PASSWORD_IN_URL}@127.0.0.1:{port}?starttls=1&cafile={certs[0]}"
    )
    setup = one_consent(isolated_app)
    result = run_once(isolated_app)
    assert result.delivery.by_channel.get("email") == 1
    assert [m["To"] for m in sink.messages] == [setup.rep_email]
    assert logins.seen and all(ok for _, ok in logins.seen)


def test_wrong_password_or_untrusted_certificate_is_retried_not_sent(
    isolated_app: Flask, starttls_server: tuple[SmtpSink, Logins, int], certs: Any
) -> None:
    sink, logins, port = starttls_server
    isolated_app.config["REMINDER_RETRY_BASE_SECONDS"] = 0
    isolated_app.config["SMTP_URL"] = (
        f"smtp://{USER}:wrong@127.0.0.1:{port}?starttls=1&cafile={certs[0]}&timeout=5"
    )
    one_consent(isolated_app)
    assert run_once(isolated_app).delivery.retrying == 1
    assert logins.seen == [("PLAIN", False)]
    isolated_app.config["SMTP_URL"] = (
        f"smtp://{USER}:{PASSWORD_IN_URL}@127.0.0.1:{port}?starttls=1&timeout=5"
    )
    assert run_once(isolated_app).delivery.retrying == 1  # the CA is not trusted
    assert sink.messages == []
    isolated_app.config["SMTP_URL"] = (
        f"smtp://{USER}:{PASSWORD_IN_URL}@127.0.0.1:{port}?starttls=1&cafile={certs[0]}"
    )
    assert run_once(isolated_app).delivery.by_channel == {"email": 1}
    assert len(sink.messages) == 1


def test_implicit_tls(isolated_app: Flask, certs: tuple[Path, Path, Path]) -> None:
    sink, port = SmtpSink(), free_port()
    controller = Controller(
        _Handler(sink),
        hostname="127.0.0.1",
        port=port,
        ssl_context=server_context(certs[1], certs[2]),
    )
    controller.start()
    try:
        isolated_app.config["SMTP_URL"] = f"smtps://127.0.0.1:{port}?cafile={certs[0]}"
        setup = one_consent(isolated_app)
        run_once(isolated_app)
    finally:
        controller.stop()
    assert [m["To"] for m in sink.messages] == [setup.rep_email]


def test_smtp_url_forms() -> None:
    plain = parse_smtp_url("smtp://127.0.0.1:2525")
    assert (plain.host, plain.port, plain.tls, plain.starttls, plain.username) == (
        "127.0.0.1",
        2525,
        False,
        False,
        None,
    )
    secure = parse_smtp_url(f"smtp://{USER}:{PASSWORD_IN_URL}@mail.example:587?starttls=1")
    assert (secure.starttls, secure.username, secure.password) == (True, USER, PASSWORD)
    assert parse_smtp_url("smtps://mail.example").port == 465
    for bad in ("http://mail.example", "smtp://", "smtp://host:notaport"):
        with pytest.raises(MailConfigError):
            parse_smtp_url(bad)
