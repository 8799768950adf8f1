"""The revocation cascade: when consent versions end, decisions that relied on them stop holding.

Connected to ``registry.core.signals.consent_ended`` (imported by ``registry.app`` so it is
connected in every process). The consent service sends the signal inside the revoke
transaction, so when the revoke call has answered, every decision that relied on a revoked
version is marked no longer valid (with the reason and time) and audited, and every model
trained under it reads ``suspended`` (its status is computed from the consents, R10; the
cascade audits the suspension). The expiry job sends it too (reason ``expired``); an expiry
already shows at the moment of expiry in every read without it (see ``validity``). The
decisions it ends are updated in bulk; it names them to the audit (``records.touched``), which
appends each one's new state before the transaction commits.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import select, update

from registry.audit.records import touched
from registry.audit.services import AuditEntry
from registry.audit.trail import record_all
from registry.consents.models import ConsentVersion
from registry.core.chunks import chunked
from registry.core.signals import consent_ended, decisions_invalidated
from registry.extensions import db
from registry.gate import announce
from registry.gate.enhancement_models.models import ModelTrainingConsent
from registry.gate.use_requests.models import DecisionConsent, DecisionRecord
from registry.gate.use_requests.validity import ended
from registry.rules.labels import consent_label

CHUNK = 500  # ids bound in one statement


def invalidate(
    version_ids: Sequence[str], reason: str, at: datetime, actor_id: str | None = None
) -> tuple[list[str], list[str]]:
    """Mark the decisions relying on these versions invalid; returns (decision ids, model ids)."""
    versions: dict[str, tuple[str, int, datetime, str]] = {}
    for chunk in chunked(dict.fromkeys(version_ids), CHUNK):
        for vid, cid, number, expires_at, description in db.session.execute(
            select(
                ConsentVersion.id,
                ConsentVersion.consent_id,
                ConsentVersion.version,
                ConsentVersion.expires_at,
                ConsentVersion.description,
            ).where(ConsentVersion.id.in_(chunk))
        ):
            versions[vid] = (cid, number, expires_at, description)
    entries: list[AuditEntry] = []
    decided: list[str] = []
    for vid, (consent_id, number, expires_at, description) in sorted(versions.items()):
        when = min(at, expires_at) if reason == "expired" else at
        why = ended(consent_label(consent_id, number, description), reason)
        ids = list(
            db.session.execute(
                select(DecisionRecord.id)
                .join(DecisionConsent, DecisionConsent.decision_id == DecisionRecord.id)
                .where(DecisionConsent.version_id == vid, DecisionRecord.invalidated_at.is_(None))
                .order_by(DecisionRecord.id)
            ).scalars()
        )
        for chunk in chunked(ids, CHUNK):
            db.session.execute(
                update(DecisionRecord)
                .where(DecisionRecord.id.in_(chunk), DecisionRecord.invalidated_at.is_(None))
                .values(invalidated_at=when, invalidated_reason=why)
                .execution_options(synchronize_session="fetch", audit_recorded=True)
            )
            touched(db.session, "decision", chunk)
        decided.extend(ids)
        entries.extend(
            AuditEntry(
                "decision.invalidated",
                "decision",
                did,
                {"consent_id": consent_id, "version": number, "reason": reason, "at": when},
                actor_id,
            )
            for did in ids
        )
    consent_ids = sorted({v[0] for v in versions.values()})
    models: list[str] = []
    for chunk in chunked(consent_ids, CHUNK):
        models.extend(
            db.session.execute(
                select(ModelTrainingConsent.model_id)
                .where(ModelTrainingConsent.consent_id.in_(chunk))
                .distinct()
            ).scalars()
        )
    models = sorted(set(models))
    entries.extend(
        AuditEntry(
            "model.suspended",
            "model",
            mid,
            {"consent_ids": consent_ids, "reason": reason, "at": at, "rule": "R10"},
            actor_id,
        )
        for mid in models
    )
    if entries:
        record_all(entries)
    if decided:
        announce.invalidated(decided, reason, at)  # the productions' webhooks
        decisions_invalidated.send(None, decision_ids=decided, at=at, actor_id=actor_id)
    return decided, models


@consent_ended.connect
def on_consent_ended(
    sender: Any,
    *,
    version_ids: Sequence[str] = (),
    reason: str = "revoked",
    at: datetime,
    actor_id: str | None = None,
    **_: Any,
) -> None:
    """Receiver of ``consent_ended``: runs in the sender's transaction; never commits."""
    if version_ids:
        invalidate(version_ids, reason, at, actor_id)
