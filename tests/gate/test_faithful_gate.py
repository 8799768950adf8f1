"""Ruleset 2026.12-1 through the API: R7 in every kind that produces output, R9 and a pitch's own
model, R8's quotation and restrictions, R15 for a deceased performer. Every decision read here
is also checked to name things as people know them (``tests.gate.naming``)."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.factories import (
    World,
    model_via_api,
    replica_via_api,
    sha,
    stored_consent,
    stored_performer,
)


@pytest.fixture(autouse=True)
def _every_decision_names_things(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(World, "check_names", True)


def _fired(decision: dict[str, Any]) -> dict[str, str]:
    return {r["id"]: r["outcome"] for r in decision["rules"]}


def _approve(world: World, request_id: str, **extra: Any) -> Any:
    return world.post(
        f"/api/v1/requests/{request_id}/approvals",
        {"note": "Reviewed and approved", "evidence_sha256": sha(), **extra},
        world.legal_token,
    )


# -- R7 in replica.use and model.use ----------------------------------------------------------


@pytest.mark.parametrize("claimed", ["safety", "unrecognizable"])
def test_a_replica_made_to_speak_new_dialogue_is_judged_by_r7(
    ctx: Flask, client: FlaskClient, claimed: str
) -> None:
    world = World(client)
    performer = stored_performer("Ines Toro")
    stored_consent(performer, world.production, ["digital_replica"], ["likeness"])
    replica_id = replica_via_api(world, performer)
    asked = world.ask(
        kind="replica.use", replica_id=replica_id, facts={claimed: True, "new_dialogue": True}
    ).json["decision"]
    assert asked["outcome"] == "deny", asked
    assert _fired(asked) == {"R7": "deny"}
    assert asked["exception"] is None
    assert asked["missing"] == [
        f"consent for visual_adr in production {world.label(world.production)}"
    ]
    assert asked["next_step"] == (
        "ask Ines Toro's representative for a visual_adr consent for production "
        f"{world.label(world.production)}, then ask again"
    )


def test_a_replica_speaking_new_dialogue_with_consent_needs_written_approval(
    ctx: Flask, client: FlaskClient
) -> None:
    world = World(client)
    performer = stored_performer()
    stored_consent(performer, world.production, ["digital_replica", "visual_adr"], ["likeness"])
    replica_id = replica_via_api(world, performer)
    asked = world.ask(
        kind="replica.use", replica_id=replica_id, facts={"safety": True, "new_dialogue": True}
    ).json
    decision = asked["decision"]
    assert decision["outcome"] == "escalate"
    assert _fired(decision) == {"R3": "allow", "R5": "escalate", "R7": "escalate"}
    assert _approve(world, asked["id"]).json["decision"]["outcome"] == "allow"


@pytest.mark.parametrize(
    "facts",
    [{"new_dialogue": True}, {"changes": ["re_ageing"]}, {"alters_tone_delivery_or_intent": True}],
)
def test_a_model_is_not_a_way_round_r7(
    ctx: Flask, client: FlaskClient, facts: dict[str, Any]
) -> None:
    world = World(client)
    performer = stored_performer()
    stored_consent(performer, world.production, ["model_training"])
    model = model_via_api(world, [performer])
    decision = world.ask(kind="model.use", model_id=model["id"], facts=facts).json["decision"]
    assert decision["outcome"] == "deny", decision
    assert _fired(decision) == {"R7": "deny"}
    assert {r["id"] for r in decision["considered"]} == {"R9"}


def test_r7_for_a_model_of_several_performers_needs_every_performers_consent(
    ctx: Flask, client: FlaskClient
) -> None:
    world = World(client)
    first, second = stored_performer("Ada Rune"), stored_performer("Bo Kell")
    for performer in (first, second):
        stored_consent(performer, world.production, ["model_training"])
    stored_consent(first, world.production, ["visual_adr"])
    model = model_via_api(world, [first, second])
    asked = world.ask(kind="model.use", model_id=model["id"], facts={"new_dialogue": True})
    decision = asked.json["decision"]
    assert decision["outcome"] == "deny"
    assert decision["missing"] == [
        f"consent for visual_adr in production {world.label(world.production)} from Bo Kell"
    ]
    stored_consent(second, world.production, ["visual_adr"])
    again = world.post(f"/api/v1/requests/{asked.json['id']}/reevaluate", {}).json["decision"]
    assert again["outcome"] == "escalate"
    assert _fired(again) == {"R7": "escalate", "R9": "allow"}


# -- R9: a model bound to a pitch, used in that pitch --------------------------------------------


def test_a_model_bound_to_a_pitch_is_used_in_its_own_production_there(
    ctx: Flask, client: FlaskClient
) -> None:
    world = World(client)
    performer = stored_performer()
    stored_consent(performer, world.pitch, ["model_training"])
    model = model_via_api(world, [performer], production=world.pitch)
    decision = world.ask(kind="model.use", model_id=model["id"], production_id=world.pitch.id).json[
        "decision"
    ]
    assert decision["outcome"] == "allow", decision
    assert decision["basis"] == "consent"
    assert _fired(decision) == {"R9": "allow"}
    assert "model_reuse" not in " ".join(decision["missing"])


# -- R8: what was relied on, and restrictions ----------------------------------------------------


def test_r8_quotes_the_description_it_relied_on(ctx: Flask, client: FlaskClient) -> None:
    world = World(client)
    performer = stored_performer()
    version = stored_consent(
        performer,
        world.production,
        ["digital_alteration"],
        description="Sky replacement behind the lead in the rooftop scenes of episode 2",
    )
    decision = world.ask(
        kind="alteration", performer_id=performer.id, facts={"changes": ["other"]}
    ).json["decision"]
    assert decision["outcome"] == "allow"
    reason = decision["rules"][0]["reason"]
    assert (
        f"consent [{version.consent_id} v1] for digital_alteration: 'Sky replacement behind the "
        "lead in the rooftop scenes of episode 2'" in reason
    )
    assert "covers it" not in reason


def test_r8_with_restrictions_goes_to_legal(ctx: Flask, client: FlaskClient) -> None:
    world = World(client)
    performer = stored_performer()
    stored_consent(
        performer,
        world.production,
        ["digital_alteration"],
        restrictions="Never in trailers or marketing",
    )
    asked = world.ask(kind="alteration", performer_id=performer.id, facts={"changes": ["other"]})
    decision = asked.json["decision"]
    assert decision["outcome"] == "escalate"
    assert "'Never in trailers or marketing'" in decision["rules"][0]["reason"]
    assert decision["missing"] == ["written approval"]
    assert decision["next_step"] == "send the request to legal for a written approval"
    assert _approve(world, asked.json["id"]).json["decision"]["outcome"] == "allow"


# -- R15: a deceased performer -------------------------------------------------------------------


def test_a_customary_change_to_a_deceased_performer_needs_the_estates_permission(
    ctx: Flask, client: FlaskClient
) -> None:
    world = World(client)
    performer = stored_performer("Late Star", deceased=True)
    asked = world.ask(
        kind="alteration", performer_id=performer.id, facts={"changes": ["cosmetics"]}
    )
    decision = asked.json["decision"]
    assert decision["outcome"] == "escalate"
    assert _fired(decision) == {"R6": "allow", "R15": "escalate"}
    assert decision["missing"] == ["written approval confirming the estate's permission"]
    plain = _approve(world, asked.json["id"])
    assert plain.status_code == 201
    assert plain.json["decision"]["outcome"] == "escalate"  # R14: it does not confirm it
    confirmed = world.post(
        f"/api/v1/requests/{asked.json['id']}/approvals",
        {"note": "Estate letter on file", "evidence_sha256": sha(), "confirms_estate": True},
        world.legal_token,
    )
    assert confirmed.status_code == 201, confirmed.json
    assert confirmed.json["decision"]["outcome"] == "allow"
    assert confirmed.json["approval"]["confirms_estate"] is True


def test_with_the_estates_consent_written_approval_allows_it(
    ctx: Flask, client: FlaskClient
) -> None:
    world = World(client)
    performer = stored_performer("Late Star", deceased=True)
    version = stored_consent(performer, world.production, ["digital_alteration"])
    asked = world.ask(
        kind="alteration", performer_id=performer.id, facts={"changes": ["cosmetics"]}
    )
    decision = asked.json["decision"]
    assert decision["outcome"] == "escalate"
    assert decision["consent_ids"] == [version.consent_id]
    assert decision["missing"] == ["written approval"]
    assert _approve(world, asked.json["id"]).json["decision"]["outcome"] == "allow"


# -- a vfx_lead reads the consents a decision of their production relied on ----------------------


def test_a_vfx_lead_reads_a_relied_on_consent_without_personal_fields(
    ctx: Flask, client: FlaskClient
) -> None:
    world = World(client)
    performer = stored_performer()
    version = stored_consent(
        performer, world.production, ["digital_alteration"], restrictions="Not in trailers"
    )
    unrelated = stored_consent(performer, world.production, ["model_training"])
    world.ask(kind="alteration", performer_id=performer.id, facts={"changes": ["other"]})
    read = world.get(f"/api/v1/consents/{version.consent_id}")
    assert read.status_code == 200, read.json
    assert set(read.json) == {
        "id", "version", "version_id", "performer_id", "performer_name", "production_id",
        "production_code", "purposes", "media", "description", "effective_from", "expires_at",
        "status", "superseded_at", "revoked_at",
    }  # fmt: skip
    assert world.get(f"/api/v1/consents/{unrelated.consent_id}").status_code == 404
    # the outsider is a member of another production only
    hidden = world.get(f"/api/v1/consents/{version.consent_id}", world.outsider_token)
    assert hidden.status_code == 404
    assert world.get(f"/api/v1/consents/{version.consent_id}/versions").status_code == 403


# -- an approval holds for the consents it was given on; R3's restrictions; R10's cure -----------


def test_an_approval_given_on_one_version_of_a_consent_does_not_carry_to_the_next(
    ctx: Flask, client: FlaskClient
) -> None:
    from tests.factories import amend

    world = World(client)
    performer = stored_performer()
    version = stored_consent(
        performer, world.production, ["digital_alteration"], restrictions="Never in trailers"
    )
    asked = world.ask(kind="alteration", performer_id=performer.id, facts={"changes": ["other"]})
    assert _approve(world, asked.json["id"]).json["decision"]["outcome"] == "allow"
    amend(version, restrictions="Never in trailers; never in episode 3")
    again = world.post(f"/api/v1/requests/{asked.json['id']}/reevaluate", {}).json["decision"]
    assert again["outcome"] == "escalate", again
    assert again["missing"] == ["written approval"]
    assert "approved the request as it stood on other consents" in " ".join(
        r["reason"] for r in again["rules"]
    )
    assert _approve(world, asked.json["id"]).json["decision"]["outcome"] == "allow"


def test_a_replica_whose_consent_records_restrictions_goes_to_legal_even_for_a_reshoot(
    ctx: Flask, client: FlaskClient
) -> None:
    world = World(client)
    performer = stored_performer()
    stored_consent(
        performer, world.production, ["digital_replica"], ["likeness"],
        restrictions="Never in advertising",
    )  # fmt: skip
    replica_id = replica_via_api(world, performer)
    decision = world.ask(
        kind="replica.use", replica_id=replica_id, facts={"as_recorded": True}
    ).json["decision"]
    assert decision["outcome"] == "escalate"
    assert _fired(decision) == {"R3": "escalate", "R4": "allow"}
    assert "'Never in advertising'" in decision["rules"][0]["reason"]


def test_a_suspended_model_is_cured_by_linking_a_new_training_consent(
    ctx: Flask, client: FlaskClient
) -> None:
    from tests.factories import revoke

    world = World(client)
    performer = stored_performer("Noor Hale")
    first = stored_consent(performer, world.production, ["model_training"])
    model = model_via_api(world, [performer])
    revoke(first)
    denied = world.ask(kind="model.use", model_id=model["id"]).json["decision"]
    assert denied["outcome"] == "deny" and _fired(denied) == {"R10": "deny"}
    label = f"Harbour de-ageing model [{model['id']}]"
    assert denied["missing"] == [
        f"a valid model_training consent from Noor Hale linked to model {label}"
    ]
    assert denied["next_step"].startswith("ask Noor Hale's representative for a new model_train")
    unrelated = stored_consent(performer, world.production, ["digital_replica"])
    refused = world.post(
        f"/api/v1/models/{model['id']}/training-consents", {"consent_id": unrelated.consent_id}
    )
    assert refused.status_code == 422 and "consent_id" in refused.json["errors"]
    second = stored_consent(performer, world.production, ["model_training"])
    linked = world.post(
        f"/api/v1/models/{model['id']}/training-consents", {"consent_id": second.consent_id}
    )
    assert linked.status_code == 201, linked.json
    assert linked.json["status"] == "active"
    allowed = world.ask(kind="model.use", model_id=model["id"]).json["decision"]
    assert allowed["outcome"] == "allow"
    assert allowed["consent_ids"] == [second.consent_id]
    again = world.post(
        f"/api/v1/models/{model['id']}/training-consents", {"consent_id": second.consent_id}
    )
    assert again.status_code == 409
