"""What the records tests share: every audited record's state as stored now and as its latest
state event says, and a world holding at least one record of every audited kind, made through
the API as people make them."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from flask.testing import FlaskClient
from sqlalchemy import select, text

from registry.audit.models import AuditState
from registry.audit.record_kinds import KINDS
from registry.audit.records import TOMBSTONE, load_states
from registry.core.db import Base
from registry.extensions import db
from tests.factories import (
    bearer,
    consent_body,
    make_user,
    sha,
    stored_consent,
    stored_performer,
)
from tests.triage.world import TriageWorld

Key = tuple[str, str]


def states_now() -> dict[Key, str]:
    """Every audited record's state hash, as stored now."""
    out: dict[Key, str] = {}
    for kind in KINDS:
        table = Base.metadata.tables[kind.table]
        ids = list(db.session.execute(select(table.c.id)).scalars())
        for rid, digest in load_states(db.session, kind.name, ids).items():
            out[kind.name, rid] = digest
    return out


def latest_states() -> dict[Key, str]:
    """Every record's latest state event's hash (``deleted`` included)."""
    out: dict[Key, tuple[int, str]] = {}
    for seq, kind, rid, digest in db.session.execute(
        select(AuditState.seq, AuditState.kind, AuditState.record_id, AuditState.state_hash)
    ):
        if (kind, rid) not in out or seq > out[kind, rid][0]:
            out[kind, rid] = (seq, digest)
    return {key: digest for key, (_, digest) in out.items()}


def unmatched(before: dict[Key, str]) -> tuple[set[Key], list[str]]:
    """(the records changed since ``before``; those whose latest state event does not match
    what is stored now, in words)."""
    after = states_now()
    latest = latest_states()
    changed = {k for k, v in after.items() if before.get(k) != v}
    changed |= {k for k in before if k not in after}
    wrong = [
        f"{kind} {rid}: stored {after.get((kind, rid), TOMBSTONE)[:12]}, latest state event "
        f"{(latest.get((kind, rid)) or 'none')[:12]}"
        for kind, rid in sorted(changed)
        if latest.get((kind, rid)) != after.get((kind, rid), TOMBSTONE)
    ]
    return changed, wrong


@dataclass
class Made:
    """Ids of one record of every audited kind (and a few more), by name."""

    ids: dict[str, str] = field(default_factory=dict)

    def __getitem__(self, name: str) -> str:
        return self.ids[name]


class RecordsWorld(TriageWorld):
    """The triage world (users, productions, tools) with helpers for the other records."""

    def __init__(self, client: FlaskClient) -> None:
        super().__init__(client)
        self.rep, self.rep_token = make_user("talent_rep")

    def ok(self, answer: Any, status: int = 201) -> dict[str, Any]:
        assert answer.status_code == status, (answer.status_code, answer.json)
        return dict(answer.json) if answer.is_json and answer.json is not None else {}

    def performer(self) -> dict[str, Any]:
        body = {
            "legal_name": "Jo Q. Private",
            "professional_name": "Jo Stage",
            "email": "jo.private@example.test",
            "phone": "+44 20 7946 0000",
        }
        return self.ok(self.post("/api/v1/performers", body, self.rep_token))

    def consent(self, performer_id: str, purposes: list[str], **overrides: Any) -> dict[str, Any]:
        body = consent_body(performer_id, self.production.id, purposes=purposes, **overrides)
        return self.ok(self.post("/api/v1/consents", body, self.rep_token))


