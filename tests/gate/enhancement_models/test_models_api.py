"""Enhancement models through the API: register, status computed at read, clearance, retire."""

from __future__ import annotations

from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from registry.audit.models import AuditEvent
from registry.extensions import db
from registry.gate.enhancement_models.models import (
    EnhancementModel,
    ModelPerformer,
    ModelSourceClearance,
)
from tests.factories import World, model_via_api, sha, stored_consent, stored_performer

UNCLEARED = [
    {"description": "own dailies", "clearance": "owned"},
    {"description": "stock library, licence pending", "clearance": "uncleared"},
]


def _count(table: Any) -> int:
    return int(db.session.execute(select(func.count()).select_from(table)).scalar_one())


def test_register_with_valid_training_consents_is_active(ctx: Flask, client: FlaskClient) -> None:
    world = World(client)
    a, b = stored_performer(), stored_performer(guild="SAG-AFTRA")
    va = stored_consent(a, world.production, ["model_training"])
    vb = stored_consent(b, world.production, ["model_training", "digital_replica"])
    stored_consent(a, world.other, ["model_training"])  # another production: not recorded
    model = model_via_api(world, [a, b])
    assert model["status"] == "active"
    assert model["status_reasons"] == []
    assert model["production_id"] == world.production.id
    assert model["performer_ids"] == [a.id, b.id]
    assert sorted(c["consent_id"] for c in model["training_consents"]) == sorted(
        [va.consent_id, vb.consent_id]
    )
    read = world.get(f"/api/v1/models/{model['id']}")
    assert read.status_code == 200
    assert read.json == model


def test_register_without_a_training_consent_is_201_and_suspended(
    ctx: Flask, client: FlaskClient
) -> None:
    world = World(client)
    a, b = stored_performer(), stored_performer()
    stored_consent(a, world.production, ["model_training"])
    stored_consent(b, world.production, ["digital_replica"])  # not a training consent
    model = model_via_api(world, [a, b])
    assert model["status"] == "suspended"
    assert any(b.professional_name in r and r.startswith("R10") for r in model["status_reasons"])


def test_register_with_an_uncleared_source_is_201_and_blocked(
    ctx: Flask, client: FlaskClient
) -> None:
    world = World(client)
    performer = stored_performer()
    stored_consent(performer, world.production, ["model_training"])
    model = model_via_api(world, [performer], sources=UNCLEARED)
    assert model["status"] == "blocked"
    assert model["training_sources"][1]["effective_clearance"] == "uncleared"
    assert model["status_reasons"][0].startswith("R11: training source 1")


def test_legal_clearance_lifts_the_block_and_nothing_else_does(
    ctx: Flask, client: FlaskClient
) -> None:
    world = World(client)
    performer = stored_performer()
    stored_consent(performer, world.production, ["model_training"])
    model = model_via_api(world, [performer], sources=UNCLEARED)
    path = f"/api/v1/models/{model['id']}/clearances"
    evidence = sha("licence agreement 2026-118")
    body = {"source": 1, "evidence_sha256": evidence, "note": "Licence signed 20 Nov"}
    # A vfx_lead cannot clear, nor can approving a use (R11: an approval does not lift it).
    assert world.post(path, body).status_code == 403
    asked = world.ask(kind="model.use", model_id=model["id"])
    assert asked.json["decision"]["outcome"] == "deny"
    refused = world.post(
        f"/api/v1/requests/{asked.json['id']}/approvals",
        {"note": "ok", "evidence_sha256": sha()},
        world.legal_token,
    )
    assert refused.status_code == 409
    assert world.get(f"/api/v1/models/{model['id']}").json["status"] == "blocked"
    cleared = world.post(path, body, world.legal_token)
    assert cleared.status_code == 201, cleared.json
    assert cleared.json["status"] == "active"
    source = cleared.json["training_sources"][1]
    assert source["clearance"] == "uncleared"  # the registered list is never edited
    assert source["effective_clearance"] == "cleared"
    assert source["cleared"]["evidence_sha256"] == evidence
    assert source["cleared"]["cleared_by"] == world.legal.id
    again = world.ask(kind="model.use", model_id=model["id"])
    assert again.json["decision"]["outcome"] == "allow"
    events = db.session.execute(
        select(AuditEvent.action).where(AuditEvent.subject_id == model["id"])
    ).scalars()
    assert list(events) == ["model.registered", "model.source_cleared"]


