"""Small leaks closed: a failing calendar feed never writes its private token to the error log;
a refused attempt to bind registered weights to another production says nothing of where they
are bound, and the production that holds them is told."""

from __future__ import annotations

import logging

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from registry.audit.models import AuditEvent
from registry.extensions import db
from registry.productions import services as productions
from registry.reminders import calendar
from registry.reminders import services as reminders
from registry.reminders.models import Reminder
from tests.factories import World, make_user, sha, stored_consent, stored_performer


def test_a_failing_feed_keeps_its_token_out_of_the_error_log(
    ctx: Flask,
    client: FlaskClient,
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    rep, _ = make_user("talent_rep")
    token = reminders.new_calendar_token(rep)
    db.session.commit()

    def broken(*_: object, **__: object) -> bytes:
        raise RuntimeError("the feed could not be built")

    monkeypatch.setattr(calendar, "feed", broken)  # a failure inside the feed, as in production
    with caplog.at_level(logging.ERROR):
        answer = client.get(f"/calendar/{token}.ics")
    assert answer.status_code == 500
    logged = "\n".join(r.getMessage() + (caplog.text or "") for r in caplog.records)
    assert "unhandled error on GET /calendar/[redacted]" in logged
    assert token not in logged


def test_a_refused_rebind_names_nothing_and_tells_the_owning_production(
    ctx: Flask, client: FlaskClient
) -> None:
    world = World(client)
    legal, _ = make_user("legal")
    productions.add_member(world.production, legal.id, actor_id=None)
    db.session.commit()
    performer = stored_performer()
    stored_consent(performer, world.production, ["model_training"])
    fingerprint = sha("the weights")
    body = {
        "name": "Secret harbour model",
        "production_id": world.production.id,
        "performer_ids": [performer.id],
        "training_sources": [{"description": "dailies", "clearance": "owned"}],
        "scope": "De-ageing in flashbacks",
        "fingerprint_sha256": fingerprint,
        "vendor": "Pixel Yard",
    }
    assert world.post("/api/v1/models", body).status_code == 201
    # The outsider works on world.other only: they cannot see world.production.
    stranger = world.post(
        "/api/v1/models",
        {**body, "name": "Mine now", "production_id": world.other.id},
        world.outsider_token,
    )
    assert stranger.status_code == 409
    said = str(stranger.json)
    for secret in (world.production.code, world.production.title, "Secret harbour model",
                   world.production.id):  # fmt: skip
        assert secret not in said
    notice = db.session.execute(
        select(Reminder).where(Reminder.kind == "model.rebind_refused")
    ).scalar_one()
    assert notice.recipients == [legal.id]
    assert notice.production_id == world.production.id
    assert notice.title is not None
    assert "Secret harbour model" in notice.title and world.other.code in notice.title
    assert (
        db.session.execute(
            select(AuditEvent.action).where(AuditEvent.action == "model.rebind_refused")
        ).scalar_one()
        == "model.rebind_refused"
    )
