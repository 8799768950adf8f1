"""Background checkpoints of SQLite's write-ahead log (gunicorn workers): the log reaches the
database file without any commit checkpointing, and one process at a time does it."""

from __future__ import annotations

import os
import sqlite3
import time
from pathlib import Path

import pytest

from registry.core.checkpoints import LOCK_NAME, Checkpointer
from tests.gunicorn import served


def _writer(path: Path) -> sqlite3.Connection:
    """A connection that never checkpoints by itself (its commits only append to the log)."""
    connection = sqlite3.connect(path, isolation_level=None)
    connection.execute("PRAGMA journal_mode=WAL")
    connection.execute("PRAGMA wal_autocheckpoint=0")
    connection.execute("CREATE TABLE IF NOT EXISTS filler (blob BLOB)")
    return connection


def _fill(connection: sqlite3.Connection, pages: int = 100) -> None:
    for _ in range(pages):
        connection.execute("INSERT INTO filler VALUES (?)", (os.urandom(4000),))


def _wait_for_growth(path: Path, before: int, seconds: float = 10.0) -> int:
    """The database file's size once it holds at least 50 more pages (or when time is up)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        size = path.stat().st_size
        if size >= before + 50 * 4096:
            return size
        time.sleep(0.05)
    return path.stat().st_size


def test_the_log_reaches_the_database_file_without_a_commit_checkpointing(tmp_path: Path) -> None:
    database = tmp_path / "c.db"
    writer = _writer(database)
    _fill(writer, 1)
    before = database.stat().st_size
    _fill(writer)
    time.sleep(0.3)
    assert database.stat().st_size == before  # nothing checkpoints on its own
    checkpointer = Checkpointer(str(database), tmp_path / LOCK_NAME, interval=0.05)
    checkpointer.start()
    try:
        assert _wait_for_growth(database, before) >= before + 50 * 4096
        # the file grows during the checkpoint; the count goes up once it returns
        deadline = time.monotonic() + 5
        while checkpointer.checkpoints == 0 and time.monotonic() < deadline:
            time.sleep(0.01)
        assert checkpointer.holding and checkpointer.checkpoints > 0
    finally:
        checkpointer.stop()
        writer.close()


def test_one_checkpointer_at_a_time_and_another_takes_over(tmp_path: Path) -> None:
    database = tmp_path / "c.db"
    _writer(database).close()
    first = Checkpointer(str(database), tmp_path / LOCK_NAME, interval=0.02)
    second = Checkpointer(str(database), tmp_path / LOCK_NAME, interval=0.02)
    first.start()
    deadline = time.monotonic() + 5
    while not first.holding and time.monotonic() < deadline:
        time.sleep(0.01)
    second.start()
    time.sleep(0.3)
    try:
        assert first.holding and not second.holding and second.checkpoints == 0
        first.stop()  # the first worker exits: its lock goes with it
        deadline = time.monotonic() + 5
        while not second.holding and time.monotonic() < deadline:
            time.sleep(0.01)
        assert second.holding
    finally:
        second.stop()


@pytest.mark.slow
def test_gunicorn_workers_checkpoint_in_the_background(tmp_path: Path, db_kind: str) -> None:
    """The real server, started as ``make run`` starts it: writes made by another process,
    which never checkpoints, reach the database file while the server only idles."""
    if db_kind != "sqlite":
        pytest.skip("a SQLite mechanism")
    database = tmp_path / "served.db"
    with served(tmp_path / "data", database, workers=2):
        writer = _writer(database)
        try:
            _fill(writer, 1)
            time.sleep(1.5)  # whatever the workers checkpoint at start is done
            before = database.stat().st_size
            _fill(writer)
            assert _wait_for_growth(database, before) >= before + 50 * 4096
            assert (tmp_path / "data" / LOCK_NAME).exists()
        finally:
            writer.close()


def test_a_lock_file_that_cannot_be_opened_is_logged_and_tried_again(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    database = tmp_path / "c.db"
    writer = _writer(database)
    _fill(writer, 1)
    missing = tmp_path / "not-yet"  # the lock's folder does not exist (yet)
    checkpointer = Checkpointer(str(database), missing / LOCK_NAME, interval=0.02)
    with caplog.at_level("ERROR", logger="registry.core.checkpoints"):
        checkpointer.start()
        try:
            deadline = time.monotonic() + 5
            while not caplog.records and time.monotonic() < deadline:
                time.sleep(0.01)
            assert caplog.records and not checkpointer.holding
            missing.mkdir()  # the folder appears: the same thread takes the lock and works
            before = database.stat().st_size
            _fill(writer)
            assert _wait_for_growth(database, before) >= before + 50 * 4096
            assert checkpointer.holding
        finally:
            checkpointer.stop()
            writer.close()
