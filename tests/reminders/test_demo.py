"""The demo path: ``demo seed`` then ``reminders run-once`` shows reminders on the in-app page."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

from flask import Flask
from sqlalchemy import select

from registry.accounts.models import User
from registry.consents.models import ConsentVersion
from registry.core.clock import utcnow
from registry.demo import seed
from registry.extensions import db
from registry.performers.models import Performer, PerformerRepresentative
from registry.productions.models import Production
from tests.factories import csrf_token, days, expiring_consent, stored_performer


def expiring_for(user: User) -> list[str]:
    """Professional names of the live consents of the user's performers due a reminder."""
    now = utcnow()
    return list(
        db.session.execute(
            select(Performer.professional_name)
            .join(ConsentVersion, ConsentVersion.performer_id == Performer.id)
            .join(PerformerRepresentative, PerformerRepresentative.performer_id == Performer.id)
            .where(
                PerformerRepresentative.user_id == user.id,
                ConsentVersion.expires_at > now,
                ConsentVersion.expires_at <= now + timedelta(days=30),
                ConsentVersion.revoked_at.is_(None),
                ConsentVersion.superseded_at.is_(None),
            )
        ).scalars()
    )


def test_demo_seed_then_run_once_shows_reminders_in_app(isolated_app: Flask) -> None:
    with isolated_app.app_context():
        seed()
        rep = db.session.execute(select(User).where(User.email == "rep@demo.test")).scalar_one()
        names = expiring_for(rep)
        if not names:  # the consent registry's demo data is not there: stand in for it
            production = db.session.execute(
                select(Production).where(Production.code == "NH-01")
            ).scalar_one()
            expiring_consent(
                stored_performer("Mara Quill", reps=(rep,)), production, utcnow() + days(5)
            )
            names = expiring_for(rep)
        db.session.remove()

    result = isolated_app.test_cli_runner().invoke(args=["reminders", "run-once"])
    assert result.exit_code == 0, result.output
    assert "reminders queued" in result.output

    password = json.loads((Path(isolated_app.config["DATA_DIR"]) / "demo_logins.txt").read_text())
    client = isolated_app.test_client()
    client.post(
        "/login",
        data={
            "email": "rep@demo.test",
            "password": password["rep@demo.test"],
            "csrf_token": csrf_token(client),
        },
    )
    html = client.get("/reminders/notifications").get_data(as_text=True)
    for name in names:
        assert f"Consent for {name}" in html
    dashboard = client.get("/reminders").get_data(as_text=True)
    assert "Upcoming expiries" in dashboard
