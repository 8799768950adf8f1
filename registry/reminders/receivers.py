"""Reacting to ``consent_ended``: tell the production's members, in the ending transaction.

Connected when this module is imported (``registry.app`` imports it). For a revocation the
notices are enqueued in the revoking transaction, so that when the revoke call has answered the
outbox already holds them; for an expiry the cascade job sends the signal in its own transaction.
Expiry reminders of the ended versions not yet fanned out, and their pending deliveries, are
cancelled at once (the delivery job would cancel them anyway when it re-checks the consent);
a delivery already claimed by a delivery process is left to its claimer, which re-checks it.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import select, update

from registry.audit.trail import record
from registry.core.chunks import chunked
from registry.core.clock import utcnow
from registry.core.signals import consent_ended
from registry.extensions import db
from registry.reminders import outbox
from registry.reminders.delivery import unclaimed
from registry.reminders.models import Reminder, ReminderDelivery

ENDED_REASONS = {"revoked": "the consent was revoked", "expired": "the consent has expired"}


def on_consent_ended(
    sender: Any,
    *,
    version_ids: Sequence[str],
    reason: str,
    at: datetime,
    actor_id: str | None = None,
    **_extra: Any,
) -> None:
    if reason not in ("revoked", "expired") or not version_ids:
        return
    now = utcnow()
    created = outbox.enqueue_ended(list(version_ids), reason, at, now)
    for group in chunked(sorted(set(version_ids)), outbox.CHUNK):
        db.session.execute(
            update(Reminder)
            .where(
                Reminder.kind == "expiry",
                Reminder.status == "queued",
                Reminder.consent_version_id.in_(group),
            )
            .values(status="cancelled")
            .execution_options(synchronize_session=False)
        )
        db.session.execute(
            update(ReminderDelivery)
            .where(
                ReminderDelivery.status == "pending",
                unclaimed(now),
                ReminderDelivery.reminder_id.in_(
                    select(Reminder.id).where(
                        Reminder.kind == "expiry", Reminder.consent_version_id.in_(group)
                    )
                ),
            )
            .values(
                status="cancelled",
                claimed_until=None,
                claimed_by=None,
                last_error=ENDED_REASONS[reason],
            )
            .execution_options(synchronize_session=False)
        )
    if created:
        record(
            "reminders.notices_enqueued",
            "consent_end",
            created[0],
            {"reason": reason, "reminders": created},
            actor_id=actor_id,
        )


consent_ended.connect(on_consent_ended)
