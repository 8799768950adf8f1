"""Evidence documents: the signed consent (PDF or image), checked and hashed on upload
(``web.uploads``: the type from the file's bytes, the size bounded), stored encrypted. The content
and the original file name are sealed under the performer's data key, so erasing the performer
makes them unreadable everywhere. A document belongs to a consent when its SHA-256 is the
evidence hash recorded on one of the consent's versions.
"""

from __future__ import annotations

import logging

from flask import Response
from sqlalchemy import select

from registry.audit.trail import record
from registry.consents.models import Consent, ConsentVersion, EvidenceDocument
from registry.core.clock import utcnow
from registry.core.crypto import DecryptionError, KeyDestroyed
from registry.core.errors import Conflict, Invalid, NotFound
from registry.core.ids import new_id
from registry.extensions import db
from registry.performers.models import Performer
from registry.performers.personal import open_bytes, seal_bytes
from registry.web.uploads import ALLOWED_TYPES, Upload

TABLE = "evidence_documents"


def store(performer: Performer, upload: Upload, *, actor_id: str | None) -> EvidenceDocument:
    """Keep the document encrypted (once per performer and hash)."""
    existing = db.session.execute(
        select(EvidenceDocument).where(
            EvidenceDocument.performer_id == performer.id,
            EvidenceDocument.sha256 == upload.sha256,
            EvidenceDocument.content_ct.is_not(None),
        )
    ).scalar_one_or_none()
    if existing is not None:
        return existing
    if performer.erased_at is not None:
        raise Invalid("Some fields are invalid.", {"file": ["This performer's record was erased."]})
    doc_id = new_id("doc")
    key_id = performer.data_key_id
    doc = EvidenceDocument(
        id=doc_id,
        performer_id=performer.id,
        sha256=upload.sha256,
        content_type=upload.content_type,
        size=len(upload.data),
        content_ct=seal_bytes(key_id, TABLE, "content_ct", doc_id, upload.data),
        filename_ct=seal_bytes(key_id, TABLE, "filename_ct", doc_id, upload.filename.encode()),
        uploaded_by=actor_id,
        created_at=utcnow(),
    )
    db.session.add(doc)
    db.session.flush()
    record(
        "evidence.stored",
        "performer",
        performer.id,
        {"document_id": doc_id, "sha256": upload.sha256, "size": len(upload.data)},
        actor_id=actor_id,
    )
    return doc


def attach(
    consent: Consent, upload: Upload, *, actor_id: str | None
) -> tuple[EvidenceDocument, ConsentVersion]:
    """Store the document of a consent: its hash must be one a version recorded."""
    version = db.session.execute(
        select(ConsentVersion)
        .where(
            ConsentVersion.consent_id == consent.id, ConsentVersion.evidence_sha256 == upload.sha256
        )
        .order_by(ConsentVersion.version.desc())
        .limit(1)
    ).scalar_one_or_none()
    if version is None:
        raise Invalid(
            "Some fields are invalid.",
            {
                "file": [
                    "This document's SHA-256 is not the evidence hash of any version "
                    "of this consent."
                ]
            },
        )
    performer = db.session.get(Performer, consent.performer_id)
    assert performer is not None
    return store(performer, upload, actor_id=actor_id), version


def document_for(version: ConsentVersion) -> EvidenceDocument:
    doc = db.session.execute(
        select(EvidenceDocument)
        .where(
            EvidenceDocument.performer_id == version.performer_id,
            EvidenceDocument.sha256 == (version.evidence_sha256 or ""),
        )
        .order_by(EvidenceDocument.created_at)
        .limit(1)
    ).scalar_one_or_none()
    if doc is None:
        raise NotFound("No document was uploaded for this version.")
    return doc


def content(doc: EvidenceDocument) -> bytes:
    """The document's bytes in clear; NotFound once the performer was erased."""
    performer = db.session.get(Performer, doc.performer_id)
    if doc.content_ct is None or performer is None or performer.erased_at is not None:
        raise NotFound("This document was erased.")
    try:
        return open_bytes(performer.data_key_id, TABLE, "content_ct", doc.id, bytes(doc.content_ct))
    except KeyDestroyed as exc:
        raise NotFound("This document was erased.") from exc
    except DecryptionError as exc:
        # Tampered, moved to another row, or its key is missing: say so, never a 500.
        logging.getLogger(__name__).error("evidence document %s does not decrypt", doc.id)
        raise Conflict("This document cannot be read (it does not decrypt).") from exc


def download_name(version: ConsentVersion, doc: EvidenceDocument) -> str:
    """A file name that says what it is without any personal data."""
    extension = ALLOWED_TYPES.get(doc.content_type, "bin")
    return f"consent-{version.consent_id}-v{version.version}-evidence.{extension}"


def download(version: ConsentVersion) -> Response:
    """The version's document as an attachment (NotFound when none was uploaded or erased)."""
    doc = document_for(version)
    response = Response(content(doc), mimetype=doc.content_type)
    response.headers["Content-Disposition"] = (
        f'attachment; filename="{download_name(version, doc)}"'
    )
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "private, no-store"
    return response
