"""Envelope encryption of personal data: AES-GCM field ciphertexts under per-subject data keys.

Each subject (a performer) has a 256-bit data key of its own. Data keys are kept wrapped
(AES-GCM under a master key) in a key store that is NOT the main database: a small SQLite file
in the keys folder (``DataKeyStore``, the default), or a PostgreSQL database of its own
(``registry.core.pg_keystore``, ``REGISTRY_KEYSTORE_URL``) that every host shares. Destroying
a data key (crypto-shredding) therefore also makes every backup of the main database unreadable
for that subject, as long as the key store itself is not kept in long-lived backups.

Field ciphertext format (``VERSION`` 1)::

    0x01 | len(data_key_id) (1 byte) | data_key_id (ASCII) | nonce (12 bytes) | AES-GCM ct+tag

The associated data is ``f"{table}.{column}.{row_id}"``: a ciphertext copied to another row or
column does not decrypt. The data key id inside each ciphertext says which key it needs.

Wrapped data key format: ``nonce (12) | AES-GCM(master, data key, aad=f"datakey.{id}.{kid}")``;
each key store row records the master key id (``master_kid``) that wrapped it, so a rotation
that is interrupted can be resumed by re-wrapping the rows not yet under the current key.
"""

from __future__ import annotations

import os
import secrets
import sqlite3
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from registry.core.ids import new_id

VERSION = 1
NONCE_BYTES = 12
KEY_BYTES = 32


class DecryptionError(ValueError):
    """A ciphertext is malformed, was tampered with, or was moved to another row or column."""


class KeyStoreBusy(RuntimeError):
    """A destroyed key's old copy could not be scrubbed from the key store's file yet."""


class KeyDestroyed(LookupError):
    """The data key a ciphertext needs no longer exists (crypto-shredded) or never existed."""


def field_aad(table: str, column: str, row_id: str) -> bytes:
    """The associated data binding a ciphertext to its row and column."""
    return f"{table}.{column}.{row_id}".encode()


def encrypt_field(data_key_id: str, key: bytes, plaintext: bytes, aad: bytes) -> bytes:
    kid = data_key_id.encode("ascii")
    if not 0 < len(kid) < 256:
        raise ValueError("data key id must be 1-255 ASCII characters")
    nonce = os.urandom(NONCE_BYTES)
    body = AESGCM(key).encrypt(nonce, plaintext, aad)
    return bytes([VERSION, len(kid)]) + kid + nonce + body


def ciphertext_key_id(ciphertext: bytes) -> str:
    """The data key id recorded in a field ciphertext."""
    if len(ciphertext) < 2 or ciphertext[0] != VERSION:
        raise DecryptionError("unknown ciphertext format")
    length = ciphertext[1]
    if len(ciphertext) < 2 + length + NONCE_BYTES + 16:
        raise DecryptionError("ciphertext is truncated")
    try:
        return ciphertext[2 : 2 + length].decode("ascii")
    except UnicodeDecodeError as exc:
        raise DecryptionError("ciphertext key id is not ASCII") from exc


def decrypt_field(ciphertext: bytes, key_for: Callable[[str], bytes], aad: bytes) -> bytes:
    """Decrypt with the key named inside the ciphertext; ``key_for`` raises KeyDestroyed."""
    kid = ciphertext_key_id(ciphertext)
    start = 2 + len(kid)
    nonce = ciphertext[start : start + NONCE_BYTES]
    body = ciphertext[start + NONCE_BYTES :]
    try:
        return AESGCM(key_for(kid)).decrypt(nonce, body, aad)
    except InvalidTag as exc:
        raise DecryptionError("ciphertext does not authenticate for this row and column") from exc


class MasterRing(Protocol):
    """Where the key store gets master keys (the registry's ``MasterKeys``, reloaded as needed)."""

    def current(self) -> tuple[str, bytes]: ...

    def get(self, kid: str) -> bytes: ...


class KeyStore(Protocol):
    """What the registry needs of a data key store: ``DataKeyStore`` (a SQLite file, the
    default) or ``registry.core.pg_keystore.PostgresKeyStore`` (a PostgreSQL database of its
    own, shared by every host)."""

    def create_key(self) -> str: ...

    def get_key(self, key_id: str) -> bytes: ...

    def exists(self, key_id: str) -> bool: ...

    def destroy(self, key_id: str, *, wait: float = 10.0) -> bool: ...

    def count_by_master(self) -> dict[str, int]: ...

    def rewrap(
        self,
        *,
        batch: int = 500,
        progress: Callable[[RewrapProgress], None] | None = None,
    ) -> int: ...

    def describe(self) -> str: ...


def _wrap_aad(data_key_id: str, master_kid: str) -> bytes:
    return f"datakey.{data_key_id}.{master_kid}".encode()


def wrap_key(data_key_id: str, data_key: bytes, master_kid: str, master: bytes) -> bytes:
    nonce = os.urandom(NONCE_BYTES)
    return nonce + AESGCM(master).encrypt(nonce, data_key, _wrap_aad(data_key_id, master_kid))


def unwrap_key(data_key_id: str, wrapped: bytes, master_kid: str, master: bytes) -> bytes:
    try:
        return AESGCM(master).decrypt(
            wrapped[:NONCE_BYTES], wrapped[NONCE_BYTES:], _wrap_aad(data_key_id, master_kid)
        )
    except InvalidTag as exc:
        raise DecryptionError(f"data key {data_key_id} does not unwrap") from exc


