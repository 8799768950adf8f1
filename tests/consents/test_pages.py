"""The talent rep's pages: performers, recording with the signed document, timeline, amend,
revoke with confirmation, expiring consents, downloads."""

from __future__ import annotations

import io
import re
from datetime import timedelta
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from registry.consents.models import Consent, ConsentVersion, EvidenceDocument
from registry.core.clock import utcnow
from registry.extensions import db
from registry.performers.models import Performer
from registry.receipts.verify import verify_receipt
from tests.factories import (
    PDF,
    csrf_token,
    login,
    make_production,
    make_user,
    performer_with_personal_data,
    recorded_consent,
    sha256_of,
    unique_pdf,
)


def _local(delta: timedelta) -> str:
    return (utcnow() + delta).strftime("%Y-%m-%dT%H:%M")


def _consent_form(
    client: FlaskClient, path: str, production_id: str, document: bytes, **over: object
) -> dict[str, object]:
    data: dict[str, object] = {
        "csrf_token": csrf_token(client, path),
        "production_id": production_id,
        "purposes": ["digital_replica", "synthetic_voice"],
        "media": ["likeness", "voice"],
        "description": "Replica of face and voice for the ADR pick-ups of episode 4, scene 12",
        "restrictions": "Not for trailers.",
        "guild_compliant": "y",
        "signed_by": "performer",
        "signed_at": _local(-timedelta(days=1)),
        "expires_at": _local(timedelta(days=200)),
        "evidence": (io.BytesIO(document), "signed consent.pdf"),
    }
    data.update(over)
    return data


def test_a_rep_adds_a_performer_and_finds_them_by_name(ctx: Flask, client: FlaskClient) -> None:
    rep, _ = make_user("talent_rep")
    login(client, rep)
    form = {
        "csrf_token": csrf_token(client, "/performers/new"),
        "legal_name": "Olu Adeyemi",
        "professional_name": "Olu Stage",
        "email": "olu@example.test",
        "phone": "+234 1 555 0101",
        "guild": "Equity",
    }
    created = client.post("/performers/new", data=form)
    assert created.status_code == 302
    page = client.get(created.headers["Location"]).get_data(as_text=True)
    assert "Olu Stage" in page and "Olu Adeyemi" in page and "olu@example.test" in page
    found = client.get("/performers?q=adeye").get_data(as_text=True)
    assert "Olu Stage" in found
    assert "Olu Stage" not in client.get("/performers?q=nobody").get_data(as_text=True)
    bad = client.post(
        "/performers/new",
        data={"csrf_token": csrf_token(client, "/performers/new"), "email": "nope"},
    )
    assert bad.status_code == 422
    text = bad.get_data(as_text=True)
    assert text.count('class="field-error"') >= 3  # legal name, professional name, e-mail


