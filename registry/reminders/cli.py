"""``flask mailcatcher``: a local SMTP server for development (``make run`` starts it)."""

from __future__ import annotations

import signal
import threading
from pathlib import Path
from types import FrameType

import click
from flask.cli import with_appcontext

from registry.appctx import setting
from registry.reminders import mailcatcher


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
