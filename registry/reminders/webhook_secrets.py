"""The productions' webhook HMAC secrets, kept encrypted at rest like the other secrets: each
under a data key of its own in the key store (never in the main database in clear), bound to
its row. ``seal`` makes a new secret's columns; ``reveal`` opens one for signing or for the
admin who shows it to the receiver's operator.

May import: ``core``, ``performers`` (the key store and sealing).
"""

from __future__ import annotations

import base64
import secrets
from typing import NamedTuple

from registry.performers.keystore import key_store
from registry.performers.personal import open_bytes, seal_bytes

TABLE = "webhook_secrets"
COLUMN = "secret_ct"


def new_secret() -> str:
    """A Standard Webhooks secret: ``whsec_`` and 24 random bytes in base64."""
    return "whsec_" + base64.b64encode(secrets.token_bytes(24)).decode()


class Sealed(NamedTuple):
    """The columns that keep a secret: its data key and ciphertext."""

    data_key_id: str
    secret_ct: bytes


def seal(production_id: str, secret: str) -> Sealed:
    key_id = key_store().create_key()
    return Sealed(key_id, seal_bytes(key_id, TABLE, COLUMN, production_id, secret.encode()))


def reveal(production_id: str, data_key_id: str, ciphertext: bytes) -> str:
    return open_bytes(data_key_id, TABLE, COLUMN, production_id, bytes(ciphertext)).decode()
