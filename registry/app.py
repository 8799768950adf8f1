"""``create_app``: configuration, extensions, blueprints (an explicit tuple), errors, CLI."""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Mapping
from email.message import EmailMessage
from typing import Any

from flask import Flask, Request, g, request
from sqlalchemy import event
from sqlalchemy.engine import Engine

from registry import cli
from registry import home as home_page
from registry.accounts import api as accounts_api
from registry.accounts import pages as accounts_pages
from registry.accounts import security as account_security
from registry.accounts import services as accounts
from registry.accounts import users_pages
from registry.accounts.models import User
from registry.appctx import RegistryState
from registry.audit import api as audit_api
from registry.audit import pages as audit_pages
from registry.audit import records as audit_records
from registry.config import DEFAULTS, finalize, shipped
from registry.consents import api as consents_api
from registry.consents import export_pages as consents_export
from registry.consents import pages as consents_pages
from registry.core import checkpoints
from registry.extensions import csrf, db, login_manager, migrate
from registry.gate import overview as gate_overview
from registry.gate import queue as gate_queue
from registry.gate.enhancement_models import api as models_api
from registry.gate.enhancement_models import pages as models_pages
from registry.gate.replicas import api as replicas_api
from registry.gate.replicas import pages as replicas_pages
from registry.gate.use_requests import api as requests_api
from registry.gate.use_requests import pages as requests_pages
from registry.performers import api as performers_api
from registry.performers import pages as performers_pages
from registry.performers import representatives_pages
from registry.productions import api as productions_api
from registry.productions import pages as productions_pages
from registry.reminders import api as reminders_api
from registry.reminders import mail as reminder_mail
from registry.reminders import pages as reminders_pages
from registry.triage import api as triage_api
from registry.triage import pages as triage_pages
from registry.web import dates as page_dates
from registry.web import errors, headers, idempotency, logs, metrics, public, request_ids
from registry.web import rules as rules_page
from registry.web.blueprint import RegistryApi
from registry.web.guards import refuse_nul_characters, refuse_unbounded_json
from registry.web.nav import nav_items

# Every model module, so that the metadata (and Alembic) sees every table.
from registry import tables as _tables  # noqa: F401  # isort: skip

# The gate's receiver of consent_ended (the revocation cascade), connected in every process.
from registry.gate import cascade as _cascade  # noqa: F401  # isort: skip

# The reminders feature's receiver of consent_ended (notices to production members).
from registry.reminders import receivers as _reminder_receivers  # noqa: F401  # isort: skip

# The gate's receiver of consent_read_granted (a vfx_lead reads the consents it relied on).
from registry.gate import consent_reads as _consent_reads  # noqa: F401  # isort: skip

# The performers feature's sealer of stored answers holding personal fields (idempotency).
from registry.performers import answers as _performer_answers  # noqa: F401  # isort: skip

# The consents feature's receiver of performer_erased (evidence documents cleared).
from registry.consents import receivers as _consent_receivers  # noqa: F401  # isort: skip

# Triage's receivers of the gate's signals (request links, decisions made or invalidated).
from registry.triage import receivers as _triage_receivers  # noqa: F401  # isort: skip

API_BLUEPRINTS = (
    accounts_api.blp,
    productions_api.blp,
    performers_api.blp,
    consents_api.blp,
    audit_api.blp,
    requests_api.blp,
    models_api.blp,
    replicas_api.blp,
    reminders_api.blp,
    triage_api.tools_blp,
    triage_api.blp,
)
PAGE_BLUEPRINTS = (
    public.bp,
    accounts_pages.bp,
    users_pages.bp,
    audit_pages.bp,
    productions_pages.bp,
    performers_pages.bp,
    representatives_pages.bp,
    consents_pages.bp,
    consents_export.bp,
    requests_pages.bp,
    models_pages.bp,
    replicas_pages.bp,
    gate_queue.bp,
    gate_overview.bp,
    reminders_pages.bp,
    reminders_pages.feed_bp,
    rules_page.bp,
    triage_pages.bp,
)


SQLITE_WRITE_WAIT = 30.0
"""Seconds a transaction waits for SQLite's write lock before giving up (an error, not a hang)."""
_BUSY_TIMEOUT_MS = int(SQLITE_WRITE_WAIT * 1000)


