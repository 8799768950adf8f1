"""``flask consents import FILE`` and ``flask consents export``: CSV or JSON Lines, streamed.

``--as EMAIL`` chooses whose rights apply (a talent_rep imports and exports only for the
performers they represent); without it the command acts as the system operator, who may import
for any performer and never exports personal fields.
"""

from __future__ import annotations

import gc
import os
import sys
from pathlib import Path
from typing import Any

import click
from flask import current_app
from flask.cli import AppGroup
from tqdm import tqdm

from registry.accounts.models import User
from registry.accounts.services import get_user_by_email
from registry.audit.trail import record
from registry.consents import bulk
from registry.consents.status import STATUSES
from registry.core.errors import NotFound
from registry.rules.vocabulary import PURPOSES
from registry.transactions import unit_of_work

consents = AppGroup("consents", help="Bulk import and export of consents.")


def _user(email: str | None) -> User | None:
    if not email:
        return None
    try:
        return get_user_by_email(email)
    except NotFound as exc:
        raise click.ClickException(f"No user {email}.") from exc


@consents.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--format", "fmt", type=click.Choice(bulk.FORMATS), help="Default: from the extension."
)
@click.option("--as", "as_email", help="Import with this user's rights (and as them in the audit).")
@click.option("--batch", default=5000, show_default=True, help="Rows per insert batch.")
@click.option(
    "--workers",
    type=click.IntRange(0, 64),
    default=None,
    help="Worker processes that validate and build rows while this one writes (default: one per "
    "CPU, at most 4, for files over 4 MB; 0 for smaller files).",
)
def import_command(
    file: Path, fmt: str | None, as_email: str | None, batch: int, workers: int | None
) -> None:
    """Validate every row and import all of them, or none (every bad row is reported)."""
    if workers is None:
        workers = min(os.cpu_count() or 1, 4) if file.stat().st_size > 4 << 20 else 0
    user = _user(as_email)
    if user is not None and user.role not in ("admin", "talent_rep"):
        raise click.ClickException(f"{user.email} ({user.role}) may not record consents.")
    fmt = bulk.guess_format(file, fmt)
    # The app's objects, loaded once, are left out of the collector's passes: an import
    # allocates millions of short-lived objects, and every full pass would walk them all. (Not
    # in a test run, where the process goes on to other work.)
    freeze = not current_app.testing
    if freeze:
        gc.freeze()
    # No tqdm monitor thread: with this process single-threaded, workers can be forked.
    tqdm.monitor_interval = 0
    with (
        file.open("rb") as binary,
        tqdm(
            total=file.stat().st_size, unit="B", unit_scale=True, desc="checking and importing"
        ) as bar,
        unit_of_work(),
    ):
        result = bulk.import_consents(
            binary, fmt, actor=user, batch=batch, progress=bar.update, workers=workers
        )
    if result.errors:
        for error in result.errors:
            click.echo(str(error), err=True)
        bad_lines = len({e.line for e in result.errors})
        raise click.ClickException(
            f"{bad_lines} of {result.rows} row(s) are invalid; nothing was imported."
        )
    click.echo(f"Imported {result.imported} consent(s) from {file.name}, each with its receipt.")
    # The same at exit: the interpreter's final collections would walk every object the import
    # left (about 0.4 s measured on 100,000 rows).
    if freeze:
        gc.freeze()


@consents.command("export")
@click.option(
    "--format", "fmt", type=click.Choice(bulk.FORMATS), default="jsonl", show_default=True
)
@click.option(
    "-o", "--output", type=click.Path(dir_okay=False, path_type=Path), help="Default: stdout."
)
@click.option("--performer-id")
@click.option("--production-id")
@click.option("--purpose", type=click.Choice(PURPOSES))
@click.option("--status", type=click.Choice(STATUSES))
@click.option("--expiring-within-days", type=click.IntRange(0, 3650))
@click.option(
    "--with-personal", is_flag=True, help="Add legal name, e-mail, phone (admin, own rep)."
)
@click.option("--as", "as_email", help="Export with this user's rights.")
@unit_of_work()
def export_command(
    fmt: str,
    output: Path | None,
    as_email: str | None,
    with_personal: bool,
    **filters: Any,
) -> None:
    """Write consents (current versions; the API's filters) as CSV or JSON Lines."""
    user = _user(as_email)
    if user is not None and user.role not in ("admin", "talent_rep", "legal"):
        raise click.ClickException(f"{user.email} ({user.role}) may not read consents.")
    chosen = {k: v for k, v in filters.items() if v is not None}
    try:
        rows = bulk.export_rows(user, chosen, with_personal=with_personal)
        if output is None:
            count = bulk.write_export(rows, sys.stdout, fmt, with_personal=with_personal)
        else:
            with output.open("w", encoding="utf-8", newline="") as out:
                count = bulk.write_export(rows, out, fmt, with_personal=with_personal)
    except bulk.PersonalNotAllowed as exc:
        raise click.ClickException(str(exc)) from exc
    record(
        "consents.exported",
        "consent",
        "bulk",
        {"filters": chosen, "rows": count, "with_personal": with_personal, "format": fmt},
        actor_id=user.id if user else None,
    )
    click.echo(f"Exported {count} consent(s).", err=True)
