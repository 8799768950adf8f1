"""Reads for the dashboard, the notifications page, the calendar feed and the API.

Who sees what: consents as the consent rules say (admin and legal: all; a talent_rep: the
performers they represent; a vfx_lead: the productions they are a member of; an auditor: none).
Deliveries: an admin sees them all; anyone else the ones addressed to them, and a vfx_lead also
the webhook deliveries of their productions.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Select, and_, false, func, or_, select

from registry.accounts.models import User
from registry.consents.models import ConsentVersion
from registry.extensions import db
from registry.performers.models import Performer, PerformerRepresentative
from registry.productions.models import Production, ProductionMember
from registry.reminders import webhook_secrets
from registry.reminders.models import SENT_STATUSES, Reminder, ReminderDelivery, WebhookSecret


def consent_scope(user: User) -> Any:
    """A condition on ``ConsentVersion`` limiting it to what ``user`` may see."""
    if user.role in ("admin", "legal"):
        return ConsentVersion.id.is_not(None)
    if user.role == "talent_rep":
        return ConsentVersion.performer_id.in_(
            select(PerformerRepresentative.performer_id).where(
                PerformerRepresentative.user_id == user.id
            )
        )
    if user.role == "vfx_lead":
        return ConsentVersion.production_id.in_(
            select(ProductionMember.production_id).where(ProductionMember.user_id == user.id)
        )
    return false()


@dataclass(frozen=True)
class Expiry:
    version_id: str
    consent_id: str
    version: int
    expires_at: datetime
    purposes: tuple[str, ...]
    performer_id: str
    professional_name: str
    production_id: str
    production_title: str
    production_code: str


def live_expiries(user: User, since: datetime, until: datetime | None, limit: int) -> list[Expiry]:
    """Current, unrevoked consent versions ``user`` may see, expiring in [since, until)."""
    window = [ConsentVersion.expires_at >= since]
    if until is not None:
        window.append(ConsentVersion.expires_at < until)
    rows = db.session.execute(
        select(
            ConsentVersion.id,
            ConsentVersion.consent_id,
            ConsentVersion.version,
            ConsentVersion.expires_at,
            ConsentVersion.purposes,
            Performer.id,
            Performer.professional_name,
            Production.id,
            Production.title,
            Production.code,
        )
        .join(Performer, Performer.id == ConsentVersion.performer_id)
        .join(Production, Production.id == ConsentVersion.production_id)
        .where(
            *window,
            ConsentVersion.revoked_at.is_(None),
            ConsentVersion.superseded_at.is_(None),
            consent_scope(user),
        )
        .order_by(ConsentVersion.expires_at, ConsentVersion.id)
        .limit(limit)
    ).all()
    return [
        Expiry(r[0], r[1], r[2], r[3], tuple(r[4] or ()), r[5], r[6], r[7], r[8], r[9])
        for r in rows
    ]


def sent_thresholds(version_ids: list[str]) -> dict[str, list[int]]:
    """Thresholds already sent (queued) for these versions, most urgent last."""
    out: dict[str, list[int]] = {}
    if not version_ids:
        return out
    for version_id, threshold in db.session.execute(
        select(Reminder.consent_version_id, Reminder.threshold_days)
        .where(
            Reminder.consent_version_id.in_(version_ids),
            Reminder.kind == "expiry",
            Reminder.status.in_(SENT_STATUSES),
        )
        .order_by(Reminder.threshold_days.desc())
    ):
        out.setdefault(version_id, []).append(threshold)
    return out


def delivery_scope(user: User) -> Any:
    if user.role == "admin":
        return ReminderDelivery.id.is_not(None)
    mine = and_(ReminderDelivery.recipient == user.id, ReminderDelivery.channel != "webhook")
    if user.role == "vfx_lead":
        hooks = and_(
            ReminderDelivery.channel == "webhook",
            ReminderDelivery.recipient.in_(
                select(ProductionMember.production_id).where(ProductionMember.user_id == user.id)
            ),
        )
        return or_(mine, hooks)
    return mine


def deliveries_query(user: User, statuses: tuple[str, ...] | None = None) -> Select[Any]:
    stmt = (
        select(ReminderDelivery, Reminder, Performer.professional_name, Production.code)
        .join(Reminder, Reminder.id == ReminderDelivery.reminder_id)
        .join(Performer, Performer.id == Reminder.performer_id)
        .join(Production, Production.id == Reminder.production_id)
        .where(delivery_scope(user))
    )
    if statuses:
        stmt = stmt.where(ReminderDelivery.status.in_(statuses))
    return stmt


def deliveries(user: User, statuses: tuple[str, ...], limit: int) -> list[Any]:
    order = (
        ReminderDelivery.sent_at.desc()
        if statuses == ("sent",)
        else ReminderDelivery.next_attempt_at.desc()
    )
    return list(
        db.session.execute(
            deliveries_query(user, statuses).order_by(order, ReminderDelivery.id).limit(limit)
        ).all()
    )


def delivery_counts(user: User) -> dict[str, int]:
    rows = db.session.execute(
        select(ReminderDelivery.status, func.count())
        .where(delivery_scope(user))
        .group_by(ReminderDelivery.status)
    ).all()
    return {status: int(count) for status, count in rows}


def recipient_labels(ids: set[str]) -> dict[str, str]:
    """E-mail addresses of user recipients and codes of webhook productions (for admins)."""
    labels = {
        uid: email
        for uid, email in db.session.execute(select(User.id, User.email).where(User.id.in_(ids)))
    }
    labels.update(
        {
            pid: f"{code} webhook"
            for pid, code in db.session.execute(
                select(Production.id, Production.code).where(Production.id.in_(ids))
            )
        }
    )
    return labels


def notifications_query(user: User) -> Select[Any]:
    return (
        select(ReminderDelivery, Reminder)
        .join(Reminder, Reminder.id == ReminderDelivery.reminder_id)
        .where(
            ReminderDelivery.recipient == user.id,
            ReminderDelivery.channel == "inapp",
            ReminderDelivery.status == "sent",
        )
        .order_by(ReminderDelivery.sent_at.desc(), ReminderDelivery.id.desc())
    )


def unread_count(user: User) -> int:
    return int(
        db.session.execute(
            select(func.count()).where(
                ReminderDelivery.recipient == user.id,
                ReminderDelivery.channel == "inapp",
                ReminderDelivery.status == "sent",
                ReminderDelivery.read_at.is_(None),
            )
        ).scalar_one()
    )


def webhooks() -> list[tuple[Production, str | None]]:
    """Productions with a webhook URL and their secrets, opened (admin only)."""
    return [
        (
            production,
            webhook_secrets.reveal(production.id, secret.data_key_id, secret.secret_ct)
            if secret is not None
            else None,
        )
        for production, secret in db.session.execute(
            select(Production, WebhookSecret)
            .outerjoin(WebhookSecret, WebhookSecret.production_id == Production.id)
            .where(Production.webhook_url.is_not(None))
            .order_by(Production.code)
        ).tuples()
    ]
