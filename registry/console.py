"""The ``registry`` console script: ``flask --app registry.app:create_app`` from any folder.

Every ``flask`` command of the app (``db upgrade``, ``users create``, ``scheduler run``, ...)
plus ``registry serve``, which runs gunicorn with the shipped settings (``gunicorn.conf.py``,
found by ``registry.config.shipped`` in a checkout or an installed wheel). Composition root:
imports the app factory and the config's lookup of shipped files.
"""

from __future__ import annotations

import os
import sys

import click
from flask import Flask
from flask.cli import FlaskGroup

from registry.config import shipped

# gunicorn loads the app itself, in each worker: the factory call works from a checkout and
# from a wheel alike (``registry.wsgi`` exists only in a wheel, ``wsgi`` only in a checkout).
WSGI_APP = "registry.app:create_app()"


def _create_app() -> Flask:
    from registry.app import create_app

    return create_app()


cli = FlaskGroup(
    name="registry",
    create_app=_create_app,
    help="The talent consent and digital-replica registry (the app's flask commands).",
)


@cli.command(
    "serve",
    with_appcontext=False,
    context_settings={"ignore_unknown_options": True, "allow_extra_args": True},
    add_help_option=False,
)
@click.argument("gunicorn_args", nargs=-1, type=click.UNPROCESSED)
def serve(gunicorn_args: tuple[str, ...]) -> None:
    """Serve with gunicorn and the shipped gunicorn.conf.py; arguments go to gunicorn
    (``registry serve --bind 127.0.0.1:8000``; ``WEB_CONCURRENCY`` sets the workers)."""
    config = str(shipped("gunicorn.conf.py"))
    argv = [sys.executable, "-m", "gunicorn", "--config", config, *gunicorn_args, WSGI_APP]
    os.execv(sys.executable, argv)


def main() -> None:
    cli.main(prog_name="registry")
