"""``flask reminders run-once`` (one full pass, then exit) and ``flask scheduler run``."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import AppGroup

from registry.appctx import setting
from registry.jobs import passes
from registry.reminders.mail import parse_smtp_url

reminders = AppGroup("reminders", help="Expiry reminders and notifications.")
scheduler = AppGroup("scheduler", help="The scheduler process.")


@reminders.command("run-once")
def run_once_command() -> None:
    """One full pass: scan for due reminders, cascade expiries, deliver what is due; then exit."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    result = passes.run_once(app)
    click.echo(result.summary())


@scheduler.command("run")
def run_command() -> None:
    """Run the scheduler in this process (the web server never runs jobs) until stopped."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    url = setting("SMTP_URL")
    email = "off (in-app only)"
    if url:  # never echo the credentials
        smtp = parse_smtp_url(str(url))
        security = "TLS" if smtp.tls else "STARTTLS" if smtp.starttls else "plain"
        login = ", with login" if smtp.username else ""
        email = f"to {smtp.host}:{smtp.port} ({security}{login})"
    click.echo(
        f"Scheduler: scan every {setting('REMINDER_INTERVAL_SECONDS')} s, deliver every "
        f"{setting('REMINDER_DELIVERY_INTERVAL_SECONDS')} s; e-mail {email}."
    )
    from registry.jobs import scheduler as scheduler_process  # APScheduler: only here

    scheduler_process.run(app)
