"""Registers every feature's ``flask`` command group on the app."""

from __future__ import annotations

import click
from flask import Flask
from flask.cli import AppGroup

from registry.accounts.cli import users
from registry.appctx import signing_keys
from registry.audit.cli import audit
from registry.consents.cli import consents
from registry.demo import demo
from registry.gate.use_requests.blanket_report import decisions
from registry.jobs.cli import reminders, scheduler
from registry.performers.cli import performers, rotate_master_command
from registry.receipts.cli import receipts
from registry.reminders.cli import mailcatcher_command
from registry.triage.cli import deliverables

keys = AppGroup("keys", help="Signing and encryption keys.")


@keys.command("rotate-signing")
def rotate_signing() -> None:
    """Make a new Ed25519 signing key current; old ones stay published for old receipts."""
    kid = signing_keys().rotate()
    click.echo(f"New signing key {kid} is current.")


keys.add_command(rotate_master_command)


COMMAND_GROUPS = (
    users,
    audit,
    keys,
    demo,
    receipts,
    decisions,
    performers,
    consents,
    reminders,
    scheduler,
    mailcatcher_command,
    deliverables,
)


def register(app: Flask) -> None:
    for group in COMMAND_GROUPS:
        app.cli.add_command(group)
