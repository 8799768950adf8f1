"""``registry-verify-receipt``: a receipt (a compact JWS) checked offline with joserfc
against a saved JWK Set or the one the registry publishes. Exits 0 when it verifies, 3 when it
is refused, 1 on error."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import NoReturn

from registry_client import receipts
from registry_client.cli.common import (
    EXIT_OK,
    EXIT_STOP,
    Parser,
    client_from,
    connection_flags,
    fail,
)
from registry_client.errors import ReceiptError, RegistryError


def _parser() -> argparse.ArgumentParser:
    parser = Parser(
        prog="registry-verify-receipt",
        description=(
            "Verify a receipt (a compact JWS) offline against the registry's published keys: "
            "a saved JWK Set (--jwks) or the one the registry publishes (--url). Prints the "
            "payload. Exits 0 when it verifies, 3 when it is refused, 1 on error."
        ),
    )
    parser.add_argument("receipt", help="a file holding the receipt, or - for stdin")
    parser.add_argument("--jwks", type=Path, help="a JWK Set saved from /.well-known/jwks.json")
    connection_flags(parser)
    return parser


def run(argv: Sequence[str] | None = None) -> int:
    """``registry-verify-receipt`` with these arguments; returns the exit code."""
    args = _parser().parse_args(argv)
    try:
        token = sys.stdin.read() if args.receipt == "-" else Path(args.receipt).read_text("utf-8")
        jwks = receipts.load_jwks(args.jwks) if args.jwks else client_from(args).jwks()
    except (RegistryError, OSError, ValueError) as exc:
        return fail("registry-verify-receipt", exc)
    try:
        payload = receipts.verify_receipt(token, jwks)
    except ReceiptError as exc:
        print(f"INVALID: {exc}", file=sys.stderr)
        return EXIT_STOP
    kid = receipts.header_of(token).get("kid")
    print(f"VALID: a {payload.get('typ', 'receipt')} receipt signed by key {kid}")
    print(json.dumps(payload, indent=2, sort_keys=True))
    return EXIT_OK


def main() -> NoReturn:
    sys.exit(run())
