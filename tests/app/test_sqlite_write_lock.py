"""SQLite's single write lock: token checks do not wait for it, writers take it as soon as it
is free, and a writer that cannot get it in time gets an error instead of hanging."""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from flask import Flask
from sqlalchemy import text
from sqlalchemy.exc import OperationalError

from registry import app as app_module
from registry.extensions import db
from tests.factories import bearer, make_user


def _path(app: Flask) -> str:
    return str(app.config["SQLALCHEMY_DATABASE_URI"]).removeprefix("sqlite:///")


@contextmanager
def write_lock_held(app: Flask) -> Iterator[None]:
    """Another connection (as another process would) holds the write lock meanwhile."""
    other = sqlite3.connect(_path(app), isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    try:
        yield
    finally:
        other.execute("ROLLBACK")
        other.close()


@pytest.fixture
def sqlite_app(isolated_app: Flask, db_kind: str) -> Flask:
    if db_kind != "sqlite":
        pytest.skip("SQLite's write lock (PostgreSQL has row locks)")
    return isolated_app


def test_a_token_is_checked_while_another_connection_writes(
    sqlite_app: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(app_module, "SQLITE_WRITE_WAIT", 2.0)  # a regression fails fast
    with sqlite_app.app_context():
        user, token = make_user("legal")
        user_id = user.id
        db.session.commit()
    client = sqlite_app.test_client()
    with write_lock_held(sqlite_app):
        start = time.monotonic()
        me = client.get("/api/v1/me", headers=bearer(token))
        waited = time.monotonic() - start
    assert me.status_code == 200 and me.json is not None and me.json["id"] == user_id
    assert waited < 1  # before: the check itself queued for the write lock


def test_a_writer_gets_the_lock_as_soon_as_it_is_free(sqlite_app: Flask) -> None:
    held, released = threading.Event(), threading.Event()
    released_at: list[float] = []

    def hold() -> None:
        with write_lock_held(sqlite_app):
            held.set()
            time.sleep(0.3)
            released_at.append(time.monotonic())  # just before the ROLLBACK frees the lock
        released.set()

    holder = threading.Thread(target=hold)
    holder.start()
    assert held.wait(10)  # the other connection has the lock before this one asks for it
    with sqlite_app.app_context():
        db.session.execute(text("CREATE TABLE IF NOT EXISTS lock_probe (x INTEGER)"))
        db.session.commit()
        done = time.monotonic()
    holder.join()
    assert released.is_set() and done >= released_at[0]  # it did wait for the other writer
    assert done - released_at[0] < 0.5  # and did not sleep long past the release


def test_a_writer_that_cannot_get_the_lock_in_time_gets_an_error(
    sqlite_app: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(app_module, "SQLITE_WRITE_WAIT", 0.2)
    with sqlite_app.app_context(), write_lock_held(sqlite_app):
        start = time.monotonic()
        with pytest.raises(OperationalError, match="locked"):
            db.session.execute(text("SELECT 1"))
        db.session.rollback()
        assert 0.2 <= time.monotonic() - start < 5
