"""``flask audit ...``: verify the trail (both chains, optionally every record and a witness's
checkpoints; non-zero exit naming what is bad), sign the heads now, publish to the witnesses."""

from __future__ import annotations

import sys
from pathlib import Path

import click
from flask.cli import AppGroup
from tqdm import tqdm

from registry.appctx import setting, signing_keys
from registry.audit import witness
from registry.audit.checks import check_all, snapshot, total_work
from registry.audit.export import verify_export_command
from registry.audit.records import RecordsResult
from registry.audit.services import write_checkpoint
from registry.extensions import db
from registry.transactions import unit_of_work

audit = AppGroup("audit", help="The tamper-evident audit trail.")
audit.add_command(verify_export_command)  # offline check of an export (registry.audit.export)
SHOWN = 100
"""Mismatched records listed by ``verify --records`` (all are counted)."""


def _witnessed(path: str | None) -> witness.Witnessed | None:
    if path is None:
        return None
    chosen = path or setting("AUDIT_WITNESS_FILE")
    if not chosen:
        raise click.UsageError(
            "--witness needs a file: give one, or set REGISTRY_AUDIT_WITNESS_FILE"
        )
    found = witness.read(Path(str(chosen)), signing_keys().jwks())
    if found.problems:
        for problem in found.problems:
            click.echo(f"WITNESS: {problem}", err=True)
        sys.exit(1)
    return found


def _report_records(records: RecordsResult) -> bool:
    if records.ok:
        click.echo(f"OK: {records.records} records match their latest state events.")
        return True
    by_kind = ", ".join(f"{kind} {count}" for kind, count in sorted(records.by_kind.items()))
    click.echo(
        f"TAMPERED: {records.mismatch_count} of {records.records} records differ from their "
        f"latest state events ({by_kind}):",
        err=True,
    )
    for mismatch in records.mismatches[:SHOWN]:
        click.echo(f"  {mismatch.kind} {mismatch.record_id}: {mismatch.problem}", err=True)
    if records.mismatch_count > SHOWN:
        click.echo(f"  ... and {records.mismatch_count - SHOWN} more", err=True)
    return False


@audit.command("verify")
@click.option("--quiet", is_flag=True, help="No progress bar.")
@click.option(
    "--records",
    is_flag=True,
    help="Also recompute every audited record's state and compare it with its latest state event.",
)
@click.option(
    "--witness",
    "witness_file",
    is_flag=False,
    flag_value="",
    default=None,
    metavar="[FILE]",
    help="Also check the trail against every checkpoint a witness holds (default: "
    "REGISTRY_AUDIT_WITNESS_FILE; or a copy of what the webhook witness received).",
)
def verify_command(quiet: bool, records: bool, witness_file: str | None) -> None:
    """Check every event, state event and checkpoint; exit 1 naming the first bad one."""
    witnessed = _witnessed(witness_file)
    with snapshot() as (session, _own):
        total = total_work(session) if records else None
        with tqdm(
            total=total, unit="row", disable=quiet or (total or 0) < 10_000, file=sys.stderr
        ) as bar:

            def advance(count: int) -> None:
                bar.update(count)

            outcome = check_all(session, records=records, witnessed=witnessed, progress=advance)
    good = True
    events, states = outcome.events, outcome.states
    if events.ok:
        click.echo(f"OK: {events.events} events verified.")
    else:
        good = False
        click.echo(
            f"TAMPERED: first bad event is #{events.first_bad}: {events.problem} "
            f"({events.events} events verified before it).",
            err=True,
        )
    if states.ok:
        click.echo(f"OK: {states.events} state events verified.")
    else:
        good = False
        click.echo(
            f"TAMPERED: first bad state event is #{states.first_bad}: {states.problem} "
            f"({states.events} state events verified before it).",
            err=True,
        )
    if witnessed is not None and events.ok and states.ok:
        click.echo(
            f"OK: the trail holds every checkpoint the witness holds ({witnessed.lines} lines; "
            f"events up to #{max(witnessed.events, default=0)}, state events up to "
            f"#{max(witnessed.states, default=0)})."
        )
    if records:
        if outcome.records is None:
            click.echo("Records not checked: the trail itself does not verify.", err=True)
        else:
            good = _report_records(outcome.records) and good
    if not good:
        sys.exit(1)


@audit.command("checkpoint")
def checkpoint_command() -> None:
    """Sign the current heads of the trail now, and send them to the witnesses."""
    with unit_of_work():
        seq = write_checkpoint(db.session, signing=signing_keys())
    click.echo(f"Checkpoint at event #{seq}." if seq else "The trail is empty.")
    published = witness.publish()
    if witness.witnesses():
        click.echo(f"Witnesses: {published.summary()}.")
    if published.errors:
        sys.exit(1)


@audit.command("publish")
def publish_command() -> None:
    """Sign the heads that moved and send every checkpoint a witness has not had yet."""
    if not witness.witnesses():
        click.echo(
            "No witness configured (REGISTRY_AUDIT_WITNESS_FILE, REGISTRY_AUDIT_WITNESS_URL)."
        )
        return
    published = witness.sign_and_publish()
    click.echo(f"Witnesses: {published.summary()}.")
    if published.errors:
        sys.exit(1)
