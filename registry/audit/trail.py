"""The calls every feature's services use: ``record(...)`` (one event) and ``record_all(...)``
(several, appended together, with the state events of records changed by writes the session
does not see), in the current transaction, with the app's keys and settings."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from registry.appctx import setting, signing_keys
from registry.audit.services import AuditEntry, StateEntry, record_many
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
    record_all([AuditEntry(action, subject_type, subject_id, content, actor_id)])


def record_all(entries: Sequence[AuditEntry], states: Sequence[StateEntry] = ()) -> None:
    """Append the events in order, in one append (the trail's lock and head are read once).

    ``states``: the state events of records the caller wrote with statements the session does
    not see (``registry.audit.records.state_entry`` of the values in hand); each follows the
    event about the same record, else the last."""
    record_many(
        db.session,
        entries,
        signing=signing_keys(),
        checkpoint_every=int(setting("AUDIT_CHECKPOINT_EVERY")),
        states=states,
    )
