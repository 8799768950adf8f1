"""Written approvals: escalate becomes allow citing the approval; deny never does (R14)."""

from __future__ import annotations

import threading
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from registry.approvals.models import Approval
from registry.audit.models import AuditEvent
from registry.extensions import db
from registry.gate.use_requests.models import DecisionRecord
from tests.factories import World, revoke, sha, stored_consent, stored_performer


def _count(table: Any) -> int:
    return int(db.session.execute(select(func.count()).select_from(table)).scalar_one())


def _escalated(world: World) -> tuple[dict[str, Any], Any]:
    performer = stored_performer()
    version = stored_consent(performer, world.production, ["digital_replica"])
    asked = world.ask(kind="replica.create", performer_id=performer.id)
    assert asked.json["decision"]["outcome"] == "escalate"
    return asked.json, version


def test_approval_turns_escalate_into_allow_citing_it(ctx: Flask, client: FlaskClient) -> None:
    world = World(client)
    asked, version = _escalated(world)
    first = asked["decision"]
    evidence = sha("signed replica rider")
    approved = world.post(
        f"/api/v1/requests/{asked['id']}/approvals",
        {"note": "Rider signed by agent", "evidence_sha256": evidence},
        world.legal_token,
    )
    assert approved.status_code == 201, approved.json
    approval = approved.json["approval"]
    assert approval["decision_id"] == first["id"]
    assert approval["evidence_sha256"] == evidence
    assert approval["approved_by"] == world.legal.id
    decision = approved.json["decision"]
    assert decision["outcome"] == "allow"
    assert decision["basis"] == "written_approval"
    assert decision["approval_ids"] == [approval["id"]]
    assert decision["trigger"] == "approval"
    assert decision["sequence"] == 2
    assert decision["consent_ids"] == [version.consent_id]
    assert decision["missing"] == []
    assert {r["id"]: r["outcome"] for r in decision["rules"]}["R14"] == "allow"
    assert approval["id"] in next(r["reason"] for r in decision["rules"] if r["id"] == "R14")
    # The first decision is kept exactly as it was.
    history = world.get(f"/api/v1/requests/{asked['id']}/decisions").json
    assert history["total"] == 2
    assert history["items"][0] == first
    assert history["items"][1] == decision
    listed = world.get(f"/api/v1/requests/{asked['id']}/approvals").json
    assert [a["id"] for a in listed["items"]] == [approval["id"]]


def test_approval_of_a_deny_is_409_names_what_is_missing_and_writes_nothing(
    ctx: Flask, client: FlaskClient
) -> None:
    world = World(client)
    performer = stored_performer()
    asked = world.ask(kind="replica.create", performer_id=performer.id).json
    assert asked["decision"]["outcome"] == "deny"
    before = (_count(Approval), _count(DecisionRecord), _count(AuditEvent))
    refused = world.post(
        f"/api/v1/requests/{asked['id']}/approvals",
        {"note": "please", "evidence_sha256": sha()},
        world.legal_token,
    )
    assert refused.status_code == 409
    missing = f"consent for digital_replica in production {world.label(world.production)}"
    assert "R14" in refused.json["message"]
    assert missing in refused.json["message"]
    assert missing in refused.json["errors"]["missing"]
    assert (_count(Approval), _count(DecisionRecord), _count(AuditEvent)) == before
    assert world.get(f"/api/v1/requests/{asked['id']}").json["decision"] == asked["decision"]


def test_approval_refusals(ctx: Flask, client: FlaskClient) -> None:
    world = World(client)
    asked, _version = _escalated(world)
    path = f"/api/v1/requests/{asked['id']}/approvals"
    body = {"note": "ok", "evidence_sha256": sha()}
    assert world.post(path, body).status_code == 403  # a vfx_lead
    assert world.post(path, {"note": "ok"}, world.legal_token).status_code == 422
    assert world.post(path, {**body, "evidence_sha256": "x"}, world.legal_token).status_code == 422
    assert (
        world.post("/api/v1/requests/req_nope/approvals", body, world.legal_token).status_code
        == 404
    )
    stale = world.post(path, {**body, "decision_id": "dec_other"}, world.legal_token)
    assert stale.status_code == 409
    assert "decision_id" in stale.json["errors"]
    assert world.post(path, body, world.admin_token).status_code == 201
    again = world.post(path, body, world.legal_token)
    assert again.status_code == 409
    assert "already allowed" in again.json["message"]


