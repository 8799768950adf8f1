"""Consents as the reminder tests need them: stored rows (``tests.factories.consents``) that
are effective now, expire when the test says, and carry private restriction text that no
reminder may repeat; amended and revoked by consent id. ``one_consent`` sets up a whole case.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import Flask

from registry.consents.models import ConsentVersion
from registry.core.clock import utcnow
from registry.extensions import db
from registry.performers.models import Performer
from registry.productions.models import Production
from tests.factories.accounts import make_user
from tests.factories.consents import amend, current_version, revoke, stored_consent
from tests.factories.performers import stored_performer
from tests.factories.productions import make_production


def days(n: float) -> timedelta:
    return timedelta(days=n)


def expiring_consent(
    performer: Performer | str,
    production: Production | str,
    expires_at: datetime,
    *,
    purposes: tuple[str, ...] = ("digital_replica",),
) -> ConsentVersion:
    """A committed consent (version 1), effective now, expiring at ``expires_at``; stored
    straight into the consent tables. Takes rows or their ids."""
    if isinstance(performer, str):
        found = db.session.get(Performer, performer)
        assert found is not None
        performer = found
    if isinstance(production, str):
        row = db.session.get(Production, production)
        assert row is not None
        production = row
    return stored_consent(
        performer,
        production,
        purposes,
        ("likeness",),
        description="Digital double for the rooftop chase, scenes 41-44.",
        evidence_sha256="ab" * 32,
        signed_by="performer",
        effective_from=utcnow(),
        expires_at=expires_at,
        restrictions="Never in advertising. Private restriction text.",
    )


def amend_consent(consent_id: str, *, expires_at: datetime | None = None) -> ConsentVersion:
    """A committed new version superseding the current one, effective now (same expiry unless
    given)."""
    changes: dict[str, datetime] = {"effective_from": utcnow()}
    if expires_at is not None:
        changes["expires_at"] = expires_at
    return amend(current_version(consent_id), **changes)


def revoke_consent(
    consent_id: str, reason: str = "Performer withdrew, private details"
) -> ConsentVersion:
    """Revoke the current version now and send ``consent_ended`` in the same transaction;
    committed."""
    return revoke(current_version(consent_id), reason=reason)


@dataclass
class Setup:
    rep_id: str
    rep_email: str
    vfx_id: str
    vfx_email: str
    production_id: str
    performer_id: str
    version_id: str
    consent_id: str


def one_consent(
    app: Flask,
    *,
    expires_in_days: float = 20,
    webhook_url: str | None = None,
    name: str = "Mara Quill",
) -> Setup:
    """A rep, a vfx lead member of one production, one performer, one consent; committed."""
    with app.app_context():
        rep, _ = make_user("talent_rep")
        vfx, _ = make_user("vfx_lead")
        production = make_production(members=(vfx,))
        if webhook_url:
            row = db.session.get(Production, production.id)
            assert row is not None
            row.webhook_url = webhook_url
            db.session.commit()
        performer = stored_performer(name, reps=(rep,))
        version = expiring_consent(performer, production, utcnow() + days(expires_in_days))
        setup = Setup(
            rep.id,
            rep.email,
            vfx.id,
            vfx.email,
            production.id,
            performer.id,
            version.id,
            version.consent_id,
        )
        db.session.remove()
    return setup
