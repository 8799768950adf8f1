"""Every answer carries a request id (the caller's, when well-formed, else a new one), and the
audit events a request appends keep it, outside their hashes."""

from __future__ import annotations

import re

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select, update

from registry.appctx import signing_keys
from registry.audit.models import AuditEvent
from registry.audit.services import event_hash as recompute
from registry.audit.services import hashed_time, verify
from registry.extensions import db
from tests.factories import World, stored_performer

GENERATED = re.compile(r"[0-9a-f]{32}")


def test_an_answer_without_an_id_asked_for_gets_a_new_one_each_time(client: FlaskClient) -> None:
    first = client.get("/healthz").headers["X-Request-Id"]
    second = client.get("/healthz").headers["X-Request-Id"]
    assert GENERATED.fullmatch(first) and GENERATED.fullmatch(second) and first != second


@pytest.mark.parametrize(
    "offered",
    ["4bf92f3577b34da6a3ce929d0e0e4736", "req-2026.12.06:0001_A", "a", "x" * 128],
)
def test_a_well_formed_id_is_echoed(client: FlaskClient, offered: str) -> None:
    answer = client.get("/healthz", headers={"X-Request-Id": offered})
    assert answer.headers["X-Request-Id"] == offered


@pytest.mark.parametrize(
    "offered",
    [
        "x" * 129,
        "two words",
        "id\tx",
        "id%0D%0ASet-Cookie:a=b",
        "<script>",
        "a/b",
        "é",
        "id;drop",
        "",
    ],
)
def test_an_ill_formed_id_is_replaced_not_refused(client: FlaskClient, offered: str) -> None:
    answer = client.get("/healthz", headers={"X-Request-Id": offered})
    assert answer.status_code == 200
    assert GENERATED.fullmatch(answer.headers["X-Request-Id"])


@pytest.mark.parametrize(
    ("method", "path", "status"),
    [
        ("GET", "/no/such/page", 404),
        ("GET", "/api/v1/consents", 401),
        ("POST", "/api/v1/requests", 401),
        ("GET", "/performers", 302),
    ],
)
def test_refusals_and_redirects_echo_the_id_too(
    client: FlaskClient, method: str, path: str, status: int
) -> None:
    answer = client.open(path, method=method, headers={"X-Request-Id": "trace-42"})
    assert answer.status_code == status
    assert answer.headers["X-Request-Id"] == "trace-42"


def test_a_requests_audit_events_keep_its_id_outside_their_hashes(
    ctx: Flask, client: FlaskClient
) -> None:
    world = World(client)
    performer = stored_performer()
    answer = client.post(
        "/api/v1/requests",
        json={
            "kind": "replica.create",
            "performer_id": performer.id,
            "production_id": world.production.id,
            "media": ["likeness"],
            "description": "Scene 12: harbour stunt, wide shot",
        },
        headers={"Authorization": f"Bearer {world.vfx_token}", "X-Request-Id": "pipeline-77"},
    )
    assert answer.status_code == 201 and answer.headers["X-Request-Id"] == "pipeline-77"
    assert answer.json is not None
    asked = answer.json["id"]
    events = db.session.scalars(select(AuditEvent).where(AuditEvent.request_id == "pipeline-77"))
    event = next(e for e in events if e.subject_id == asked)
    assert event.action == "request.created"
    # Events appended outside a request (the factories above) have none.
    assert (
        db.session.scalar(select(AuditEvent.request_id).order_by(AuditEvent.seq).limit(1)) is None
    )

    # The id is not hashed: the stored hash is that of the event's line without it...
    line = (event.seq, hashed_time(event.at), event.actor_id, event.action, event.subject_type)
    assert event.hash == recompute(*line, event.subject_id, event.content_hash, event.prev_hash)
    # ...so changing it changes no hash, and the trail still verifies.
    db.session.execute(
        update(AuditEvent).where(AuditEvent.seq == event.seq).values(request_id="someone-else")
    )
    db.session.flush()
    assert verify(db.session, signing=signing_keys()).ok
    # While a change to what is hashed is found.
    db.session.execute(
        update(AuditEvent).where(AuditEvent.seq == event.seq).values(subject_id="req_other")
    )
    db.session.flush()
    checked = verify(db.session, signing=signing_keys())
    assert not checked.ok and checked.first_bad == event.seq
