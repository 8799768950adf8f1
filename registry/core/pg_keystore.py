"""The key store in a PostgreSQL database of its own (``REGISTRY_KEYSTORE_URL``), shared by
every host: wrapped data keys, and the receipt-signing keys (so that a ``keys rotate-signing``
on one host is published in every host's JWKS).

It must be a separate database, not a schema of the main one: a dump of the main database must
never carry the data keys, or restoring it would undo erasures. ``registry.config`` refuses a
URL naming the main database. The store creates its own tables (``CREATE TABLE IF NOT
EXISTS``); the main database's migrations know nothing of it.

Rows are the same as in the SQLite store (``registry.core.crypto``): each data key wrapped with
AES-GCM under a master key, with that key's id. Signing keys (Ed25519, raw 32 bytes) are
wrapped the same way under the master key, with the associated data ``datakey.signing.<kid>.
<master kid>``, and re-wrapped by ``keys rotate`` after the data keys.

Destroying a data key deletes its row, then rewrites the table (``VACUUM FULL``) so that the
deleted row's bytes do not stay in the table's file; that needs a brief exclusive lock, and if
readers hold it longer than ``wait`` the erasure says ``KeyStoreBusy`` (run it again), as the
SQLite store does. The write-ahead log and any base backups of this database keep old pages
until they are recycled: do not keep the key store in long-lived backups.

May import: the standard library and ``registry.core``.
"""

from __future__ import annotations

import os
import secrets
import threading
import weakref
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import Connection, Engine, create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError

from registry.core.crypto import (
    KEY_BYTES,
    KeyDestroyed,
    KeyStoreBusy,
    MasterRing,
    RewrapProgress,
    unwrap_key,
    wrap_key,
)
from registry.core.ids import new_id

_SCHEMA = (
    """CREATE TABLE IF NOT EXISTS data_keys (
        id TEXT PRIMARY KEY,
        wrapped BYTEA NOT NULL,
        master_kid TEXT NOT NULL,
        created_at TIMESTAMPTZ NOT NULL DEFAULT now()
    )""",
    "CREATE INDEX IF NOT EXISTS ix_data_keys_master_kid ON data_keys (master_kid)",
    """CREATE TABLE IF NOT EXISTS signing_keys (
        seq BIGSERIAL PRIMARY KEY,
        kid TEXT NOT NULL UNIQUE,
        wrapped BYTEA NOT NULL,
        master_kid TEXT NOT NULL,
        created_at TIMESTAMPTZ NOT NULL DEFAULT now()
    )""",
)
_SCHEMA_LOCK = 7_221_001  # advisory lock ids: creating the tables, adding signing keys
_SIGNING_LOCK = 7_221_002


