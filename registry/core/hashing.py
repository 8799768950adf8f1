"""Content hashing used by the audit trail and receipts: canonical JSON, SHA-256.

Canonical JSON is written by orjson (about 8 times faster than the ``json`` module here, which
matters when an import hashes a receipt payload per row). Its bytes are those of
``json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)``
encoded as UTF-8 for strings, integers, booleans, None, lists, tuples, dicts and date-times
(``tests/core/test_hashing.py`` checks that with generated values), so nothing hashed or
signed before changes. Whatever else orjson would write differently goes through the ``json``
module: integers beyond 64 bits, keys that are not strings, and every type orjson would hand
to ``default`` (named tuples, decimals, dataclasses...). Two differences remain, for values the
registry never hashes: a plain ``Enum`` member is written as its value (``json``: ``str()`` of
it), and floats use orjson's forms (``1e-05`` is ``0.00001``; NaN and infinities are ``null``).
"""

from __future__ import annotations

import hashlib
import json
from datetime import date, datetime, time
from typing import Any

import orjson

_OPTIONS = orjson.OPT_SORT_KEYS | orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_PASSTHROUGH_DATACLASS


def _default(value: Any) -> str:
    """Date-times as ``str(value)``, as the ``json`` module's ``default=str`` writes them; any
    other type is refused, so that the ``json`` module writes it as it always did."""
    if isinstance(value, datetime | date | time):
        return str(value)
    raise TypeError


def canonical_json(value: Any) -> bytes:
    """Deterministic JSON: sorted keys, no spaces, UTF-8, datetimes as ``str(value)``."""
    try:
        return orjson.dumps(value, default=_default, option=_OPTIONS)
    except orjson.JSONEncodeError:
        return json.dumps(
            value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str
        ).encode()


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def content_hash(value: Any) -> str:
    return sha256_hex(canonical_json(value))
