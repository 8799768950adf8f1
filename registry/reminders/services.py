"""Operations people do on the reminders feature; each checks, changes, audits, and flushes.

Retry a failed delivery (admin), create/regenerate or revoke one's calendar feed token, rotate a
production's webhook secret (admin), mark one's in-app notifications read.
"""

from __future__ import annotations

import hashlib
import secrets

from sqlalchemy import select, update

from registry.accounts.models import User
from registry.audit.trail import record
from registry.core.clock import utcnow
from registry.core.errors import Conflict, NotFound
from registry.core.ids import new_id
from registry.extensions import db
from registry.productions.models import Production
from registry.reminders import webhook_secrets
from registry.reminders.models import CalendarToken, ReminderDelivery, WebhookSecret

CALENDAR_TOKEN_PREFIX = "cal_"


def retry_delivery(delivery_id: str, *, actor_id: str | None) -> ReminderDelivery:
    """Put a ``failed`` delivery back in the queue with a fresh count of attempts."""
    delivery = db.session.get(ReminderDelivery, delivery_id)
    if delivery is None:
        raise NotFound("No such delivery.")
    if delivery.status != "failed":
        raise Conflict(f"Only a failed delivery can be retried; this one is {delivery.status}.")
    delivery.status = "pending"
    delivery.attempts = 0
    delivery.next_attempt_at = utcnow()
    delivery.claimed_by = None
    delivery.claimed_until = None
    db.session.flush()
    record(
        "reminder.retry_requested",
        "reminder_delivery",
        delivery.id,
        {"reminder_id": delivery.reminder_id, "channel": delivery.channel},
        actor_id=actor_id,
    )
    return delivery


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def new_calendar_token(user: User) -> str:
    """A new private feed token for ``user`` (revoking any earlier one); shown only once."""
    now = utcnow()
    revoked = _revoke_calendar_tokens(user, now)
    token = CALENDAR_TOKEN_PREFIX + secrets.token_urlsafe(32)
    row = CalendarToken(
        id=new_id("cal"), user_id=user.id, token_hash=_digest(token), created_at=now
    )
    db.session.add(row)
    db.session.flush()
    record(
        "calendar.token_created",
        "user",
        user.id,
        {"token_id": row.id, "revoked": revoked},
        actor_id=user.id,
    )
    return token


def revoke_calendar_token(user: User) -> int:
    revoked = _revoke_calendar_tokens(user, utcnow())
    if revoked:
        record("calendar.token_revoked", "user", user.id, {"count": revoked}, actor_id=user.id)
    return revoked


def _revoke_calendar_tokens(user: User, now: object) -> int:
    outcome = db.session.execute(
        update(CalendarToken)
        .where(CalendarToken.user_id == user.id, CalendarToken.revoked_at.is_(None))
        .values(revoked_at=now)
        .execution_options(synchronize_session=False)
    )
    return int(getattr(outcome, "rowcount", 0) or 0)


def has_calendar_token(user: User) -> bool:
    return (
        db.session.execute(
            select(CalendarToken.id).where(
                CalendarToken.user_id == user.id, CalendarToken.revoked_at.is_(None)
            )
        ).first()
        is not None
    )


def user_for_calendar_token(token: str) -> User | None:
    """The active user an unrevoked feed token belongs to, or None."""
    if not token.startswith(CALENDAR_TOKEN_PREFIX) or len(token) > 200:
        return None
    user = db.session.execute(
        select(User)
        .join(CalendarToken, CalendarToken.user_id == User.id)
        .where(CalendarToken.token_hash == _digest(token), CalendarToken.revoked_at.is_(None))
    ).scalar_one_or_none()
    if user is None or not user.active:
        return None
    return user


def rotate_webhook_secret(production_id: str, *, actor_id: str | None) -> WebhookSecret:
    """A new HMAC secret for the production's webhook (the old one stops verifying at once)."""
    if db.session.get(Production, production_id) is None:
        raise NotFound("No such production.")
    now = utcnow()
    row = db.session.get(WebhookSecret, production_id)
    sealed = webhook_secrets.seal(production_id, webhook_secrets.new_secret())
    if row is None:
        row = WebhookSecret(production_id=production_id, created_at=now, **sealed._asdict())
        db.session.add(row)
    else:
        row.data_key_id, row.secret_ct = sealed
        row.created_at = now
    db.session.flush()
    record("webhook.secret_rotated", "production", production_id, actor_id=actor_id)
    return row


def mark_notifications_read(user: User) -> int:
    outcome = db.session.execute(
        update(ReminderDelivery)
        .where(
            ReminderDelivery.recipient == user.id,
            ReminderDelivery.channel == "inapp",
            ReminderDelivery.status == "sent",
            ReminderDelivery.read_at.is_(None),
        )
        .values(read_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    count = int(getattr(outcome, "rowcount", 0) or 0)
    if count:
        record("notifications.read", "user", user.id, {"count": count}, actor_id=user.id)
    return count
