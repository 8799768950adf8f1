"""``flask reminders run-once``, ``flask scheduler run`` and ``flask mailcatcher``."""

from __future__ import annotations

import signal
import threading
from pathlib import Path
from types import FrameType

import click
from flask import current_app
from flask.cli import AppGroup, with_appcontext

from registry.appctx import setting
from registry.reminders import jobs, mailcatcher
from registry.reminders.mail import parse_smtp_url

reminders = AppGroup("reminders", help="Expiry reminders and notifications.")
scheduler = AppGroup("scheduler", help="The scheduler process.")


@reminders.command("run-once")
def run_once_command() -> None:
    """One full pass: scan for due reminders, cascade expiries, deliver what is due; then exit."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    result = jobs.run_once(app)
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
    from registry.reminders import scheduler as scheduler_process  # APScheduler: only here

    scheduler_process.run(app)


@click.command("mailcatcher")
@with_appcontext
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=2525, show_default=True, type=int)
def mailcatcher_command(host: str, port: int) -> None:
    """A local SMTP server that keeps every message in <data dir>/mail/ and prints it."""
    folder = Path(str(setting("DATA_DIR"))) / "mail"
    controller = mailcatcher.start(host, port, folder, lambda line: click.echo(line))
    click.echo(f"Mail catcher on smtp://{host}:{port}, keeping messages in {folder}")
    done = threading.Event()

    def stop(_signum: int, _frame: FrameType | None) -> None:
        done.set()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    try:
        while not done.wait(1):
            pass
    finally:
        controller.stop()
