"""Consent receipts and termination receipts: compact JWS (EdDSA) with the registry's keys.

The payload names the performer by id and professional name only (never personal data), the
production, purposes, media, description, validity, version, status and evidence hash. The
payload is built here; the receipt is signed by ``registry.receipts`` when the version is
recorded (an import's workers sign as they build each row) and verifies with
``verify_receipt`` or ``flask receipts verify`` against the JWKS.
"""

from __future__ import annotations

from datetime import datetime
from functools import lru_cache
from typing import Any

from registry.appctx import setting
from registry.consents.status import status_of
from registry.core.clock import as_utc


@lru_cache(maxsize=4096)
def iso(value: datetime | None) -> str | None:
    """ISO 8601 in UTC (remembered: an import repeats the same times on many rows)."""
    return as_utc(value).isoformat() if value is not None else None


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
