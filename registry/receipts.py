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
    click.echo(json.dumps(payload, indent=2, sort_keys=True))
