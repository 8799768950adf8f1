"""Stored API answers that hold a performer's personal fields are sealed under that
performer's data key (``web/idempotency.py`` keeps answers for retries): erasing the performer
makes them unreadable like every other copy of the personal data.

May import: ``core``, ``extensions``, ``web`` (and the performers feature itself).
"""

from __future__ import annotations

from typing import Any

from registry.core.crypto import KeyDestroyed
from registry.extensions import db
from registry.performers.models import Performer
from registry.performers.personal import PERSONAL_FIELDS, open_bytes, seal_bytes
from registry.web.idempotency import SEALERS, TABLE, Sealer


def _key_for(path: str, answer: Any) -> str | None:
    """The data key an answer needs: a performer's, when it carries their personal fields."""
    if not isinstance(answer, dict) or not any(answer.get(f) for f in PERSONAL_FIELDS):
        return None
    performer_id = answer.get("id") if path.startswith("/api/v1/performers") else None
    performer_id = performer_id or answer.get("performer_id")
    performer = db.session.get(Performer, performer_id) if performer_id else None
    if performer is None:
        raise LookupError("an answer with personal fields names no performer")
    return performer.data_key_id


def _encrypt(data_key_id: str, row_id: str, body: bytes) -> bytes:
    return seal_bytes(data_key_id, TABLE, "body", row_id, body)


def _decrypt(data_key_id: str, row_id: str, body: bytes) -> bytes:
    try:
        return open_bytes(data_key_id, TABLE, "body", row_id, body)
    except KeyDestroyed as exc:
        raise LookupError("erased") from exc


SEALERS.append(Sealer(_key_for, _encrypt, _decrypt))