def test_record_with_upload_then_timeline_amend_revoke_and_downloads(
    ctx: Flask, client: FlaskClient
) -> None:
    rep, _ = make_user("talent_rep")
    production = make_production("TL-01")
    performer = performer_with_personal_data(rep, professional_name="Timeline Star")
    login(client, rep)
    path = f"/performers/{performer.id}/consents/new"
    document = unique_pdf()
    response = client.post(
        path,
        data=_consent_form(client, path, production.id, document),
        content_type="multipart/form-data",
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    consent_path = response.headers["Location"]
    consent_id = consent_path.rsplit("/", 1)[1]
    version = db.session.execute(
        select(ConsentVersion).where(ConsentVersion.consent_id == consent_id)
    ).scalar_one()
    assert version.evidence_sha256 == sha256_of(document)  # hashed on the server
    stored = db.session.execute(
        select(EvidenceDocument).where(EvidenceDocument.sha256 == sha256_of(document))
    ).scalar_one()
    assert stored.content_ct is not None and document not in bytes(stored.content_ct)

    detail = client.get(consent_path).get_data(as_text=True)
    assert "badge active" in detail and "Consent receipt" in detail
    receipt = client.get(f"/consents/{consent_id}/versions/1/receipt")
    assert receipt.status_code == 200 and "attachment" in receipt.headers["Content-Disposition"]
    assert verify_receipt(receipt.get_data(as_text=True))["consent_id"] == consent_id
    downloaded = client.get(f"/consents/{consent_id}/versions/1/evidence")
    assert downloaded.status_code == 200 and downloaded.data == document
    assert downloaded.headers["Content-Type"] == "application/pdf"

    page = client.get(f"/performers/{performer.id}").get_data(as_text=True)
    svg = re.search(r"<svg.*?</svg>", page, re.S)
    assert svg is not None
    assert "TL-01 · digital replica" in svg.group(0) and "TL-01 · synthetic voice" in svg.group(0)
    assert 'class="today"' in svg.group(0) and svg.group(0).count('class="bar active"') == 2

    amend_path = f"/consents/{consent_id}/amend"
    assert "Timeline Star" in client.get(amend_path).get_data(as_text=True)
    new_doc = unique_pdf()
    amended = client.post(
        amend_path,
        data=_consent_form(
            client,
            amend_path,
            production.id,
            new_doc,
            purposes=["digital_replica"],
            effective_choice="keep",
        ),
        content_type="multipart/form-data",
    )
    assert amended.status_code == 302, amended.get_data(as_text=True)
    history = client.get(consent_path).get_data(as_text=True)
    assert "v2" in history and "badge superseded" in history

    revoke_path = f"/consents/{consent_id}/revoke"
    asked = client.post(
        revoke_path,
        data={
            "csrf_token": csrf_token(client, revoke_path),
            "reason": "Withdrawn by the performer",
        },
    )
    assert asked.status_code == 200 and "Yes, revoke this consent" in asked.get_data(as_text=True)
    still = db.session.execute(
        select(ConsentVersion).where(
            ConsentVersion.consent_id == consent_id, ConsentVersion.version == 2
        )
    ).scalar_one()
    assert still.revoked_at is None  # nothing happens before confirmation
    done = client.post(
        revoke_path,
        data={
            "csrf_token": csrf_token(client, revoke_path),
            "reason": "Withdrawn by the performer",
            "confirm": "yes",
        },
    )
    assert done.status_code == 302
    after = client.get(consent_path).get_data(as_text=True)
    assert "badge revoked" in after and "Termination receipt" in after
    termination = client.get(f"/consents/{consent_id}/versions/2/receipt?kind=termination")
    assert verify_receipt(termination.get_data(as_text=True))["typ"] == "consent-termination"
    assert client.get(amend_path).status_code == 200
    refused = client.post(
        amend_path,
        data=_consent_form(client, amend_path, production.id, unique_pdf()),
        content_type="multipart/form-data",
    )
    assert refused.status_code == 409


def test_invalid_consent_form_names_the_fields_and_saves_nothing(
    ctx: Flask, client: FlaskClient
) -> None:
    rep, _ = make_user("talent_rep")
    production = make_production()
    performer = performer_with_personal_data(rep, deceased=True)
    login(client, rep)
    path = f"/performers/{performer.id}/consents/new"
    before = db.session.execute(select(func.count()).select_from(Consent)).scalar_one()
    docs = db.session.execute(select(func.count()).select_from(EvidenceDocument)).scalar_one()
    response = client.post(
        path,
        data=_consent_form(
            client,
            path,
            production.id,
            b"plain text pretending to be a PDF",
            description="short",
            purposes=[],
            expires_at="",
        ),
        content_type="multipart/form-data",
    )
    assert response.status_code == 422
    text = response.get_data(as_text=True)
    for name in ("evidence", "description", "purposes", "signed_by", "expires_at"):
        assert f'id="{name}-error"' in text, name
    assert db.session.execute(select(func.count()).select_from(Consent)).scalar_one() == before
    assert (
        db.session.execute(select(func.count()).select_from(EvidenceDocument)).scalar_one() == docs
    )


def _amend_page(client: FlaskClient, **consent: Any) -> tuple[ConsentVersion, str, str]:
    """A rep signed in, their performer's consent; its version, amend page and production."""
    rep, _ = make_user("talent_rep")
    production = make_production()
    performer = performer_with_personal_data(rep)
    first = recorded_consent(rep, performer.id, production.id, **consent)
    login(client, rep)
    return first, f"/consents/{first.consent_id}/amend", production.id


def test_a_refused_amendment_names_every_bad_field_and_saves_nothing(
    ctx: Flask, client: FlaskClient
) -> None:
    first, path, production_id = _amend_page(client)
    data = _consent_form(
        client,
        path,
        production_id,
        b"",
        evidence_sha256="not a hash",  # a field's own format
        signed_at=_local(timedelta(days=3)),  # checks on the fields together
        signed_by="estate",
        expires_at=_local(-timedelta(hours=1)),
    )
    del data["evidence"]
    response = client.post(path, data=data, content_type="multipart/form-data")
    assert response.status_code == 422
    text = response.get_data(as_text=True)
    for name in ("evidence_sha256", "signed_at", "signed_by", "expires_at"):
        assert f'id="{name}-error"' in text, name
    versions = db.session.execute(
        select(func.count())
        .select_from(ConsentVersion)
        .where(ConsentVersion.consent_id == first.consent_id)
    ).scalar_one()
    assert versions == 1


def test_an_amendment_page_does_not_judge_against_a_date_the_form_could_not_read(
    ctx: Flask, client: FlaskClient
) -> None:
    _, path, production_id = _amend_page(client, effective_from=utcnow() + timedelta(days=30))
    data = _consent_form(
        client,
        path,
        production_id,
        unique_pdf(),
        effective_from="2026-13-45T99:99",  # meant to start now
        expires_at=_local(timedelta(days=10)),  # after the start meant, before the one replaced
    )
    response = client.post(path, data=data, content_type="multipart/form-data")
    assert response.status_code == 422
    text = response.get_data(as_text=True)
    assert 'id="effective_from-error"' in text
    assert 'id="expires_at-error"' not in text


def test_expiring_page_lists_only_active_consents_in_the_window(
    ctx: Flask, client: FlaskClient
) -> None:
    rep, _ = make_user("talent_rep")
    other_rep, _ = make_user("talent_rep")
    production = make_production()
    mine = performer_with_personal_data(rep, professional_name="Soon Ending")
    theirs = performer_with_personal_data(other_rep, professional_name="Not Yours")
    recorded_consent(rep, mine.id, production.id, expires_at=utcnow() + timedelta(days=5))
    recorded_consent(rep, mine.id, production.id, expires_at=utcnow() + timedelta(days=45))
    recorded_consent(other_rep, theirs.id, production.id, expires_at=utcnow() + timedelta(days=5))
    login(client, rep)
    thirty = client.get("/consents/expiring?days=30").get_data(as_text=True)
    assert thirty.count("Soon Ending") == 1 and "Not Yours" not in thirty
    sixty = client.get("/consents/expiring?days=60").get_data(as_text=True)
    assert sixty.count("Soon Ending") == 2


def test_other_roles_have_no_rep_pages(ctx: Flask, client: FlaskClient) -> None:
    rep, _ = make_user("talent_rep")
    performer = performer_with_personal_data(rep)
    assert db.session.get(Performer, performer.id) is not None
    legal, _ = make_user("legal")
    login(client, legal)
    for path in ("/performers", f"/performers/{performer.id}", "/consents/expiring"):
        assert client.get(path).status_code == 403, path


def test_unused_pdf_constant_is_a_pdf() -> None:
    assert PDF.startswith(b"%PDF")
