"""Slow clients against the documented production layout: gunicorn's sync workers behind the
nginx configuration in ``deploy/nginx.conf`` (only its addresses and certificate paths swapped
for the test's). More connections that trickle their headers than there are workers leave
``/healthz`` answering through nginx, while the same trickle sent to gunicorn directly ties
every worker up (which is why production runs behind the proxy)."""

from __future__ import annotations

import os
import shutil
import socket
import ssl
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from flask import Flask

from tests.servers import free_port

ROOT = Path(__file__).resolve().parents[2]
WORKERS = 2
SLOW = 8  # more than workers x threads (sync workers: one thread each)


def _nginx() -> str:
    path = shutil.which("nginx") or "/usr/sbin/nginx"
    if not os.path.exists(path):
        raise RuntimeError("nginx is required (scripts/test.sh installs Debian's nginx-light)")
    return path


def _certificate(folder: Path) -> tuple[Path, Path]:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.now(UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=1))
        .not_valid_after(now + timedelta(hours=1))
        .sign(key, hashes.SHA256())
    )
    cert_file, key_file = folder / "cert.pem", folder / "key.pem"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_file, key_file


def _wait(url: str, context: ssl.SSLContext | None = None, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=1, context=context) as answer:
                if answer.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"{url} did not answer")


@contextmanager
def _gunicorn(app: Flask, port: int) -> Iterator[None]:
    env = {
        **os.environ,
        "REGISTRY_DATABASE_URL": str(app.config["DATABASE_URL"]),
        "REGISTRY_DATA_DIR": str(app.config["DATA_DIR"]),
        "WEB_CONCURRENCY": str(WORKERS),
    }
    gunicorn = str(Path(sys.executable).with_name("gunicorn"))
    process = subprocess.Popen(
        [gunicorn, "-c", "gunicorn.conf.py", "--bind", f"127.0.0.1:{port}", "wsgi:app"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        _wait(f"http://127.0.0.1:{port}/healthz")
        yield
    finally:
        process.terminate()
        process.wait(timeout=30)


@contextmanager
def _nginx_in_front(folder: Path, upstream: int, https: int, http: int) -> Iterator[None]:
    cert, key = _certificate(folder)
    site = (ROOT / "deploy" / "nginx.conf").read_text()
    for old, new in (
        ("server 127.0.0.1:8000;", f"server 127.0.0.1:{upstream};"),
        ("listen 80;", f"listen 127.0.0.1:{http};"),
        ("listen 443 ssl;", f"listen 127.0.0.1:{https} ssl;"),
        ("/etc/ssl/registry/fullchain.pem", str(cert)),
        ("/etc/ssl/registry/privkey.pem", str(key)),
    ):
        assert old in site, old
        site = site.replace(old, new)
    (folder / "site.conf").write_text(site)
    temp = {name: folder / name for name in ("body", "proxy", "fastcgi", "uwsgi", "scgi")}
    for path in temp.values():
        path.mkdir()
    main = f"""
        {"user root;" if os.geteuid() == 0 else ""}
        daemon off;
        worker_processes 1;
        pid {folder}/nginx.pid;
        error_log {folder}/error.log;
        events {{ worker_connections 512; }}
        http {{
            access_log off;
            client_body_temp_path {temp["body"]};
            proxy_temp_path {temp["proxy"]};
            fastcgi_temp_path {temp["fastcgi"]};
            uwsgi_temp_path {temp["uwsgi"]};
            scgi_temp_path {temp["scgi"]};
            include {folder}/site.conf;
        }}
    """
    (folder / "nginx.conf").write_text(main)
    process = subprocess.Popen(
        [_nginx(), "-p", str(folder), "-c", str(folder / "nginx.conf")],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        _wait(f"https://127.0.0.1:{https}/healthz", _insecure())
        yield
    finally:
        process.terminate()
        process.wait(timeout=30)


def _insecure() -> ssl.SSLContext:
    """The test's own self-signed certificate, on loopback only."""
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    return context


def _trickle(stack: ExitStack, port: int, tls: bool) -> list[socket.socket]:
    """Open SLOW connections that send a request line and part of one header, then stall."""
    sockets = []
    for _ in range(SLOW):
        raw = socket.create_connection(("127.0.0.1", port), timeout=10)
        conn = _insecure().wrap_socket(raw, server_hostname="127.0.0.1") if tls else raw
        stack.callback(conn.close)
        conn.sendall(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ")
        sockets.append(conn)
    return sockets


def _healthz_within(url: str, seconds: float, context: ssl.SSLContext | None = None) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=seconds, context=context) as answer:
            return bool(answer.status == 200)
    except OSError:
        return False


@pytest.mark.slow
def test_slow_clients_tie_up_bare_workers_but_not_the_proxied_layout(
    isolated_app: Flask, tmp_path: Path
) -> None:
    upstream, https, http = free_port(), free_port(), free_port()
    with _gunicorn(isolated_app, upstream), _nginx_in_front(tmp_path, upstream, https, http):
        with ExitStack() as stack:
            slow = _trickle(stack, https, tls=True)
            time.sleep(1)
            assert _healthz_within(f"https://127.0.0.1:{https}/healthz", 5, _insecure())
            for conn in slow:  # still trickling, one byte at a time
                conn.sendall(b"x")
            assert _healthz_within(f"https://127.0.0.1:{https}/healthz", 5, _insecure())
        with ExitStack() as stack:
            _trickle(stack, upstream, tls=False)
            time.sleep(1)
            # the same trickle straight at gunicorn: every worker waits for a header's end
            assert not _healthz_within(f"http://127.0.0.1:{upstream}/healthz", 3)
