"""Signed approval documents: uploaded with an approval (on the pages), hashed on the server
(``web.uploads``), and kept encrypted under a data key of their own, so that a document can be
shredded alone. The approval records the document's SHA-256 as its evidence; the API takes the
hash of a document kept elsewhere.
"""

from __future__ import annotations

import logging

from flask import Response

from registry.approvals.models import ApprovalDocument
from registry.audit.trail import record
from registry.core.clock import utcnow
from registry.core.crypto import DecryptionError, KeyDestroyed
from registry.core.errors import Conflict, NotFound
from registry.core.ids import new_id
from registry.extensions import db
from registry.performers.keystore import key_store
from registry.performers.personal import open_bytes, seal_bytes
from registry.web.uploads import ALLOWED_TYPES, Upload

TABLE = "approval_documents"


def store(upload: Upload, *, actor_id: str | None) -> ApprovalDocument:
    """Keep the document encrypted under a new data key; flushes and audits."""
    doc_id = new_id("adoc")
    key_id = key_store().create_key()
    doc = ApprovalDocument(
        id=doc_id,
        sha256=upload.sha256,
        content_type=upload.content_type,
        size=len(upload.data),
        data_key_id=key_id,
        content_ct=seal_bytes(key_id, TABLE, "content_ct", doc_id, upload.data),
        filename_ct=seal_bytes(key_id, TABLE, "filename_ct", doc_id, upload.filename.encode()),
        uploaded_by=actor_id,
        created_at=utcnow(),
    )
    db.session.add(doc)
    db.session.flush()
    record(
        "approval_document.stored",
        "approval_document",
        doc_id,
        {"sha256": upload.sha256, "size": len(upload.data), "content_type": upload.content_type},
        actor_id=actor_id,
    )
    return doc


def download(doc: ApprovalDocument) -> Response:
    """The document as an attachment, named by its id (no personal data)."""
    if doc.content_ct is None:
        raise NotFound("This document was erased.")
    try:
        data = open_bytes(doc.data_key_id, TABLE, "content_ct", doc.id, bytes(doc.content_ct))
    except KeyDestroyed as exc:
        raise NotFound("This document was erased.") from exc
    except DecryptionError as exc:
        logging.getLogger(__name__).error("approval document %s does not decrypt", doc.id)
        raise Conflict("This document cannot be read (it does not decrypt).") from exc
    response = Response(data, mimetype=doc.content_type)
    extension = ALLOWED_TYPES.get(doc.content_type, "bin")
    response.headers["Content-Disposition"] = f'attachment; filename="{doc.id}.{extension}"'
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "private, no-store"
    return response
