"""The gate's fixed writes (``registry.core.writes``) store exactly what SQLAlchemy would."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, cast

import pytest
from flask import Flask
from sqlalchemy import Table, bindparam, insert, select

from registry.core.reads import Query, SessionCursor
from registry.core.writes import Write
from registry.extensions import db
from registry.gate.use_requests.models import UseRequest
from tests.factories import make_production, make_user, stored_performer

REQUESTS = cast(Table, UseRequest.__table__)


def _values(request_id: str, production_id: str, performer_id: str, user_id: str) -> dict[str, Any]:
    return {
        "id": request_id,
        "kind": "alteration",
        "performer_id": performer_id,
        "production_id": production_id,
        "replica_id": None,
        "model_id": None,
        "media": ["likeness", "voice"],
        "description": "Crowd touch-up, scene 12 \u2014 \u00e9t\u00e9",
        "facts": {"changes": ["other"], "safety": False, "training_sources": []},
        "requested_by": user_id,
        "declaration_id": None,
        "created_at": datetime(2026, 3, 1, 12, 30, 15, 123456, tzinfo=UTC),
        "current_decision_id": None,
        "decision_count": 0,
    }


def test_a_fixed_insert_stores_what_a_core_insert_stores(ctx: Flask) -> None:
    user, _ = make_user("admin")
    production = make_production()
    performer = stored_performer()
    ours = _values("req_fixedwrite0000000000000001", production.id, performer.id, user.id)
    theirs = {**ours, "id": "req_fixedwrite0000000000000002"}
    Write(insert(REQUESTS), (c.key for c in REQUESTS.c)).run(SessionCursor(db.session), ours)
    db.session.execute(insert(REQUESTS), theirs)
    row = Query(select(*REQUESTS.c).where(REQUESTS.c.id == bindparam("id")))
    cursor = SessionCursor(db.session)  # each row as read back, field by field
    read = [cursor.rows(row, id=values["id"])[0]._asdict() for values in (ours, theirs)]
    assert len(read) == 2
    assert {k: v for k, v in read[0].items() if k != "id"} == {
        k: v for k, v in read[1].items() if k != "id"
    }
    assert read[0]["media"] == ours["media"] and read[0]["created_at"] == ours["created_at"]
    stored = db.session.get(UseRequest, ours["id"])
    assert stored is not None
    assert stored.media == ours["media"] and stored.facts == ours["facts"]
    assert stored.created_at == ours["created_at"]
    assert stored.description == ours["description"]


def test_a_fixed_write_refuses_a_statement_with_other_parameters(ctx: Flask) -> None:
    with pytest.raises(ValueError, match="binds"):
        # created_at has a Python-side default: a fixed write never fills one in
        Write(insert(REQUESTS), ("id", "kind")).run(SessionCursor(db.session), {"x": 1})
