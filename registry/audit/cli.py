"""``flask audit ...``: verify the whole trail (non-zero exit naming the first bad event)."""

from __future__ import annotations

import sys

import click
from flask.cli import AppGroup
from tqdm import tqdm

from registry.appctx import signing_keys
from registry.audit.services import count_events, verify, write_checkpoint
from registry.extensions import db
from registry.transactions import unit_of_work

audit = AppGroup("audit", help="The tamper-evident audit trail.")


@audit.command("verify")
@click.option("--quiet", is_flag=True, help="No progress bar.")
def verify_command(quiet: bool) -> None:
    """Check every event and checkpoint; exit 1 naming the first bad event."""
    total = count_events(db.session)
    with tqdm(total=total, unit="ev", disable=quiet or total < 10_000, file=sys.stderr) as bar:

        def advance(count: int) -> None:
            bar.update(count)

        result = verify(db.session, signing=signing_keys(), progress=advance)
    if result.ok:
        click.echo(f"OK: {result.events} events verified.")
        return
    click.echo(
        f"TAMPERED: first bad event is #{result.first_bad}: {result.problem} "
        f"({result.events} events verified before it).",
        err=True,
    )
    sys.exit(1)


@audit.command("checkpoint")
@unit_of_work()
def checkpoint_command() -> None:
    """Sign the current head of the trail now."""
    seq = write_checkpoint(db.session, signing=signing_keys())
    click.echo(f"Checkpoint at event #{seq}." if seq else "The trail is empty.")
