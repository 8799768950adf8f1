"""``flask --app wsgi receipts verify FILE [--jwks FILE]``: check a receipt offline."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click
from flask.cli import AppGroup

from registry.receipts.verify import in_words, verify_receipt

receipts = AppGroup("receipts", help="Signed receipts for consents, decisions and triage.")


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
