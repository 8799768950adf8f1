"""No stale reminders; catch-up after downtime; the expiry cascade and revocation notices."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import time_machine
from flask import Flask

from registry.core.signals import consent_ended
from registry.extensions import db
from registry.jobs.passes import run_once, run_scan
from registry.performers.models import PerformerRepresentative
from registry.reminders.delivery import fan_out_queued
from registry.reminders.models import ExpiryCascade, Reminder, ReminderDelivery
from tests.factories import amend_consent, current_version, one_consent, revoke_consent
from tests.servers import HookSink, SmtpSink

T0 = datetime(2027, 5, 3, 12, 0, tzinfo=UTC)


def rows(app: Flask, model: Any) -> list[Any]:
    with app.app_context():
        found: list[Any] = db.session.query(model).all()
        db.session.expunge_all()
        db.session.remove()
    return found


def statuses(app: Flask) -> Counter[tuple[str, str]]:
    return Counter((d.channel, d.status) for d in rows(app, ReminderDelivery))


def scan_only(app: Flask) -> None:
    """Scan and fan out (the deliveries exist, pending), but send nothing yet."""
    with app.app_context():
        assert run_scan("test")[0]
        fan_out_queued()
        db.session.remove()


@pytest.fixture
def ended_signals() -> Iterator[list[dict[str, Any]]]:
    calls: list[dict[str, Any]] = []

    def receiver(sender: Any, **kwargs: Any) -> None:
        calls.append(kwargs)

    consent_ended.connect(receiver)
    yield calls
    consent_ended.disconnect(receiver)


def test_revoked_before_sending_gets_no_reminder_but_members_hear_of_it(
    isolated_app: Flask, smtp: SmtpSink
) -> None:
    isolated_app.config["SMTP_URL"] = smtp.url
    setup = one_consent(isolated_app)
    scan_only(isolated_app)
    assert statuses(isolated_app) == {("email", "pending"): 1, ("inapp", "pending"): 1}
    with isolated_app.app_context():
        revoke_consent(setup.consent_id)
        db.session.remove()
    # the notice is in the outbox as soon as the revocation is committed
    kinds = Counter((r.kind, r.status) for r in rows(isolated_app, Reminder))
    assert kinds == {("expiry", "ready"): 1, ("revoked", "queued"): 1}
    run_once(isolated_app)
    assert [m["To"] for m in smtp.messages] == [setup.vfx_email]
    message = smtp.messages[0]
    assert message["X-Registry-Event"] == "consent.revoked"
    plain = message.get_body(("plain",))
    assert plain is not None
    body = plain.get_content()
    assert "Mara Quill" in body
    assert "private" not in body.lower()  # neither the reason nor the restrictions
    assert statuses(isolated_app) == {
        ("email", "cancelled"): 1,
        ("inapp", "cancelled"): 1,
        ("email", "sent"): 1,
        ("inapp", "sent"): 1,
    }


def test_superseded_between_claim_and_send_is_cancelled_at_send_time(
    isolated_app: Flask, smtp: SmtpSink
) -> None:
    isolated_app.config["SMTP_URL"] = smtp.url
    setup = one_consent(isolated_app)
    scan_only(isolated_app)
    with isolated_app.app_context():
        amend_consent(setup.consent_id, expires_at=current_version(setup.consent_id).expires_at)
        db.session.remove()
    run_once(isolated_app)
    assert smtp.count() == 0  # the old version's reminder is stale; the new one inherits it
    old = [d for d in rows(isolated_app, ReminderDelivery)]
    assert {d.status for d in old} == {"cancelled"}
    assert {d.last_error for d in old} == {"the consent was amended (superseded)"}
    kinds = Counter((r.status, r.threshold_days) for r in rows(isolated_app, Reminder))
    assert kinds == {("ready", 30): 1, ("carried", 30): 1}


def test_expired_before_delivery_is_never_sent(isolated_app: Flask, smtp: SmtpSink) -> None:
    isolated_app.config["SMTP_URL"] = smtp.url
    with time_machine.travel(T0, tick=False) as clock:
        setup = one_consent(isolated_app, expires_in_days=0.5)
        smtp.always_fail.add(setup.rep_email)
        run_once(isolated_app)
        assert smtp.refused == 1
        smtp.always_fail.clear()
        clock.shift(timedelta(days=1))
        run_once(isolated_app)
    assert [m["X-Registry-Event"] for m in smtp.messages] == ["consent.expired"]
    [reminder_mail] = [
        d
        for d in rows(isolated_app, ReminderDelivery)
        if d.channel == "email" and d.recipient == setup.rep_id
    ]
    assert (reminder_mail.status, reminder_mail.last_error) == (
        "cancelled",
        "the consent has expired",
    )


def test_after_downtime_only_the_most_urgent_threshold_is_sent_once(
    isolated_app: Flask, smtp: SmtpSink
) -> None:
    isolated_app.config["SMTP_URL"] = smtp.url
    with time_machine.travel(T0, tick=False) as clock:
        one_consent(isolated_app, expires_in_days=40)
        clock.shift(timedelta(days=39.5))  # down since before the 30-day threshold
        first = run_once(isolated_app)
        for _ in range(3):
            clock.shift(timedelta(hours=2))
            run_once(isolated_app)
    assert (first.scan.queued, first.scan.skipped) == (1, 2)
    assert [m["X-Registry-Threshold-Days"] for m in smtp.messages] == ["1"]
    assert "expires within a day," in str(smtp.messages[0]["Subject"])
    kinds = sorted((r.threshold_days, r.status) for r in rows(isolated_app, Reminder))
    assert kinds == [(1, "ready"), (7, "skipped"), (30, "skipped")]


def test_a_more_urgent_threshold_supersedes_a_pending_one(
    isolated_app: Flask, smtp: SmtpSink
) -> None:
    isolated_app.config["SMTP_URL"] = smtp.url
    with time_machine.travel(T0, tick=False) as clock:
        setup = one_consent(isolated_app, expires_in_days=10)
        smtp.always_fail.add(setup.rep_email)
        run_once(isolated_app)  # the 30-day reminder fails and waits for its retry
        smtp.always_fail.clear()
        clock.shift(timedelta(days=3, seconds=30))  # 7-day threshold crossed
        with isolated_app.app_context():
            assert run_scan("test")[1].superseded == 1
            db.session.remove()
        run_once(isolated_app)
    assert [m["X-Registry-Threshold-Days"] for m in smtp.messages] == ["7"]


def test_extension_starts_its_own_thresholds(isolated_app: Flask, smtp: SmtpSink) -> None:
    isolated_app.config["SMTP_URL"] = smtp.url
    with time_machine.travel(T0, tick=False) as clock:
        setup = one_consent(isolated_app, expires_in_days=6)
        run_once(isolated_app)
        with isolated_app.app_context():
            amend_consent(setup.consent_id, expires_at=T0 + timedelta(days=50))
            db.session.remove()
        run_once(isolated_app)
        clock.shift(timedelta(days=21))
        run_once(isolated_app)
    assert [m["X-Registry-Threshold-Days"] for m in smtp.messages] == ["7", "30"]


def test_expiry_cascade_runs_once_and_tells_the_production(
    isolated_app: Flask, smtp: SmtpSink, hooks: HookSink, ended_signals: list[dict[str, Any]]
) -> None:
    isolated_app.config["SMTP_URL"] = smtp.url
    with time_machine.travel(T0, tick=False) as clock:
        setup = one_consent(isolated_app, expires_in_days=2, webhook_url=hooks.url)
        run_once(isolated_app)
        assert ended_signals == []
        clock.shift(timedelta(days=2))  # the very moment of expiry
        first = run_once(isolated_app)
        for _ in range(3):
            clock.shift(timedelta(hours=6))
            run_once(isolated_app)
    assert first.cascaded == 1
    assert ended_signals == [
        {
            "version_ids": [setup.version_id],
            "reason": "expired",
            "at": T0 + timedelta(days=2),
            "actor_id": None,
        }
    ]
    assert [r.version_id for r in rows(isolated_app, ExpiryCascade)] == [setup.version_id]
    events = [(m["X-Registry-Event"], m["To"]) for m in smtp.messages]
    assert events == [
        ("consent.expiring", setup.rep_email),
        ("consent.expired", setup.vfx_email),
    ]
    assert [h["json"]["event"] for h in hooks.events()] == ["consent.expiring", "consent.expired"]
    assert hooks.events()[1]["json"]["ended_at"] == (T0 + timedelta(days=2)).isoformat()


def test_revoking_an_amended_consent_sends_one_notice(isolated_app: Flask, smtp: SmtpSink) -> None:
    isolated_app.config["SMTP_URL"] = smtp.url
    setup = one_consent(isolated_app, expires_in_days=200)
    with isolated_app.app_context():
        amend_consent(setup.consent_id)
        amend_consent(setup.consent_id)
        revoke_consent(setup.consent_id)
        db.session.remove()
    run_once(isolated_app)
    run_once(isolated_app)
    assert [(m["X-Registry-Event"], m["To"]) for m in smtp.messages] == [
        ("consent.revoked", setup.vfx_email)
    ]


def test_a_representative_who_stopped_representing_gets_nothing(
    isolated_app: Flask, smtp: SmtpSink
) -> None:
    isolated_app.config["SMTP_URL"] = smtp.url
    setup = one_consent(isolated_app)
    scan_only(isolated_app)
    with isolated_app.app_context():
        link = db.session.get(PerformerRepresentative, (setup.performer_id, setup.rep_id))
        db.session.delete(link)
        db.session.commit()
        db.session.remove()
    run_once(isolated_app)
    assert smtp.count() == 0
    assert statuses(isolated_app) == {("email", "cancelled"): 1, ("inapp", "cancelled"): 1}


def test_without_smtp_reminders_are_in_app_only(isolated_app: Flask) -> None:
    assert isolated_app.config["SMTP_URL"] is None
    one_consent(isolated_app)
    result = run_once(isolated_app)
    assert result.delivery.by_channel == {"inapp": 1}
    assert statuses(isolated_app) == {("inapp", "sent"): 1}


def test_a_consent_ending_between_scan_and_fan_out_gets_no_deliveries(
    isolated_app: Flask, smtp: SmtpSink
) -> None:
    isolated_app.config["SMTP_URL"] = smtp.url
    with time_machine.travel(T0, tick=False) as clock:
        revoked = one_consent(isolated_app, expires_in_days=20)
        expiring = one_consent(isolated_app, expires_in_days=0.5, name="Jon Vale")
        with isolated_app.app_context():
            assert run_scan("test")[1].queued == 2
            revoke_consent(revoked.consent_id)  # the receiver cancels its queued reminder
            db.session.remove()
        clock.shift(timedelta(days=1))  # the other one expires before any fan-out
        with isolated_app.app_context():
            fan_out_queued()
            db.session.remove()
        run_once(isolated_app)
    expiry = [r for r in rows(isolated_app, Reminder) if r.kind == "expiry"]
    not_skipped = sorted((r.consent_version_id, r.status) for r in expiry if r.status != "skipped")
    assert not_skipped == sorted(
        [(revoked.version_id, "cancelled"), (expiring.version_id, "cancelled")]
    )
    assert sorted(str(m["X-Registry-Event"]) for m in smtp.messages) == [
        "consent.expired",
        "consent.revoked",
    ]
    expiry_ids = {r.id for r in expiry}
    assert all(d.reminder_id not in expiry_ids for d in rows(isolated_app, ReminderDelivery))
