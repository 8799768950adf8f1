"""The reminders outbox and the small tables the scheduler jobs keep.

``reminders`` holds one row per message to tell: an expiry reminder per (consent version,
threshold), or a notice per (consent version, "expired"/"revoked"); the unique key makes each
exactly-once. ``reminder_deliveries`` holds one row per (reminder, channel, recipient): what the
delivery job claims, sends, retries and records. The others: processed expiry cascades, job
leases and watermarks, per-production webhook secrets, and calendar feed tokens (hashes only).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, Integer, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from registry.core.clock import utcnow
from registry.core.db import ID_LENGTH, Base

CONSENT_KINDS = ("expiry", "expired", "revoked")
"""``expiry``: a reminder before expires_at (to representatives); the other two: notices that a
consent ended (to production members)."""
NOTICE_KINDS = (
    "declaration.new",
    "declaration.amended",
    "declaration.cleared",
    "declaration.worse",
    "declaration.refused",
    "request.approved",
    "request.refused",
    "request.question",
    "request.answered",
    "declaration.question",
    "declaration.answered",
    "model.rebind_refused",
)
"""Notices about other records (a GenAI use declaration, a use request): their title and link
are written when they are enqueued (never personal data), their recipients named then."""
EVENT_KINDS = ("decision.made", "decision.invalidated", "decl.escalated", "decl.cleared")
"""Events for the production's webhook only (no people are told): a use request decided, a
decision no longer valid, a declaration escalated (triaged ``escalate``), a declaration cleared
by legal. ``title`` says what happened and ``data`` holds the event's facts: ids, outcome, rule
ids and times, never personal data (``outbox.announce``).
Webhook event names: ``messages.EVENTS``. (Kinds fit the column's 20 characters.)"""
KINDS = CONSENT_KINDS + NOTICE_KINDS + EVENT_KINDS
REMINDER_STATUSES = ("queued", "ready", "skipped", "carried", "superseded", "cancelled")
"""``queued``: enqueued, its deliveries not made yet; ``ready``: its deliveries exist (fan-out
done); ``skipped``: a less urgent threshold passed over because a more urgent one was already due
(downtime); ``carried``: known from an earlier version with the same expiry; ``superseded``: a more
urgent threshold came before its fan-out; ``cancelled``: the consent ended before its fan-out."""
SENT_STATUSES = ("queued", "ready")
CHANNELS = ("email", "webhook", "inapp")
DELIVERY_STATUSES = ("pending", "sent", "failed", "cancelled", "superseded")


class Reminder(Base):
    __tablename__ = "reminders"
    __table_args__ = (
        UniqueConstraint(
            "consent_version_id",
            "kind",
            "threshold_days",
            name="uq_reminders_version_kind_threshold",
        ),
        # the delivery pass's look-up of reminders still to fan out (status "queued")
        Index("ix_reminders_status", "status"),
    )

    id: Mapped[str] = mapped_column(String(ID_LENGTH), primary_key=True)
    kind: Mapped[str] = mapped_column(String(30))
    # Consent kinds: the version it is about. Notice kinds: none.
    consent_version_id: Mapped[str | None] = mapped_column(ForeignKey("consent_versions.id"))
    # Copies of the version's own (immutable) columns, for look-ups without a join; no foreign
    # keys of their own: the version's already guarantees them, and each key costs the scan a
    # look-up per row in a table as large as the registry.
    consent_id: Mapped[str | None] = mapped_column(String(ID_LENGTH))
    performer_id: Mapped[str | None] = mapped_column(String(ID_LENGTH))
    production_id: Mapped[str] = mapped_column(String(ID_LENGTH))
    threshold_days: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(20))
    expires_at: Mapped[datetime | None]
    ended_at: Mapped[datetime | None]
    # Notice kinds: what it is about, what it says, where it links, whom it tells.
    subject_type: Mapped[str | None] = mapped_column(String(30))
    subject_id: Mapped[str | None] = mapped_column(String(ID_LENGTH))
    title: Mapped[str | None] = mapped_column(Text)
    link_path: Mapped[str | None] = mapped_column(String(300))
    recipients: Mapped[list[str] | None] = mapped_column(JSON)
    data: Mapped[dict[str, Any] | None] = mapped_column(JSON)  # webhook events' facts
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class ReminderDelivery(Base):
    __tablename__ = "reminder_deliveries"
    __table_args__ = (
        UniqueConstraint(
            "reminder_id", "channel", "recipient", name="uq_reminder_deliveries_target"
        ),
        Index("ix_reminder_deliveries_due", "status", "next_attempt_at"),
        Index("ix_reminder_deliveries_recipient", "recipient", "channel"),
    )

    id: Mapped[str] = mapped_column(String(ID_LENGTH), primary_key=True)
    reminder_id: Mapped[str] = mapped_column(ForeignKey("reminders.id"))
    channel: Mapped[str] = mapped_column(String(10))
    recipient: Mapped[str] = mapped_column(String(ID_LENGTH))
    """A user id (email, inapp) or a production id (webhook)."""
    status: Mapped[str] = mapped_column(String(20), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime]
    claimed_by: Mapped[str | None] = mapped_column(String(100))
    claimed_until: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(Text)
    subject: Mapped[str | None] = mapped_column(String(400))
    sent_at: Mapped[datetime | None]
    read_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class ExpiryCascade(Base):
    """A consent version whose expiry has been cascaded (signal sent, notices enqueued): once."""

    __tablename__ = "expiry_cascades"

    version_id: Mapped[str] = mapped_column(ForeignKey("consent_versions.id"), primary_key=True)
    processed_at: Mapped[datetime]


class SchedulerLease(Base):
    """A singleton job's lease (SQLite: who runs it until when) and its watermark."""

    __tablename__ = "scheduler_leases"

    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    holder: Mapped[str | None] = mapped_column(String(100))
    expires_at: Mapped[datetime | None]
    watermark: Mapped[datetime | None]


class WebhookSecret(Base):
    """The HMAC-SHA256 key for one production's webhook (admins can read and rotate it),
    encrypted under a data key of its own (``webhook_secrets.py``)."""

    __tablename__ = "webhook_secrets"

    production_id: Mapped[str] = mapped_column(ForeignKey("productions.id"), primary_key=True)
    data_key_id: Mapped[str] = mapped_column(String(ID_LENGTH))
    secret_ct: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class CalendarToken(Base):
    """A private calendar feed URL's token, stored as its SHA-256 only; revocable."""

    __tablename__ = "calendar_tokens"

    id: Mapped[str] = mapped_column(String(ID_LENGTH), primary_key=True)
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    revoked_at: Mapped[datetime | None]
