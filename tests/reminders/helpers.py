"""Small shared helpers for the reminder tests."""

from __future__ import annotations

from dataclasses import dataclass

from flask import Flask, g
from flask.testing import FlaskClient

from registry.core.clock import utcnow
from registry.extensions import db
from registry.productions.models import Production
from tests.factories import make_production, make_user
from tests.reminders.factory import days, make_consent, make_performer


@dataclass
class Setup:
    rep_id: str
    rep_email: str
    vfx_id: str
    vfx_email: str
    production_id: str
    performer_id: str
    version_id: str
    consent_id: str


def one_consent(
    app: Flask,
    *,
    expires_in_days: float = 20,
    webhook_url: str | None = None,
    name: str = "Mara Quill",
) -> Setup:
    """A rep, a vfx lead member of one production, one performer, one consent; committed."""
    with app.app_context():
        rep, _ = make_user("talent_rep")
        vfx, _ = make_user("vfx_lead")
        production = make_production(members=(vfx,))
        if webhook_url:
            row = db.session.get(Production, production.id)
            assert row is not None
            row.webhook_url = webhook_url
            db.session.commit()
        performer = make_performer(name, reps=(rep,))
        version = make_consent(performer, production, utcnow() + days(expires_in_days))
        setup = Setup(
            rep.id,
            rep.email,
            vfx.id,
            vfx.email,
            production.id,
            performer.id,
            version.id,
            version.consent_id,
        )
        db.session.remove()
    return setup


def fresh_client(app: Flask) -> FlaskClient:
    """A new test client for another user.

    Under the ``ctx`` fixture every request shares one app context, so ``g`` would carry the
    previous client's logged-in user (Flask-Login) and CSRF token (Flask-WTF) over.
    """
    g.pop("_login_user", None)
    g.pop("csrf_token", None)
    return app.test_client()
