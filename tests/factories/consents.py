"""Consents, two ways.

Stored: ``stored_consent``, ``amend`` and ``revoke`` write rows straight into the consent
tables, exactly as the consents feature stores them (a consent, its versions, a
``consent_purposes`` row per purpose, an evidence hash), and revoke the way its service does:
``revoked_at`` on the version and the ``consent_ended`` signal for every version of the consent,
in the same transaction. The gate and the reminders only read these tables, so their tests use
these and do not depend on the consents service.

Recorded: ``recorded_consent`` goes through ``consents.record_consent`` (validation, audit, a
signed receipt); ``consent_body`` is what the API takes, and ``api_record`` posts it.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from flask.testing import FlaskClient
from sqlalchemy import select

from registry.accounts.models import User
from registry.consents import services as consents
from registry.consents.models import Consent, ConsentPurpose, ConsentVersion
from registry.core.clock import utcnow
from registry.core.ids import new_id
from registry.core.signals import consent_ended
from registry.extensions import db
from registry.performers.models import Performer
from registry.productions.models import Production
from tests.factories.documents import sha256_of, unique_pdf
from tests.factories.web import bearer

EVIDENCE = "e" * 64


# -- stored: rows written as the consents feature writes them -----------------------------------


def stored_consent(
    performer: Performer,
    production: Production,
    purposes: Iterable[str],
    media: Iterable[str] = ("likeness", "voice", "performance"),
    *,
    description: str = "Digital double for the harbour stunt sequence, scenes 12-14",
    evidence_sha256: str | None = EVIDENCE,
    guild_compliant: bool = True,
    signed_by: str | None = None,
    effective_from: datetime | None = None,
    expires_at: datetime | None = None,
    revoked_at: datetime | None = None,
    restrictions: str | None = None,
) -> ConsentVersion:
    """A committed consent (version 1), stored the way the consents feature stores it."""
    now = utcnow()
    consent = Consent(
        id=new_id("cns"),
        performer_id=performer.id,
        production_id=production.id,
        current_version=1,
        created_at=now,
    )
    db.session.add(consent)
    db.session.flush()
    version = _version(
        consent,
        1,
        purposes=sorted(set(purposes)),
        media=sorted(set(media)),
        description=description,
        evidence_sha256=evidence_sha256,
        guild_compliant=guild_compliant,
        signed_by=signed_by or ("estate" if performer.deceased else "performer"),
        effective_from=effective_from or now - timedelta(days=1),
        expires_at=expires_at or now + timedelta(days=365),
        revoked_at=revoked_at,
        restrictions=restrictions,
    )
    db.session.commit()
    return version


def _version(consent: Consent, number: int, **fields: Any) -> ConsentVersion:
    version = ConsentVersion(
        id=new_id("cnv"),
        consent_id=consent.id,
        version=number,
        performer_id=consent.performer_id,
        production_id=consent.production_id,
        signed_at=utcnow(),
        created_at=utcnow(),
        **fields,
    )
    db.session.add(version)
    db.session.flush()
    for purpose in fields["purposes"]:
        db.session.add(
            ConsentPurpose(
                version_id=version.id,
                purpose=purpose,
                performer_id=consent.performer_id,
                production_id=consent.production_id,
            )
        )
    db.session.flush()
    return version


def current_version(consent_id: str) -> ConsentVersion:
    """The consent's current version."""
    consent = db.session.get(Consent, consent_id)
    assert consent is not None
    return (
        db.session.query(ConsentVersion)
        .filter_by(consent_id=consent_id, version=consent.current_version)
        .one()
    )


def amend(version: ConsentVersion, **changes: Any) -> ConsentVersion:
    """A committed new version superseding ``version``, with ``changes`` (what the consents
    feature's amend does); every other field is carried over."""
    consent = db.session.get(Consent, version.consent_id)
    assert consent is not None
    fields = {
        name: getattr(version, name)
        for name in (
            "purposes",
            "media",
            "description",
            "evidence_sha256",
            "guild_compliant",
            "signed_by",
            "effective_from",
            "expires_at",
            "restrictions",
        )
    }
    fields.update(changes)
    version.superseded_at = utcnow()
    consent.current_version = version.version + 1
    new = _version(consent, version.version + 1, **fields)
    db.session.commit()
    return new


def revoke(version: ConsentVersion, *, reason: str = "performer withdrew") -> ConsentVersion:
    """Revoke as the consents service does: stamp the version and send ``consent_ended`` for
    every version of its consent, in one commit."""
    at = utcnow()
    version.revoked_at = at
    version.revocation_reason = reason
    db.session.flush()
    version_ids = list(
        db.session.scalars(
            select(ConsentVersion.id).where(ConsentVersion.consent_id == version.consent_id)
        )
    )
    consent_ended.send(None, version_ids=version_ids, reason="revoked", at=at, actor_id=None)
    db.session.commit()
    return version


# -- recorded: through the consents service or its API ------------------------------------------


def iso(delta: timedelta = timedelta()) -> str:
    """Now plus ``delta``, as the API writes a time."""
    return (utcnow() + delta).isoformat()


def consent_body(performer_id: str, production_id: str, **overrides: Any) -> dict[str, Any]:
    """What a talent rep sends to record a consent (evidence of its own, expiring in a year)."""
    body: dict[str, Any] = {
        "performer_id": performer_id,
        "production_id": production_id,
        "purposes": ["digital_replica"],
        "media": ["likeness", "voice"],
        "description": "Digital replica of the face and voice for the rooftop chase in episode 3",
        "signed_by": "performer",
        "signed_at": iso(-timedelta(days=2)),
        "evidence_sha256": sha256_of(unique_pdf()),
        "guild_compliant": True,
        "restrictions": "No use in marketing material.",
        "expires_at": iso(timedelta(days=365)),
    }
    body.update(overrides)
    return body


def recorded_consent(
    rep: User | None, performer_id: str, production_id: str, **overrides: Any
) -> ConsentVersion:
    """A committed consent recorded through the service with already-typed fields."""
    data = consent_body(performer_id, production_id)
    data["signed_at"] = utcnow() - timedelta(days=2)
    data["expires_at"] = utcnow() + timedelta(days=365)
    data["effective_from"] = None
    data.update(overrides)
    version = consents.record_consent(data, actor=rep)
    db.session.commit()
    return version


def api_record(
    client: FlaskClient, token: str, performer_id: str, production_id: str, **overrides: Any
) -> dict[str, Any]:
    """A consent recorded through ``POST /api/v1/consents``; the answer's body."""
    response = client.post(
        "/api/v1/consents",
        json=consent_body(performer_id, production_id, **overrides),
        headers=bearer(token),
    )
    assert response.status_code == 201, response.json
    assert response.json is not None
    return dict(response.json)
