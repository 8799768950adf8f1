"""Legal declines an escalated request (POST /api/v1/requests/{id}/refusals): recorded,
audited, the requester told; the decision stays escalate and cannot be approved until the
request is asked again."""

from __future__ import annotations

from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from registry.approvals.models import Refusal
from registry.audit.models import AuditEvent
from registry.extensions import db
from registry.reminders.models import Reminder
from tests.factories import World, sha, stored_consent, stored_performer


def _escalated(world: World) -> dict[str, Any]:
    performer = stored_performer("Ines Varga")
    stored_consent(performer, world.production, ["digital_replica"])
    asked = world.ask(kind="replica.create", performer_id=performer.id)
    assert asked.json["decision"]["outcome"] == "escalate"
    return dict(asked.json)


def test_a_declined_request_stays_escalate_until_asked_again(
    ctx: Flask, client: FlaskClient
) -> None:
    world = World(client)
    req = _escalated(world)
    declined = world.post(
        f"/api/v1/requests/{req['id']}/refusals",
        {"reason": "The rider does not cover a full replica"},
        world.legal_token,
    )
    assert declined.status_code == 201, declined.json
    assert declined.json["decision"]["outcome"] == "escalate"
    assert declined.json["decision"]["id"] == req["decision"]["id"]  # not decided again
    refusal = db.session.execute(select(Refusal)).scalar_one()
    assert (refusal.request_id, refusal.decision_id) == (req["id"], req["decision"]["id"])
    assert refusal.reason == "The rider does not cover a full replica"
    audited = db.session.scalars(
        select(AuditEvent.action).where(AuditEvent.subject_id == refusal.id)
    ).all()
    assert audited == ["refusal.recorded"]
    told = db.session.execute(
        select(Reminder).where(Reminder.kind == "request.refused")
    ).scalar_one()
    assert told.recipients == [world.vfx.id] and told.link_path == f"/requests/{req['id']}"

    approve = {"note": "ok", "evidence_sha256": sha("rider")}
    blocked = world.post(f"/api/v1/requests/{req['id']}/approvals", approve, world.legal_token)
    assert blocked.status_code == 409
    assert "asked again" in blocked.json["message"]
    again = world.post(
        f"/api/v1/requests/{req['id']}/refusals", {"reason": "twice"}, world.legal_token
    )
    assert again.status_code == 409

    world.post(f"/api/v1/requests/{req['id']}/reevaluate", {})
    approved = world.post(f"/api/v1/requests/{req['id']}/approvals", approve, world.legal_token)
    assert approved.status_code == 201, approved.json
    assert approved.json["decision"]["outcome"] == "allow"


def test_only_legal_declines_and_only_an_escalation(ctx: Flask, client: FlaskClient) -> None:
    world = World(client)
    req = _escalated(world)
    body = {"reason": "no"}
    assert world.post(f"/api/v1/requests/{req['id']}/refusals", body).status_code == 403
    performer = stored_performer()
    denied = world.ask(kind="replica.create", performer_id=performer.id).json
    answer = world.post(f"/api/v1/requests/{denied['id']}/refusals", body, world.legal_token)
    assert answer.status_code == 409
    assert answer.json["message"] == "The current decision is deny: there is nothing to decline."
    assert (
        world.post(
            f"/api/v1/requests/{req['id']}/refusals", {"reason": ""}, world.legal_token
        ).status_code
        == 422
    )
    assert db.session.execute(select(Refusal)).first() is None
