"""Marking one in-app notification read (the page's per-item button); all at once is
``services.mark_notifications_read``. Flushes, never commits.

May import registry.core, registry.audit.trail, registry.extensions and the reminders models.
"""

from __future__ import annotations

from sqlalchemy import update

from registry.accounts.models import User
from registry.audit.trail import record
from registry.core.clock import utcnow
from registry.core.errors import NotFound
from registry.extensions import db
from registry.reminders.models import ReminderDelivery


def mark_one_read(user: User, delivery_id: str) -> bool:
    """Mark ``user``'s notification ``delivery_id`` read; False when it was read already.
    Another person's notification, or an unknown one, is not found."""
    row = db.session.get(ReminderDelivery, delivery_id)
    if row is None or row.recipient != user.id or row.channel != "inapp" or row.status != "sent":
        raise NotFound("No such notification.")
    outcome = db.session.execute(
        update(ReminderDelivery)
        .where(ReminderDelivery.id == delivery_id, ReminderDelivery.read_at.is_(None))
        .values(read_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    if not int(getattr(outcome, "rowcount", 0) or 0):
        return False
    record("notifications.read", "user", user.id, {"count": 1}, actor_id=user.id)
    return True
