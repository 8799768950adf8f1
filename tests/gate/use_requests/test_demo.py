"""The gate's demo seeder: a blocked and a clean model on NH-01 and requests with decisions."""

from __future__ import annotations

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from registry.core.clock import utcnow
from registry.extensions import db
from registry.gate.enhancement_models import services as models
from registry.gate.enhancement_models.models import EnhancementModel
from registry.gate.use_requests.demo import seed_gate
from registry.gate.use_requests.models import DecisionRecord, UseRequest
from tests.factories import api_user, make_production, stored_consent, stored_performer


def test_seed_gate_registers_models_and_decided_requests(ctx: Flask, client: FlaskClient) -> None:
    vfx, _ = api_user("vfx_lead")
    legal, _ = api_user("legal")
    nh = make_production("NH-01", members=(vfx,))
    pitch = make_production("NH-PITCH", kind="pitch", members=(vfx,))
    users = {"vfx_lead": vfx, "legal": legal}
    seed_gate(users, {"NH-01": nh, "NH-PITCH": pitch})  # no performers yet: nothing
    assert db.session.execute(select(EnhancementModel)).first() is None
    a = stored_performer("Ada Lowe")
    b = stored_performer("Bram Ostrov")
    stored_consent(a, nh, ["model_training", "digital_replica", "digital_alteration"])
    stored_consent(b, nh, ["model_training"])
    seed_gate(users, {"NH-01": nh, "NH-PITCH": pitch})
    db.session.commit()
    now = utcnow()
    status = {
        m.name: models.status_of(m, now)[0]
        for m in db.session.execute(select(EnhancementModel)).scalars()
    }
    assert status == {
        "Night Harbour de-ageing v1": "blocked",
        "Night Harbour voice clean-up": "active",
    }
    outcomes = [
        (r.kind, d.outcome, [rule["id"] for rule in d.rules])
        for r, d in db.session.execute(
            select(UseRequest, DecisionRecord)
            .join(DecisionRecord, DecisionRecord.id == UseRequest.current_decision_id)
            .order_by(UseRequest.id)
        )
    ]
    assert sorted(outcomes) == sorted(
        [
            ("alteration", "allow", ["R6"]),
            ("alteration", "escalate", ["R7"]),
            ("replica.create", "escalate", ["R1", "R2"]),
            ("model.use", "deny", ["R11"]),  # the blocked model, in its production
            ("model.use", "deny", ["R9"]),  # the clean model, in the pitch
        ]
    )
