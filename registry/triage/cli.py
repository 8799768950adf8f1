"""``flask deliverables check PRODUCTION FOLDER_OR_MANIFEST``: the final-cut check (T5) from
the command line.

A folder is walked (sorted, hidden files skipped) and each file hashed as a stream with a
progress bar over the bytes; a manifest (``sha256sum`` output, or bare hashes) is read line by
line. Either way the files reach the check as a stream, so a 100,000-line manifest never sits
in memory as one body. It prints the blocking files (``--all``: every file, the blocking ones
first) and the counts, and exits 1 when anything blocks (2 on bad input).
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterator
from pathlib import Path

import click
from flask.cli import AppGroup
from sqlalchemy import or_, select
from tqdm import tqdm

from registry.core.clock import utcnow
from registry.core.errors import ServiceError
from registry.extensions import db
from registry.productions.models import Production
from registry.transactions import unit_of_work
from registry.triage.assets import ManifestError, parse_manifest, run_check


class BadInput(click.ClickException):
    exit_code = 2


deliverables = AppGroup("deliverables", help="Check a final cut before delivery (T5).")
BLOCK = 1 << 20


def _files_of(folder: Path) -> list[Path]:
    found: list[Path] = []
    for root, dirs, names in os.walk(folder):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        found.extend(Path(root, n) for n in sorted(names) if not n.startswith("."))
    return found


def hash_folder(folder: Path, *, progress: bool) -> Iterator[tuple[str, str]]:
    """(path relative to the folder, SHA-256) of each file, hashed in 1 MiB blocks."""
    files = _files_of(folder)
    total = sum(f.stat().st_size for f in files)
    with tqdm(total=total, unit="B", unit_scale=True, desc="hashing", disable=not progress) as bar:
        for path in files:
            digest = hashlib.sha256()
            with path.open("rb") as handle:
                while block := handle.read(BLOCK):
                    digest.update(block)
                    bar.update(len(block))
            yield path.relative_to(folder).as_posix(), digest.hexdigest()


def read_manifest(path: Path) -> Iterator[tuple[str, str]]:
    with path.open("rb") as handle:
        yield from parse_manifest(handle)


@deliverables.command("check")
@click.argument("production")
@click.argument("source", type=click.Path(exists=True, path_type=Path))
@click.option("--all", "show_all", is_flag=True, help="List every file, not only the blocking.")
@click.option("--progress/--no-progress", default=True, help="Show a progress bar while hashing.")
def check_command(production: str, source: Path, show_all: bool, progress: bool) -> None:
    """Check PRODUCTION's final cut (its id or code): a FOLDER of files or a MANIFEST of
    SHA-256 lines. Exits 1 when any file blocks delivery."""
    with unit_of_work():
        found = db.session.execute(
            select(Production).where(
                or_(Production.id == production, Production.code == production)
            )
        ).scalar_one_or_none()
        if found is None:
            raise click.UsageError(f"No production {production}.")
        files = hash_folder(source, progress=progress) if source.is_dir() else read_manifest(source)
        try:
            report = run_check(found, files, actor_id=None, now=utcnow())
        except ManifestError as exc:
            raise BadInput(f"{source}: {exc}") from exc
        except ServiceError as exc:
            raise BadInput(str(exc)) from exc
    for name, sha, item in report.blocking_first():
        if item.status != "blocked" and not show_all:
            break
        where = f" (declaration {item.declaration_id})" if item.declaration_id else ""
        click.echo(f"{item.status:<13} {sha[:12]}  {name}{where}: {item.reason}")
    counts = report.counts
    click.echo(
        f"{production}: {len(report.items)} file(s): {counts['blocked']} blocked, "
        f"{counts['cleared']} cleared, {counts['not_generated']} not generated"
    )
    click.echo("OK: nothing blocks delivery." if report.ok else "NOT OK: delivery is blocked.")
    if not report.ok:
        raise SystemExit(1)
