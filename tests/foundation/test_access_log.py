"""gunicorn, started as ``make run`` starts it, never writes a calendar token to its access log."""

from __future__ import annotations

import secrets
import time
from pathlib import Path

from registry.web.access_log import redact
from tests.gunicorn import get_status, served


def test_redact_hides_calendar_tokens_only() -> None:
    assert (
        redact("GET /calendar/abc123.ics?x=1 HTTP/1.1") == "GET /calendar/[redacted]?x=1 HTTP/1.1"
    )
    assert redact("/api/v1/consents/cns_1") == "/api/v1/consents/cns_1"


def test_the_access_log_has_the_request_but_not_the_token(tmp_path: Path) -> None:
    token = secrets.token_urlsafe(24)
    log = tmp_path / "access.log"
    text = ""
    with served(
        tmp_path / "data", tmp_path / "log.db", workers=1, args=("--access-logfile", str(log))
    ) as base:
        assert get_status(f"{base}/calendar/{token}.ics") == 404
        for _ in range(50):
            text = log.read_text() if log.exists() else ""
            if "/calendar/" in text:
                break
            time.sleep(0.1)
    assert "GET /calendar/[redacted] HTTP/1.1" in text and " 404 " in text
    assert token not in text
