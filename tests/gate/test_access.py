"""Who may do what: a vfx_lead of another production sees none of this one (404, like missing)."""

from __future__ import annotations

from typing import Any

from flask import Flask
from flask.testing import FlaskClient

from tests.factories import (
    World,
    api_user,
    model_via_api,
    replica_via_api,
    sha,
    stored_consent,
    stored_performer,
)


def _objects(world: World) -> dict[str, Any]:
    performer = stored_performer()
    stored_consent(performer, world.production, ["digital_replica", "model_training"])
    replica_id = replica_via_api(world, performer)
    model = model_via_api(world, [performer])
    asked = world.ask(kind="model.use", model_id=model["id"]).json
    escalated = world.ask(kind="replica.create", performer_id=performer.id).json
    return {
        "performer": performer,
        "replica": replica_id,
        "model": model["id"],
        "request": asked["id"],
        "escalated": escalated["id"],
    }


def test_vfx_lead_of_another_production_gets_404_on_everything_of_this_one(
    ctx: Flask, client: FlaskClient
) -> None:
    world = World(client)
    o = _objects(world)
    token = world.outsider_token
    reads = [
        f"/api/v1/requests/{o['request']}",
        f"/api/v1/requests/{o['request']}/decisions",
        f"/api/v1/requests/{o['request']}/approvals",
        f"/api/v1/models/{o['model']}",
        f"/api/v1/replicas/{o['replica']}",
    ]
    for path in reads:
        mine = world.get(path)
        assert mine.status_code == 200, path
        theirs = world.get(path, token)
        assert theirs.status_code == 404, path
        missing = world.get(path.replace(path.split("/")[4], "xxx_missing"), token)
        assert theirs.json == {**missing.json, "message": theirs.json["message"]}
    writes = [
        (f"/api/v1/requests/{o['request']}/reevaluate", {}),
        (f"/api/v1/models/{o['model']}/retire", {}),
        ("/api/v1/replicas", {"request_id": o["escalated"]}),
        (
            "/api/v1/requests",
            {
                "kind": "model.use",
                "model_id": o["model"],
                "production_id": world.other.id,
                "media": ["likeness"],
                "description": "reuse it",
            },
        ),
        (
            "/api/v1/requests",
            {
                "kind": "replica.use",
                "replica_id": o["replica"],
                "production_id": world.other.id,
                "media": ["likeness"],
                "description": "reuse it",
            },
        ),
        (
            "/api/v1/requests",
            {
                "kind": "alteration",
                "performer_id": o["performer"].id,
                "production_id": world.production.id,
                "media": ["likeness"],
                "description": "x",
                "facts": {"changes": ["pitch"]},
            },
        ),
    ]
    for path, body in writes:
        assert world.post(path, body, token).status_code == 404, path
    # Lists leave them out.
    for path, key in (
        ("/api/v1/requests", "request"),
        ("/api/v1/models", "model"),
        ("/api/v1/replicas", "replica"),
    ):
        assert o[key] in [i["id"] for i in world.get(path).json["items"]]
        assert o[key] not in [i["id"] for i in world.get(path, token).json["items"]]
    filtered = world.get(f"/api/v1/requests?production_id={world.production.id}", token).json
    assert filtered["total"] == 0


def test_roles(ctx: Flask, client: FlaskClient) -> None:
    world = World(client)
    o = _objects(world)
    _, rep = api_user("talent_rep")
    _, auditor = api_user("auditor")
    for token in (rep, auditor):
        for path in (
            "/api/v1/requests",
            f"/api/v1/requests/{o['request']}",
            "/api/v1/models",
            f"/api/v1/models/{o['model']}",
            "/api/v1/replicas",
            f"/api/v1/replicas/{o['replica']}",
        ):
            assert world.get(path, token).status_code == 403, path
        assert world.post("/api/v1/requests", {}, token).status_code == 403
    # legal reads every request, decision, model and replica, and approves; submits nothing.
    legal = world.legal_token
    for path in (
        f"/api/v1/requests/{o['request']}",
        f"/api/v1/requests/{o['request']}/decisions",
        f"/api/v1/models/{o['model']}",
        f"/api/v1/replicas/{o['replica']}",
    ):
        assert world.get(path, legal).status_code == 200, path
    assert world.get("/api/v1/requests", legal).json["total"] >= 2
    assert world.post("/api/v1/requests", {}, legal).status_code == 403
    assert world.post("/api/v1/models", {}, legal).status_code == 403
    assert world.post("/api/v1/replicas", {"request_id": o["escalated"]}, legal).status_code == 403
    # A vfx_lead cannot approve, even on their own production.
    approve = f"/api/v1/requests/{o['escalated']}/approvals"
    assert world.post(approve, {"note": "x", "evidence_sha256": sha()}).status_code == 403
    # Without a token: 401.
    assert client.get(f"/api/v1/requests/{o['request']}").status_code == 401
