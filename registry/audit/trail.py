"""The one call every feature's services use: ``record(...)`` in the current transaction."""

from __future__ import annotations

from typing import Any

from registry.appctx import setting, signing_keys
from registry.audit.services import AuditEntry, record_many
from registry.extensions import db


def record(
    action: str,
    subject_type: str,
    subject_id: str,
    content: Any = None,
    *,
    actor_id: str | None = None,
) -> None:
    """Append one event. ``content`` is hashed, never stored: pass no personal data anyway."""
    record_many(
        db.session,
        [AuditEntry(action, subject_type, subject_id, content, actor_id)],
        signing=signing_keys(),
        checkpoint_every=int(setting("AUDIT_CHECKPOINT_EVERY")),
    )
