"""The gate's webhook events about decisions that stop being valid (``reminders.events``).

``cascade.invalidate`` calls ``invalidated`` with the decisions it has just marked, in the same
transaction; each becomes a ``decision.invalidated`` event for the webhook of the production
its use request belongs to. (Decisions made are announced by ``use_requests.services``.)

May import: ``extensions``, ``core``, ``gate``, ``reminders``.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select

from registry.core.chunks import chunked
from registry.extensions import db
from registry.gate.use_requests.models import DecisionRecord, UseRequest
from registry.reminders import events

CHUNK = 500


def invalidated(decision_ids: Sequence[str], reason: str, at: datetime) -> None:
    """Announce these decisions (just marked) as no longer valid, since when each is."""
    found: list[tuple[str, str, str, datetime]] = []
    for chunk in chunked(sorted(set(decision_ids)), CHUNK):
        for decision_id, request_id, production_id, since in db.session.execute(
            select(
                DecisionRecord.id,
                DecisionRecord.request_id,
                UseRequest.production_id,
                DecisionRecord.invalidated_at,
            )
            .join(UseRequest, UseRequest.id == DecisionRecord.request_id)
            .where(DecisionRecord.id.in_(chunk))
        ):
            found.append((decision_id, request_id, production_id, since or at))
    events.decisions_invalidated(found, reason=reason, now=at)
