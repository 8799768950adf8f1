"""Fixtures: one app per test session on SQLite (default) or PostgreSQL (``--db postgresql``).

The schema is built by running the real migrations. Each test runs inside an outer transaction
that is rolled back; the app's own commits only release SAVEPOINTs inside it. Tests that need
real commits across connections (concurrency) use ``isolated_app`` for a database of their own.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import flask_migrate
import pytest
from flask import Flask
from flask.testing import FlaskClient

from registry.app import create_app
from registry.extensions import db
from tests.browser import CHROMIUM_ARGS, LiveServer, chromium_path, serve
from tests.databases import temporary_database
from tests.servers import HookSink, SmtpSink, start_smtp, start_webhook_server


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--db",
        default=os.environ.get("REGISTRY_TEST_DB", "sqlite"),
        choices=("sqlite", "postgresql"),
        help="database the suite runs against",
    )


def pytest_report_header(config: pytest.Config) -> str:
    return f"registry test database: {config.getoption('--db')}"


@pytest.fixture(scope="session")
def db_kind(request: pytest.FixtureRequest) -> str:
    return str(request.config.getoption("--db"))


def build_app(url: str, data_dir: Path, **overrides: Any) -> Flask:
    app = create_app(
        {
            "TESTING": True,
            "DATABASE_URL": url,
            "DATA_DIR": str(data_dir),
            "AUDIT_CHECKPOINT_EVERY": 50,
            "SMTP_URL": None,
            **overrides,
        }
    )
    with app.app_context():
        flask_migrate.upgrade()
    return app


@pytest.fixture(scope="session")
def app(db_kind: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Flask]:
    folder = tmp_path_factory.mktemp("registry")
    with temporary_database(db_kind, folder) as url:
        application = build_app(url, folder)
        application.extensions["sqlalchemy"].session.session_factory.configure(
            join_transaction_mode="create_savepoint"
        )
        yield application
        with application.app_context():
            db.engine.dispose()


@pytest.fixture(autouse=True)
def _rollback_each_test(request: pytest.FixtureRequest) -> Iterator[None]:
    """Run the test in an outer transaction on one connection, rolled back afterwards."""
    if "isolated_app" in request.fixturenames or "app" not in request.fixturenames:
        yield
        return
    application: Flask = request.getfixturevalue("app")
    with application.app_context():
        engines = db._app_engines[application]
        engine = engines[None]
        connection = engine.connect()
        outer = connection.begin()
        engines[None] = connection  # type: ignore[assignment]
        try:
            yield
        finally:
            db.session.remove()
            engines[None] = engine
            outer.rollback()
            connection.close()


@pytest.fixture
def ctx(app: Flask) -> Iterator[Flask]:
    """An application context for calling services directly."""
    with app.app_context():
        yield app
        db.session.remove()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def isolated_app(db_kind: str, tmp_path: Path) -> Iterator[Flask]:
    """An app on a database of its own where commits are real (for concurrency tests)."""
    with temporary_database(db_kind, tmp_path) as url:
        application = build_app(url, tmp_path)
        yield application
        with application.app_context():
            db.session.remove()
            db.engine.dispose()


@pytest.fixture
def live_server(isolated_app: Flask) -> Iterator[LiveServer]:
    """The isolated app served over real HTTP on 127.0.0.1 (a free port)."""
    with serve(isolated_app) as server:
        yield server


@pytest.fixture(scope="session")
def _browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def browser_page(_browser: Any) -> Iterator[Any]:
    """A fresh Playwright page (own cookies) in headless Chromium."""
    context = _browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


@pytest.fixture
def smtp() -> Iterator[SmtpSink]:
    """A real SMTP server on loopback that keeps what it accepts."""
    sink, controller = start_smtp()
    try:
        yield sink
    finally:
        controller.stop()


@pytest.fixture
def hooks() -> Iterator[HookSink]:
    """A real webhook receiver on loopback that keeps what it accepts."""
    sink, server = start_webhook_server()
    try:
        yield sink
    finally:
        server.shutdown()
        server.server_close()
