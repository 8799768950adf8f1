"""Replicas are registered only from an allowed replica.create request, and point back to it."""

from __future__ import annotations

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from registry.extensions import db
from registry.gate.replicas.models import Replica
from tests.factories import World, revoke, sha, stored_consent, stored_performer


def _replicas() -> int:
    return int(db.session.execute(select(func.count()).select_from(Replica)).scalar_one())


def test_replica_from_an_allowed_request_points_to_its_decision_and_consents(
    ctx: Flask, client: FlaskClient
) -> None:
    world = World(client)
    performer = stored_performer()
    likeness = stored_consent(performer, world.production, ["digital_replica"], ["likeness"])
    voice = stored_consent(performer, world.production, ["synthetic_voice"], ["voice"])
    asked = world.ask(
        kind="replica.create", performer_id=performer.id, media=["voice", "likeness"]
    ).json
    approved = world.post(
        f"/api/v1/requests/{asked['id']}/approvals",
        {"note": "Rider signed", "evidence_sha256": sha()},
        world.legal_token,
    ).json
    made = world.post("/api/v1/replicas", {"request_id": asked["id"]})
    assert made.status_code == 201, made.json
    replica = made.json
    assert replica["performer_id"] == performer.id
    assert replica["production_id"] == world.production.id
    assert replica["media"] == ["likeness", "voice"]
    assert replica["request_id"] == asked["id"]
    assert replica["decision_id"] == approved["decision"]["id"]
    assert sorted(c["consent_id"] for c in replica["consents"]) == sorted(
        [likeness.consent_id, voice.consent_id]
    )
    assert replica["status"] == "active"
    assert world.get(f"/api/v1/replicas/{replica['id']}").json == replica
    listed = world.get(f"/api/v1/replicas?production_id={world.production.id}").json
    assert [r["id"] for r in listed["items"]] == [replica["id"]]
    revoke(voice)
    after = world.get(f"/api/v1/replicas/{replica['id']}").json
    assert after["status"] == "suspended"
    assert voice.consent_id in after["status_reasons"][0]


def test_replica_refusals_write_nothing(ctx: Flask, client: FlaskClient) -> None:
    world = World(client)
    performer = stored_performer()
    version = stored_consent(performer, world.production, ["digital_replica"])
    escalated = world.ask(kind="replica.create", performer_id=performer.id).json
    denied = world.ask(kind="replica.create", performer_id=stored_performer().id).json
    altered = world.ask(
        kind="alteration", performer_id=performer.id, facts={"changes": ["pitch"]}
    ).json
    before = _replicas()
    answer = world.post("/api/v1/replicas", {"request_id": escalated["id"]})
    assert answer.status_code == 409
    assert "written approval" in answer.json["message"]
    answer = world.post("/api/v1/replicas", {"request_id": denied["id"]})
    assert answer.status_code == 409
    assert answer.json["errors"]["missing"]
    answer = world.post("/api/v1/replicas", {"request_id": altered["id"]})
    assert answer.status_code == 422
    assert "request_id" in answer.json["errors"]
    assert world.post("/api/v1/replicas", {"request_id": "req_nope"}).status_code == 404
    assert world.post("/api/v1/replicas", {}).status_code == 422
    assert (
        world.post("/api/v1/replicas", {"request_id": escalated["id"]}, world.legal_token)
    ).status_code == 403
    # Allowed, then the consent is revoked before the replica is made: refused.
    world.post(
        f"/api/v1/requests/{escalated['id']}/approvals",
        {"note": "ok", "evidence_sha256": sha()},
        world.legal_token,
    )
    revoke(version)
    answer = world.post("/api/v1/replicas", {"request_id": escalated["id"]})
    assert answer.status_code == 409
    assert "no longer valid" in answer.json["message"]
    assert _replicas() == before


def test_one_replica_per_request(ctx: Flask, client: FlaskClient) -> None:
    world = World(client)
    performer = stored_performer()
    stored_consent(performer, world.production, ["digital_replica"])
    asked = world.ask(kind="replica.create", performer_id=performer.id).json
    world.post(
        f"/api/v1/requests/{asked['id']}/approvals",
        {"note": "ok", "evidence_sha256": sha()},
        world.legal_token,
    )
    assert world.post("/api/v1/replicas", {"request_id": asked["id"]}).status_code == 201
    second = world.post("/api/v1/replicas", {"request_id": asked["id"]})
    assert second.status_code == 409
