"""Only one process runs the scan at a time: advisory lock (PostgreSQL) or lease row (SQLite)."""

from __future__ import annotations

import time
from datetime import timedelta

import time_machine
from flask import Flask

from registry.app import create_app
from registry.core.clock import utcnow
from registry.extensions import db
from registry.jobs.passes import run_scan
from registry.reminders import locks
from tests.factories import one_consent


def other_instance(app: Flask) -> Flask:
    return create_app(
        {
            "TESTING": True,
            "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
            "DATA_DIR": app.config["DATA_DIR"],
        }
    )


def scan_in(app: Flask) -> bool:
    with app.app_context():
        acquired, _ = run_scan("second")
        db.session.remove()
    return acquired


def test_a_second_process_skips_the_scan_while_the_first_holds_it(isolated_app: Flask) -> None:
    one_consent(isolated_app)
    second = other_instance(isolated_app)
    try:
        with isolated_app.app_context():
            with locks.singleton("scan", "first", utcnow()) as acquired:
                assert acquired
                assert scan_in(second) is False  # held: skipped, not queued behind it
                db.session.rollback()  # the first one's work ends (PostgreSQL: lock released)
            db.session.remove()
        assert scan_in(second) is True
    finally:
        with second.app_context():
            db.engine.dispose()


def _wait_until_the_server_ends(app: Flask, pid: int) -> None:
    """PostgreSQL ends a backend whose client vanished as soon as it reads the closed socket,
    which may take a moment after the client closed it."""
    from sqlalchemy import text

    deadline = time.monotonic() + 10
    with app.app_context():
        while db.session.scalar(
            text("SELECT count(*) FROM pg_stat_activity WHERE pid = :pid"), {"pid": pid}
        ):
            db.session.rollback()
            assert time.monotonic() < deadline, f"backend {pid} still there after 10 s"
            time.sleep(0.05)
        db.session.remove()


def test_a_crashed_holder_does_not_block_the_scan_for_ever(
    isolated_app: Flask, db_kind: str
) -> None:
    if db_kind == "postgresql":
        # The lock belongs to the holder's transaction: a connection that dies releases it.
        with isolated_app.app_context():
            crashed = db.engine.raw_connection()
            cursor = crashed.cursor()
            cursor.execute("SELECT pg_try_advisory_xact_lock(%s)", (locks.ADVISORY_KEYS["scan"],))
            assert cursor.fetchone() == (True,)
            cursor.execute("SELECT pg_backend_pid()")
            pid = int(cursor.fetchone()[0])  # type: ignore[index]
            assert scan_in(isolated_app) is False
            crashed.invalidate()  # the connection is gone, mid-transaction
            _wait_until_the_server_ends(isolated_app, pid)  # it notices the closed socket
            assert scan_in(isolated_app) is True
        return
    # SQLite: the lease row names a holder until it runs out
    with time_machine.travel(utcnow(), tick=False) as clock:
        with isolated_app.app_context():
            assert locks._take_lease("scan", "crashed", utcnow(), locks.DEFAULT_TTL)
            db.session.remove()
        assert scan_in(isolated_app) is False
        clock.shift(locks.DEFAULT_TTL + timedelta(seconds=1))
        assert scan_in(isolated_app) is True
