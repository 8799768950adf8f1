"""Signed receipts: compact JWS (EdDSA, ``kid``) over canonical JSON, verifiable offline.

Consent receipts, termination receipts and decision receipts all go through ``sign_receipt``;
anyone holding the JWKS (``/.well-known/jwks.json``) can check one with ``verify_receipt`` or
``flask --app wsgi receipts verify FILE``.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import click
from flask.cli import AppGroup

from registry.appctx import signing_keys
from registry.core.hashing import canonical_json
from registry.core.keys import verify_jws


def sign_receipt(payload: dict[str, Any]) -> str:
    """A JWS over the payload; ``typ`` in the payload says which kind of receipt it is."""
    return signing_keys().sign_jws(canonical_json(payload))


def verify_receipt(token: str, jwks: dict[str, Any] | None = None) -> dict[str, Any]:
    """The payload of a valid receipt; ValueError when the signature or format is wrong."""
    keys = jwks if jwks is not None else signing_keys().jwks()
    payload = json.loads(verify_jws(token.strip(), keys))
    if not isinstance(payload, dict):
        raise ValueError("receipt payload is not an object")
    return payload


receipts = AppGroup("receipts", help="Signed receipts for consents and decisions.")


@receipts.command("verify")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--jwks",
    "jwks_file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Verify against this JWK Set file (as published) instead of this registry's keys.",
)
def verify_command(file: Path, jwks_file: Path | None) -> None:
    """Check a receipt (a file holding the compact JWS) offline; exit 1 if it does not verify."""
    jwks = json.loads(jwks_file.read_text()) if jwks_file else None
    try:
        payload = verify_receipt(file.read_text(), jwks)
    except ValueError as exc:
        click.echo(f"INVALID: {exc}", err=True)
        sys.exit(1)
    click.echo("VALID receipt:")
    for line in in_words(payload):
        click.echo(f"  {line}")
    click.echo(json.dumps(payload, indent=2, sort_keys=True))


def _named(name: Any, oid: Any) -> str:
    return f"{name} [{oid}]" if name else f"[{oid}]"


def in_words(payload: dict[str, Any]) -> list[str]:
    """What a receipt commits to, in sentences (decision receipts in full; others briefly)."""
    if payload.get("typ") != "decision":
        kind = payload.get("typ", "receipt")
        return [f"A {kind} receipt; its fields follow."]
    out = [
        f"Decision {payload['decision_id']} (number {payload['sequence']}) on request "
        f"{payload['request_id']}: {payload['kind']}.",
        f"Asked for production {_named(payload.get('production_code'), payload['production_id'])}"
        + (
            f", performer {_named(payload.get('performer_name'), payload['performer_id'])}"
            if payload.get("performer_id")
            else ""
        )
        + (
            f", model {_named(payload.get('model_name'), payload['model_id'])}"
            if payload.get("model_id")
            else ""
        )
        + (
            f", replica {_named(payload.get('replica_name'), payload['replica_id'])}"
            if payload.get("replica_id")
            else ""
        )
        + f"; media {', '.join(payload.get('media') or []) or '(none given)'}.",
        f"The facts as given hash to SHA-256 {payload.get('facts_sha256')} (canonical JSON).",
        f"Outcome: {payload['outcome']}"
        + (f", on {str(payload['basis']).replace('_', ' ')}" if payload.get("basis") else "")
        + f", by rules {', '.join(payload.get('rules') or [])} under ruleset "
        f"{payload['ruleset_version']}.",
        f"Decided at {payload['decided_at']}; "
        + (f"valid until {payload['valid_until']}" if payload.get("valid_until") else "no end date")
        + ".",
    ]
    if payload.get("consent_ids"):
        out.append(f"Consents relied on: {', '.join(payload['consent_ids'])}.")
    if payload.get("approval_ids"):
        out.append(f"Written approvals: {', '.join(payload['approval_ids'])}.")
    return out
