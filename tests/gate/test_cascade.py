"""Revocation and expiry cascade: decisions stop holding, models trained under them suspend."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import time_machine
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from registry.audit.models import AuditEvent
from registry.core.clock import utcnow
from registry.extensions import db
from tests.factories import (
    World,
    amend,
    bearer,
    model_via_api,
    revoke,
    stored_consent,
    stored_performer,
)


def _setup(world: World) -> tuple[Any, Any, dict[str, Any], dict[str, Any], dict[str, Any]]:
    performer = stored_performer()
    version = stored_consent(
        performer, world.production, ["model_training", "digital_alteration", "digital_replica"]
    )
    model = model_via_api(world, [performer])
    use = world.ask(kind="model.use", model_id=model["id"]).json
    alteration = world.ask(
        kind="alteration", performer_id=performer.id, facts={"changes": ["other"]}
    ).json
    assert use["decision"]["outcome"] == alteration["decision"]["outcome"] == "allow"
    return performer, version, model, use, alteration


def test_revocation_marks_decisions_invalid_and_suspends_models_in_its_transaction(
    ctx: Flask, client: FlaskClient
) -> None:
    world = World(client)
    performer, version, model, use, alteration = _setup(world)
    customary = world.ask(
        kind="alteration", performer_id=performer.id, facts={"changes": ["pitch"]}
    ).json
    revoke(version, reason="performer withdrew")
    for request in (use, alteration):
        decision = world.get(f"/api/v1/requests/{request['id']}").json["decision"]
        assert decision["valid"] is False
        assert decision["invalidated_at"] is not None
        assert decision["invalidated_reason"] == (
            f'"Digital double for the harbour stunt sequence…" [{version.consent_id} v1] was '
            "revoked"
        )
        assert decision["next_step"].startswith("the consent it relied on was revoked on ")
        # Everything else about the decision is as it was made.
        made = request["decision"]
        assert {
            **decision,
            "valid": True,
            "invalidated_at": None,
            "invalidated_reason": None,
            "next_step": made["next_step"],
            "next_step_at": made["next_step_at"],
        } == made
    # A decision that relied on no consent is untouched.
    assert world.get(f"/api/v1/requests/{customary['id']}").json["decision"]["valid"] is True
    assert world.get(f"/api/v1/models/{model['id']}").json["status"] == "suspended"
    actions = db.session.execute(
        select(AuditEvent.action, AuditEvent.subject_id).where(
            AuditEvent.action.in_(["decision.invalidated", "model.suspended"])
        )
    ).all()
    assert sorted(tuple(a) for a in actions) == sorted(
        [
            ("decision.invalidated", use["decision"]["id"]),
            ("decision.invalidated", alteration["decision"]["id"]),
            ("model.suspended", model["id"]),
        ]
    )
    invalid = world.get(f"/api/v1/requests?valid=false&production_id={world.production.id}")
    assert {r["id"] for r in invalid.json["items"]} == {use["id"], alteration["id"]}
    # Deciding again now denies.
    again = world.post(f"/api/v1/requests/{use['id']}/reevaluate", {}).json["decision"]
    assert again["outcome"] == "deny" and again["valid"] is True


def test_revocation_through_the_consent_registry_api(ctx: Flask, client: FlaskClient) -> None:
    world = World(client)
    _performer, version, model, use, alteration = _setup(world)
    answer = client.post(
        f"/api/v1/consents/{version.consent_id}/revoke",
        json={"reason": "performer withdrew"},
        headers=bearer(world.admin_token),
    )
    assert answer.status_code == 200, answer.json
    assert answer.json is not None and answer.json["status"] == "revoked"
    # When the revoke call has answered, the decisions and the model already show it.
    assert world.get(f"/api/v1/requests/{use['id']}").json["decision"]["valid"] is False
    assert world.get(f"/api/v1/requests/{alteration['id']}").json["decision"]["valid"] is False
    assert world.get(f"/api/v1/models/{model['id']}").json["status"] == "suspended"


def test_expiry_shows_at_the_moment_of_expiry_in_every_read_without_a_job(
    ctx: Flask, client: FlaskClient
) -> None:
    world = World(client)
    performer = stored_performer()
    expires = utcnow() + timedelta(days=10)
    stored_consent(
        performer, world.production, ["model_training", "digital_alteration"], expires_at=expires
    )
    model = model_via_api(world, [performer])
    use = world.ask(kind="model.use", model_id=model["id"]).json
    assert use["decision"]["valid_until"] == expires.isoformat()
    with time_machine.travel(expires - timedelta(seconds=1), tick=False):
        assert world.get(f"/api/v1/requests/{use['id']}").json["decision"]["valid"] is True
        assert world.get(f"/api/v1/models/{model['id']}").json["status"] == "active"
    with time_machine.travel(expires, tick=False):
        decision = world.get(f"/api/v1/requests/{use['id']}").json["decision"]
        assert decision["valid"] is False
        assert decision["invalidated_at"] == expires.isoformat()
        assert "expired" in decision["invalidated_reason"]
        assert world.get(f"/api/v1/models/{model['id']}").json["status"] == "suspended"
        later = world.ask(kind="model.use", model_id=model["id"]).json["decision"]
        assert later["outcome"] == "deny"
        assert "R10" in [r["id"] for r in later["rules"]]


def test_an_amendment_ends_decisions_on_the_old_version_until_decided_again(
    ctx: Flask, client: FlaskClient
) -> None:
    world = World(client)
    performer = stored_performer()
    version = stored_consent(performer, world.production, ["digital_alteration"])
    asked = world.ask(
        kind="alteration", performer_id=performer.id, facts={"changes": ["other"]}
    ).json
    amend(version, description="Re-timed lip movements in scenes 4 and 5 only")
    decision = world.get(f"/api/v1/requests/{asked['id']}").json["decision"]
    assert decision["valid"] is False
    assert "amended" in decision["invalidated_reason"]
    again = world.post(f"/api/v1/requests/{asked['id']}/reevaluate", {}).json["decision"]
    assert again["outcome"] == "allow" and again["valid"] is True


def test_expiry_cascade_signal_marks_with_the_expiry_time(ctx: Flask, client: FlaskClient) -> None:
    from registry.core.signals import consent_ended

    world = World(client)
    performer = stored_performer()
    expires = utcnow() + timedelta(hours=1)
    version = stored_consent(performer, world.production, ["digital_replica"], expires_at=expires)
    asked = world.ask(kind="replica.create", performer_id=performer.id).json
    consent_ended.send(
        None, version_ids=[version.id], reason="expired", at=expires + timedelta(minutes=5)
    )
    db.session.commit()
    decision = world.get(f"/api/v1/requests/{asked['id']}").json["decision"]
    assert decision["invalidated_at"] == expires.isoformat()
    assert decision["invalidated_reason"].endswith(f"[{version.consent_id} v1] expired")