@dataclass(frozen=True)
class RewrapProgress:
    done: int
    remaining: int


_SCHEMA = """
CREATE TABLE IF NOT EXISTS data_keys (
    id TEXT PRIMARY KEY,
    wrapped BLOB NOT NULL,
    master_kid TEXT NOT NULL,
    created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);
CREATE INDEX IF NOT EXISTS ix_data_keys_master_kid ON data_keys (master_kid);
"""


class DataKeyStore:
    """Wrapped data keys in a SQLite file (WAL, busy timeout: safe for several processes).

    ``secure_delete`` overwrites deleted keys in the file, and the WAL is checkpointed and
    truncated after a destruction, so no copy of a destroyed key is left in the store's files.
    """

    def __init__(self, path: Path, ring: MasterRing) -> None:
        self.path = path
        self.ring = ring
        path.parent.mkdir(parents=True, exist_ok=True)
        with self._connect() as conn:
            conn.executescript(_SCHEMA)
        os.chmod(path, 0o600)

    @contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        conn = sqlite3.connect(self.path, timeout=30, isolation_level=None)
        try:
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA secure_delete=ON")
            conn.execute("PRAGMA synchronous=FULL")
            yield conn
        finally:
            conn.close()

    def create_key(self) -> str:
        """A new random data key, stored wrapped under the current master key; returns its id."""
        key_id = new_id("dk")
        key = secrets.token_bytes(KEY_BYTES)
        master_kid, master = self.ring.current()
        with self._connect() as conn:
            conn.execute(
                "INSERT INTO data_keys (id, wrapped, master_kid) VALUES (?, ?, ?)",
                (key_id, wrap_key(key_id, key, master_kid, master), master_kid),
            )
        return key_id

    def get_key(self, key_id: str) -> bytes:
        """The unwrapped data key; KeyDestroyed if it was destroyed (or never existed)."""
        with self._connect() as conn:
            row = conn.execute(
                "SELECT wrapped, master_kid FROM data_keys WHERE id = ?", (key_id,)
            ).fetchone()
        if row is None:
            raise KeyDestroyed(f"data key {key_id} does not exist")
        wrapped, master_kid = row
        return unwrap_key(key_id, bytes(wrapped), master_kid, self.ring.get(master_kid))

    def exists(self, key_id: str) -> bool:
        with self._connect() as conn:
            return (
                conn.execute("SELECT 1 FROM data_keys WHERE id = ?", (key_id,)).fetchone()
                is not None
            )

    def destroy(self, key_id: str, *, wait: float = 10.0) -> bool:
        """Delete the key for good (crypto-shredding); True if it existed.

        The row is gone once deleted, but its old page stays in the file until a checkpoint
        copies the new one (zeroed: ``secure_delete``) over it, which a reader's open snapshot
        holds back: the checkpoint waits up to ``wait`` seconds for readers, then
        ``KeyStoreBusy`` says the erasure must be run again (the row is already gone; the rerun
        scrubs the file)."""
        with self._connect() as conn:
            existed = conn.execute("DELETE FROM data_keys WHERE id = ?", (key_id,)).rowcount > 0
            conn.execute(f"PRAGMA busy_timeout = {max(0, int(wait * 1000))}")
            busy = conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()[0]
            if busy:
                raise KeyStoreBusy(
                    "readers of the key store kept the destroyed key's old copy in its file; "
                    "run the erasure again"
                )
            return existed

    def describe(self) -> str:
        return str(self.path)

    def count_by_master(self) -> dict[str, int]:
        with self._connect() as conn:
            rows = conn.execute(
                "SELECT master_kid, count(*) FROM data_keys GROUP BY master_kid"
            ).fetchall()
        return {str(kid): int(n) for kid, n in rows}

    def rewrap(
        self,
        *,
        batch: int = 500,
        progress: Callable[[RewrapProgress], None] | None = None,
    ) -> int:
        """Re-wrap every data key not under the current master key; resumable at any point.

        Each batch is one short transaction in which every row is rewritten atomically with its
        new ``master_kid``: interrupted anywhere, every row is still wrapped under a key that
        exists, and a rerun continues with the rows left. Returns how many rows were re-wrapped.
        """
        done = 0
        while True:
            master_kid, master = self.ring.current()
            with self._connect() as conn:
                conn.execute("BEGIN IMMEDIATE")
                try:
                    rows = conn.execute(
                        "SELECT id, wrapped, master_kid FROM data_keys WHERE master_kid != ? "
                        "ORDER BY id LIMIT ?",
                        (master_kid, batch),
                    ).fetchall()
                    for key_id, wrapped, old_kid in rows:
                        key = unwrap_key(key_id, bytes(wrapped), old_kid, self.ring.get(old_kid))
                        conn.execute(
                            "UPDATE data_keys SET wrapped = ?, master_kid = ? WHERE id = ?",
                            (wrap_key(key_id, key, master_kid, master), master_kid, key_id),
                        )
                    remaining = conn.execute(
                        "SELECT count(*) FROM data_keys WHERE master_kid != ?", (master_kid,)
                    ).fetchone()[0]
                    conn.execute("COMMIT")
                except BaseException:
                    conn.execute("ROLLBACK")
                    raise
            done += len(rows)
            if progress is not None and rows:
                progress(RewrapProgress(done, int(remaining)))
            if not rows or not remaining:
                return done
