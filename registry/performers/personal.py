"""Sealing and opening a performer's personal data under the performer's own data key.

Every ciphertext is bound to its table, column and row (AES-GCM associated data) and names the
data key it needs. Once the key is destroyed (erasure), nothing sealed under it opens again:
``reveal`` answers None and ``open_bytes`` raises ``KeyDestroyed``, in this database and in any
copy of it.
"""

from __future__ import annotations

import logging

from registry.core.crypto import (
    DecryptionError,
    KeyDestroyed,
    decrypt_field,
    encrypt_field,
    field_aad,
)
from registry.performers.keystore import key_store
from registry.performers.models import Performer

log = logging.getLogger("registry.performers")
PERSONAL_FIELDS = ("legal_name", "email", "phone")
TABLE = "performers"


def seal_bytes(data_key_id: str, table: str, column: str, row_id: str, value: bytes) -> bytes:
    key = key_store().get_key(data_key_id)
    return encrypt_field(data_key_id, key, value, field_aad(table, column, row_id))


def open_bytes(data_key_id: str, table: str, column: str, row_id: str, ciphertext: bytes) -> bytes:
    """Decrypt a ciphertext that must be under ``data_key_id`` (the row owner's key)."""

    def key_for(kid: str) -> bytes:
        if kid != data_key_id:
            raise DecryptionError("ciphertext is under another performer's data key")
        return key_store().get_key(kid)

    return decrypt_field(ciphertext, key_for, field_aad(table, column, row_id))


def seal(performer: Performer, values: dict[str, str | None]) -> None:
    """Encrypt the given personal fields (None clears one) into the performer's row."""
    key = key_store().get_key(performer.data_key_id)
    for name, value in values.items():
        if name not in PERSONAL_FIELDS:
            raise ValueError(f"{name} is not a personal field")
        column = f"{name}_ct"
        ciphertext = (
            None
            if value is None
            else encrypt_field(
                performer.data_key_id,
                key,
                value.encode(),
                field_aad(TABLE, column, performer.id),
            )
        )
        setattr(performer, column, ciphertext)


def reveal(performer: Performer) -> dict[str, str | None] | None:
    """The performer's personal fields in clear, or None once erased (key destroyed)."""
    if performer.erased_at is not None:
        return None
    try:
        key = key_store().get_key(performer.data_key_id)
    except KeyDestroyed:
        return None
    out: dict[str, str | None] = {}
    for name in PERSONAL_FIELDS:
        column = f"{name}_ct"
        ciphertext = getattr(performer, column)
        if ciphertext is None:
            out[name] = None
            continue

        def key_for(kid: str) -> bytes:
            if kid != performer.data_key_id:
                raise DecryptionError("ciphertext is under another performer's data key")
            return key

        try:
            out[name] = decrypt_field(
                bytes(ciphertext), key_for, field_aad(TABLE, column, performer.id)
            ).decode()
        except DecryptionError as exc:
            # Tampered with, or copied from another row or column: shown as absent, logged
            # with ids only (never the value).
            log.error("%s.%s of %s does not decrypt: %s", TABLE, column, performer.id, exc)
            out[name] = None
    return out
