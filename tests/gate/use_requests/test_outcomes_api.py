"""Every outcome of DOMAIN.md's rules, produced through POST /api/v1/requests (table-driven).

Each row sets up consents (written as the consent registry stores them), asks the registry
through the API, and checks what a VFX lead reads: the outcome, the rules that fired (with the
outcome each pushed; on a deny the others are "considered"), the basis, the exception, the
consents relied on, what is missing and the next step. Every decision this module reads is also
checked to name things as people know them: no id without its name (``tests.gate.naming``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from registry.core.clock import utcnow
from tests.factories import (
    World,
    amend,
    model_via_api,
    replica_via_api,
    revoke,
    sha,
    stored_consent,
    stored_performer,
)

ALL_MEDIA = ("likeness", "voice", "performance")


@pytest.fixture(autouse=True)
def _every_decision_names_things(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(World, "check_names", True)


@dataclass
class Row:
    name: str
    kind: str
    expect: str
    rules: dict[str, str]
    consents: list[dict[str, Any]] = field(default_factory=list)
    performer: dict[str, Any] = field(default_factory=dict)
    media: list[str] = field(default_factory=lambda: ["likeness"])
    facts: dict[str, Any] = field(default_factory=dict)
    basis: str | None = None
    exception: str | None = None
    relies: bool = False
    missing: list[str] = field(default_factory=list)


def C(*purposes: str, **kw: Any) -> dict[str, Any]:
    return {"purposes": list(purposes), **kw}


LATER = timedelta(days=30)
CONSENT_ROWS = [
    # replica.create: R1, R2, and the consent conditions C1-C5 through R1
    Row(
        "R1 no consent: deny",
        "replica.create",
        "deny",
        {"R1": "deny", "R2": "escalate"},
        missing=["consent for digital_replica in production {P}"],
    ),
    Row(
        "R2 consent and no approval: escalate",
        "replica.create",
        "escalate",
        {"R1": "allow", "R2": "escalate"},
        [C("digital_replica")],
        relies=True,
        missing=["written approval"],
    ),
    Row(
        "C1 consent of another production: deny",
        "replica.create",
        "deny",
        {"R1": "deny"},
        [C("digital_replica", production="other")],
    ),
    Row(
        "C1 medium not covered: deny",
        "replica.create",
        "deny",
        {"R1": "deny"},
        [C("digital_replica", media=["voice"])],
    ),
    Row(
        "C1 purpose not covered: deny",
        "replica.create",
        "deny",
        {"R1": "deny"},
        [C("digital_alteration")],
    ),
    Row(
        "C2 undocumented (no evidence): deny",
        "replica.create",
        "deny",
        {"R1": "deny"},
        [C("digital_replica", evidence_sha256=None)],
    ),
    Row(
        "C2 blanket description: deny",
        "replica.create",
        "deny",
        {"R1": "deny"},
        [C("digital_replica", description="any use")],
    ),
    Row(
        "C3 guild member, not guild compliant: deny",
        "replica.create",
        "deny",
        {"R1": "deny"},
        [C("digital_replica", guild_compliant=False)],
        {"guild": "SAG-AFTRA"},
    ),
    Row(
        "C3 guild member, guild compliant: escalate",
        "replica.create",
        "escalate",
        {"R1": "allow", "R2": "escalate"},
        [C("digital_replica")],
        {"guild": "SAG-AFTRA"},
        relies=True,
    ),
    Row(
        "C4 expired: deny",
        "replica.create",
        "deny",
        {"R1": "deny"},
        [C("digital_replica", effective_from=-LATER * 2, expires_at=-LATER)],
    ),
    Row(
        "C4 not yet effective: deny",
        "replica.create",
        "deny",
        {"R1": "deny"},
        [C("digital_replica", effective_from=LATER)],
    ),
    Row(
        "C4 revoked: deny",
        "replica.create",
        "deny",
        {"R1": "deny"},
        [C("digital_replica", revoked_at=-timedelta(minutes=1))],
    ),
    Row(
        "C4 superseded (amended without the purpose): deny",
        "replica.create",
        "deny",
        {"R1": "deny"},
        [C("digital_replica", amend={"purposes": ["digital_alteration"]})],
    ),
    Row(
        "C5 deceased, signed by the performer: deny",
        "replica.create",
        "deny",
        {"R1": "deny"},
        [C("digital_replica", signed_by="performer")],
        {"deceased": True},
    ),
    Row(
        "C5 deceased, signed by the estate: escalate",
        "replica.create",
        "escalate",
        {"R1": "allow", "R2": "escalate"},
        [C("digital_replica", signed_by="estate")],
        {"deceased": True},
        relies=True,
    ),
    Row(
        "synthetic_voice counts as digital_replica for voice: escalate",
        "replica.create",
        "escalate",
        {"R1": "allow", "R2": "escalate"},
        [C("synthetic_voice", media=["voice"])],
        media=["voice"],
        relies=True,
    ),
    # alteration: R6 customary exceptions
    Row(
        "R6 as recorded: allow",
        "alteration",
        "allow",
        {"R6": "allow"},
        facts={"as_recorded": True},
        basis="customary_exception",
        exception="as_recorded",
    ),
    *[
        Row(
            f"R6 {change}: allow",
            "alteration",
            "allow",
            {"R6": "allow"},
            facts={"changes": [change]},
            basis="customary_exception",
            exception="customary_changes",
        )
        for change in (
            "cosmetics",
            "wardrobe",
            "noise_reduction",
            "timing",
            "continuity",
            "pitch",
            "clarity",
        )
    ],
    Row(
        "R6 several customary changes: allow",
        "alteration",
        "allow",
        {"R6": "allow"},
        facts={"changes": ["noise_reduction", "pitch", "timing"]},
        basis="customary_exception",
        exception="customary_changes",
    ),
    Row(
        "R6 dubbing or double permitted: allow",
        "alteration",
        "allow",
        {"R6": "allow"},
        facts={"dubbing_or_double_permitted": True},
        basis="customary_exception",
        exception="dubbing_or_double",
    ),
    Row(
        "R6 no change named is not customary: deny",
        "alteration",
        "deny",
        {"R0": "deny"},
        missing=["the change the alteration makes"],
    ),
    # alteration: R7 significant alterations
    Row(
        "R7 tone, no consent: deny",
        "alteration",
        "deny",
        {"R7": "deny"},
        facts={"alters_tone_delivery_or_intent": True},
        missing=["consent for digital_alteration in production {P}"],
    ),
    Row(
        "R7 tone with consent: escalate",
        "alteration",
        "escalate",
        {"R7": "escalate"},
        [C("digital_alteration")],
        facts={"alters_tone_delivery_or_intent": True},
        relies=True,
        missing=["written approval"],
    ),
    Row(
        "R7 visual ADR, no consent: deny",
        "alteration",
        "deny",
        {"R7": "deny"},
        facts={"new_dialogue": True},
        missing=["consent for visual_adr in production {P}"],
    ),
    Row(
        "R7 visual ADR with visual_adr consent: escalate",
        "alteration",
        "escalate",
        {"R7": "escalate"},
        [C("visual_adr")],
        facts={"new_dialogue": True},
        relies=True,
    ),
    Row(
        "R7 visual ADR with digital_alteration consent: escalate",
        "alteration",
        "escalate",
        {"R7": "escalate"},
        [C("digital_alteration")],
        facts={"new_dialogue": True},
        relies=True,
    ),
    Row(
        "R7 re-ageing, no consent: deny",
        "alteration",
        "deny",
        {"R7": "deny"},
        facts={"changes": ["re_ageing"]},
        missing=["consent for re_ageing in production {P}"],
    ),
    Row(
        "R7 re-ageing with re_ageing consent: escalate",
        "alteration",
        "escalate",
        {"R7": "escalate"},
        [C("re_ageing")],
        facts={"changes": ["re_ageing"]},
        relies=True,
    ),
    Row(
        "R7 customary change does not excuse re-ageing: escalate",
        "alteration",
        "escalate",
        {"R7": "escalate"},
        [C("re_ageing")],
        facts={"changes": ["re_ageing", "noise_reduction"]},
        relies=True,
    ),
    # alteration: R8 any other alteration
    Row(
        "R8 other change with consent: allow",
        "alteration",
        "allow",
        {"R8": "allow"},
        [C("digital_alteration")],
        facts={"changes": ["other"]},
        basis="consent",
        relies=True,
    ),
    Row(
        "R8 other change, no consent: deny",
        "alteration",
        "deny",
        {"R8": "deny"},
        facts={"changes": ["other", "pitch"]},
        missing=["consent for digital_alteration in production {P}"],
    ),
    # R13 for any kind
    Row(
        "R13 customary change that may harm reputation: escalate",
        "alteration",
        "escalate",
        {"R6": "allow", "R13": "escalate"},
        facts={"changes": ["cosmetics"], "may_harm_reputation": True},
        exception="customary_changes",
        missing=["written approval"],
    ),
    Row(
        "R13 on a consented alteration: escalate",
        "alteration",
        "escalate",
        {"R8": "allow", "R13": "escalate"},
        [C("digital_alteration")],
        facts={"changes": ["other"], "may_harm_reputation": True},
        relies=True,
    ),
    # model.train: R12
    Row(
        "R12 no training consent: deny",
        "model.train",
        "deny",
        {"R12": "deny"},
        missing=["consent for model_training in production {P}"],
    ),
    Row(
        "R12 training consent: escalate",
        "model.train",
        "escalate",
        {"R12": "escalate"},
        [C("model_training")],
        relies=True,
        missing=["written approval"],
        facts={"training_sources": [{"description": "own dailies", "clearance": "owned"}]},
    ),
    Row(
        "R12 uncleared material is named: escalate",
        "model.train",
        "escalate",
        {"R12": "escalate"},
        [C("model_training")],
        relies=True,
        facts={
            "training_sources": [
                {"description": "own dailies", "clearance": "owned"},
                {"description": "celebrity faces from the web", "clearance": "uncleared"},
            ]
        },
        missing=[
            "clearance of training source 1: celebrity faces from the web",
            "written approval",
        ],
    ),
]


def _consent(world: World, performer: Any, spec: dict[str, Any]) -> Any:
    spec = dict(spec)
    now = utcnow()
    production = world.other if spec.pop("production", None) == "other" else world.production
    for name in ("effective_from", "expires_at", "revoked_at"):
        if name in spec:
            spec[name] = now + spec[name]
    changes = spec.pop("amend", None)
    version = stored_consent(performer, production, spec.pop("purposes"), **spec)
    return amend(version, **changes) if changes else version


def check(row: Row, body: dict[str, Any], production: str, expires: list[Any]) -> None:
    decision = body["decision"]
    assert decision["outcome"] == row.expect, decision["rules"]
    fired = {r["id"]: r["outcome"] for r in decision["rules"] + decision["considered"]}
    for rule_id, outcome in row.rules.items():
        assert fired.get(rule_id) == outcome, (rule_id, decision["rules"])
    for rule in decision["rules"] + decision["considered"]:
        assert rule["section"] and rule["reason"]
    if row.expect == "deny":  # the rules that denied decide it; written approval cannot help
        assert {r["outcome"] for r in decision["rules"]} == {"deny"}
        assert decision["missing"], decision
        assert not [m for m in decision["missing"] if "approval" in m]
        assert decision["next_step"].endswith("then ask again"), decision["next_step"]
    else:
        assert decision["considered"] == []
    assert decision["basis"] == row.basis
    assert decision["exception"] == row.exception
    assert bool(decision["consent_ids"]) == row.relies
    if row.relies:
        assert decision["valid_until"] is not None
        assert decision["valid_until"] == min(expires).isoformat()
    else:
        assert decision["valid_until"] is None
    for item in row.missing:
        assert item.format(P=production) in decision["missing"], decision["missing"]
    if row.expect == "allow":
        assert decision["missing"] == []
    assert decision["valid"] is True
    assert decision["receipt"].count(".") == 2
    assert decision["ruleset_version"]


@pytest.mark.parametrize("row", CONSENT_ROWS, ids=[r.name for r in CONSENT_ROWS])
def test_outcome_through_the_api(ctx: Flask, client: FlaskClient, row: Row) -> None:
    world = World(client)
    performer = stored_performer(**row.performer)
    versions = [_consent(world, performer, spec) for spec in row.consents]
    asked = world.ask(kind=row.kind, performer_id=performer.id, media=row.media, facts=row.facts)
    assert asked.status_code == 201, asked.json
    check(row, asked.json, world.label(world.production), [v.expires_at for v in versions])
    # The stored request reads back the same.
    again = world.get(f"/api/v1/requests/{asked.json['id']}")
    assert again.status_code == 200
    assert again.json["decision"] == asked.json["decision"]


# -- replica.use: R3, R4, R5 ----------------------------------------------------------------------


def _replica_world(client: FlaskClient) -> tuple[World, Any, Any, str]:
    world = World(client)
    performer = stored_performer()
    version = stored_consent(performer, world.production, ["digital_replica"], ["likeness"])
    return world, performer, version, replica_via_api(world, performer)


@pytest.mark.parametrize(
    ("facts", "exception"),
    [
        ({"as_recorded": True}, "as_recorded"),
        ({"safety": True}, "safety"),
        ({"unrecognizable": True}, "unrecognizable"),
    ],
)
def test_r4_customary_use_of_a_replica_is_allowed_and_names_the_exception(
    ctx: Flask, client: FlaskClient, facts: dict[str, Any], exception: str
) -> None:
    world, performer, version, replica_id = _replica_world(client)
    asked = world.ask(kind="replica.use", replica_id=replica_id, facts=facts)
    assert asked.status_code == 201
    decision = asked.json["decision"]
    assert decision["outcome"] == "allow"
    assert decision["basis"] == "customary_exception"
    assert decision["exception"] == exception
    assert {r["id"]: r["outcome"] for r in decision["rules"]} == {"R3": "allow", "R4": "allow"}
    assert decision["consent_ids"] == [version.consent_id]
    assert asked.json["performer_id"] == performer.id  # taken from the replica


def test_r5_other_use_of_a_replica_with_consent_escalates(ctx: Flask, client: FlaskClient) -> None:
    world, performer, _version, replica_id = _replica_world(client)
    asked = world.ask(kind="replica.use", replica_id=replica_id, performer_id=performer.id)
    decision = asked.json["decision"]
    assert decision["outcome"] == "escalate"
    assert {r["id"]: r["outcome"] for r in decision["rules"]} == {
        "R3": "allow",
        "R5": "escalate",
    }
    assert decision["missing"] == ["written approval"]


def _replica_label(world: World, replica_id: str) -> str:
    name = world.get(f"/api/v1/replicas/{replica_id}").json["name"]
    return f"{name} [{replica_id}]"


def test_r3_r5_replica_whose_consent_was_revoked_is_denied(ctx: Flask, client: FlaskClient) -> None:
    world, performer, version, replica_id = _replica_world(client)
    revoke(version)
    asked = world.ask(kind="replica.use", replica_id=replica_id)
    decision = asked.json["decision"]
    assert decision["outcome"] == "deny"
    fired = {r["id"]: r["outcome"] for r in decision["rules"]}
    assert fired["R3"] == "deny" and fired["R5"] == "deny"
    label = _replica_label(world, replica_id)
    assert label == f"{performer.professional_name} replica (likeness) [{replica_id}]"
    assert f"a valid consent behind replica {label}" in decision["missing"]
    assert decision["consent_ids"] == []


def test_r3_replica_in_another_production_is_denied(ctx: Flask, client: FlaskClient) -> None:
    world, performer, _version, replica_id = _replica_world(client)
    asked = world.ask(
        kind="replica.use",
        replica_id=replica_id,
        production_id=world.other.id,
        facts={"as_recorded": True},
    )
    decision = asked.json["decision"]
    assert decision["outcome"] == "deny"
    assert {r["id"]: r["outcome"] for r in decision["rules"]} == {"R3": "deny"}
    assert {r["id"] for r in decision["considered"]} == {"R4"}
    wanted = f"consent for digital_replica in production {world.label(world.other)}"
    assert decision["missing"] == [wanted]
    assert decision["next_step"] == (
        f"ask {performer.professional_name}'s representative for a digital_replica consent for "
        f"production {world.label(world.other)}, then ask again"
    )


def test_r3_replica_in_another_production_with_consent_there_escalates(
    ctx: Flask, client: FlaskClient
) -> None:
    world, performer, _version, replica_id = _replica_world(client)
    there = stored_consent(performer, world.other, ["digital_replica"], ["likeness"])
    asked = world.ask(
        kind="replica.use",
        replica_id=replica_id,
        production_id=world.other.id,
        facts={"as_recorded": True},
    )
    decision = asked.json["decision"]
    assert decision["outcome"] == "escalate", decision
    assert {r["id"]: r["outcome"] for r in decision["rules"]} == {"R3": "escalate", "R4": "allow"}
    assert there.consent_id in decision["consent_ids"]
    assert decision["missing"] == ["written approval"]
    approved = world.post(
        f"/api/v1/requests/{asked.json['id']}/approvals",
        {"note": "Cross-production use cleared", "evidence_sha256": sha()},
        world.legal_token,
    )
    assert approved.status_code == 201, approved.json
    assert approved.json["decision"]["outcome"] == "allow"


def test_r3_medium_the_replica_does_not_include_is_denied(ctx: Flask, client: FlaskClient) -> None:
    world, _performer, _version, replica_id = _replica_world(client)
    asked = world.ask(
        kind="replica.use", replica_id=replica_id, media=["voice"], facts={"safety": True}
    )
    decision = asked.json["decision"]
    assert decision["outcome"] == "deny"
    assert "a replica that includes voice" in decision["missing"]


# -- model.use: R9, R10, R11 (and R13) ------------------------------------------------------------


def _model_world(
    client: FlaskClient, *, media: tuple[str, ...] = ALL_MEDIA, **model: Any
) -> tuple[World, Any, Any, dict[str, Any]]:
    world = World(client)
    performer = stored_performer(guild="Equity")
    version = stored_consent(performer, world.production, ["model_training"], media)
    return world, performer, version, model_via_api(world, [performer], **model)


def _rules(asked: Any) -> dict[str, str]:
    """Every rule that fired, deciding or only considered, with the outcome it pushed."""
    decision = asked.json["decision"]
    return {r["id"]: r["outcome"] for r in decision["rules"] + decision["considered"]}


def test_r9_model_within_its_production_is_allowed(ctx: Flask, client: FlaskClient) -> None:
    world, _performer, version, model = _model_world(client)
    asked = world.ask(kind="model.use", model_id=model["id"])
    decision = asked.json["decision"]
    assert decision["outcome"] == "allow", decision
    assert decision["basis"] == "consent"
    assert _rules(asked) == {"R9": "allow"}
    assert decision["consent_ids"] == [version.consent_id]
    assert decision["valid_until"] == version.expires_at.isoformat()


def test_r9_model_outside_its_scope_of_media_is_denied(ctx: Flask, client: FlaskClient) -> None:
    world, _performer, _version, model = _model_world(client, media=("likeness",))
    asked = world.ask(kind="model.use", model_id=model["id"], media=["voice"])
    assert asked.json["decision"]["outcome"] == "deny"
    assert _rules(asked)["R9"] == "deny"


@pytest.mark.parametrize("where", ["other", "pitch"])
def test_r9_model_in_another_production_or_pitch_without_reuse_consent_is_denied(
    ctx: Flask, client: FlaskClient, where: str
) -> None:
    world, performer, _version, model = _model_world(client)
    target = getattr(world, where)
    asked = world.ask(kind="model.use", model_id=model["id"], production_id=target.id)
    decision = asked.json["decision"]
    assert decision["outcome"] == "deny"
    assert _rules(asked)["R9"] == "deny"
    assert (
        f"consent for model_reuse in production {world.label(target)} from "
        f"{performer.professional_name}" in decision["missing"]
    )


@pytest.mark.parametrize("where", ["other", "pitch"])
def test_r9_model_reuse_with_every_performers_consent_escalates(
    ctx: Flask, client: FlaskClient, where: str
) -> None:
    world, performer, _version, model = _model_world(client)
    target = getattr(world, where)
    reuse = stored_consent(performer, target, ["model_reuse"])
    asked = world.ask(kind="model.use", model_id=model["id"], production_id=target.id)
    decision = asked.json["decision"]
    assert decision["outcome"] == "escalate", decision
    assert _rules(asked)["R9"] == "escalate"
    assert reuse.consent_id in decision["consent_ids"]
    assert decision["missing"] == ["written approval"]


def test_r9_retired_model_is_denied(ctx: Flask, client: FlaskClient) -> None:
    world, _performer, _version, model = _model_world(client)
    retired = world.post(f"/api/v1/models/{model['id']}/retire", {"reason": "wrapped"})
    assert retired.json["status"] == "retired"
    asked = world.ask(kind="model.use", model_id=model["id"])
    assert asked.json["decision"]["outcome"] == "deny"
    assert _rules(asked)["R9"] == "deny"


def test_r10_model_whose_training_consent_was_revoked_is_denied(
    ctx: Flask, client: FlaskClient
) -> None:
    world, performer, version, model = _model_world(client)
    revoke(version)
    asked = world.ask(kind="model.use", model_id=model["id"])
    decision = asked.json["decision"]
    assert decision["outcome"] == "deny"
    assert _rules(asked)["R10"] == "deny"
    assert (
        f"a valid model_training consent from {performer.professional_name} linked to model "
        f"Harbour de-ageing model [{model['id']}]" in decision["missing"]
    )
    assert world.get(f"/api/v1/models/{model['id']}").json["status"] == "suspended"


def test_r10_model_registered_without_a_training_consent_is_denied(
    ctx: Flask, client: FlaskClient
) -> None:
    world = World(client)
    performer = stored_performer()
    model = model_via_api(world, [performer])
    assert model["status"] == "suspended"
    asked = world.ask(kind="model.use", model_id=model["id"])
    assert asked.json["decision"]["outcome"] == "deny"
    assert _rules(asked)["R10"] == "deny"


def test_r11_blocked_model_is_denied_and_the_clearance_is_missing(
    ctx: Flask, client: FlaskClient
) -> None:
    sources = [
        {"description": "own dailies", "clearance": "owned"},
        {"description": "stock library, licence pending", "clearance": "uncleared"},
    ]
    world, _performer, _version, model = _model_world(client, sources=sources)
    assert model["status"] == "blocked"
    asked = world.ask(kind="model.use", model_id=model["id"])
    decision = asked.json["decision"]
    assert decision["outcome"] == "deny"
    assert _rules(asked)["R11"] == "deny"
    assert decision["missing"] == ["clearance of training source 1: stock library, licence pending"]


def test_r13_model_use_that_may_harm_reputation_escalates(ctx: Flask, client: FlaskClient) -> None:
    world, _performer, _version, model = _model_world(client)
    asked = world.ask(kind="model.use", model_id=model["id"], facts={"may_harm_reputation": True})
    assert asked.json["decision"]["outcome"] == "escalate"
    assert _rules(asked) == {"R9": "allow", "R13": "escalate"}


def test_deny_beats_escalate_beats_allow(ctx: Flask, client: FlaskClient) -> None:
    world = World(client)
    performer = stored_performer()
    asked = world.ask(
        kind="alteration",
        performer_id=performer.id,
        facts={"changes": ["other"], "may_harm_reputation": True},
    )
    assert asked.json["decision"]["outcome"] == "deny"
    assert _rules(asked) == {"R8": "deny", "R13": "escalate"}
