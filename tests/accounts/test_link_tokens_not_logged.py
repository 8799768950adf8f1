"""The token of an invitation or a password reset link opens an account: gunicorn's access log
(and the error log, which uses the same redaction) never writes it."""

from __future__ import annotations

import secrets
import time
from pathlib import Path

import pytest

from registry.accounts import invitations, services
from registry.app import create_app
from registry.extensions import db
from registry.web.access_log import redact
from tests.gunicorn import get_status, served


@pytest.mark.parametrize("prefix", ["/welcome/", "/reset-password/"])
def test_redact_hides_link_tokens(prefix: str) -> None:
    token = secrets.token_urlsafe(32)
    assert redact(f"POST {prefix}{token} HTTP/1.1") == f"POST {prefix}[redacted] HTTP/1.1"
    assert redact(f"{prefix}{token}?x=1") == f"{prefix}[redacted]?x=1"


def test_the_access_log_has_the_link_visits_but_not_their_tokens(tmp_path: Path) -> None:
    log = tmp_path / "access.log"
    data, database = tmp_path / "data", tmp_path / "links.db"
    text = ""
    with served(data, database, workers=1, args=("--access-logfile", str(log))) as base:
        app = create_app(
            {"DATABASE_URL": f"sqlite:///{database}", "DATA_DIR": str(data), "SMTP_URL": None}
        )
        with app.app_context():
            user = services.create_user(
                "invited@example.test", "vfx_lead", "Ines", None, actor_id=None
            )
            invitation = invitations.issue_link(user, "invitation", actor_id=None)
            db.session.commit()
            reset = invitations.issue_link(user, "password_reset", actor_id=None)
            db.session.commit()
            db.engine.dispose()
        assert get_status(f"{base}/welcome/{invitation}") == 410, "replaced by the reset link"
        assert get_status(f"{base}/reset-password/{reset}") == 200
        for _ in range(50):
            text = log.read_text() if log.exists() else ""
            if "/welcome/" in text and "/reset-password/" in text:
                break
            time.sleep(0.1)
    # whatever the log's format (plain or JSON lines), the visits are there, the tokens not
    assert "/welcome/[redacted]" in text and "/reset-password/[redacted]" in text
    assert invitation not in text and reset not in text