def _begin_immediate(connection: Any) -> None:
    """``BEGIN IMMEDIATE``, retried every 0.3 ms while another connection holds the write lock.

    SQLite's own busy handler sleeps 1, 2, 5, 10 ... 25 ms between attempts, so under load the
    lock often sits free while every waiter sleeps; the Python driver cannot install another
    handler. Here the waiter asks again at once (only for BEGIN: the other statements keep
    the busy timeout). Past ``SQLITE_WRITE_WAIT`` the last attempt goes through SQLAlchemy,
    whose ``OperationalError`` the caller gets."""
    cursor = connection.connection.cursor()
    cursor.execute("PRAGMA busy_timeout=0")
    try:
        deadline = time.monotonic() + SQLITE_WRITE_WAIT
        while time.monotonic() <= deadline:
            try:
                cursor.execute("BEGIN IMMEDIATE")
                return
            except sqlite3.OperationalError as error:
                if "locked" not in str(error):
                    break
            time.sleep(0.0003)
        connection.exec_driver_sql("BEGIN IMMEDIATE")
    finally:
        cursor.execute(f"PRAGMA busy_timeout={_BUSY_TIMEOUT_MS}")
        cursor.close()


def _configure_sqlite(engine: Engine) -> None:
    """Foreign keys, WAL, busy timeout; every transaction BEGIN IMMEDIATE (serial writes).
    The DBAPI connections are in autocommit mode, so a statement run on one outside a
    transaction (the API token check) reads the last committed state without the lock."""

    @event.listens_for(engine, "connect")
    def on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None  # let SQLAlchemy emit BEGIN itself
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA busy_timeout={_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute(f"PRAGMA wal_autocheckpoint={checkpoints.autocheckpoint_pages()}")
        cursor.close()

    @event.listens_for(engine, "begin")
    def on_begin(connection: Any) -> None:
        _begin_immediate(connection)


def _session_user(token: str) -> User | None:
    """Flask-Login's user_loader: the user of a login session's cookie, for the pages only (the
    API, exempt from CSRF checks, never accepts a cookie)."""
    if request.path.startswith("/api/"):
        return None
    return accounts.user_for_login_session(token)


def _bearer_user(req: Request) -> User | None:
    """Flask-Login's request_loader: the user of an ``Authorization: Bearer`` token, for the
    API only."""
    if not req.path.startswith("/api/"):
        return None
    scheme, _, token = req.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return accounts.user_for_token(token.strip())


def _send_mail(url: str, message: EmailMessage) -> None:
    """The mailer of features that may not import the reminders' (``registry.accounts``'
    invitations): one message over ``REGISTRY_SMTP_URL``, now."""
    with reminder_mail.SmtpSender(reminder_mail.parse_smtp_url(url)) as sender:
        sender.send(message)


def create_app(config: Mapping[str, Any] | None = None) -> Flask:
    app = Flask(
        "registry",
        template_folder=str(shipped("templates")),
        static_folder=str(shipped("static")),
    )
    app.config.update(DEFAULTS)
    app.config.from_prefixed_env("REGISTRY")
    if config:
        app.config.update(config)
    signing, master = finalize(app.config)
    app.extensions["registry"] = RegistryState(signing, master)
    app.extensions["registry.send_mail"] = _send_mail
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql"):
        app.config.setdefault("SQLALCHEMY_ENGINE_OPTIONS", {"pool_pre_ping": True})

    db.init_app(app)
    with app.app_context():
        if db.engine.dialect.name == "sqlite":
            _configure_sqlite(db.engine)
    migrate.init_app(
        app, db, directory=str(shipped("migrations")), render_as_batch=True, compare_type=True
    )
    login_manager.init_app(app)
    login_manager.login_view = "accounts.login"
    login_manager.login_message = "Please sign in to see this page."
    login_manager.session_protection = "basic"
    login_manager.user_loader(_session_user)
    login_manager.request_loader(_bearer_user)
    csrf.init_app(app)

    api = RegistryApi(app, spec_kwargs={"security": [{"bearerAuth": []}]})
    api.spec.components.security_scheme(
        "bearerAuth", {"type": "http", "scheme": "bearer", "description": "API token"}
    )
    for blp in API_BLUEPRINTS:
        api.register_blueprint(blp)
        csrf.exempt(blp)
    for bp in PAGE_BLUEPRINTS:
        app.register_blueprint(bp)

    errors.register(app)
    request_ids.init_app(app)
    metrics.init_app(app)
    if str(app.config.get("LOG_FORMAT") or "").lower() == "json":
        logs.configure()
    account_security.init_app(app)
    idempotency.init_app(app)
    headers.init_app(app)
    audit_records.init_app(app)
    cli.register(app)

    app.before_request(refuse_unbounded_json)
    app.before_request(refuse_nul_characters)

    @app.before_request
    def fresh_identity() -> None:
        # Who is calling is worked out anew for every request. (A request normally gets a fresh
        # ``g``; one served inside an app context already pushed, as in tests, would reuse it.)
        csrf_name = app.config.get("WTF_CSRF_FIELD_NAME", "csrf_token")
        for name in ("_login_user", "actor", "unread_notices", csrf_name):
            g.pop(name, None)

    app.jinja_env.globals["nav_items"] = nav_items
    page_dates.install(app)
    home_page.install(app)

    return app
