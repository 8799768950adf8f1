"""Test databases: a SQLite file or a PostgreSQL database of its own, created and dropped."""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import psycopg

PG_ADMIN_URL = os.environ.get(
    "REGISTRY_TEST_PG_URL", "postgresql://postgres@127.0.0.1:5432/postgres"
)


def _pg_url_for(name: str) -> str:
    base = PG_ADMIN_URL.rsplit("/", 1)[0]
    return f"{base.replace('postgresql://', 'postgresql+psycopg://', 1)}/{name}"


@contextmanager
def temporary_database(kind: str, folder: Path) -> Iterator[str]:
    """Yield a SQLAlchemy URL to a new, empty database; drop it afterwards."""
    if kind == "sqlite":
        yield f"sqlite:///{folder / f'test_{secrets.token_hex(4)}.db'}"
        return
    name = f"registry_test_{os.getpid()}_{secrets.token_hex(4)}"
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield _pg_url_for(name)
    finally:
        with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
