"""``registry-ask`` as a render-farm pre-flight: exits 0 on allow, 2 on escalate, 3 on deny (or
a decision no longer valid) and 1 on every error, and prints the rules, what is missing and the
decision's next step; a request asked once is read again by id after an approval (0) and after
its consent is revoked (3)."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from tests.clients.commands import ask_flags, closed_port, request_id_of, run
from tests.clients.stage import Stage


def test_registry_ask_exits_0_2_3_and_prints_the_rules_and_the_next_step(stage: Stage) -> None:
    consenting = stage.performer("digital_replica")
    nobody = stage.performer()
    client = stage.client()

    allow = run(
        stage,
        "registry-ask",
        *ask_flags(stage, nobody, "alteration", "--media", "voice", "--change", "noise_reduction"),
        "--verify",
    )
    assert allow.returncode == 0, allow.stderr
    assert allow.stdout.startswith("ALLOW: alteration, request ")
    assert "  R6 " in allow.stdout
    decided = client.get_request(request_id_of(allow.stdout)).decision
    assert f"Next step: {decided.next_step}\n" in allow.stdout
    assert "Receipt: verified offline (EdDSA, key " in allow.stdout

    escalate = run(
        stage,
        "registry-ask",
        *ask_flags(stage, consenting, "replica.create", "--media", "likeness"),
    )
    assert escalate.returncode == 2, escalate.stderr
    assert escalate.stdout.startswith("ESCALATE: replica.create, request ")
    assert "Missing:\n  - written approval\n" in escalate.stdout
    decided = client.get_request(request_id_of(escalate.stdout)).decision
    assert f"Next step: {decided.next_step}\n" in escalate.stdout
    for rule in decided.rules:
        assert f"  {rule.id} {rule.section} [{rule.outcome}]: {rule.reason}\n" in escalate.stdout

    deny = run(
        stage,
        "registry-ask",
        *ask_flags(stage, nobody, "replica.create", "--media", "likeness,voice"),
        "--json",
    )
    assert deny.returncode == 3, deny.stderr
    body = json.loads(deny.stdout)
    assert body["decision"]["outcome"] == "deny"
    assert body["media"] == ["likeness", "voice"]
    assert body["production_id"] == stage.production_id  # the code was resolved to the id


def test_registry_ask_exits_1_on_every_error(stage: Stage, tmp_path: Path) -> None:
    person = stage.performer()
    flags = ask_flags(stage, person, "alteration", "--media", "voice", "--change", "timing")

    unreachable = run(
        stage,
        "registry-ask",
        *flags,
        "--retries",
        "0",
        url=f"http://127.0.0.1:{closed_port()}",
    )
    assert unreachable.returncode == 1
    assert "no answer from the registry" in unreachable.stderr

    bad_token = run(stage, "registry-ask", *flags, token="wrong")
    assert bad_token.returncode == 1 and "401 Unauthorized" in bad_token.stderr

    outsider = run(stage, "registry-ask", *flags, token=stage.outsider)
    assert outsider.returncode == 1 and "No production with the id or code" in outsider.stderr

    unknown_performer = run(
        stage,
        "registry-ask",
        "--kind",
        "alteration",
        "--production",
        stage.production_id,
        "--performer",
        "prf_unknown",
        "--media",
        "voice",
        "--description",
        "Shot 1",
    )
    assert unknown_performer.returncode == 1
    assert unknown_performer.stderr == (
        "registry-ask: error: 422 Unprocessable Entity: Some fields are invalid.\n"
        "  performer_id: No performer with this id.\n"
    )

    bad_medium = run(stage, "registry-ask", *flags, "--media", "smell")
    assert bad_medium.returncode == 1 and "'smell' is not one of" in bad_medium.stderr
    missing = run(stage, "registry-ask", "--kind", "alteration")
    assert missing.returncode == 1 and "asking needs --production" in missing.stderr
    unknown_flag = run(stage, "registry-ask", "--colour", "red")
    assert unknown_flag.returncode == 1  # argparse's own 2 would read as "escalate"

    token_file = tmp_path / "token"
    token_file.write_text(stage.vfx + "\n")
    from_file = run(stage, "registry-ask", *flags, "--token-file", str(token_file), token="")
    assert from_file.returncode == 0, from_file.stderr


def test_a_decision_read_again_by_request_id_follows_approval_and_revocation(
    stage: Stage,
) -> None:
    # replica.create on a consent: escalate; legal approves in writing: allow
    consenting = stage.performer("digital_replica")
    asked = run(
        stage,
        "registry-ask",
        *ask_flags(stage, consenting, "replica.create", "--media", "likeness"),
    )
    assert asked.returncode == 2, asked.stderr
    request_id = request_id_of(asked.stdout)
    stage.client(stage.legal).post(
        f"/api/v1/requests/{request_id}/approvals",
        {
            "note": "Signed replica rider on file",
            "evidence_sha256": hashlib.sha256(b"r").hexdigest(),
        },
    )
    approved = run(stage, "registry-ask", "--request", request_id, "--verify")
    assert approved.returncode == 0, approved.stderr
    assert approved.stdout.startswith(f"ALLOW: replica.create, request {request_id} ")
    assert "Receipt: verified offline" in approved.stdout

    # an alteration allowed on a consent stops holding when the consent is revoked
    altering = stage.performer("digital_alteration")
    allowed = run(
        stage,
        "registry-ask",
        *ask_flags(stage, altering, "alteration", "--media", "likeness", "--change", "other"),
    )
    assert allowed.returncode == 0, allowed.stdout + allowed.stderr
    request_id = request_id_of(allowed.stdout)
    stage.revoke(altering)
    revoked = run(stage, "registry-ask", "--request", request_id)
    assert revoked.returncode == 3, revoked.stdout + revoked.stderr
    assert revoked.stdout.startswith("NO LONGER VALID (was allow): alteration, ")
    assert "Invalidated: " in revoked.stdout and "was revoked" in revoked.stdout
    assert "Next step: the consent it relied on was revoked on " in revoked.stdout

    mixed = run(stage, "registry-ask", "--request", request_id, "--kind", "alteration")
    assert mixed.returncode == 1 and "drop --kind" in mixed.stderr
