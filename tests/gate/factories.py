"""Performers and consents inserted straight into their tables (not through their services).

The consent registry is built by someone else; the gate only reads its tables, so these
factories write rows exactly as that feature stores them (a consent, its versions, a
``consent_purposes`` row per purpose, an evidence hash), and revoke the way its service will:
``revoked_at`` on the current version and the ``consent_ended`` signal in the same transaction.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from flask import Flask
from flask.testing import FlaskClient

from registry.accounts import services as accounts
from registry.accounts.models import User
from registry.consents.models import Consent, ConsentPurpose, ConsentVersion
from registry.core.clock import utcnow
from registry.core.ids import new_id
from registry.core.signals import consent_ended
from registry.extensions import db
from registry.performers.models import Performer
from registry.productions.models import Production
from tests.factories import bearer, make_production, make_user
from tests.gate.naming import assert_named, assert_texts_named

EVIDENCE = "e" * 64


def sha(label: str = "") -> str:
    """A well-formed SHA-256 hex digest: of ``label``, or random when none is given."""
    return hashlib.sha256(label.encode()).hexdigest() if label else secrets.token_hex(32)


def api_user(role: str) -> tuple[User, str]:
    """A committed user with an API token and no password (fast: no password hashing)."""
    user = accounts.create_user(
        f"{role}-{secrets.token_hex(4)}@example.test", role, role.title(), None, actor_id=None
    )
    token = accounts.issue_token(user, actor_id=None)
    db.session.commit()
    return user, token


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
    revoked_at: datetime | None = None,
    restrictions: str | None = None,
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
    """A production with a member vfx_lead, legal, admin and an outsider vfx_lead.

    ``check_names``: every decision read through ``ask`` or ``get`` is checked to name things
    as people know them (``tests.gate.naming``)."""

    check_names = False

    def __init__(self, client: FlaskClient) -> None:
        self.client = client
        self.vfx, self.vfx_token = api_user("vfx_lead")
        self.outsider, self.outsider_token = api_user("vfx_lead")
        self.legal, self.legal_token = api_user("legal")
        self.admin, self.admin_token = api_user("admin")
        self.production = make_production(members=(self.vfx,))
        self.other = make_production(members=(self.vfx, self.outsider))
        self.pitch = make_production(kind="pitch", members=(self.vfx,))

    def post(self, path: str, body: dict[str, Any], token: str | None = None) -> Any:
        answer = self.client.post(path, json=body, headers=bearer(token or self.vfx_token))
        self._check(answer)
        return answer

    def get(self, path: str, token: str | None = None) -> Any:
        answer = self.client.get(path, headers=bearer(token or self.vfx_token))
        self._check(answer)
        return answer

    def _check(self, answer: Any) -> None:
        """With ``check_names``: a decision answered, or a refusal's message and errors, name
        things as people know them."""
        body = answer.json if answer.is_json else None
        if not self.check_names or not isinstance(body, dict):
            return
        if "decision" in body:
            assert_named(body["decision"])
        if answer.status_code == 409:
            assert_texts_named([str(body.get("message", "")), str(body.get("errors") or "")])

    def ask(self, token: str | None = None, **body: Any) -> Any:
        """POST /api/v1/requests with defaults for this world's production."""
        body.setdefault("production_id", self.production.id)
        body.setdefault("media", ["likeness"])
        body.setdefault("description", "Scene 12: harbour stunt, wide shot")
        return self.post("/api/v1/requests", body, token)

    def label(self, production: Production) -> str:
        """A production as decisions name it."""
        return f"{production.code} ({production.title})"


def user_of(app: Flask, role: str) -> tuple[User, str]:
    with app.app_context():
        return make_user(role)


def replica_via_api(world: World, performer: Performer, media: list[str] | None = None) -> str:
    """A registered replica, made the only way there is: replica.create, approval, register."""
    media = media or ["likeness"]
    asked = world.ask(kind="replica.create", performer_id=performer.id, media=media)
    assert asked.status_code == 201, asked.json
    assert asked.json["decision"]["outcome"] == "escalate", asked.json
    approved = world.post(
        f"/api/v1/requests/{asked.json['id']}/approvals",
        {"note": "Signed replica rider on file", "evidence_sha256": sha()},
        world.legal_token,
    )
    assert approved.status_code == 201, approved.json
    made = world.post("/api/v1/replicas", {"request_id": asked.json["id"]})
    assert made.status_code == 201, made.json
    return str(made.json["id"])


def model_via_api(
    world: World,
    performers: list[Performer],
    *,
    sources: list[dict[str, str]] | None = None,
    production: Production | None = None,
) -> dict[str, Any]:
    body = {
        "name": "Harbour de-ageing model",
        "production_id": (production or world.production).id,
        "performer_ids": [p.id for p in performers],
        "training_sources": sources or [{"description": "dailies, own", "clearance": "owned"}],
        "scope": "De-ageing of the lead in flashback scenes 3-9",
        "fingerprint_sha256": sha(),
        "vendor": "Pixel Yard",
    }
    made = world.post("/api/v1/models", body)
    assert made.status_code == 201, made.json
    return dict(made.json)
