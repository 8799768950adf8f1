"""A consent receipt checked for its page: the signature verified with the registry's one
verifier (``receipts.verify``) against the published keys, and what the payload says, its
times read back as datetimes. A receipt that does not verify is shown as such, with why, and
its unverified content is not presented as fact."""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from registry.receipts.verify import verify_receipt

TIMES = ("signed_at", "valid_from", "valid_until", "issued_at", "revoked_at")


@dataclass(frozen=True)
class Checked:
    valid: bool
    reason: str
    key_id: str | None
    algorithm: str | None
    payload: dict[str, Any]


def _header(token: str) -> dict[str, Any]:
    try:
        part = token.split(".", 1)[0]
        header = json.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)))
    except ValueError:
        return {}
    return header if isinstance(header, dict) else {}


def checked(token: str) -> Checked:
    header = _header(token)
    try:
        payload = verify_receipt(token)
    except ValueError as exc:
        return Checked(False, str(exc), header.get("kid"), header.get("alg"), {})
    for name in TIMES:
        if isinstance(payload.get(name), str):
            payload[name] = datetime.fromisoformat(payload[name])
    return Checked(True, "", header.get("kid"), header.get("alg"), payload)