def build(client: FlaskClient) -> tuple[RecordsWorld, Made]:
    """At least one record of every audited kind, through the API (and the CLI for what only
    it does), including a revoked consent, an invalidated decision, a refusal and a deleted
    training-consent link."""
    w = RecordsWorld(client)
    made = Made()
    made.ids.update(user=w.vfx.id, rep=w.rep.id, production=w.production.id)
    made.ids["api_token"] = str(
        db.session.execute(text("SELECT id FROM api_tokens ORDER BY created_at LIMIT 1")).scalar()
    )
    # a page sign-in: a login session
    page = client.application.test_client()
    from tests.factories import login

    login(page, w.rep)
    made.ids["login_session"] = str(
        db.session.execute(
            text("SELECT id FROM login_sessions WHERE user_id = :u"), {"u": w.rep.id}
        ).scalar()
    )
    performer = w.performer()
    made.ids["performer"] = performer["id"]
    consent = w.consent(performer["id"], ["digital_replica", "digital_alteration"])
    made.ids["consent"] = consent["id"]
    asked = w.ask(kind="replica.create", performer_id=performer["id"])
    w.ok(asked)
    assert asked.json["decision"]["outcome"] == "escalate"
    approved = w.ok(
        w.post(
            f"/api/v1/requests/{asked.json['id']}/approvals",
            {"note": "Rider on file", "evidence_sha256": sha("rider")},
            w.legal_token,
        )
    )
    made.ids["use_request"] = approved["id"]
    made.ids["decision"] = approved["decision"]["id"]
    made.ids["approval"] = str(
        db.session.execute(
            text("SELECT id FROM approvals WHERE request_id = :r"), {"r": approved["id"]}
        ).scalar()
    )
    made.ids["replica"] = w.ok(w.post("/api/v1/replicas", {"request_id": approved["id"]}))["id"]
    second = w.ok(w.ask(kind="replica.create", performer_id=performer["id"], media=["voice"]))
    refused = w.post(
        f"/api/v1/requests/{second['id']}/refusals", {"reason": "Not in the rider"}, w.legal_token
    )
    w.ok(refused)
    made.ids["refusal"] = str(
        db.session.execute(
            text("SELECT id FROM refusals WHERE request_id = :r"), {"r": second["id"]}
        ).scalar()
    )
    # a model, suspended then cured by a second training consent (the first link is deleted)
    trained = stored_performer(reps=(w.rep,))
    first = stored_consent(
        trained, w.production, ["model_training"], expires_at=None or _soon(days=30)
    )
    model = w.ok(
        w.post(
            "/api/v1/models",
            {
                "name": "Harbour de-ageing",
                "production_id": w.production.id,
                "performer_ids": [trained.id],
                "training_sources": [
                    {"description": "dailies", "clearance": "owned"},
                    {"description": "archive", "clearance": "uncleared"},
                ],
                "scope": "De-ageing in flashbacks",
                "fingerprint_sha256": sha("weights"),
                "vendor": "Pixel Yard",
            },
        )
    )
    made.ids["model"] = model["id"]
    w.ok(
        w.post(
            f"/api/v1/models/{model['id']}/clearances",
            {"source": 1, "evidence_sha256": sha("licence"), "note": "Licence signed"},
            w.legal_token,
        )
    )
    w.ok(
        w.post(f"/api/v1/consents/{first.consent_id}/revoke", {"reason": "withdrawn"}, w.rep_token),
        200,
    )
    cure = w.consent(trained.id, ["model_training"])
    w.ok(w.post(f"/api/v1/models/{model['id']}/training-consents", {"consent_id": cure["id"]}))
    # triage: a pipeline, a declaration amended, triaged, cleared, with an asset
    pipeline = w.ok(
        w.post(
            "/api/v1/pipelines",
            {
                "name": "Key art",
                "vendor": "V",
                "stages": [{"tool_id": w.secure["id"], "does": "x"}],
            },
            w.legal_token,
        )
    )
    made.ids["pipeline"] = pipeline["id"]
    made.ids["tool"] = w.secure["id"]
    declared = w.declared(category="background_element", output="final", facts={"prominent": True})
    made.ids["declaration"] = declared["id"]
    made.ids["triage"] = declared["triage"]["id"]
    w.ok(w.post(f"/api/v1/declarations/{declared['id']}/amend", {"title": "Festival poster"}))
    w.ok(w.approve(declared["id"]))
    asset = w.ok(w.asset(declared["id"], sha("poster"), output="temporary"))
    made.ids["asset"] = asset["id"]
    return w, made


def _soon(days: int) -> Any:
    from registry.core.clock import utcnow

    return utcnow() + timedelta(days=days)


def bearer_of(token: str) -> dict[str, str]:
    return bearer(token)