def test_an_escalation_no_longer_valid_cannot_be_approved(ctx: Flask, client: FlaskClient) -> None:
    world = World(client)
    asked, version = _escalated(world)
    revoke(version)
    refused = world.post(
        f"/api/v1/requests/{asked['id']}/approvals",
        {"note": "ok", "evidence_sha256": sha()},
        world.legal_token,
    )
    assert refused.status_code == 409
    assert "no longer valid" in refused.json["message"]


def test_model_training_on_uncleared_material_needs_an_approval_that_clears_it(
    ctx: Flask, client: FlaskClient
) -> None:
    world = World(client)
    performer = stored_performer()
    stored_consent(performer, world.production, ["model_training"])
    asked = world.ask(
        kind="model.train",
        performer_id=performer.id,
        facts={"training_sources": [{"description": "fan art", "clearance": "uncleared"}]},
    ).json
    path = f"/api/v1/requests/{asked['id']}/approvals"
    plain = world.post(path, {"note": "fine", "evidence_sha256": sha()}, world.legal_token)
    assert plain.status_code == 201
    still = plain.json["decision"]
    assert still["outcome"] == "escalate"
    assert "clearance of training source 0: fan art" in still["missing"]
    assert {r["id"]: r["outcome"] for r in still["rules"]}["R14"] == "escalate"
    clearing = world.post(
        path,
        {"note": "Fan art licensed", "evidence_sha256": sha(), "clears_sources": True},
        world.legal_token,
    )
    assert clearing.status_code == 201
    assert clearing.json["decision"]["outcome"] == "allow"
    assert len(clearing.json["decision"]["approval_ids"]) == 2


def test_reevaluation_keeps_the_approval_but_not_a_lost_consent(
    ctx: Flask, client: FlaskClient
) -> None:
    world = World(client)
    asked, version = _escalated(world)
    path = f"/api/v1/requests/{asked['id']}"
    world.post(f"{path}/approvals", {"note": "ok", "evidence_sha256": sha()}, world.legal_token)
    same = world.post(f"{path}/reevaluate", {})
    assert same.status_code == 201
    assert same.json["decision"]["outcome"] == "allow"
    assert same.json["decision"]["trigger"] == "reevaluation"
    revoke(version)
    after = world.post(f"{path}/reevaluate", {}).json["decision"]
    assert after["outcome"] == "deny"  # R14: the approval never turns a deny into an allow
    fired = {r["id"]: r["outcome"] for r in after["rules"]}
    considered = {r["id"]: r["outcome"] for r in after["considered"]}
    assert fired == {"R1": "deny"} and considered["R14"] == "deny"
    assert world.get(f"{path}/decisions").json["total"] == 4


def test_ten_simultaneous_approvals_give_one_approval_and_one_decision(
    isolated_app: Flask,
) -> None:
    """Real commits, one connection per thread, on SQLite and PostgreSQL (--db)."""
    with isolated_app.app_context():
        world = World(isolated_app.test_client())
        asked, _ = _escalated(world)
        legal = [world.legal_token, world.admin_token] * 5
        db.session.remove()
    barrier = threading.Barrier(10)
    answers: list[int] = []
    lock = threading.Lock()

    def approve(token: str) -> None:
        client = isolated_app.test_client()
        barrier.wait()
        answer = client.post(
            f"/api/v1/requests/{asked['id']}/approvals",
            json={"note": "Rider signed", "evidence_sha256": sha()},
            headers={"Authorization": f"Bearer {token}"},
        )
        with lock:
            answers.append(answer.status_code)

    threads = [threading.Thread(target=approve, args=(t,)) for t in legal]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert sorted(answers) == [201] + [409] * 9
    with isolated_app.app_context():
        assert _count(Approval) == 1
        decisions = db.session.execute(
            select(DecisionRecord.sequence, DecisionRecord.outcome)
            .where(DecisionRecord.request_id == asked["id"])
            .order_by(DecisionRecord.sequence)
        ).all()
        assert [tuple(d) for d in decisions] == [(1, "escalate"), (2, "allow")]
        db.session.remove()
