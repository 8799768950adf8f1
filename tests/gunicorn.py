"""A real gunicorn for tests, started as ``make run`` starts it: from the project folder (so it
reads ``gunicorn.conf.py``), on a migrated SQLite database of the test's own."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from tests.servers import free_port

ROOT = Path(__file__).resolve().parents[1]


def get_status(url: str) -> int:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return int(response.status)
    except urllib.error.HTTPError as error:
        return int(error.code)


@contextmanager
def served(
    data_dir: Path, database: Path | str, *, workers: int, args: tuple[str, ...] = ()
) -> Iterator[str]:
    """The base URL of gunicorn serving ``wsgi:app`` once it answers /healthz; stopped after.
    ``database``: a SQLite file, or a SQLAlchemy URL (``tests.databases.temporary_database``)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("REGISTRY_")}
    env.update(
        {
            "REGISTRY_DATA_DIR": str(data_dir),
            "REGISTRY_DATABASE_URL": database
            if isinstance(database, str)
            else f"sqlite:///{database}",
            "WEB_CONCURRENCY": str(workers),
        }
    )
    subprocess.run(
        [sys.executable, "-m", "flask", "--app", "wsgi", "db", "upgrade"],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
    )
    base = f"http://127.0.0.1:{free_port()}"
    gunicorn = str(Path(sys.executable).with_name("gunicorn"))
    server = subprocess.Popen(
        [gunicorn, "--bind", base.removeprefix("http://"), *args, "wsgi:app"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if get_status(f"{base}/healthz") == 200:
                    break
            except OSError:
                pass
            assert time.monotonic() < deadline, "gunicorn did not start"
            time.sleep(0.2)
        yield base
    finally:
        server.terminate()
        server.wait(timeout=30)
