"""Performers and consents inserted straight into their tables (not through their services).

The consent registry is built by someone else; the gate only reads its tables, so these
factories write rows exactly as that feature stores them (a consent, its versions, a
``consent_purposes`` row per purpose, an evidence hash), and revoke the way its service will:
``revoked_at`` on the current version and the ``consent_ended`` signal in the same transaction.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from flask import Flask
from flask.testing import FlaskClient

from registry.accounts.models import User
from registry.consents.models import Consent, ConsentPurpose, ConsentVersion
from registry.core.clock import utcnow
from registry.core.ids import new_id
from registry.core.signals import consent_ended
from registry.extensions import db
from registry.performers.models import Performer
from registry.productions.models import Production
from tests.factories import bearer, make_production, make_user

EVIDENCE = "e" * 64


def sha(label: str = "") -> str:
    """A well-formed SHA-256 hex digest (the content does not matter to the gate)."""
    return (secrets.token_hex(32) if not label else (label.encode().hex() * 64))[:64]


def make_performer(
    name: str | None = None, *, guild: str | None = None, deceased: bool = False
) -> Performer:
    performer = Performer(
        id=new_id("prf"),
        professional_name=name or f"Performer {secrets.token_hex(3)}",
        guild=guild,
        deceased=deceased,
        data_key_id=new_id("dk"),
        created_at=utcnow(),
    )
    db.session.add(performer)
    db.session.commit()
    return performer


def make_consent(
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
) -> ConsentVersion:
    """A consent (version 1), stored the way the consent registry stores it."""
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


def amend(version: ConsentVersion, **changes: Any) -> ConsentVersion:
    """A new version superseding ``version`` (what the consent registry's amend does)."""
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
        )
    }
    fields.update(changes)
    version.superseded_at = utcnow()
    consent.current_version = version.version + 1
    new = _version(consent, version.version + 1, **fields)
    db.session.commit()
    return new


def revoke(version: ConsentVersion, *, reason: str = "performer withdrew") -> None:
    """Revoke as the consent service will: stamp the version and send the signal, one commit."""
    at = utcnow()
    version.revoked_at = at
    version.revocation_reason = reason
    db.session.flush()
    consent_ended.send(None, version_ids=[version.id], reason="revoked", at=at, actor_id=None)
    db.session.commit()


class World:
    """A production with a member vfx_lead, legal, admin and an outsider vfx_lead."""

    def __init__(self, client: FlaskClient) -> None:
        self.client = client
        self.vfx, self.vfx_token = make_user("vfx_lead")
        self.outsider, self.outsider_token = make_user("vfx_lead")
        self.legal, self.legal_token = make_user("legal")
        self.admin, self.admin_token = make_user("admin")
        self.production = make_production(members=(self.vfx,))
        self.other = make_production(members=(self.vfx, self.outsider))
        self.pitch = make_production(kind="pitch", members=(self.vfx,))

    def post(self, path: str, body: dict[str, Any], token: str | None = None) -> Any:
        return self.client.post(path, json=body, headers=bearer(token or self.vfx_token))

    def get(self, path: str, token: str | None = None) -> Any:
        return self.client.get(path, headers=bearer(token or self.vfx_token))

    def ask(self, token: str | None = None, **body: Any) -> Any:
        """POST /api/v1/requests with defaults for this world's production."""
        body.setdefault("production_id", self.production.id)
        body.setdefault("media", ["likeness"])
        body.setdefault("description", "Scene 12: harbour stunt, wide shot")
        return self.post("/api/v1/requests", body, token)


def user_of(app: Flask, role: str) -> tuple[User, str]:
    with app.app_context():
        return make_user(role)
