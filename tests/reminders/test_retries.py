"""Failed deliveries are retried with exponential backoff, then marked failed, never lost."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from flask import Flask
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from registry.core.errors import Conflict
from registry.extensions import db
from registry.jobs.passes import run_once
from registry.reminders import services, webhook_secrets
from registry.reminders.delivery import backoff
from registry.reminders.models import ReminderDelivery, WebhookSecret
from registry.reminders.webhooks import verify
from tests.factories import one_consent
from tests.servers import HookSink, SmtpSink

T0 = datetime(2027, 3, 1, 8, 0, tzinfo=UTC)


def deliveries(app: Flask, channel: str) -> list[ReminderDelivery]:
    with app.app_context():
        rows = db.session.query(ReminderDelivery).filter_by(channel=channel).all()
        db.session.expunge_all()
        db.session.remove()
    return rows


def test_fails_three_times_then_succeeds_is_sent_once(isolated_app: Flask, smtp: SmtpSink) -> None:
    isolated_app.config["SMTP_URL"] = smtp.url
    with time_machine.travel(T0, tick=False) as clock:
        setup = one_consent(isolated_app)
        smtp.fail_next[setup.rep_email] = 3
        now = T0
        for attempt, minutes in ((1, 1), (2, 2), (3, 4)):  # each fails: retried in 1, 2, 4 min
            run_once(isolated_app)
            [email] = deliveries(isolated_app, "email")
            assert (email.status, email.attempts) == ("pending", attempt)
            assert "451" in (email.last_error or "")
            wait = email.next_attempt_at - now
            # exponential, stretched by a jitter of up to 25%, reproducible per delivery
            assert timedelta(minutes=minutes) <= wait < timedelta(minutes=minutes) * 1.25
            with isolated_app.app_context():
                assert wait == backoff(attempt, email.id)
            clock.shift(wait - timedelta(seconds=1))
            run_once(isolated_app)  # too early: not attempted
            assert smtp.refused == attempt
            clock.shift(timedelta(seconds=1))
            now = email.next_attempt_at
        run_once(isolated_app)  # attempt 4 succeeds
        clock.shift(timedelta(hours=2))
        run_once(isolated_app)

    assert smtp.refused == 3
    assert smtp.count() == 1
    [email] = deliveries(isolated_app, "email")
    assert (email.status, email.attempts, email.last_error) == ("sent", 4, None)
    assert email.sent_at == now  # attempt 4, when it came due


def test_always_failing_ends_failed_then_an_admin_retry_sends_it_once(
    isolated_app: Flask, smtp: SmtpSink
) -> None:
    isolated_app.config["SMTP_URL"] = smtp.url
    with time_machine.travel(T0, tick=False) as clock:
        setup = one_consent(isolated_app)
        smtp.always_fail.add(setup.rep_email)
        for _ in range(12):
            run_once(isolated_app)
            clock.shift(timedelta(hours=1))
        [email] = deliveries(isolated_app, "email")
        assert (email.status, email.attempts) == ("failed", 5)
        assert "451" in (email.last_error or "")
        assert smtp.refused == 5 and smtp.count() == 0
        [inapp] = deliveries(isolated_app, "inapp")
        assert inapp.status == "sent"  # one channel failing does not hold back the others

        smtp.always_fail.clear()
        with isolated_app.app_context():
            services.retry_delivery(email.id, actor_id=None)
            db.session.commit()
            try:
                services.retry_delivery(email.id, actor_id=None)
            except Conflict:
                db.session.rollback()
            else:
                raise AssertionError("a pending delivery cannot be retried")
            db.session.remove()
        run_once(isolated_app)
        run_once(isolated_app)

    assert smtp.count() == 1
    [email] = deliveries(isolated_app, "email")
    assert (email.status, email.attempts) == ("sent", 1)


def test_webhook_signed_retried_and_delivered_once(isolated_app: Flask, hooks: HookSink) -> None:
    with time_machine.travel(T0, tick=False) as clock:
        setup = one_consent(isolated_app, webhook_url=hooks.url)
        hooks.fail_next = 3
        for _ in range(10):
            run_once(isolated_app)
            clock.shift(timedelta(minutes=5))

    assert hooks.attempts == 4
    [hook] = hooks.events()
    body = hook["json"]
    assert body["event"] == "consent.expiring"
    assert body["consent_version_id"] == setup.version_id
    assert body["performer"] == {"id": setup.performer_id, "professional_name": "Mara Quill"}
    assert body["threshold_days"] == 30
    headers = hook["headers"]
    assert headers["content-type"] == "application/json"
    with isolated_app.app_context():
        secret = db.session.get(WebhookSecret, setup.production_id)
        assert secret is not None
        assert verify(
            webhook_secrets.reveal(secret.production_id, secret.data_key_id, secret.secret_ct),
            headers["x-registry-timestamp"],
            hook["body"],
            headers["x-registry-signature"],
        )
        assert not verify(
            "whsec_wrong",
            headers["x-registry-timestamp"],
            hook["body"],
            headers["x-registry-signature"],
        )
        db.session.remove()
    assert headers["x-registry-signature"].startswith("sha256=")
    [webhook] = deliveries(isolated_app, "webhook")
    assert headers["x-registry-delivery"] == webhook.id
    assert (webhook.status, webhook.attempts) == ("sent", 4)
    # A receiver verifies with off-the-shelf code: the standardwebhooks package.
    assert headers["webhook-id"] == webhook.id
    with isolated_app.app_context():
        secret = db.session.get(WebhookSecret, setup.production_id)
        assert secret is not None
        clear = webhook_secrets.reveal(secret.production_id, secret.data_key_id, secret.secret_ct)
        db.session.remove()
    standard = {k: headers[k] for k in ("webhook-id", "webhook-timestamp", "webhook-signature")}
    with time_machine.travel(T0 + timedelta(minutes=16), tick=False):
        payload = Webhook(clear).verify(hook["body"], standard)
        assert payload["event"] == "consent.expiring"
        tampered = hook["body"].replace(b"Mara Quill", b"Someone Else")
        with pytest.raises(WebhookVerificationError):
            Webhook(clear).verify(tampered, standard)
        with pytest.raises(WebhookVerificationError):
            Webhook("whsec_" + "A" * 32).verify(hook["body"], standard)


def test_webhook_that_always_fails_is_marked_failed(isolated_app: Flask, hooks: HookSink) -> None:
    isolated_app.config["REMINDER_MAX_ATTEMPTS"] = 3
    with time_machine.travel(T0, tick=False) as clock:
        one_consent(isolated_app, webhook_url=hooks.url)
        hooks.always_fail = True
        for _ in range(8):
            run_once(isolated_app)
            clock.shift(timedelta(hours=1))
    assert hooks.attempts == 3
    assert hooks.events() == []
    [webhook] = deliveries(isolated_app, "webhook")
    assert webhook.status == "failed"
    assert "HTTP 503" in (webhook.last_error or "")
    statuses = Counter(d.status for d in deliveries(isolated_app, "inapp"))
    assert statuses == {"sent": 1}
