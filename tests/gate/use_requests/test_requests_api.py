"""Use requests through the API: validation, history, filters, audit."""

from __future__ import annotations

from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from registry.audit.models import AuditEvent
from registry.extensions import db
from registry.gate.use_requests.models import DecisionRecord, UseRequest
from tests.factories import World, stored_consent, stored_performer


def _counts() -> tuple[int, ...]:
    return tuple(
        int(db.session.execute(select(func.count()).select_from(t)).scalar_one())
        for t in (UseRequest, DecisionRecord, AuditEvent)
    )


def test_refusals_name_every_bad_field_and_write_nothing(ctx: Flask, client: FlaskClient) -> None:
    world = World(client)
    performer = stored_performer()
    before = _counts()
    cases: list[tuple[dict[str, Any], int, set[str]]] = [
        ({"kind": "replica.make"}, 422, {"kind", "production_id", "media", "description"}),
        (
            {"kind": "alteration", "media": ["smell"], "facts": {"changes": ["glow"], "x": 1}},
            422,
            {"media.0", "facts.changes.0", "facts.x"},
        ),
        ({"kind": "alteration", "media": []}, 422, {"media"}),
        ({"kind": "alteration"}, 422, {"performer_id"}),
        ({"kind": "alteration", "performer_id": "prf_missing"}, 422, {"performer_id"}),
        (
            {
                "kind": "alteration",
                "performer_id": performer.id,
                "replica_id": "rep_x",
                "model_id": "mdl_x",
            },
            422,
            {"replica_id", "model_id"},
        ),
        ({"kind": "replica.use", "performer_id": performer.id}, 422, {"replica_id"}),
        ({"kind": "model.use"}, 422, {"model_id"}),
        ({"kind": "model.use", "model_id": "mdl_missing"}, 404, {"model_id"}),
        ({"kind": "replica.use", "replica_id": "rep_missing"}, 404, {"replica_id"}),
        (
            {"kind": "alteration", "performer_id": performer.id, "production_id": "prd_x"},
            404,
            {"production_id"},
        ),
        ({"kind": "alteration", "performer_id": performer.id, "surprise": True}, 422, {"surprise"}),
    ]
    for body, status, fields in cases:
        if body.get("kind") != "replica.make":
            body = {
                "production_id": world.production.id,
                "media": ["likeness"],
                "description": "scene 4",
                **body,
            }
        answer = world.post("/api/v1/requests", body)
        assert answer.status_code == status, (body, answer.json)
        assert fields <= set(answer.json.get("errors", {})), (body, answer.json)
    assert _counts() == before


def test_a_deny_is_stored_and_answered_201(ctx: Flask, client: FlaskClient) -> None:
    world = World(client)
    performer = stored_performer()
    before = _counts()
    answer = world.ask(kind="replica.create", performer_id=performer.id)
    assert answer.status_code == 201
    assert answer.json["decision"]["outcome"] == "deny"
    assert _counts() == (before[0] + 1, before[1] + 1, before[2] + 2)
    actions = db.session.execute(
        select(AuditEvent.action, AuditEvent.subject_id).order_by(AuditEvent.seq.desc()).limit(2)
    ).all()
    assert [tuple(a) for a in actions] == [
        ("decision.made", answer.json["decision"]["id"]),
        ("request.created", answer.json["id"]),
    ]


def test_facts_not_given_are_false_or_empty(ctx: Flask, client: FlaskClient) -> None:
    world = World(client)
    performer = stored_performer()
    answer = world.ask(kind="replica.create", performer_id=performer.id, facts=None)
    assert answer.status_code == 201
    assert answer.json["facts"] == {
        "as_recorded": False,
        "safety": False,
        "unrecognizable": False,
        "changes": [],
        "dubbing_or_double_permitted": False,
        "alters_tone_delivery_or_intent": False,
        "new_dialogue": False,
        "may_harm_reputation": False,
        "training_sources": [],
    }


def test_history_and_filters(ctx: Flask, client: FlaskClient) -> None:
    world = World(client)
    performer = stored_performer()
    stored_consent(performer, world.production, ["digital_replica"])
    allow = world.ask(
        kind="alteration", performer_id=performer.id, facts={"changes": ["timing"]}
    ).json
    escalate = world.ask(kind="replica.create", performer_id=performer.id).json
    deny = world.ask(
        kind="alteration", performer_id=performer.id, facts={"new_dialogue": True}
    ).json
    elsewhere = world.ask(
        kind="alteration",
        performer_id=performer.id,
        production_id=world.other.id,
        facts={"changes": ["pitch"]},
    ).json

    def ids(query: str) -> list[str]:
        return [r["id"] for r in world.get(f"/api/v1/requests?{query}").json["items"]]

    production = f"production_id={world.production.id}"
    assert ids(production) == [deny["id"], escalate["id"], allow["id"]]  # newest first
    assert ids(f"{production}&outcome=allow") == [allow["id"]]
    assert ids(f"{production}&outcome=escalate&valid=true") == [escalate["id"]]
    assert ids(f"{production}&kind=replica.create") == [escalate["id"]]
    assert ids(f"production_id={world.other.id}") == [elsewhere["id"]]
    assert world.get("/api/v1/requests?outcome=maybe").status_code == 422
    assert world.get("/api/v1/requests?per_page=501").status_code == 422
    page = world.get(f"/api/v1/requests?{production}&per_page=2&page=2").json
    assert (page["total"], page["page"], page["per_page"]) == (3, 2, 2)
    assert [r["id"] for r in page["items"]] == [allow["id"]]
    redo = world.post(f"/api/v1/requests/{allow['id']}/reevaluate", {}).json
    history = world.get(f"/api/v1/requests/{allow['id']}/decisions").json
    assert [d["sequence"] for d in history["items"]] == [1, 2]
    assert [d["trigger"] for d in history["items"]] == ["request", "reevaluation"]
    assert history["items"][0] == allow["decision"]
    assert redo["decision"] == history["items"][1]
    assert redo["decision_count"] == 2
