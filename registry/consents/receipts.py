"""Consent receipts and termination receipts: compact JWS (EdDSA) with the registry's keys.

The payload names the performer by id and professional name only (never personal data), the
production, purposes, media, description, validity, version, status and evidence hash. The
token is the same format ``registry.receipts`` makes (header ``{"alg": "EdDSA", "kid", "typ"}``,
canonical JSON payload) and verifies with ``verify_receipt`` or ``flask receipts verify``
against the JWKS; it is signed here directly with the Ed25519 key because bulk imports sign
one receipt per consent and this path is several times faster.
"""

from __future__ import annotations

import base64
import json
from datetime import datetime
from functools import lru_cache
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from registry.appctx import setting, signing_keys
from registry.consents.status import status_of
from registry.core.clock import as_utc
from registry.core.hashing import canonical_json


class Signer:
    """Signs receipts with one Ed25519 key (picklable: bulk-import workers carry one)."""

    def __init__(self, kid: str, private_raw: bytes) -> None:
        self.kid = kid
        self.private_raw = private_raw
        self._key = Ed25519PrivateKey.from_private_bytes(private_raw)
        self._header = _b64(json.dumps({"alg": "EdDSA", "kid": kid, "typ": "JWT"}).encode())

    @classmethod
    def current(cls) -> Signer:
        keys = signing_keys()
        raw = keys.private[keys.current_kid].private_bytes(
            serialization.Encoding.Raw,
            serialization.PrivateFormat.Raw,
            serialization.NoEncryption(),
        )
        return cls(keys.current_kid, raw)

    def __reduce__(self) -> tuple[Any, ...]:
        return (Signer, (self.kid, self.private_raw))

    def __call__(self, payload: dict[str, Any]) -> str:
        signing_input = f"{self._header}.{_b64(canonical_json(payload))}"
        return f"{signing_input}.{_b64(self._key.sign(signing_input.encode()))}"


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


@lru_cache(maxsize=4096)
def iso(value: datetime | None) -> str | None:
    """ISO 8601 in UTC, so a receipt signed from the input and one signed later from the stored
    row are the same bytes (remembered: an import repeats the same times on many rows)."""
    return as_utc(value).isoformat() if value is not None else None


_SIGNERS: dict[str, Signer] = {}


def sign(payload: dict[str, Any]) -> str:
    """A compact JWS over the canonical JSON of ``payload`` with the current signing key."""
    kid = signing_keys().current_kid
    signer = _SIGNERS.get(kid)
    if signer is None:
        signer = _SIGNERS[kid] = Signer.current()
    return signer(payload)


def _subject(version: Any, professional_name: str, production: Any) -> dict[str, Any]:
    """Which version of which consent, for whom, where and for what: both receipts say it."""
    return {
        "consent_id": version.consent_id,
        "version": version.version,
        "version_id": version.id,
        "performer": {"id": version.performer_id, "professional_name": professional_name},
        "production": {"id": production.id, "code": production.code, "title": production.title},
        "purposes": list(version.purposes),
        "media": list(version.media),
    }


def recorded_status(version: Any) -> str:
    """The status the version had when it was recorded (what its receipt says): ``status_of``
    at its creation, when it was neither revoked nor superseded."""
    as_recorded = _AsRecorded(version.effective_from, version.expires_at)
    return status_of(as_recorded, as_utc(version.created_at))


class _AsRecorded:
    __slots__ = ("effective_from", "expires_at")
    revoked_at = superseded_at = None

    def __init__(self, effective_from: datetime, expires_at: datetime) -> None:
        self.effective_from = effective_from
        self.expires_at = expires_at


def consent_payload(
    version: Any,
    *,
    professional_name: str,
    production: Any,
    supersedes: str | None,
    issuer: str | None = None,
) -> dict[str, Any]:
    """What a consent receipt says about one version (``version``: a row or row-like object),
    as of its recording: the same whenever it is signed."""
    return {
        "typ": "consent",
        "iss": issuer or setting("BASE_URL"),
        **_subject(version, professional_name, production),
        "description": version.description,
        "restrictions": version.restrictions,
        "signed_by": version.signed_by,
        "signed_at": iso(version.signed_at),
        "guild_compliant": version.guild_compliant,
        "evidence_sha256": version.evidence_sha256,
        "valid_from": iso(version.effective_from),
        "valid_until": iso(version.expires_at),
        "status": recorded_status(version),
        "supersedes": supersedes,
        "issued_at": iso(version.created_at),
    }


def termination_payload(
    version: Any, *, professional_name: str, production: Any, at: datetime
) -> dict[str, Any]:
    """What a termination receipt says: which version ended, when, and why."""
    return {
        "typ": "consent-termination",
        "iss": setting("BASE_URL"),
        **_subject(version, professional_name, production),
        "evidence_sha256": version.evidence_sha256,
        "valid_from": iso(version.effective_from),
        "valid_until": iso(version.expires_at),
        "status": "revoked",
        "revoked_at": iso(at),
        "reason": version.revocation_reason,
        "issued_at": iso(at),
    }
