"""gunicorn, started as ``make run`` starts it, never writes a calendar token to its access log."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

from registry.web.access_log import redact
from tests.reminders.servers import free_port

ROOT = Path(__file__).resolve().parents[2]


def _get(url: str) -> int:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return int(response.status)
    except urllib.error.HTTPError as error:
        return int(error.code)


def test_redact_hides_calendar_tokens_only() -> None:
    assert (
        redact("GET /calendar/abc123.ics?x=1 HTTP/1.1") == "GET /calendar/[redacted]?x=1 HTTP/1.1"
    )
    assert redact("/api/v1/consents/cns_1") == "/api/v1/consents/cns_1"


def test_the_access_log_has_the_request_but_not_the_token(tmp_path: Path) -> None:
    token = secrets.token_urlsafe(24)
    port = free_port()
    log = tmp_path / "access.log"
    env = {k: v for k, v in os.environ.items() if not k.startswith("REGISTRY_")}
    env.update(
        {
            "REGISTRY_DATA_DIR": str(tmp_path / "data"),
            "REGISTRY_DATABASE_URL": f"sqlite:///{tmp_path / 'log.db'}",
            "WEB_CONCURRENCY": "1",
        }
    )
    subprocess.run(
        [sys.executable, "-m", "flask", "--app", "wsgi", "db", "upgrade"],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
    )
    server = subprocess.Popen(
        [
            str(Path(sys.executable).with_name("gunicorn")),
            "--bind",
            f"127.0.0.1:{port}",
            "--access-logfile",
            str(log),
            "wsgi:app",
        ],
        cwd=ROOT,  # reads gunicorn.conf.py there, as make run does
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if _get(f"http://127.0.0.1:{port}/healthz") == 200:
                    break
            except OSError:
                pass
            assert time.monotonic() < deadline, "gunicorn did not start"
            time.sleep(0.2)
        assert _get(f"http://127.0.0.1:{port}/calendar/{token}.ics") == 404
        for _ in range(50):
            text = log.read_text() if log.exists() else ""
            if "/calendar/" in text:
                break
            time.sleep(0.1)
    finally:
        server.terminate()
        server.wait(timeout=30)
    assert "GET /calendar/[redacted] HTTP/1.1" in text and " 404 " in text
    assert token not in text
