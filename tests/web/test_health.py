"""Health for load balancers: ``/healthz`` (alive) and ``/readyz`` (database, migrations at
head, keys), public, fast and never cached; not ready answers 503 naming what is wrong."""

from __future__ import annotations

from pathlib import Path

import flask_migrate
from flask import Flask
from flask.testing import FlaskClient

from registry.app import create_app
from registry.extensions import db


def test_alive_and_ready(client: FlaskClient) -> None:
    alive = client.get("/healthz")
    assert alive.status_code == 200 and alive.json == {"ok": True}
    assert alive.headers["Cache-Control"] == "no-store"
    ready = client.get("/readyz")
    assert ready.status_code == 200
    assert ready.json == {
        "ready": True,
        "checks": {"database": "ok", "migrations": "ok", "keys": "ok"},
    }
    assert ready.headers["Cache-Control"] == "no-store"


def test_not_ready_behind_the_migrations(isolated_app: Flask) -> None:
    with isolated_app.app_context():
        flask_migrate.downgrade(revision="-1")
        db.session.remove()
        answer = isolated_app.test_client().get("/readyz")
        assert answer.status_code == 503
        assert (answer.json or {})["ready"] is False
        assert (answer.json or {})["checks"]["migrations"].startswith("at [")
        flask_migrate.upgrade()
        db.session.remove()
        assert isolated_app.test_client().get("/readyz").status_code == 200


def test_not_ready_without_a_database(tmp_path: Path) -> None:
    app = create_app(
        {
            "DATA_DIR": str(tmp_path),
            "DATABASE_URL": "postgresql://nobody@127.0.0.1:1/none?connect_timeout=2",
        }
    )
    answer = app.test_client().get("/readyz")
    assert answer.status_code == 503
    assert (answer.json or {})["checks"]["database"] == "unavailable (OperationalError)"
    assert app.test_client().get("/healthz").status_code == 200  # alive all the same
