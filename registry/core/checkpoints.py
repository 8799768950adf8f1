"""SQLite write-ahead-log checkpoints in the background, for the web server's workers.

By default SQLite checkpoints at the end of a COMMIT once the log has passed 1,000 pages: just
after releasing the write lock, the committing connection copies the log into the database file
and waits for its fsync (about 12 ms measured here, every hundred or so requests that write).
The request that happened to commit waits that long, and so does its sync worker, which serves
nothing else meanwhile. Each gunicorn worker instead calls ``start``: a thread that every second,
while it holds the checkpoint lock file (one worker at a time; another takes over when that one
exits), runs a PASSIVE checkpoint, which neither waits for nor blocks readers and writers, so
the copy and the fsync happen outside every request. The worker's own connections then
checkpoint in a commit only past ``FALLBACK_PAGES`` (40 MB), should the thread ever stop. Other
processes (the CLI, the scheduler, tests) keep SQLite's default.
"""

from __future__ import annotations

import fcntl
import logging
import sqlite3
import threading
from pathlib import Path
from typing import IO

from sqlalchemy.engine import Engine

INTERVAL_SECONDS = 1.0
DEFAULT_PAGES = 1000
FALLBACK_PAGES = 10_000
LOCK_NAME = "sqlite-checkpoint.lock"

log = logging.getLogger(__name__)

_started: Checkpointer | None = None


def autocheckpoint_pages() -> int:
    """The log size (pages) past which a commit checkpoints, in this process."""
    return FALLBACK_PAGES if _started is not None else DEFAULT_PAGES


def start(engine: Engine, folder: str | Path) -> Checkpointer | None:
    """Checkpoint ``engine``'s SQLite database from a daemon thread of this process (started
    once; nothing for other databases). Connections opened from now on use the fallback."""
    global _started
    database = engine.url.database
    if engine.dialect.name != "sqlite" or not database or database == ":memory:":
        return None
    if _started is None:
        _started = Checkpointer(database, Path(folder) / LOCK_NAME)
        _started.start()
        engine.dispose()  # connections opened before now reopen with the fallback threshold
    return _started


class Checkpointer:
    """A daemon thread checkpointing one database while it holds the lock file."""

    def __init__(self, database: str, lock_path: Path, interval: float = INTERVAL_SECONDS):
        self.database = database
        self.lock_path = lock_path
        self.interval = interval
        self.holding = False
        self.checkpoints = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="sqlite-checkpoint", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()

    def _run(self) -> None:
        connection = sqlite3.connect(self.database, isolation_level=None, check_same_thread=False)
        lock: IO[bytes] | None = None
        try:
            while not self._stop.wait(self.interval):
                try:
                    lock = lock or _try_lock(self.lock_path)
                    self.holding = lock is not None
                    if lock is not None:  # else another worker checkpoints
                        checkpoint(connection)
                        self.checkpoints += 1
                except (OSError, sqlite3.Error):  # logged; tried again at the next interval
                    log.exception("background checkpoint failed")
        finally:
            connection.close()
            if lock is not None:
                lock.close()  # releases the lock for another worker


def checkpoint(connection: sqlite3.Connection) -> tuple[int, int, int]:
    """One PASSIVE checkpoint: (busy, frames in the log, frames copied to the database)."""
    busy, frames, copied = connection.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
    return int(busy), int(frames), int(copied)


def _try_lock(path: Path) -> IO[bytes] | None:
    """The lock file, open and locked by this process; None while another holds it."""
    handle = path.open("ab")
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        handle.close()
        return None
    except OSError:
        handle.close()
        raise
    return handle  # kept open, so held, until the thread ends (or the process exits)