def engine_url(url: str) -> str:
    """``postgresql://`` (or ``postgres://``) as SQLAlchemy's psycopg 3 URL."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def same_database(first: str, second: str) -> bool:
    """Whether two URLs name the same database (host, port and database name)."""
    a, b = make_url(engine_url(first)), make_url(engine_url(second))
    if a.get_backend_name() != b.get_backend_name():
        return False
    return (a.host or "localhost", a.port or 5432, a.database) == (
        b.host or "localhost",
        b.port or 5432,
        b.database,
    )


def _signing_id(kid: str) -> str:
    return f"signing.{kid}"


def _raw(key: Ed25519PrivateKey) -> bytes:
    return key.private_bytes(
        serialization.Encoding.Raw, serialization.PrivateFormat.Raw, serialization.NoEncryption()
    )


class PostgresKeyStore:
    """Wrapped data keys and signing keys in a PostgreSQL database of their own."""

    def __init__(self, url: str, ring: MasterRing) -> None:
        self.url = engine_url(url)
        self.ring = ring
        self._engine: Engine | None = None
        self._pid = 0
        self._lock = threading.Lock()
        with self._transaction() as conn:
            conn.execute(text("SELECT pg_advisory_xact_lock(:id)"), {"id": _SCHEMA_LOCK})
            for statement in _SCHEMA:
                conn.execute(text(statement))

    def engine(self) -> Engine:
        """The connection pool, made anew in a forked process (a gunicorn worker)."""
        with self._lock:
            if self._engine is None or self._pid != os.getpid():
                if self._engine is not None:
                    self._engine.dispose(close=False)  # the parent's connections stay its own
                self._engine = create_engine(
                    self.url,
                    pool_pre_ping=True,
                    pool_size=2,
                    max_overflow=4,
                    isolation_level="AUTOCOMMIT",
                )
                self._pid = os.getpid()
                # pooled connections are closed when the store goes (not left to the collector)
                weakref.finalize(self, self._engine.dispose)
            return self._engine

    @contextmanager
    def _connection(self) -> Iterator[Connection]:
        """A pooled connection in autocommit mode: each statement is its own transaction."""
        with self.engine().connect() as conn:
            yield conn

    @contextmanager
    def _transaction(self) -> Iterator[Connection]:
        """One transaction on the key store's own connection, ended here (as the SQLite store
        does with ``BEGIN IMMEDIATE``): it never joins the main database's unit of work."""
        with self._connection() as conn:
            conn.execute(text("BEGIN"))
            try:
                yield conn
            except BaseException:
                conn.execute(text("ROLLBACK"))
                raise
            conn.execute(text("COMMIT"))

    def describe(self) -> str:
        return make_url(self.url).render_as_string(hide_password=True)

    def dispose(self) -> None:
        if self._engine is not None:
            self._engine.dispose()
            self._engine = None

    # -- data keys --

    def create_key(self) -> str:
        key_id = new_id("dk")
        key = secrets.token_bytes(KEY_BYTES)
        master_kid, master = self.ring.current()
        with self._transaction() as conn:
            conn.execute(
                text("INSERT INTO data_keys (id, wrapped, master_kid) VALUES (:id, :w, :m)"),
                {"id": key_id, "w": wrap_key(key_id, key, master_kid, master), "m": master_kid},
            )
        return key_id

    def get_key(self, key_id: str) -> bytes:
        with self._connection() as conn:
            row = conn.execute(
                text("SELECT wrapped, master_kid FROM data_keys WHERE id = :id"), {"id": key_id}
            ).first()
        if row is None:
            raise KeyDestroyed(f"data key {key_id} does not exist")
        wrapped, master_kid = row
        return unwrap_key(key_id, bytes(wrapped), master_kid, self.ring.get(master_kid))

    def exists(self, key_id: str) -> bool:
        with self._connection() as conn:
            found = conn.execute(
                text("SELECT 1 FROM data_keys WHERE id = :id"), {"id": key_id}
            ).first()
        return found is not None

    def destroy(self, key_id: str, *, wait: float = 10.0) -> bool:
        """Delete the key for good (crypto-shredding); True if it existed. Then the table is
        rewritten without the deleted row's bytes; ``KeyStoreBusy`` if readers held it longer
        than ``wait`` seconds (the row is already gone; a rerun rewrites the table)."""
        with self._transaction() as conn:
            existed = (
                conn.execute(text("DELETE FROM data_keys WHERE id = :id"), {"id": key_id}).rowcount
                > 0
            )
        with self._connection() as conn:
            conn.execute(text(f"SET lock_timeout = {max(1, int(wait * 1000))}"))
            try:
                conn.execute(text("VACUUM FULL data_keys"))
            except DBAPIError as exc:
                if getattr(exc.orig, "sqlstate", None) != "55P03":  # lock_not_available
                    raise
                raise KeyStoreBusy(
                    "readers of the key store kept the destroyed key's table locked; "
                    "run the erasure again"
                ) from exc
            finally:
                conn.execute(text("RESET lock_timeout"))
        return existed

    def count_by_master(self) -> dict[str, int]:
        """Rows (data keys and signing keys) by the master key that wraps them."""
        with self._connection() as conn:
            rows = conn.execute(
                text(
                    "SELECT master_kid, count(*) FROM (SELECT master_kid FROM data_keys "
                    "UNION ALL SELECT master_kid FROM signing_keys) AS k GROUP BY master_kid"
                )
            ).all()
        return {str(kid): int(n) for kid, n in rows}

    def rewrap(
        self,
        *,
        batch: int = 500,
        progress: Callable[[RewrapProgress], None] | None = None,
    ) -> int:
        """Re-wrap every data key, then every signing key, not under the current master key.
        Each batch is one short transaction (rows locked, so two rotations never interleave);
        interrupted anywhere, every row is still wrapped under a key that exists."""
        done = 0
        while True:
            master_kid, master = self.ring.current()
            with self._transaction() as conn:
                rows = conn.execute(
                    text(
                        "SELECT id, wrapped, master_kid FROM data_keys WHERE master_kid != :m "
                        "ORDER BY id LIMIT :n FOR UPDATE"
                    ),
                    {"m": master_kid, "n": batch},
                ).all()
                for key_id, wrapped, old_kid in rows:
                    key = unwrap_key(key_id, bytes(wrapped), old_kid, self.ring.get(old_kid))
                    conn.execute(
                        text("UPDATE data_keys SET wrapped = :w, master_kid = :m WHERE id = :id"),
                        {
                            "w": wrap_key(key_id, key, master_kid, master),
                            "m": master_kid,
                            "id": key_id,
                        },
                    )
                remaining = conn.execute(
                    text("SELECT count(*) FROM data_keys WHERE master_kid != :m"), {"m": master_kid}
                ).scalar_one()
            done += len(rows)
            if progress is not None and rows:
                progress(RewrapProgress(done, int(remaining)))
            if not rows or not remaining:
                break
        self._rewrap_signing()
        return done

    def _rewrap_signing(self) -> None:
        master_kid, master = self.ring.current()
        with self._transaction() as conn:
            rows = conn.execute(
                text(
                    "SELECT kid, wrapped, master_kid FROM signing_keys WHERE master_kid != :m "
                    "FOR UPDATE"
                ),
                {"m": master_kid},
            ).all()
            for kid, wrapped, old_kid in rows:
                raw = unwrap_key(_signing_id(kid), bytes(wrapped), old_kid, self.ring.get(old_kid))
                conn.execute(
                    text("UPDATE signing_keys SET wrapped = :w, master_kid = :m WHERE kid = :k"),
                    {
                        "w": wrap_key(_signing_id(kid), raw, master_kid, master),
                        "m": master_kid,
                        "k": kid,
                    },
                )

    # -- signing keys (registry.core.keys.SigningKeySource) --

    def load_signing(self) -> tuple[dict[str, Ed25519PrivateKey], str]:
        with self._connection() as conn:
            rows = conn.execute(
                text("SELECT kid, wrapped, master_kid FROM signing_keys ORDER BY seq")
            ).all()
        keys: dict[str, Ed25519PrivateKey] = {}
        for kid, wrapped, master_kid in rows:
            raw = unwrap_key(
                _signing_id(kid), bytes(wrapped), master_kid, self.ring.get(master_kid)
            )
            keys[str(kid)] = Ed25519PrivateKey.from_private_bytes(raw)
        return keys, str(rows[-1][0]) if rows else ""

    def add_signing(self, kid: str, key: Ed25519PrivateKey, *, only_if_none: bool) -> bool:
        master_kid, master = self.ring.current()
        wrapped = wrap_key(_signing_id(kid), _raw(key), master_kid, master)
        with self._transaction() as conn:
            conn.execute(text("SELECT pg_advisory_xact_lock(:id)"), {"id": _SIGNING_LOCK})
            if only_if_none and conn.execute(text("SELECT 1 FROM signing_keys LIMIT 1")).first():
                return False
            conn.execute(
                text(
                    "INSERT INTO signing_keys (kid, wrapped, master_kid) VALUES (:k, :w, :m) "
                    "ON CONFLICT (kid) DO NOTHING"
                ),
                {"k": kid, "w": wrapped, "m": master_kid},
            )
        return True


def open_store(url: str, ring: MasterRing) -> PostgresKeyStore:
    """The store at ``url``; raises ValueError if it is not PostgreSQL."""
    if make_url(engine_url(url)).get_backend_name() != "postgresql":
        raise ValueError("REGISTRY_KEYSTORE_URL must be a postgresql:// URL")
    return PostgresKeyStore(url, ring)
