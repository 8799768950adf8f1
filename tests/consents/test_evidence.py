"""Evidence documents: checked from their bytes, size-limited, hashed on the server, stored
encrypted, downloadable only by those who may read the consent."""

from __future__ import annotations

import io
from collections.abc import Iterator

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from registry.audit.models import AuditEvent
from registry.consents.models import EvidenceDocument
from registry.extensions import db
from tests.factories import (
    PNG,
    bearer,
    make_production,
    make_user,
    performer_with_personal_data,
    recorded_consent,
    sha256_of,
    unique_pdf,
)


def _upload(
    client: FlaskClient, token: str, consent_id: str, data: bytes, name: str = "signed.pdf"
) -> object:
    return client.post(
        f"/api/v1/consents/{consent_id}/evidence",
        data={"file": (io.BytesIO(data), name)},
        headers=bearer(token),
    )


def _counts() -> tuple[int, int]:
    return (
        db.session.execute(select(func.count()).select_from(EvidenceDocument)).scalar_one(),
        db.session.execute(select(func.count()).select_from(AuditEvent)).scalar_one(),
    )


@pytest.fixture
def small_limit(app: Flask) -> Iterator[int]:
    old = app.config["MAX_UPLOAD_BYTES"]
    app.config["MAX_UPLOAD_BYTES"] = 2048
    yield 2048
    app.config["MAX_UPLOAD_BYTES"] = old


def test_upload_then_download_the_signed_document(ctx: Flask, client: FlaskClient) -> None:
    rep, token = make_user("talent_rep")
    document = unique_pdf()
    performer = performer_with_personal_data(rep)
    consent = recorded_consent(
        rep, performer.id, make_production().id, evidence_sha256=sha256_of(document)
    )
    response = _upload(client, token, consent.consent_id, document, "Maria Ortega - consent.pdf")
    assert response.status_code == 201, response.json  # type: ignore[attr-defined]
    body = response.json  # type: ignore[attr-defined]
    assert body["sha256"] == sha256_of(document) and body["content_type"] == "application/pdf"
    assert body["size"] == len(document) and body["version"] == 1
    stored = db.session.get(EvidenceDocument, body["id"])
    assert stored is not None and stored.content_ct is not None and stored.filename_ct is not None
    assert document not in bytes(stored.content_ct) and b"Maria" not in bytes(stored.filename_ct)
    download = client.get(f"/api/v1/consents/{consent.consent_id}/evidence", headers=bearer(token))
    assert download.status_code == 200 and download.data == document
    assert download.headers["Content-Type"] == "application/pdf"
    assert download.headers["X-Content-Type-Options"] == "nosniff"
    disposition = download.headers["Content-Disposition"]
    assert disposition.startswith("attachment;") and "Maria" not in disposition
    # Whoever may read the consent may download its evidence: legal checks what it covers.
    _, legal = make_user("legal")
    assert (
        client.get(f"/api/v1/consents/{consent.consent_id}/evidence", headers=bearer(legal)).data
        == document
    )
    _, lead = make_user("vfx_lead")
    refused = client.get(f"/api/v1/consents/{consent.consent_id}/evidence", headers=bearer(lead))
    assert refused.status_code == 403 and document not in refused.data
    _, other_rep = make_user("talent_rep")
    assert (
        client.get(
            f"/api/v1/consents/{consent.consent_id}/evidence", headers=bearer(other_rep)
        ).status_code
        == 404
    )
    _, vfx = make_user("vfx_lead")
    assert (
        client.get(
            f"/api/v1/consents/{consent.consent_id}/evidence", headers=bearer(vfx)
        ).status_code
        == 403
    )
    again = client.get(
        f"/api/v1/consents/{consent.consent_id}/evidence?version=2", headers=bearer(token)
    )
    assert again.status_code == 404


def test_images_are_accepted_too(ctx: Flask, client: FlaskClient) -> None:
    rep, token = make_user("talent_rep")
    performer = performer_with_personal_data(rep)
    consent = recorded_consent(
        rep, performer.id, make_production().id, evidence_sha256=sha256_of(PNG)
    )
    response = _upload(client, token, consent.consent_id, PNG, "scan.png")
    assert response.status_code == 201  # type: ignore[attr-defined]
    assert response.json["content_type"] == "image/png"  # type: ignore[attr-defined]


def test_refused_uploads_say_why_and_store_nothing(
    ctx: Flask, client: FlaskClient, small_limit: int
) -> None:
    rep, token = make_user("talent_rep")
    performer = performer_with_personal_data(rep)
    real = unique_pdf()
    consent = recorded_consent(
        rep, performer.id, make_production().id, evidence_sha256=sha256_of(real)
    )
    fake = b"MZ\x90\x00 this is an executable, named like a PDF"
    big = real + b"%" * small_limit
    before = _counts()
    cases = {
        "a PDF whose hash is not the consent's": (unique_pdf(), "evidence hash"),
        "content that is not a PDF or image": (fake, "Only PDF, PNG, JPEG or WebP"),
        "an empty file": (b"", "empty"),
        "a file over the limit": (big, f"larger than {small_limit} bytes"),
    }
    for label, (data, message) in cases.items():
        response = _upload(client, token, consent.consent_id, data)
        assert response.status_code == 422, label  # type: ignore[attr-defined]
        assert message in " ".join(response.json["errors"]["file"]), label  # type: ignore[attr-defined]
    missing = client.post(
        f"/api/v1/consents/{consent.consent_id}/evidence", data={}, headers=bearer(token)
    )
    assert missing.status_code == 422 and "file" in missing.json["errors"]  # type: ignore[index]
    assert _counts() == before


def test_a_document_that_does_not_decrypt_is_a_clear_error(ctx: Flask, client: FlaskClient) -> None:
    rep, token = make_user("talent_rep")
    document = unique_pdf()
    performer = performer_with_personal_data(rep)
    consent = recorded_consent(
        rep, performer.id, make_production().id, evidence_sha256=sha256_of(document)
    )
    uploaded = _upload(client, token, consent.consent_id, document)
    assert uploaded.status_code == 201  # type: ignore[attr-defined]
    stored = db.session.get(EvidenceDocument, uploaded.json["id"])  # type: ignore[attr-defined]
    assert stored is not None and stored.content_ct is not None
    tampered = bytearray(stored.content_ct)
    tampered[-1] ^= 1
    stored.content_ct = bytes(tampered)
    db.session.commit()
    response = client.get(f"/api/v1/consents/{consent.consent_id}/evidence", headers=bearer(token))
    assert response.status_code == 409
    assert response.json is not None and "does not decrypt" in response.json["message"]
