"""The bridge from rows to facts (``registry.gate.facts``): its cache invariant holds on every
write path, its cache never hides a revocation, and a shortcut passed for another request is
never used."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import event

from registry.core.clock import utcnow
from registry.extensions import db
from registry.gate import facts as bridge
from registry.gate.use_requests.models import UseRequest
from registry.rules import PerformerFact, ProductionFact
from tests.factories import (
    World,
    api_create_performer,
    bearer,
    consent_body,
    make_production,
    make_user,
    revoke,
    stored_consent,
    stored_performer,
)

MUTABLE = {"revoked_at", "revocation_reason", "superseded_at", "receipt", "termination_receipt"}
_SET = re.compile(r"UPDATE consent_versions SET (.*?)(?: WHERE |$)", re.S)


def test_no_write_path_changes_what_the_cache_keeps_of_a_consent_version(
    ctx: Flask, client: FlaskClient, app: Flask
) -> None:
    """Record, amend, revoke, expire (the cascade job), erase: every UPDATE of a consent
    version sets only the columns the cache reads from the row each time."""
    updated: list[str] = []

    def seen(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        match = _SET.search(statement)
        if match:
            updated.extend(re.findall(r"(\w+)\s*=", match.group(1)))

    _rep, token = make_user("talent_rep")
    performer = api_create_performer(client, token)
    production = make_production().id
    headers = bearer(token)
    event.listen(db.engine, "before_cursor_execute", seen)
    try:
        made: Any = client.post(
            "/api/v1/consents", json=consent_body(performer["id"], production), headers=headers
        ).json
        amended = client.post(
            f"/api/v1/consents/{made['id']}/amend",
            json={"evidence_sha256": "c" * 64, "signed_at": made["signed_at"]},
            headers=headers,
        )
        assert amended.status_code == 201, amended.json
        revoked = client.post(
            f"/api/v1/consents/{made['id']}/revoke", json={"reason": "withdrawn"}, headers=headers
        )
        assert revoked.status_code == 200
        soon = client.post(
            "/api/v1/consents",
            json=consent_body(
                performer["id"],
                production,
                expires_at=(utcnow() + timedelta(minutes=1)).isoformat(),
            ),
            headers=headers,
        )
        assert soon.status_code == 201
        runner = app.test_cli_runner()
        assert runner.invoke(args=["reminders", "run-once"]).exit_code == 0
        erased = runner.invoke(args=["performers", "erase", performer["id"], "--yes"])
        assert erased.exit_code == 0, erased.output
    finally:
        event.remove(db.engine, "before_cursor_execute", seen)
    assert updated, "the scenario updated no consent version: it proves nothing"
    assert set(updated) <= MUTABLE, set(updated) - MUTABLE


def test_a_revocation_shows_in_the_next_read_although_the_version_is_cached(
    ctx: Flask, client: FlaskClient
) -> None:
    world = World(client)
    performer = stored_performer()
    version = stored_consent(performer, world.production, ["digital_replica"])
    asked = world.ask(kind="replica.create", performer_id=performer.id).json
    assert asked["decision"]["outcome"] == "escalate"
    assert version.id in bridge._CONSENTS  # kept by version id
    revoke(version)
    req = db.session.get(UseRequest, asked["id"])
    assert req is not None
    [fact] = bridge.load(db.session, req, utcnow()).input.consents
    assert fact.revoked_at is not None
    again = world.post(f"/api/v1/requests/{asked['id']}/reevaluate", {}).json["decision"]
    assert again["outcome"] == "deny"


def test_a_shortcut_for_another_request_is_never_used(ctx: Flask, client: FlaskClient) -> None:
    """``Checked`` carries what a new request's checks read; passed with another request it
    must not stand in for that request's production or performer."""
    world = World(client)
    performer = stored_performer("Real One")
    stored_consent(performer, world.production, ["digital_replica"])
    asked = world.ask(kind="replica.create", performer_id=performer.id).json
    req = db.session.get(UseRequest, asked["id"])
    assert req is not None
    stale = bridge.Checked(
        ProductionFact("prd_other", "pitch", "X-9", "Somewhere else"),
        PerformerFact("prf_other", "SAG-AFTRA", True, "Someone Else"),
    )
    now = utcnow()
    loaded = bridge.load(db.session, req, now, stale)
    assert loaded.input.production is not None
    assert loaded.input.production.id == world.production.id
    assert loaded.input.production.kind == "production"
    assert loaded.input.performer is not None
    assert loaded.input.performer.name == "Real One"
    assert loaded.input.performer.deceased is False
    clean = bridge.load(db.session, req, now)
    assert loaded.input == clean.input
