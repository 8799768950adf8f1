"""A first pass end to end: scan, enqueue, deliver over real SMTP, in-app."""

from __future__ import annotations

from flask import Flask

from registry.core.clock import utcnow
from registry.extensions import db
from registry.jobs.passes import run_once
from registry.reminders.models import Reminder, ReminderDelivery
from tests.factories import days, expiring_consent, make_production, make_user, stored_performer
from tests.servers import SmtpSink


def test_one_reminder_reaches_the_representative_once(isolated_app: Flask, smtp: SmtpSink) -> None:
    isolated_app.config["SMTP_URL"] = smtp.url
    with isolated_app.app_context():
        rep, _ = make_user("talent_rep", "rita@example.test")
        vfx, _ = make_user("vfx_lead")
        production = make_production("NH-01", members=(vfx,))
        performer = stored_performer("Mara Quill", reps=(rep,))
        version = expiring_consent(performer, production, utcnow() + days(20))
        version_id = version.id
        db.session.remove()

    first = run_once(isolated_app)
    assert first.scan.queued == 1
    assert first.delivery.sent == 2  # e-mail and in-app
    assert smtp.count() == 1
    message = smtp.messages[0]
    assert message["To"] == "rita@example.test"
    assert "Mara Quill" in message["Subject"]
    assert message["X-Registry-Consent-Version"] == version_id
    assert message["X-Registry-Threshold-Days"] == "30"
    assert message["Message-ID"].startswith("<dlv_")
    assert message.get_body(("plain",)) is not None
    assert message.get_body(("html",)) is not None

    second = run_once(isolated_app)
    assert second.scan.queued == 0
    assert second.delivery.sent == 0
    assert smtp.count() == 1
    with isolated_app.app_context():
        assert db.session.query(Reminder).count() == 1
        assert {d.status for d in db.session.query(ReminderDelivery)} == {"sent"}
