"""Builders for consent tests: performers and consents made through the real API and services."""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta
from typing import Any

from flask.testing import FlaskClient

from registry.accounts.models import User
from registry.consents import services as consents
from registry.consents.models import ConsentVersion
from registry.core.clock import utcnow
from registry.extensions import db
from registry.performers import services as performers
from registry.performers.models import Performer
from tests.factories import bearer

# A minimal, valid one-page PDF (its type is recognised from the bytes).
PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
    b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 200 200]>>endobj\n"
    b"trailer<</Root 1 0 R>>\n%%EOF\n"
)
PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360000002000001e221bc330000000049454e44ae426082"
)


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def iso(delta: timedelta = timedelta()) -> str:
    return (utcnow() + delta).isoformat()


def unique_pdf() -> bytes:
    """A distinct PDF each call (so each consent has evidence of its own)."""
    return PDF + f"%{secrets.token_hex(8)}\n".encode()


def performer_body(**overrides: Any) -> dict[str, Any]:
    tag = secrets.token_hex(3)
    body: dict[str, Any] = {
        "legal_name": f"Legal Person {tag}",
        "professional_name": f"Stage Name {tag}",
        "email": f"person-{tag}@example.test",
        "phone": "+44 20 7946 0958",
        "guild": None,
        "deceased": False,
    }
    body.update(overrides)
    return body


def consent_body(performer_id: str, production_id: str, **overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "performer_id": performer_id,
        "production_id": production_id,
        "purposes": ["digital_replica"],
        "media": ["likeness", "voice"],
        "description": "Digital replica of the face and voice for the rooftop chase in episode 3",
        "signed_by": "performer",
        "signed_at": iso(-timedelta(days=2)),
        "evidence_sha256": sha(unique_pdf()),
        "guild_compliant": True,
        "restrictions": "No use in marketing material.",
        "expires_at": iso(timedelta(days=365)),
    }
    body.update(overrides)
    return body


def make_performer(rep: User | None, **overrides: Any) -> Performer:
    """A committed performer created by ``rep`` (who then represents them)."""
    performer = performers.create_performer(performer_body(**overrides), actor=rep)
    db.session.commit()
    return performer


def make_consent(
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


def api_create_performer(client: FlaskClient, token: str, **overrides: Any) -> dict[str, Any]:
    response = client.post(
        "/api/v1/performers", json=performer_body(**overrides), headers=bearer(token)
    )
    assert response.status_code == 201, response.json
    assert response.json is not None
    return dict(response.json)


def api_record(
    client: FlaskClient, token: str, performer_id: str, production_id: str, **overrides: Any
) -> dict[str, Any]:
    response = client.post(
        "/api/v1/consents",
        json=consent_body(performer_id, production_id, **overrides),
        headers=bearer(token),
    )
    assert response.status_code == 201, response.json
    assert response.json is not None
    return dict(response.json)