def test_clearance_refusals_write_nothing(ctx: Flask, client: FlaskClient) -> None:
    world = World(client)
    performer = stored_performer()
    model = model_via_api(world, [performer], sources=UNCLEARED)
    path = f"/api/v1/models/{model['id']}/clearances"
    good = {"source": 1, "evidence_sha256": sha(), "note": "Licence signed"}
    before = _count(ModelSourceClearance)
    cases = [
        ({**good, "source": 2}, 422, "source"),
        ({**good, "source": -1}, 422, "source"),
        ({**good, "evidence_sha256": "abc"}, 422, "evidence_sha256"),
        ({**good, "note": ""}, 422, "note"),
        ({**good, "extra": 1}, 422, "extra"),
        ({**good, "source": 0}, 409, "source"),  # owned: nothing to clear
    ]
    for body, status, field in cases:
        answer = world.post(path, body, world.legal_token)
        assert answer.status_code == status, (body, answer.json)
        assert field in answer.json["errors"], answer.json
    assert (
        world.post("/api/v1/models/mdl_nope/clearances", good, world.legal_token).status_code == 404
    )
    assert _count(ModelSourceClearance) == before
    assert world.post(path, good, world.legal_token).status_code == 201
    twice = world.post(path, good, world.legal_token)
    assert twice.status_code == 409
    assert _count(ModelSourceClearance) == before + 1


def test_register_refusals_name_every_bad_field_and_write_nothing(
    ctx: Flask, client: FlaskClient
) -> None:
    world = World(client)
    performer = stored_performer()
    before = (_count(EnhancementModel), _count(ModelPerformer), _count(AuditEvent))
    bad = world.post(
        "/api/v1/models",
        {
            "name": "",
            "production_id": world.production.id,
            "performer_ids": [performer.id, performer.id],
            "training_sources": [{"description": "x", "clearance": "borrowed"}],
            "scope": "",
            "fingerprint_sha256": "not-a-hash",
            "vendor": "V",
            "status": "active",
        },
    )
    assert bad.status_code == 422
    assert set(bad.json["errors"]) >= {
        "name",
        "performer_ids",
        "training_sources.0.clearance",
        "scope",
        "fingerprint_sha256",
        "status",
    }
    base = {
        "name": "m",
        "production_id": world.production.id,
        "performer_ids": [performer.id],
        "training_sources": [{"description": "own", "clearance": "owned"}],
        "scope": "s",
        "fingerprint_sha256": sha(),
        "vendor": "V",
    }
    unknown = world.post("/api/v1/models", {**base, "performer_ids": [performer.id, "prf_x"]})
    assert unknown.status_code == 422
    assert unknown.json["errors"]["performer_ids"] == ["No performer with id prf_x."]
    hidden = world.post("/api/v1/models", base, world.outsider_token)
    assert hidden.status_code == 404  # not a member of that production
    assert world.post("/api/v1/models", base, world.legal_token).status_code == 403
    assert (_count(EnhancementModel), _count(ModelPerformer), _count(AuditEvent)) == before


def test_a_model_is_never_rebound(ctx: Flask, client: FlaskClient) -> None:
    world = World(client)
    performer = stored_performer()
    model = model_via_api(world, [performer])
    again = world.post(
        "/api/v1/models",
        {
            "name": "same weights, other show",
            "production_id": world.other.id,
            "performer_ids": [performer.id],
            "training_sources": [{"description": "own", "clearance": "owned"}],
            "scope": "s",
            "fingerprint_sha256": model["fingerprint_sha256"].upper(),
            "vendor": "V",
        },
    )
    assert again.status_code == 409
    assert "never re-bound" in again.json["message"]
    for method in ("put", "patch"):
        answer = getattr(client, method)(
            f"/api/v1/models/{model['id']}",
            json={"production_id": world.other.id},
            headers={"Authorization": f"Bearer {world.vfx_token}"},
        )
        assert answer.status_code == 405
    assert world.get(f"/api/v1/models/{model['id']}").json["production_id"] == world.production.id


def test_retire(ctx: Flask, client: FlaskClient) -> None:
    world = World(client)
    performer = stored_performer()
    stored_consent(performer, world.production, ["model_training"])
    model = model_via_api(world, [performer])
    assert (
        world.post(f"/api/v1/models/{model['id']}/retire", {}, world.legal_token).status_code == 403
    )
    done = world.post(f"/api/v1/models/{model['id']}/retire", {"reason": "show wrapped"})
    assert done.status_code == 200
    assert done.json["status"] == "retired"
    assert done.json["retire_reason"] == "show wrapped"
    assert done.json["retired_at"] is not None
    assert world.post(f"/api/v1/models/{model['id']}/retire", {}).status_code == 409


def test_list_models_with_filters(ctx: Flask, client: FlaskClient) -> None:
    world = World(client)
    a, b = stored_performer(), stored_performer()
    m1 = model_via_api(world, [a])
    m2 = model_via_api(world, [b], production=world.other)
    listed = world.get(f"/api/v1/models?performer_id={a.id}").json
    assert [m["id"] for m in listed["items"]] == [m1["id"]]
    assert listed["total"] == 1
    by_production = world.get(f"/api/v1/models?production_id={world.other.id}").json
    assert [m["id"] for m in by_production["items"]] == [m2["id"]]
    outsider = world.get("/api/v1/models", world.outsider_token).json
    assert m1["id"] not in [m["id"] for m in outsider["items"]]
    assert m2["id"] in [m["id"] for m in outsider["items"]]
