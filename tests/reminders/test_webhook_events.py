"""Webhook events beyond the notices, for real: a use request decided, its decision no longer
valid when the consent is revoked (and the consent's own ``consent.revoked``), a declaration
escalated and cleared. Each reaches a real receiver on 127.0.0.1 once, is verified with the
off-the-shelf ``standardwebhooks`` package, and carries ids, outcomes, rule ids and times but
no personal data. A production without a webhook gets no event rows at all."""

from __future__ import annotations

import json
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import func, select
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from registry.extensions import db
from registry.jobs.passes import run_once
from registry.productions.models import Production
from registry.reminders import webhook_secrets
from registry.reminders.models import EVENT_KINDS, Reminder, ReminderDelivery, WebhookSecret
from registry.transactions import unit_of_work
from tests.factories import revoke, stored_consent, stored_performer
from tests.servers import HookSink
from tests.triage.world import TriageWorld

STANDARD = ("webhook-id", "webhook-timestamp", "webhook-signature")
LEGAL_NAME = "Mara Quill"


def _secret(app: Flask, production_id: str) -> str:
    with app.app_context():
        row = db.session.get(WebhookSecret, production_id)
        assert row is not None
        clear = webhook_secrets.reveal(row.production_id, row.data_key_id, row.secret_ct)
        db.session.remove()
    return clear


def _verified(app: Flask, hooks: HookSink, production_id: str) -> dict[str, dict[str, Any]]:
    """Every event received, verified as a receiver would, by event name (each once)."""
    webhook = Webhook(_secret(app, production_id))
    out: dict[str, dict[str, Any]] = {}
    for hook in hooks.events():
        headers = {k: hook["headers"][k] for k in STANDARD}
        payload = webhook.verify(hook["body"], headers)
        assert isinstance(payload, dict)
        assert payload["delivery_id"] == headers["webhook-id"]
        assert payload["event"] not in out, payload["event"]  # once each
        out[payload["event"]] = payload
        tampered = hook["body"].replace(b'"event"', b'"evenT"')
        with pytest.raises(WebhookVerificationError):
            webhook.verify(tampered, headers)
    return out


def test_decisions_declarations_and_ended_consents_reach_the_webhook_verified(
    isolated_app: Flask, hooks: HookSink
) -> None:
    app = isolated_app
    with app.app_context():
        with unit_of_work():
            world = TriageWorld(app.test_client())
            production = db.session.get(Production, world.production.id)
            assert production is not None
            production.webhook_url = hooks.url
        performer = stored_performer(LEGAL_NAME)
        version = stored_consent(performer, world.production, ["digital_alteration"])
        production_id, code = world.production.id, world.production.code
        asked = world.ask(
            kind="alteration", performer_id=performer.id, facts={"changes": ["other"]}
        )
        assert asked.status_code == 201, asked.json
        request, decision = asked.json, asked.json["decision"]
        assert decision["outcome"] == "allow"
        declared = world.declared(title="Killer doll", category="key_creative", output="final")
        assert declared["triage"]["level"] == "escalate"
        approved = world.approve(declared["id"])
        assert approved.status_code == 201, approved.json
        revoke(version, reason="the performer withdrew")
        consent_id = version.consent_id
        db.session.remove()

    run_once(app)
    events = _verified(app, hooks, production_id)
    assert set(events) == {
        "decision.made",
        "decision.invalidated",
        "declaration.escalated",
        "declaration.cleared",
        "consent.revoked",
        "declaration.declared",  # the notice to the studio contacts, as before
    }

    made = events["decision.made"]
    assert made["subject"] == {"type": "decision", "id": decision["id"]}
    assert made["production"]["id"] == production_id and made["production"]["code"] == code
    assert made["link"].endswith(f"/requests/{request['id']}")
    data = made["data"]
    assert data["decision_id"] == decision["id"] and data["request_id"] == request["id"]
    assert data["outcome"] == "allow" and data["request_kind"] == "alteration"
    assert data["rules"] == [r["id"] for r in decision["rules"]] and data["rules"]
    assert data["decided_at"] == decision["decided_at"].replace("Z", "+00:00")
    assert data["ruleset_version"] == decision["ruleset_version"]

    gone = events["decision.invalidated"]["data"]
    assert (gone["decision_id"], gone["request_id"]) == (decision["id"], request["id"])
    assert (gone["valid"], gone["reason"]) == (False, "revoked")
    assert gone["invalidated_at"]

    escalated = events["declaration.escalated"]
    assert escalated["subject"] == {"type": "declaration", "id": declared["id"]}
    data = escalated["data"]
    assert (data["level"], data["version"], data["triage_id"]) == (
        "escalate",
        1,
        declared["triage"]["id"],
    )
    assert data["rules"] == [r["id"] for r in declared["triage"]["rules"]] and data["rules"]
    cleared = events["declaration.cleared"]["data"]
    assert cleared["declaration_id"] == declared["id"] and cleared["cleared"] is True
    assert cleared["approval_needed"] is True and cleared["approval_id"].startswith("apr_")

    # The consent's own event, as before: the professional name only.
    assert events["consent.revoked"]["consent_id"] == consent_id
    # No personal data in any new event: no name, no e-mail, no revocation reason.
    for name in ("decision.made", "decision.invalidated", "declaration.escalated"):
        text = json.dumps(events[name])
        assert LEGAL_NAME not in text and "@" not in text and "withdrew" not in text
    assert "withdrew" not in json.dumps(events["consent.revoked"])

    # Delivered once each, and nothing more on the next pass.
    run_once(app)
    assert len(hooks.events()) == 6
    with app.app_context():
        sent = db.session.scalars(
            select(ReminderDelivery.status)
            .join(Reminder, Reminder.id == ReminderDelivery.reminder_id)
            .where(Reminder.kind.in_(EVENT_KINDS))
        ).all()
        assert sorted(sent) == ["sent"] * 4
        db.session.remove()


def test_a_production_without_a_webhook_gets_no_event_rows(isolated_app: Flask) -> None:
    app = isolated_app
    with app.app_context():
        with unit_of_work():
            world = TriageWorld(app.test_client())
        performer = stored_performer(LEGAL_NAME)
        stored_consent(performer, world.production, ["digital_alteration"])
        asked = world.ask(
            kind="alteration", performer_id=performer.id, facts={"changes": ["other"]}
        )
        assert asked.status_code == 201, asked.json
        world.declared(title="Killer doll", category="key_creative", output="final")
        events = db.session.scalar(
            select(func.count()).select_from(Reminder).where(Reminder.kind.in_(EVENT_KINDS))
        )
        assert events == 0
        db.session.remove()
