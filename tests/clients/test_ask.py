"""Asking with the library: allow, escalate and deny with the rules and their reasons, what is
missing, the next step and a receipt that verifies and says the same; the API's refusals as
typed errors carrying its error body."""

from __future__ import annotations

import pytest
from registry_client import ApiError, RegistryClient, Unreachable, UseRequest

from tests.clients.commands import closed_port
from tests.clients.stage import Stage, alteration, replica


def test_ask_answers_allow_escalate_and_deny_with_reasons_and_signed_receipts(
    stage: Stage,
) -> None:
    client = stage.client()
    consenting = stage.performer("digital_replica")
    nobody = stage.performer()

    allowed = client.ask(alteration(stage, nobody)).decision
    assert allowed.outcome == "allow" and allowed.allowed and allowed.valid
    assert allowed.basis == "customary_exception"
    assert [r.id for r in allowed.rules] == ["R6"]
    assert all(r.reason for r in allowed.rules)

    escalated = client.ask(replica(stage, consenting))
    decision = escalated.decision
    assert decision.outcome == "escalate" and not decision.allowed
    assert {r.id: r.outcome for r in decision.rules} == {"R1": "allow", "R2": "escalate"}
    assert decision.missing == ("written approval",)
    assert decision.consent_ids and decision.next_step

    denied = client.ask(replica(stage, nobody)).decision
    assert denied.outcome == "deny"
    assert denied.rules[0].id == "R1" and denied.rules[0].outcome == "deny"
    assert len(denied.missing) == 1
    assert denied.missing[0].startswith("consent for digital_replica in production")
    assert stage.production_code in denied.missing[0]
    assert "written approval" not in " ".join(denied.missing)  # R14: never on a deny

    # reading the decision again gives the same decision, and each receipt says what it said
    again = client.get_request(escalated.id)
    assert again.decision.id == decision.id and again.decision.receipt == decision.receipt
    for made in (allowed, decision, denied):
        payload = client.verify_decision(made)
        assert payload["outcome"] == made.outcome
        assert payload["production_id"] == stage.production_id
        assert payload["ruleset_version"] == made.ruleset_version


def test_the_apis_refusals_are_typed_with_their_error_body(stage: Stage) -> None:
    client = stage.client()
    person = stage.performer()
    bad = UseRequest(
        kind="alteration",
        production_id=stage.production_id,
        performer_id=person.id,
        media=("smell",),
        description="",
    )
    with pytest.raises(ApiError) as invalid:
        client.ask(bad)
    assert invalid.value.code == 422 and invalid.value.status == "Unprocessable Entity"
    assert {"media.0", "description"} <= set(invalid.value.errors)

    with pytest.raises(ApiError) as unknown:
        client.get_request("req_nope")
    assert unknown.value.code == 404 and unknown.value.not_found

    with pytest.raises(ApiError) as not_member:  # another production's: not yours, 404 or 403
        stage.client(stage.outsider).ask(alteration(stage, person))
    assert not_member.value.code in (403, 404)

    with pytest.raises(ApiError) as unauthenticated:
        stage.client("not-a-token").me()
    assert unauthenticated.value.code == 401

    with pytest.raises(Unreachable):
        RegistryClient(f"http://127.0.0.1:{closed_port()}", "t", retries=1, backoff=0.01).me()
