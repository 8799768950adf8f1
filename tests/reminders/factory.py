"""Performers and consents for the reminder tests, written straight into the consent tables.

These tests must not depend on the consent service, so this does what it does at the row level:
a consent with version 1; an amendment adds version + 1 and stamps ``superseded_at`` on the old
one; a revocation stamps ``revoked_at`` and sends ``consent_ended`` in the same transaction.
"""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta

from registry.accounts import services as accounts
from registry.accounts.models import User
from registry.consents.models import Consent, ConsentPurpose, ConsentVersion
from registry.core.clock import utcnow
from registry.core.ids import new_id
from registry.core.signals import consent_ended
from registry.extensions import db
from registry.performers.models import Performer, PerformerRepresentative
from registry.productions.models import Production


def quick_user(role: str, email: str | None = None) -> User:
    """A committed user without password or token (no Argon2 hashing: fast in bulk)."""
    user = accounts.create_user(
        email or f"{role}-{secrets.token_hex(5)}@example.test", role, role.title(), actor_id=None
    )
    db.session.commit()
    return user


def make_performer(name: str | None = None, *, reps: tuple[User, ...] = ()) -> Performer:
    performer = Performer(
        id=new_id("prf"),
        professional_name=name or f"Performer {secrets.token_hex(3)}",
        guild=None,
        deceased=False,
        data_key_id=new_id("dk"),
        created_at=utcnow(),
    )
    db.session.add(performer)
    db.session.flush()
    for user in reps:
        db.session.add(PerformerRepresentative(performer_id=performer.id, user_id=user.id))
    db.session.commit()
    return performer


def _version_row(
    consent: Consent, number: int, expires_at: datetime, now: datetime, purposes: list[str]
) -> ConsentVersion:
    version = ConsentVersion(
        id=new_id("cnv"),
        consent_id=consent.id,
        version=number,
        performer_id=consent.performer_id,
        production_id=consent.production_id,
        purposes=purposes,
        media=["likeness"],
        description="Digital double for the rooftop chase, scenes 41-44.",
        signed_by="performer",
        signed_at=now,
        evidence_sha256="ab" * 32,
        guild_compliant=True,
        restrictions="Never in advertising. Private restriction text.",
        effective_from=now,
        expires_at=expires_at,
        created_at=now,
    )
    db.session.add(version)
    db.session.flush()
    db.session.add_all(
        ConsentPurpose(
            version_id=version.id,
            purpose=p,
            performer_id=consent.performer_id,
            production_id=consent.production_id,
        )
        for p in purposes
    )
    return version


def make_consent(
    performer: Performer | str,
    production: Production | str,
    expires_at: datetime,
    *,
    purposes: tuple[str, ...] = ("digital_replica",),
) -> ConsentVersion:
    """A consent (version 1), effective now; committed. Takes rows or their ids."""
    now = utcnow()
    consent = Consent(
        id=new_id("cns"),
        performer_id=performer if isinstance(performer, str) else performer.id,
        production_id=production if isinstance(production, str) else production.id,
        current_version=1,
        created_at=now,
    )
    db.session.add(consent)
    db.session.flush()
    version = _version_row(consent, 1, expires_at, now, list(purposes))
    db.session.commit()
    return version


def current(consent_id: str) -> ConsentVersion:
    consent = db.session.get(Consent, consent_id)
    assert consent is not None
    return (
        db.session.query(ConsentVersion)
        .filter_by(consent_id=consent_id, version=consent.current_version)
        .one()
    )


def amend(consent_id: str, *, expires_at: datetime | None = None) -> ConsentVersion:
    """A new version superseding the current one (same expiry unless given); committed."""
    now = utcnow()
    consent = db.session.get(Consent, consent_id)
    assert consent is not None
    old = current(consent_id)
    old.superseded_at = now
    consent.current_version = old.version + 1
    db.session.flush()
    version = _version_row(
        consent, old.version + 1, expires_at or old.expires_at, now, list(old.purposes)
    )
    db.session.commit()
    return version


def revoke(consent_id: str, reason: str = "Performer withdrew, private details") -> ConsentVersion:
    """Revoke now and send ``consent_ended`` in the same transaction; committed."""
    now = utcnow()
    version = current(consent_id)
    version.revoked_at = now
    version.revocation_reason = reason
    db.session.flush()
    all_versions = [
        v.id for v in db.session.query(ConsentVersion).filter_by(consent_id=consent_id).all()
    ]
    consent_ended.send(None, version_ids=all_versions, reason="revoked", at=now, actor_id=None)
    db.session.commit()
    return version


def days(n: float) -> timedelta:
    return timedelta(days=n)
