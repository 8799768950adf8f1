"""Receipts verified offline with joserfc against the published JWK Set: a saved set with no
registry reachable; a tampered payload, an unknown key id, a forged signature under a published
key id and another algorithm refused; a key rotated after the set was fetched."""

from __future__ import annotations

import base64
import dataclasses
import json
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from registry_client import ReceiptError, RegistryClient, load_jwks, verify_receipt

from tests.clients.commands import ask_flags, closed_port, run
from tests.clients.stage import Stage, alteration, replica


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def test_receipts_verify_offline_and_tampered_or_foreign_ones_are_refused(
    stage: Stage, tmp_path: Path
) -> None:
    online = stage.client()
    denied = online.ask(replica(stage, stage.performer())).decision
    allowed = online.ask(alteration(stage, stage.performer())).decision
    jwks_file = tmp_path / "jwks.json"
    jwks_file.write_text(json.dumps(online.jwks()))

    # offline: the saved key set, and a registry URL where nothing answers
    offline = RegistryClient(
        f"http://127.0.0.1:{closed_port()}", None, jwks=load_jwks(jwks_file), retries=0
    )
    assert offline.verify_decision(denied)["outcome"] == "deny"
    header, payload, signature = denied.receipt.split(".")
    kid = json.loads(_unb64(header))["kid"]

    claims = json.loads(_unb64(payload))
    claims["outcome"] = "allow"
    tampered = ".".join((header, _b64(json.dumps(claims).encode()), signature))
    with pytest.raises(ReceiptError, match="bad signature"):
        offline.verify_receipt(tampered)

    unknown = _b64(json.dumps({"alg": "EdDSA", "kid": "not-published", "typ": "JWT"}).encode())
    with pytest.raises(ReceiptError, match="unknown key id 'not-published'"):
        offline.verify_receipt(".".join((unknown, payload, signature)))

    forged_input = f"{header}.{_b64(json.dumps(claims).encode())}"
    forged = f"{forged_input}.{_b64(Ed25519PrivateKey.generate().sign(forged_input.encode()))}"
    with pytest.raises(ReceiptError, match="bad signature"):
        offline.verify_receipt(forged)  # a published kid, signed by another key

    hs = _b64(json.dumps({"alg": "HS256", "kid": kid}).encode())
    with pytest.raises(ReceiptError, match="unexpected algorithm 'HS256'"):
        offline.verify_receipt(".".join((hs, payload, signature)))
    with pytest.raises(ReceiptError, match="not a compact JWS"):
        offline.verify_receipt("not a receipt")
    with pytest.raises(ReceiptError, match="not this decision's"):
        offline.verify_decision(  # a valid receipt, but of another decision
            dataclasses.replace(allowed, receipt=denied.receipt)
        )
    with pytest.raises(ReceiptError, match="unknown key id"):
        verify_receipt(denied.receipt, {"keys": []})

    # the command: 0 valid, 3 refused, 1 when it cannot verify at all
    receipt_file = tmp_path / "receipt.jws"
    receipt_file.write_text(denied.receipt)
    valid = run(stage, "registry-verify-receipt", "--jwks", str(jwks_file), str(receipt_file))
    assert valid.returncode == 0, valid.stderr
    assert valid.stdout.startswith(f"VALID: a decision receipt signed by key {kid}\n")
    assert json.loads(valid.stdout.split("\n", 1)[1])["decision_id"] == denied.id
    fetched = run(stage, "registry-verify-receipt", "-", stdin=allowed.receipt)
    assert fetched.returncode == 0, fetched.stderr
    refused = run(stage, "registry-verify-receipt", "--jwks", str(jwks_file), "-", stdin=tampered)
    assert refused.returncode == 3 and refused.stderr.startswith("INVALID: bad signature")
    missing = run(stage, "registry-verify-receipt", str(tmp_path / "nothing.jws"))
    assert missing.returncode == 1

    # registry-ask --jwks: a receipt whose key is not in the saved set fails the pre-flight
    empty_set = tmp_path / "empty-jwks.json"
    empty_set.write_text('{"keys": []}')
    person = stage.performer()
    not_trusted = run(
        stage,
        "registry-ask",
        *ask_flags(stage, person, "alteration", "--media", "voice", "--change", "clarity"),
        "--jwks",
        str(empty_set),
        "--receipt-out",
        str(tmp_path / "out.jws"),
    )
    assert not_trusted.returncode == 1
    assert "receipt does not verify: unknown key id" in not_trusted.stderr
    saved = (tmp_path / "out.jws").read_text().strip()
    assert verify_receipt(saved, load_jwks(jwks_file))["outcome"] == "allow"


def test_a_key_rotated_after_the_set_was_fetched_is_fetched_once_more(stage: Stage) -> None:
    client = stage.client()
    before = client.ask(alteration(stage, stage.performer())).decision
    client.verify_decision(before)  # the published set is fetched now, and kept
    saved = json.loads(json.dumps(client.jwks()))

    stage.rotate_signing_key()
    after = client.ask(alteration(stage, stage.performer())).decision
    new_kid = json.loads(_unb64(after.receipt.split(".")[0]))["kid"]
    assert new_kid not in [key["kid"] for key in saved["keys"]]

    # the client meets a key it does not hold, fetches the set once more and verifies
    assert client.verify_decision(after)["decision_id"] == after.id
    assert new_kid in [key["kid"] for key in client.jwks()["keys"]]
    assert client.verify_decision(before)["decision_id"] == before.id  # old keys stay published

    # pinned to the set saved before the rotation, it trusts nothing else
    pinned = RegistryClient(stage.url, None, jwks=saved)
    with pytest.raises(ReceiptError, match=f"unknown key id '{new_kid}'"):
        pinned.verify_decision(after)
    assert pinned.verify_decision(before)["outcome"] == "allow"
