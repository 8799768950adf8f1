"""``registry-check-cut``: the final cut's files by SHA-256 before delivery (a folder hashed
here, a ``sha256sum`` manifest, or one on stdin), at most 10,000 files a call. Exits 0 when
nothing blocks, 3 when a file blocks delivery, 1 on error."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import NoReturn, TextIO

from registry_client.cli.common import (
    EXIT_OK,
    EXIT_STOP,
    Parser,
    client_from,
    connection_flags,
    fail,
)
from registry_client.errors import RegistryError
from registry_client.manifest import files_of, read_manifest
from registry_client.models import CutReport


def _parser() -> argparse.ArgumentParser:
    parser = Parser(
        prog="registry-check-cut",
        description=(
            "Check a final cut before delivery: every file by SHA-256 (a folder is hashed "
            "here; a manifest is sha256sum output or bare hashes; - reads one from stdin), at "
            "most 10,000 files a call. Exits 0 when nothing blocks, 3 when a file blocks "
            "delivery, 1 on error."
        ),
    )
    parser.add_argument("source", help="a folder, a manifest file, or - for a manifest on stdin")
    parser.add_argument("--production", required=True, help="the production's id or code")
    parser.add_argument("--all", action="store_true", help="list every file, not only blockers")
    parser.add_argument("--json", action="store_true", help="print the report as JSON")
    connection_flags(parser)
    return parser


def print_report(report: CutReport, label: str, show_all: bool, out: TextIO = sys.stdout) -> None:
    order = {"blocked": 0, "cleared": 1, "not_generated": 2}
    for item in sorted(report.items, key=lambda i: order.get(i.status, 3)):
        if not item.blocked and not show_all:
            break
        where = f" (declaration {item.declaration_id})" if item.declaration_id else ""
        print(f"{item.status:<13} {item.sha256[:12]}  {item.name}{where}: {item.reason}", file=out)
    counts = report.counts
    print(
        f"{label}: {len(report.items)} file(s) in {report.calls} call(s): "
        f"{counts.get('blocked', 0)} blocked, {counts.get('cleared', 0)} cleared, "
        f"{counts.get('not_generated', 0)} not generated",
        file=out,
    )
    print("OK: nothing blocks delivery." if report.ok else "NOT OK: delivery is blocked.", file=out)


def run(argv: Sequence[str] | None = None) -> int:
    """``registry-check-cut`` with these arguments; returns the exit code."""
    args = _parser().parse_args(argv)
    try:
        client = client_from(args)
        production = client.production(args.production)
        if args.source == "-":
            files = read_manifest(sys.stdin.buffer)
        elif Path(args.source).exists():
            files = files_of(args.source)
        else:
            raise RegistryError(f"{args.source}: no such folder or manifest")
        report = client.check_final_cut(production.id, files)
    except (RegistryError, OSError, ValueError) as exc:
        return fail("registry-check-cut", exc)
    if args.json:
        body = {
            "ok": report.ok,
            "counts": dict(report.counts),
            "calls": report.calls,
            "items": [vars(item) for item in report.items],
        }
        print(json.dumps(body, indent=2))
    else:
        print_report(report, production.code, args.all)
    return EXIT_OK if report.ok else EXIT_STOP


def main() -> NoReturn:
    sys.exit(run())
