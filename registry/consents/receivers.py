"""The consents feature's receiver of ``performer_erased``: an erased performer's evidence
documents lose their content and file name (both sealed under the data key being destroyed),
inside the erasing transaction. Connected by ``registry.app`` in every process."""

from __future__ import annotations

from typing import Any

from sqlalchemy import update

from registry.consents.models import EvidenceDocument
from registry.core.signals import performer_erased
from registry.extensions import db


@performer_erased.connect
def clear_documents(sender: Any, *, performer_id: str, **_: Any) -> None:
    db.session.execute(
        update(EvidenceDocument)
        .where(EvidenceDocument.performer_id == performer_id)
        .values(content_ct=None, filename_ct=None)
    )
