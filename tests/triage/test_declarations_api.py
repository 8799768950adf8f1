"""Declaring, amending, clearing and refusing GenAI uses through the API (API.md), with what a
studio's legal team would check: the triage in words, the signed receipt and what it commits
to, nothing half-written on bad input, and a clearance that belongs to its version and terms."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from registry.audit.models import AuditEvent
from registry.extensions import db
from registry.receipts.verify import verify_receipt
from registry.reminders.models import Reminder
from tests.factories import revoke, stored_consent, stored_performer
from tests.triage.world import YES, TriageWorld, counts


@pytest.fixture
def world(ctx: Flask, client: FlaskClient) -> TriageWorld:
    return TriageWorld(client)


def test_a_declaration_is_triaged_at_once_with_a_signed_receipt(world: TriageWorld) -> None:
    body = world.declared(
        title="Festival poster",
        category="background_element",
        output="final",
        facts={"prominent": True},
        principles={**YES, "p4": "no"},
    )
    triage = body["triage"]
    assert (triage["level"], triage["approval"], triage["cleared"]) == (
        "escalate",
        "written",
        False,
    )
    assert [(r["id"], r["outcome"]) for r in triage["rules"]] == [
        ("T1", "escalate"),
        ("T2", "escalate"),
        ("T3", "escalate"),
        ("T4", "low"),
    ]
    assert all(r["section"] and r["reason"] for r in triage["rules"])
    assert triage["needed"] == [
        "rights clearance",
        "meaningful human input in the final version",
        "written approval",
    ]
    assert triage["next_step"] == (
        "clear the rights to the element, then send the declaration to legal for written "
        "approval before anyone proceeds"
    )
    assert body["matrix"]["use"].startswith("Using GenAI to generate background elements")
    receipt = verify_receipt(triage["receipt"])
    assert receipt["typ"] == "triage"
    assert receipt["declaration_id"] == body["id"]
    assert receipt["version"] == 1 and receipt["level"] == "escalate"
    assert receipt["facts"]["prominent"] is True and receipt["facts"]["could_mislead"] is False
    assert receipt["principles_declared"]["p4"] == "no"
    assert receipt["terms"]["tools"] == [
        {
            "id": world.secure["id"],
            "name": "StudioGen Enterprise",
            "terms_version": 1,
            "stores_inputs": "no",
            "trains_on_inputs": "no",
            "enterprise_agreement": "yes",
            "terms_sha256": None,
        }
    ]
    assert receipt["ruleset_version"] == triage["ruleset_version"]
    assert world.get(f"/api/v1/declarations/{body['id']}").json["triage"] == triage


BAD_INPUT: dict[str, tuple[dict[str, Any], str]] = {
    "unknown category": ({"category": "deepfake"}, "category"),
    "unknown output": ({"output": "draft"}, "output"),
    "unknown principle": ({"principles": {"p9": "yes"}}, "principles.p9.key"),
    "unknown answer": ({"principles": {"p1": "maybe"}}, "principles.p1.value"),
    "unknown fact": ({"facts": {"sparkly": True}}, "facts.sparkly"),
    "neither tools nor pipeline": ({"tool_ids": []}, "tool_ids"),
    "a tool id from nowhere": ({"tool_ids": ["tool_nowhere"]}, "tool_ids.0"),
    "a pipeline from nowhere": ({"tool_ids": [], "pipeline_id": "pipe_nowhere"}, "pipeline_id"),
    "a performer from nowhere": ({"performer_ids": ["prf_nowhere"]}, "performer_ids.0"),
    "ideation with final output": ({"output": "final"}, "output"),
    "talent replication naming no performer": ({"category": "talent_replication"}, "performer_ids"),
}


@pytest.mark.parametrize("case", list(BAD_INPUT))
def test_bad_input_names_the_field_and_writes_nothing(world: TriageWorld, case: str) -> None:
    body, field = BAD_INPUT[case]
    before = counts()
    answer = world.declare(**body)
    assert answer.status_code == 422, answer.json
    assert field in answer.json["errors"], answer.json
    assert counts() == before


def test_both_tools_and_a_pipeline_are_refused(world: TriageWorld) -> None:
    pipeline = world.post(
        "/api/v1/pipelines",
        {"name": "P", "vendor": "V", "stages": [{"tool_id": world.secure["id"], "does": "x"}]},
    ).json
    before = counts()
    answer = world.declare(pipeline_id=pipeline["id"], tool_ids=[world.secure["id"]])
    assert answer.status_code == 422
    assert answer.json["errors"]["tool_ids"] == ["Name the tools or the pipeline, not both."]
    assert counts() == before


def test_a_pipeline_touching_a_likeness_must_name_the_performers(world: TriageWorld) -> None:
    stages = [{"tool_id": world.secure["id"], "does": "face swap", "touches_likeness": True}]
    pipeline = world.post("/api/v1/pipelines", {"name": "F", "vendor": "V", "stages": stages}).json
    before = counts()
    answer = world.declare(tool_ids=[], pipeline_id=pipeline["id"], category="other")
    assert answer.status_code == 422
    assert "touches a performer's likeness" in answer.json["errors"]["performer_ids"][0]
    assert counts() == before


def test_a_production_the_lead_is_not_on_is_not_found(world: TriageWorld) -> None:
    before = counts()
    answer = world.declare(token=world.outsider_token)
    assert answer.status_code == 404
    assert counts() == before


def test_an_amendment_is_a_new_version_triaged_again_and_clearance_does_not_carry(
    world: TriageWorld,
) -> None:
    body = world.declared(category="key_creative", output="final")
    assert world.approve(body["id"]).status_code == 201
    assert world.get(f"/api/v1/declarations/{body['id']}").json["triage"]["cleared"] is True
    amended = world.post(
        f"/api/v1/declarations/{body['id']}/amend", {"description": "Now also the trailer"}
    )
    assert amended.status_code == 201, amended.json
    assert amended.json["version"] == 2
    assert amended.json["description"] == "Now also the trailer"
    assert amended.json["category"] == "key_creative"  # the rest as it was
    assert amended.json["triage"]["cleared"] is False
    assert amended.json["triage"]["trigger"] == "amendment"
    history = world.get(f"/api/v1/declarations/{body['id']}/triages").json["items"]
    assert [t["sequence"] for t in history] == [1, 2]
    assert history[0]["version_id"] != history[1]["version_id"]


def test_an_amendment_is_checked_with_the_fields_it_keeps(world: TriageWorld) -> None:
    body = world.declared()
    before = counts()
    answer = world.post(f"/api/v1/declarations/{body['id']}/amend", {"output": "final"})
    assert answer.status_code == 422
    assert "output" in answer.json["errors"]  # ideation stays ideation: never final
    assert counts() == before
    assert world.post(f"/api/v1/declarations/{body['id']}/amend", {}).status_code == 422


# -- clearing and refusing ------------------------------------------------------------------


def test_low_and_caution_may_proceed_and_need_no_approval(world: TriageWorld) -> None:
    low = world.declared()
    caution = world.declared(category="background_element")
    assert (low["triage"]["level"], low["triage"]["cleared"]) == ("low", True)
    assert (caution["triage"]["level"], caution["triage"]["cleared"]) == ("caution", True)
    answer = world.approve(low["id"])
    assert answer.status_code == 409
    assert answer.json["message"] == "The declaration is low: it may proceed without approval."


def test_written_approval_clears_an_escalation_once(world: TriageWorld) -> None:
    body = world.declared(category="key_creative", output="final")
    answer = world.approve(body["id"])
    assert answer.status_code == 201, answer.json
    assert answer.json["triage"]["cleared"] is True
    assert answer.json["triage"]["next_step"] == "go ahead: legal has cleared this use"
    again = world.approve(body["id"])
    assert again.status_code == 409
    assert again.json["message"] == "The declaration is already cleared."
    events = db.session.scalars(
        select(AuditEvent.action).where(AuditEvent.actor_id == world.legal.id)
    ).all()
    assert "approval.recorded" in events


def test_no_written_approval_needed_only_for_an_escalation_for_guidance(
    world: TriageWorld,
) -> None:
    written = world.declared(category="key_creative", output="final")
    refused = world.approve(written["id"], approval_needed=False)
    assert refused.status_code == 409
    assert refused.json["errors"] == {"approval_needed": ["Written approval is needed here."]}
    assert "T2, T3" in refused.json["message"]
    guidance = world.declared(principles={**YES, "p1": "unsure"})
    assert (guidance["triage"]["level"], guidance["triage"]["approval"]) == (
        "escalate",
        "guidance",
    )
    answer = world.approve(guidance["id"], approval_needed=False, note="No approval needed")
    assert answer.status_code == 201
    assert answer.json["triage"]["cleared"] is True
    assert answer.json["triage"]["cleared_reason"] == (
        "legal recorded that no written approval is needed"
    )


def test_a_refusal_keeps_it_not_cleared_until_it_is_amended(world: TriageWorld) -> None:
    body = world.declared(category="key_creative", output="final")
    refused = world.post(
        f"/api/v1/declarations/{body['id']}/refusals",
        {"reason": "Use a concept artist"},
        world.legal_token,
    )
    assert refused.status_code == 201
    assert refused.json["triage"]["refused"] is True
    assert refused.json["triage"]["cleared"] is False
    assert refused.json["triage"]["cleared_reason"] == "refused by legal: Use a concept artist"
    assert world.approve(body["id"]).status_code == 409
    assert (
        world.post(
            f"/api/v1/declarations/{body['id']}/refusals", {"reason": "again"}, world.legal_token
        ).status_code
        == 409
    )
    world.post(f"/api/v1/declarations/{body['id']}/amend", {"description": "Artist-made now"})
    assert world.approve(body["id"]).status_code == 201


def test_only_legal_and_admin_clear_or_refuse(world: TriageWorld) -> None:
    body = world.declared(category="key_creative", output="final")
    assert world.approve(body["id"], token=world.vfx_token).status_code == 403
    answer = world.post(
        f"/api/v1/declarations/{body['id']}/refusals", {"reason": "x"}, world.vfx_token
    )
    assert answer.status_code == 403
    assert world.approve(body["id"], token=world.admin_token).status_code == 201


# -- tools: a change of terms ------------------------------------------------------------------


def test_a_worse_review_of_a_tools_terms_retriages_and_uncleares(world: TriageWorld) -> None:
    body = world.declared(category="key_creative", output="final")
    world.approve(body["id"])
    patched = world.patch(f"/api/v1/tools/{world.secure['id']}", {"trains_on_inputs": "unknown"})
    assert patched.status_code == 200, patched.json
    assert patched.json["passes"] is False
    assert patched.json["problems"] == ["whether it trains on inputs or outputs is unknown"]
    assert patched.json["terms_version"] == 2
    now = world.get(f"/api/v1/declarations/{body['id']}").json["triage"]
    assert (now["trigger"], now["sequence"], now["cleared"]) == ("tool_terms", 2, False)
    assert any(r["id"] == "T4" and r["outcome"] == "escalate" for r in now["rules"])
    worse = db.session.scalars(select(Reminder).where(Reminder.kind == "declaration.worse")).all()
    assert len(worse) == 1
    assert set(worse[0].recipients or ()) == {world.legal.id, world.vfx.id}
    assert worse[0].title is not None and "No longer cleared" in worse[0].title


def test_a_review_changing_nothing_about_the_terms_triages_nothing(world: TriageWorld) -> None:
    body = world.declared()
    answer = world.patch(
        f"/api/v1/tools/{world.secure['id']}", {"terms_note": "Re-read the 2027 terms: unchanged"}
    )
    assert answer.status_code == 200
    assert answer.json["terms_version"] == 1
    assert world.get(f"/api/v1/declarations/{body['id']}").json["triage"]["sequence"] == 1


def test_tools_are_reviewed_by_legal_and_read_by_any_role_but_auditor(world: TriageWorld) -> None:
    answer = world.post(
        "/api/v1/tools", {"name": "X", "vendor": "V", **{"stores_inputs": "no",
                          "trains_on_inputs": "no", "enterprise_agreement": "no"}},
    )  # fmt: skip
    assert answer.status_code == 403
    bad = world.post(
        "/api/v1/tools",
        {"name": "X", "vendor": "V", "stores_inputs": "nope", "trains_on_inputs": "no",
         "enterprise_agreement": "no"},
        world.legal_token,
    )  # fmt: skip
    assert bad.status_code == 422 and "stores_inputs" in bad.json["errors"]
    assert world.get(f"/api/v1/tools/{world.public['id']}").json["problems"] == [
        "stores or reuses inputs or outputs",
        "trains on inputs or outputs",
        "has no enterprise agreement",
    ]


def test_a_pipeline_names_its_failing_stages(world: TriageWorld) -> None:
    stages = [
        {"tool_id": world.secure["id"], "does": "plate clean-up"},
        {"tool_id": world.public["id"], "does": "upscaling"},
    ]
    answer = world.post("/api/v1/pipelines", {"name": "Quay", "vendor": "Q", "stages": stages})
    assert answer.status_code == 201
    assert (answer.json["passes"], answer.json["failing_stages"]) == (False, [1])
    before = counts()
    bad = world.post(
        "/api/v1/pipelines",
        {"name": "Q2", "vendor": "Q", "stages": [{"tool_id": "tool_nowhere", "does": "x"}]},
    )
    assert bad.status_code == 422 and "stages.0.tool_id" in bad.json["errors"]
    assert counts() == before


# -- talent: the use requests it needs -------------------------------------------------------


def test_a_talent_declaration_is_cleared_only_while_its_use_requests_allow(
    world: TriageWorld,
) -> None:
    performer = stored_performer("Mara Quill")
    consent = stored_consent(performer, world.production, ["digital_alteration"])
    body = world.declared(
        title="Clean up Mara's flashback",
        category="talent_replication",
        output="final",
        performer_ids=[performer.id],
    )
    needs = body["use_requests"]
    assert needs == [
        {
            "performer_id": performer.id,
            "performer_name": "Mara Quill",
            "request_id": None,
            "outcome": None,
            "valid": None,
            "allowed": False,
        }
    ]
    label = world.label(world.production)
    assert (
        f"an allowed use request for Mara Quill in production {label}" in body["triage"]["needed"]
    )
    blocked = world.approve(body["id"])
    assert blocked.status_code == 409
    assert blocked.json["errors"]["missing"] == ["an allowed, valid use request for Mara Quill"]

    asked = world.ask(
        kind="alteration",
        performer_id=performer.id,
        facts={"changes": ["other"]},
        declaration_id=body["id"],
    )
    assert asked.status_code == 201, asked.json
    assert asked.json["declaration_id"] == body["id"]
    assert asked.json["decision"]["outcome"] == "allow"
    after = world.get(f"/api/v1/declarations/{body['id']}").json
    assert after["triage"]["trigger"] == "use_request"
    assert after["triage"]["principles"]["p5"] == "yes"
    assert after["use_requests"][0]["allowed"] is True
    assert world.approve(body["id"]).status_code == 201
    assert world.get(f"/api/v1/declarations/{body['id']}").json["triage"]["cleared"] is True

    sequence = world.get(f"/api/v1/declarations/{body['id']}").json["triage"]["sequence"]
    revoke(consent)
    ended = world.get(f"/api/v1/declarations/{body['id']}").json
    # triaged again when the request's decision stopped being valid (the cascade)
    assert ended["triage"]["sequence"] == sequence + 1
    assert ended["triage"]["trigger"] == "use_request"
    assert ended["triage"]["principles"]["p5"] == "unsure"
    assert ended["triage"]["cleared"] is False
    assert ended["triage"]["cleared_reason"] == (
        "waiting for an allowed, valid use request for Mara Quill"
    )
    assert ended["use_requests"][0]["valid"] is False


def test_a_request_serves_only_a_declaration_of_its_production_naming_its_performer(
    world: TriageWorld,
) -> None:
    performer = stored_performer()
    stranger = stored_performer()
    stored_consent(stranger, world.production, ["digital_replica"])
    body = world.declared(category="talent_replication", performer_ids=[performer.id])
    elsewhere = world.declared(
        production_id=world.other.id, category="talent_replication", performer_ids=[stranger.id]
    )
    for declaration_id, words in (
        (body["id"], "The declaration does not name this performer"),
        (elsewhere["id"], "The declaration belongs to another production."),
        ("gdl_nowhere", "No such declaration."),
    ):
        answer = world.ask(
            kind="replica.create", performer_id=stranger.id, declaration_id=declaration_id
        )
        assert answer.status_code == 422
        assert answer.json["errors"]["declaration_id"][0].startswith(words)


# -- telling people ---------------------------------------------------------------------------


def test_a_new_declaration_tells_the_studio_contacts_and_clearing_tells_the_declarer(
    world: TriageWorld,
) -> None:
    body = world.declared(title="Killer doll two", category="key_creative", output="final")
    new = db.session.scalars(select(Reminder).where(Reminder.kind == "declaration.new")).all()
    assert len(new) == 1
    code = world.production.code
    assert new[0].recipients == [world.legal.id]
    assert new[0].title == f'New GenAI use declared in {code}: "Killer doll two" (triage: escalate)'
    assert new[0].link_path == f"/declarations/{body['id']}"
    world.approve(body["id"])
    cleared = db.session.scalars(
        select(Reminder).where(Reminder.kind == "declaration.cleared")
    ).all()
    assert [r.recipients for r in cleared] == [[world.vfx.id]]


def test_without_legal_members_the_admins_are_told(world: TriageWorld) -> None:
    world.declared(production_id=world.other.id)
    new = db.session.scalars(select(Reminder).where(Reminder.kind == "declaration.new")).one()
    assert world.admin.id in (new.recipients or [])
    assert world.legal.id not in (new.recipients or [])


# -- lists ------------------------------------------------------------------------------------


def test_lists_filter_by_production_level_and_cleared(world: TriageWorld) -> None:
    low = world.declared()
    escalated = world.declared(category="key_creative", output="final")
    world.declared(production_id=world.other.id)

    def ids(query: str, token: str | None = None) -> list[str]:
        answer = world.get(f"/api/v1/declarations?{query}", token)
        assert answer.status_code == 200, answer.json
        return [d["id"] for d in answer.json["items"]]

    mine = f"production_id={world.production.id}"
    assert set(ids(mine)) == {low["id"], escalated["id"]}
    assert ids(f"{mine}&level=escalate") == [escalated["id"]]
    assert ids(f"{mine}&cleared=false") == [escalated["id"]]
    assert ids(f"{mine}&cleared=true") == [low["id"]]
    assert ids(mine, world.outsider_token) == []
    assert world.get("/api/v1/declarations?colour=red").status_code == 422
