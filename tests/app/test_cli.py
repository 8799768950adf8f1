"""The flask commands an operator uses: users, tokens, audit verification, signing-key rotation."""

from __future__ import annotations

from pathlib import Path

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import text

from registry.extensions import db
from registry.receipts.signer import sign as sign_receipt
from tests.factories import bearer


def test_users_create_prints_a_working_token_last(ctx: Flask, client: FlaskClient) -> None:
    runner = ctx.test_cli_runner()
    result = runner.invoke(
        args=["users", "create", "Op@Example.test", "--role", "auditor", "--name", "Op"]
    )
    assert result.exit_code == 0, result.output
    token = result.output.strip().splitlines()[-1]
    me = client.get("/api/v1/me", headers=bearer(token)).json
    assert me is not None and me["email"] == "op@example.test" and me["role"] == "auditor"

    revoked = runner.invoke(args=["users", "revoke-token", "op@example.test"])
    assert revoked.exit_code == 0 and "Revoked 1" in revoked.output
    assert client.get("/api/v1/me", headers=bearer(token)).status_code == 401


def test_users_create_refuses_bad_input_and_writes_nothing(ctx: Flask) -> None:
    runner = ctx.test_cli_runner()
    result = runner.invoke(args=["users", "create", "not-an-email", "--role", "admin"])
    assert result.exit_code != 0
    assert "e-mail" in result.output
    assert db.session.execute(text("SELECT count(*) FROM users")).scalar_one() == 0
    bad_role = runner.invoke(args=["users", "create", "a@b.test", "--role", "king"])
    assert bad_role.exit_code != 0


def test_audit_verify_exits_non_zero_naming_the_first_bad_event(ctx: Flask) -> None:
    runner = ctx.test_cli_runner()
    for i in range(3):
        runner.invoke(args=["users", "create", f"u{i}@example.test", "--role", "legal"])
    ok = runner.invoke(args=["audit", "verify"])
    assert ok.exit_code == 0 and "OK: 6 events verified" in ok.output
    db.session.execute(text("UPDATE audit_events SET actor_id = 'usr_x' WHERE seq = 3"))
    db.session.commit()
    bad = runner.invoke(args=["audit", "verify"])
    assert bad.exit_code == 1
    assert "first bad event is #3" in bad.output


def test_rotated_signing_keys_keep_old_receipts_verifiable(
    ctx: Flask, client: FlaskClient, tmp_path: Path
) -> None:
    receipt = sign_receipt({"typ": "test", "n": 1})
    runner = ctx.test_cli_runner()
    assert runner.invoke(args=["keys", "rotate-signing"]).exit_code == 0
    jwks = client.get("/.well-known/jwks.json").json
    assert jwks is not None and len(jwks["keys"]) >= 2
    assert all(k["kty"] == "OKP" and k["crv"] == "Ed25519" and "d" not in k for k in jwks["keys"])
    file = tmp_path / "receipt.jws"
    file.write_text(receipt)
    (tmp_path / "jwks.json").write_text(client.get("/.well-known/jwks.json").get_data(as_text=True))
    good = runner.invoke(
        args=["receipts", "verify", str(file), "--jwks", str(tmp_path / "jwks.json")]
    )
    assert good.exit_code == 0 and '"n": 1' in good.output
    # One byte changed anywhere in the payload part breaks it.
    head, payload, sig = receipt.split(".")
    flipped = payload[:-2] + ("A" if payload[-2] != "A" else "B") + payload[-1]
    file.write_text(".".join([head, flipped, sig]))
    bad = runner.invoke(args=["receipts", "verify", str(file)])
    assert bad.exit_code == 1 and "INVALID" in bad.output
