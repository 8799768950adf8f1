"""What reminders and notices carry: the performer by professional name, never a personal field.

A real performer (personal fields encrypted through the service) and a real consent. The expiry
reminder goes to the rep and the production's webhook; once the rep revokes the consent through
the API, notices go to the production's vfx_lead and legal members: by e-mail (a real SMTP
server), in-app (``GET /api/v1/notifications``) and by webhook (a real HTTP receiver). None of
them may hold the legal name, e-mail or phone.
"""

from __future__ import annotations

from datetime import timedelta

from flask import Flask

from registry.core.clock import utcnow
from registry.extensions import db
from registry.jobs.passes import run_once
from registry.productions.models import Production
from tests.factories import (
    bearer,
    make_production,
    make_user,
    performer_with_personal_data,
    recorded_consent,
)
from tests.servers import HookSink, SmtpSink

PERSONAL = ("Margaret Quillon", "mquillon@private.example", "+44 20 7946 0111")


def _notifications(app: Flask, token: str) -> tuple[list[dict[str, object]], str]:
    response = app.test_client().get("/api/v1/notifications", headers=bearer(token))
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_json()["items"], response.get_data(as_text=True)


def test_reminders_and_notices_name_the_performer_without_personal_fields(
    isolated_app: Flask, smtp: SmtpSink, hooks: HookSink
) -> None:
    app = isolated_app
    app.config["SMTP_URL"] = smtp.url
    with app.app_context():
        rep, rep_token = make_user("talent_rep")
        vfx, vfx_token = make_user("vfx_lead")
        legal, legal_token = make_user("legal")
        production = make_production(members=(vfx, legal))
        row = db.session.get(Production, production.id)
        assert row is not None
        row.webhook_url = hooks.url
        db.session.commit()
        performer = performer_with_personal_data(
            rep,
            professional_name="Mara Quill",
            legal_name=PERSONAL[0],
            email=PERSONAL[1],
            phone=PERSONAL[2],
        )
        version = recorded_consent(
            rep, performer.id, production.id, expires_at=utcnow() + timedelta(days=20)
        )
        consent_id, emails = version.consent_id, {vfx.email, legal.email}
        rep_email = rep.email
        db.session.remove()

    run_once(app)  # the 30-day expiry reminder: to the rep only
    assert smtp.by_header("To") == [rep_email]
    revoked = app.test_client().post(
        f"/api/v1/consents/{consent_id}/revoke",
        json={"reason": "The performer withdrew consent in writing."},
        headers=bearer(rep_token),
    )
    assert revoked.status_code == 200, revoked.get_data(as_text=True)
    run_once(app)  # the notice that the consent ended: to the production's members

    notices = smtp.messages[1:]
    assert {str(m["To"]) for m in notices} == emails
    assert {str(m["X-Registry-Event"]) for m in notices} == {"consent.revoked"}
    for message in smtp.messages:
        text = message.as_string()
        assert "Mara Quill" in str(message["Subject"])
        assert not [value for value in PERSONAL if value in text], message["To"]
    sent = hooks.events()
    assert [event["json"]["event"] for event in sent] == ["consent.expiring", "consent.revoked"]
    for event in sent:
        assert event["json"]["performer"]["professional_name"] == "Mara Quill"
        assert not [value for value in PERSONAL if value.encode() in event["body"]]
    for token in (vfx_token, legal_token):
        items, body = _notifications(app, token)
        assert [(i["event"], i["consent_id"]) for i in items] == [("consent.revoked", consent_id)]
        assert "Mara Quill" in body
        assert not [value for value in PERSONAL if value in body]
    items, _ = _notifications(app, rep_token)
    assert [(i["event"], i["consent_id"]) for i in items] == [("consent.expiring", consent_id)]
