"""Decision receipts: JWS (EdDSA, kid) that verify offline, fail on one changed byte, and
still verify after a key rotation from the published JWKS."""

from __future__ import annotations

import base64
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from registry.receipts.verify import verify_receipt
from tests.factories import World, stored_consent, stored_performer

ROOT = Path(__file__).resolve().parents[2]


def _header(token: str) -> dict[str, Any]:
    part = token.split(".")[0]
    return dict(json.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))))


def _flip(token: str, index: int) -> str:
    """The token with one character of its payload part changed."""
    head, payload, signature = token.split(".")
    i = index % len(payload)
    swapped = "A" if payload[i] != "A" else "B"
    return ".".join([head, payload[:i] + swapped + payload[i + 1 :], signature])


def _decision(world: World) -> dict[str, Any]:
    performer = stored_performer("Mara Quill")
    stored_consent(performer, world.production, ["digital_replica"])
    asked = world.ask(kind="replica.create", performer_id=performer.id, facts={"safety": False})
    return dict(asked.json["decision"], performer_id=performer.id)


def test_receipt_carries_the_essential_fields_and_verifies_from_the_jwks(
    ctx: Flask, client: FlaskClient
) -> None:
    world = World(client)
    decision = _decision(world)
    jwks = client.get("/.well-known/jwks.json").json
    assert jwks is not None
    assert _header(decision["receipt"])["alg"] == "EdDSA"
    assert _header(decision["receipt"])["kid"] in [k["kid"] for k in jwks["keys"]]
    payload = verify_receipt(decision["receipt"], jwks)
    stored = world.get(f"/api/v1/requests/{decision['request_id']}").json
    # what was asked: kind, performer, production, model or replica, media, the facts' SHA-256
    assert payload == {
        "typ": "decision",
        "decision_id": decision["id"],
        "request_id": decision["request_id"],
        "sequence": 1,
        "kind": "replica.create",
        "performer_id": decision["performer_id"],
        "performer_name": "Mara Quill",
        "production_id": world.production.id,
        "production_code": world.production.code,
        "model_id": None,
        "model_name": None,
        "replica_id": None,
        "replica_name": None,
        "media": ["likeness"],
        "facts": stored["facts"],
        "outcome": decision["outcome"],
        "basis": decision["basis"],
        "rules": [r["id"] for r in decision["rules"]],
        "consent_ids": decision["consent_ids"],
        "approval_ids": [],
        "decided_at": decision["decided_at"],
        "valid_until": decision["valid_until"],
        "ruleset_version": decision["ruleset_version"],
    }


def test_cli_verifies_offline_and_fails_on_one_changed_byte(
    ctx: Flask, client: FlaskClient, tmp_path: Path
) -> None:
    world = World(client)
    receipt = _decision(world)["receipt"]
    jwks_file = tmp_path / "jwks.json"
    jwks_file.write_text(json.dumps(client.get("/.well-known/jwks.json").json))
    good = tmp_path / "receipt.jws"
    good.write_text(receipt)
    runner = ctx.test_cli_runner()
    result = runner.invoke(args=["receipts", "verify", str(good), "--jwks", str(jwks_file)])
    assert result.exit_code == 0, result.output
    assert '"outcome": "escalate"' in result.output
    # ... and in words, before the fields
    words = result.output.split("{", 1)[0]
    assert "replica.create." in words
    assert f"Asked for production {world.production.code} [{world.production.id}]" in words
    assert "performer Mara Quill [" in words and "media likeness." in words
    assert "Facts as judged: none given (every fact false or empty)." in words
    assert "Outcome: escalate, by rules R1, R2 under ruleset 2026.12-1." in words
    for index in (0, 17, len(receipt.split(".")[1]) // 2, -3):
        bad = tmp_path / f"bad{index}.jws"
        bad.write_text(_flip(receipt, index))
        result = runner.invoke(args=["receipts", "verify", str(bad), "--jwks", str(jwks_file)])
        assert result.exit_code == 1, (index, result.output)
        assert "INVALID" in result.output
    raw = bytearray(receipt.encode())
    raw[-5] = ord("A") if raw[-5] != ord("A") else ord("B")  # a byte of the signature
    bad_sig = tmp_path / "badsig.jws"
    bad_sig.write_bytes(bytes(raw))
    result = runner.invoke(args=["receipts", "verify", str(bad_sig), "--jwks", str(jwks_file)])
    assert result.exit_code == 1


def test_old_receipts_verify_after_a_key_rotation(isolated_app: Flask, tmp_path: Path) -> None:
    client = isolated_app.test_client()
    with isolated_app.app_context():
        world = World(client)
        old = _decision(world)
        rotated = isolated_app.test_cli_runner().invoke(args=["keys", "rotate-signing"])
        assert rotated.exit_code == 0, rotated.output
        new = _decision(world)
    assert _header(old["receipt"])["kid"] != _header(new["receipt"])["kid"]
    jwks = client.get("/.well-known/jwks.json").json
    assert jwks is not None
    assert jwks["keys"][0]["kid"] == _header(new["receipt"])["kid"]  # current first
    for decision in (old, new):
        assert verify_receipt(decision["receipt"], jwks)["decision_id"] == decision["id"]
    # And offline, in another process with nothing but the files: the real command.
    (tmp_path / "jwks.json").write_text(json.dumps(jwks))
    (tmp_path / "old.jws").write_text(old["receipt"])
    env = {**os.environ, "REGISTRY_DATA_DIR": str(tmp_path / "elsewhere")}
    env.pop("REGISTRY_DATABASE_URL", None)
    command = [sys.executable, "-m", "flask", "--app", "wsgi", "receipts", "verify"]
    ok = subprocess.run(
        [*command, str(tmp_path / "old.jws"), "--jwks", str(tmp_path / "jwks.json")],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert ok.returncode == 0, ok.stderr
    # Without the published keys, another registry's keys do not verify it.
    other = subprocess.run(
        [*command, str(tmp_path / "old.jws")],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert other.returncode == 1
    assert "unknown key id" in other.stderr


@pytest.mark.parametrize("kind", ["approval", "reevaluation"])
def test_every_new_decision_is_signed(ctx: Flask, client: FlaskClient, kind: str) -> None:
    from tests.factories import sha

    world = World(client)
    decision = _decision(world)
    path = f"/api/v1/requests/{decision['request_id']}"
    if kind == "approval":
        answer = world.post(
            f"{path}/approvals", {"note": "ok", "evidence_sha256": sha()}, world.legal_token
        )
    else:
        answer = world.post(f"{path}/reevaluate", {})
    new = answer.json["decision"]
    payload = verify_receipt(new["receipt"], client.get("/.well-known/jwks.json").json)
    assert payload["sequence"] == 2 and payload["outcome"] == new["outcome"]
    assert payload["approval_ids"] == new["approval_ids"]
