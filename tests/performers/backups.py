"""A real backup copy of a test database: SQLite's online backup, or pg_dump restored with psql."""

from __future__ import annotations

import os
import secrets
import sqlite3
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import psycopg

from tests.databases import PG_ADMIN_URL


@contextmanager
def backup_copy(url: str, folder: Path) -> Iterator[str]:
    """Copy the database at ``url`` now; yield the copy's SQLAlchemy URL; drop it afterwards."""
    if url.startswith("sqlite"):
        source = url.split("///", 1)[1]
        target = folder / f"backup_{secrets.token_hex(4)}.db"
        with sqlite3.connect(source) as src, sqlite3.connect(target) as dst:
            src.backup(dst)
        yield f"sqlite:///{target}"
        return
    plain = url.replace("postgresql+psycopg://", "postgresql://", 1)
    dump = folder / "backup.sql"
    subprocess.run(
        ["pg_dump", "--no-owner", "--file", str(dump), plain],
        check=True,
        env={**os.environ, "PGCONNECT_TIMEOUT": "10"},
    )
    name = f"registry_backup_{os.getpid()}_{secrets.token_hex(4)}"
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    base = plain.rsplit("/", 1)[0]
    try:
        subprocess.run(
            ["psql", "--quiet", "--set", "ON_ERROR_STOP=1", "--file", str(dump), f"{base}/{name}"],
            check=True,
            capture_output=True,
        )
        yield f"{base.replace('postgresql://', 'postgresql+psycopg://', 1)}/{name}"
    finally:
        with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
