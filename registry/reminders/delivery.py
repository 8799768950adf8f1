"""The delivery pass: claim due deliveries, re-check them, send, record; retry with backoff.

1. Claim (one short transaction): pick due ``pending`` rows whose lease is free, ``FOR UPDATE
   SKIP LOCKED`` on PostgreSQL (another process skips them), and stamp ``claimed_by`` and
   ``claimed_until``. On SQLite the transaction is ``BEGIN IMMEDIATE``: it claims before any other
   process can look. The guarded UPDATE re-checks the lease either way.
2. Snapshot what each message needs, then end the transaction: nothing is held while sending.
3. Per delivery: a consent no longer live (revoked, superseded, expired) or a recipient no longer
   concerned makes it ``cancelled``, never sent; otherwise send (SMTP, webhook, or in-app) and
   record ``sent`` in a transaction of its own, guarded by ``claimed_by``.
   A failure counts an attempt: retried after ``base * 2**(attempts-1)``, ``failed`` after
   ``REMINDER_MAX_ATTEMPTS``.

Exactly once: a claimed row is sent by its claimer only. The one window left is a crash between
the SMTP/HTTP call and the commit of ``sent``: the lease then runs out and the message is sent
again, with the same Message-ID / ``X-Registry-Delivery`` (at-least-once at worst).
"""

from __future__ import annotations

import hashlib
import logging
import os
import secrets
import socket
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import or_, select, update

from registry.accounts.models import User
from registry.appctx import setting
from registry.audit.trail import record
from registry.consents.models import ConsentVersion
from registry.core.clock import utcnow
from registry.core.ids import new_id
from registry.extensions import db
from registry.performers.models import Performer, PerformerRepresentative
from registry.productions.models import Production, ProductionMember
from registry.reminders import mail, messages, outbox, webhook_secrets, webhooks
from registry.reminders.messages import Notice
from registry.reminders.models import NOTICE_KINDS, Reminder, ReminderDelivery, WebhookSecret
from registry.transactions import discard, unit_of_work

log = logging.getLogger("registry.reminders")

LEASE = timedelta(minutes=10)
LEASE_MARGIN = timedelta(minutes=2)
"""Stop sending from a batch when less than this is left of its lease (longer than a timeout)."""
BATCH = 200
MAX_BATCHES = 40


def new_holder() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(4)}"


@dataclass
class DeliveryResult:
    sent: int = 0
    retrying: int = 0
    failed: int = 0
    cancelled: int = 0
    by_channel: dict[str, int] = field(default_factory=dict)

    def add(self, other: DeliveryResult) -> None:
        self.sent += other.sent
        self.retrying += other.retrying
        self.failed += other.failed
        self.cancelled += other.cancelled
        for key, value in other.by_channel.items():
            self.by_channel[key] = self.by_channel.get(key, 0) + value


def unclaimed(now: datetime) -> Any:
    """Not claimed, or its claim has run out: only the claimer changes a claimed row."""
    return or_(ReminderDelivery.claimed_until.is_(None), ReminderDelivery.claimed_until < now)


def claim(holder: str, now: datetime, limit: int = BATCH) -> list[str]:
    """Claim up to ``limit`` due deliveries for ``holder`` (a unit of work of its own).
    Returns their ids."""
    discard()
    with unit_of_work():
        candidates = list(
            db.session.execute(
                select(ReminderDelivery.id)
                .where(
                    ReminderDelivery.status == "pending",
                    ReminderDelivery.next_attempt_at <= now,
                    unclaimed(now),
                )
                .order_by(ReminderDelivery.next_attempt_at, ReminderDelivery.id)
                .limit(limit)
                .with_for_update(skip_locked=True)
            ).scalars()
        )
        if not candidates:
            return []
        db.session.execute(
            update(ReminderDelivery)
            .where(
                ReminderDelivery.id.in_(candidates),
                ReminderDelivery.status == "pending",
                unclaimed(now),
            )
            .values(claimed_by=holder, claimed_until=now + LEASE)
            .execution_options(synchronize_session=False)
        )
        claimed = list(
            db.session.execute(
                select(ReminderDelivery.id).where(
                    ReminderDelivery.id.in_(candidates), ReminderDelivery.claimed_by == holder
                )
            ).scalars()
        )
    return sorted(claimed)


def snapshot(ids: list[str]) -> list[Notice]:
    """Everything the claimed deliveries need, read in one go (ends with no open transaction)."""
    rows = db.session.execute(
        select(ReminderDelivery, Reminder, ConsentVersion, Performer.professional_name, Production)
        .join(Reminder, Reminder.id == ReminderDelivery.reminder_id)
        .outerjoin(ConsentVersion, ConsentVersion.id == Reminder.consent_version_id)
        .outerjoin(Performer, Performer.id == Reminder.performer_id)
        .join(Production, Production.id == Reminder.production_id)
        .where(ReminderDelivery.id.in_(ids))
        .order_by(ReminderDelivery.id)
    ).all()
    user_ids = {d.recipient for d, *_ in rows if d.channel != "webhook"}
    users = {
        u.id: u for u in db.session.execute(select(User).where(User.id.in_(user_ids))).scalars()
    }
    reps = set(
        db.session.execute(
            select(PerformerRepresentative.performer_id, PerformerRepresentative.user_id).where(
                PerformerRepresentative.user_id.in_(user_ids)
            )
        ).tuples()
    )
    memberships = set(
        db.session.execute(
            select(ProductionMember.production_id, ProductionMember.user_id).where(
                ProductionMember.user_id.in_(user_ids)
            )
        ).tuples()
    )
    secrets_by_production = {
        production_id: webhook_secrets.reveal(production_id, key_id, ciphertext)
        for production_id, key_id, ciphertext in db.session.execute(
            select(
                WebhookSecret.production_id, WebhookSecret.data_key_id, WebhookSecret.secret_ct
            ).where(WebhookSecret.production_id.in_({r.production_id for _, r, *_ in rows}))
        ).tuples()
    }
    notices: list[Notice] = []
    for delivery, reminder, version, professional_name, production in rows:
        user = users.get(delivery.recipient)
        if delivery.channel == "webhook":
            concerned = bool(production.webhook_url)
        elif user is None or not user.active:
            concerned = False
        elif reminder.kind == "expiry":
            concerned = (reminder.performer_id, user.id) in reps
        elif reminder.kind in NOTICE_KINDS:
            concerned = user.id in (reminder.recipients or ())
        else:
            concerned = (reminder.production_id, user.id) in memberships
        notices.append(
            Notice(
                delivery_id=delivery.id,
                reminder_id=reminder.id,
                channel=delivery.channel,
                recipient=delivery.recipient,
                attempts=delivery.attempts,
                kind=reminder.kind,
                threshold_days=reminder.threshold_days,
                version_id=version.id if version else None,
                consent_id=version.consent_id if version else None,
                version=version.version if version else None,
                performer_id=reminder.performer_id,
                professional_name=professional_name,
                production_id=production.id,
                production_title=production.title,
                production_code=production.code,
                expires_at=version.expires_at if version else None,
                ended_at=reminder.ended_at,
                revoked_at=version.revoked_at if version else None,
                superseded_at=version.superseded_at if version else None,
                purposes=tuple(version.purposes or ()) if version else (),
                title=reminder.title,
                data=reminder.data,
                link_path=reminder.link_path,
                subject_type=reminder.subject_type,
                subject_id=reminder.subject_id,
                user_email=user.email if user else None,
                user_name=user.name if user else None,
                still_concerned=concerned,
                webhook_url=production.webhook_url,
                webhook_secret=secrets_by_production.get(production.id),
            )
        )
    discard()  # read only: end the transaction, nothing is held while sending
    return notices


def stale_reason(notice: Notice, now: datetime) -> str | None:
    """Why this delivery must not be sent any more, or None."""
    if notice.kind == "expiry":
        if notice.revoked_at is not None:
            return "the consent was revoked"
        if notice.superseded_at is not None:
            return "the consent was amended (superseded)"
        if notice.expires_at is not None and notice.expires_at <= now:
            return "the consent has expired"
    if not notice.still_concerned:
        if notice.channel == "webhook":
            return "the production has no webhook any more"
        return "the recipient is no longer concerned"
    if notice.channel == "email" and not setting("SMTP_URL"):
        return "e-mail is not configured"
    return None


def refreshed(notices: list[Notice]) -> list[Notice]:
    """The notices with their consent versions' ends re-read now (sending takes a while)."""
    ids = {n.version_id for n in notices if n.kind == "expiry"}
    if not ids:
        return notices
    ends = {
        row.id: row
        for row in db.session.execute(
            select(
                ConsentVersion.id, ConsentVersion.revoked_at, ConsentVersion.superseded_at
            ).where(ConsentVersion.id.in_(ids))
        )
    }
    discard()  # read only
    return [
        replace(
            n,
            revoked_at=ends[n.version_id].revoked_at,
            superseded_at=ends[n.version_id].superseded_at,
        )
        if n.version_id in ends
        else n
        for n in notices
    ]


class Sender:
    """Sends one notice by its channel; holds one SMTP connection for a whole pass."""

    def __init__(self) -> None:
        url = setting("SMTP_URL")
        self.smtp = mail.SmtpSender(mail.parse_smtp_url(str(url))) if url else None

    def send(self, notice: Notice, now: datetime) -> None:
        if notice.channel == "email":
            if self.smtp is None:
                raise RuntimeError("e-mail is not configured")
            text, html = messages.email_bodies(notice, now)
            self.smtp.send(
                mail.build_message(
                    sender=str(setting("MAIL_FROM")),
                    to=notice.user_email or "",
                    subject=messages.subject(notice, now),
                    text=text,
                    html=html,
                    message_id=messages.message_id(notice),
                    headers=messages.email_headers(notice),
                )
            )
        elif notice.channel == "webhook":
            if not notice.webhook_url or not notice.webhook_secret:
                raise webhooks.WebhookFailed("no webhook URL or secret for the production")
            webhooks.post(
                notice.webhook_url,
                notice.webhook_secret,
                messages.webhook_payload(notice, now),
                delivery_id=notice.delivery_id,
                timestamp=int(now.timestamp()),
            )
        # in-app: recording it as sent is what makes it appear on the recipient's page

    def close(self) -> None:
        if self.smtp is not None:
            self.smtp.close()


def _finish(delivery_id: str, holder: str, values: dict[str, Any]) -> bool:
    outcome = db.session.execute(
        update(ReminderDelivery)
        .where(
            ReminderDelivery.id == delivery_id,
            ReminderDelivery.claimed_by == holder,
            ReminderDelivery.status == "pending",
        )
        .values(claimed_by=None, claimed_until=None, **values)
        .execution_options(synchronize_session=False)
    )
    return int(getattr(outcome, "rowcount", 0) or 0) == 1


def record_sent(notice: Notice, holder: str, now: datetime) -> bool:
    """Mark the delivery sent (guarded by its claim); flushes, the caller's unit of work
    commits."""
    ok = _finish(
        notice.delivery_id,
        holder,
        {
            "status": "sent",
            "sent_at": now,
            "attempts": notice.attempts + 1,
            "subject": messages.subject(notice, now)[:400],
            "last_error": None,
        },
    )
    if ok:
        record(
            "reminder.delivered",
            "reminder_delivery",
            notice.delivery_id,
            {"reminder_id": notice.reminder_id, "channel": notice.channel},
        )
    return ok


def record_cancelled(notice: Notice, holder: str, reason: str) -> bool:
    """Mark the delivery cancelled (guarded by its claim); flushes only."""
    ok = _finish(notice.delivery_id, holder, {"status": "cancelled", "last_error": reason})
    if ok:
        record(
            "reminder.cancelled",
            "reminder_delivery",
            notice.delivery_id,
            {"reminder_id": notice.reminder_id, "reason": reason},
        )
    return ok


JITTER = 0.25


def backoff(attempts: int, delivery_id: str = "") -> timedelta:
    """Wait before attempt ``attempts + 1``: base, 2 base, 4 base, ..., each stretched by up to
    25% (jitter, so that deliveries failing together do not all retry together). The jitter is
    drawn from the delivery and the attempt, so a retry's time is reproducible."""
    base = float(setting("REMINDER_RETRY_BASE_SECONDS"))
    digest = hashlib.sha256(f"{delivery_id}:{attempts}".encode()).digest()
    spread = int.from_bytes(digest[:4], "big") / 2**32 * JITTER
    return timedelta(seconds=base * 2 ** max(0, attempts - 1) * (1 + spread))


def record_failure(notice: Notice, holder: str, now: datetime, error: str) -> str:
    """Count the attempt; returns the new status (``pending`` to retry, or ``failed``).
    Flushes only."""
    attempts = notice.attempts + 1
    final = attempts >= int(setting("REMINDER_MAX_ATTEMPTS"))
    status = "failed" if final else "pending"
    values: dict[str, Any] = {"attempts": attempts, "last_error": error[:500], "status": status}
    if not final:
        values["next_attempt_at"] = now + backoff(attempts, notice.delivery_id)
    if _finish(notice.delivery_id, holder, values):
        record(
            "reminder.delivery_failed",
            "reminder_delivery",
            notice.delivery_id,
            {"reminder_id": notice.reminder_id, "attempt": attempts, "final": final},
        )
    return status


def release(ids: list[str], holder: str) -> None:
    """Give up the claims on ``ids`` (a unit of work of its own)."""
    discard()
    with unit_of_work():
        db.session.execute(
            update(ReminderDelivery)
            .where(ReminderDelivery.id.in_(ids), ReminderDelivery.claimed_by == holder)
            .values(claimed_by=None, claimed_until=None)
            .execution_options(synchronize_session=False)
        )


def deliver_batch(holder: str, sender: Sender, limit: int = BATCH) -> tuple[DeliveryResult, int]:
    """Claim and process one batch; returns the result and how many were claimed."""
    result = DeliveryResult()
    started = utcnow()
    ids = claim(holder, started, limit)
    if not ids:
        return result, 0
    notices = snapshot(ids)
    _deliver_inapp([n for n in notices if n.channel == "inapp"], holder, result)
    outside = [n for n in notices if n.channel != "inapp"]
    for index, notice in enumerate(outside):
        now = utcnow()
        if now > started + LEASE - LEASE_MARGIN:
            release([n.delivery_id for n in outside[index:]], holder)
            break
        [notice] = refreshed([notice])
        reason = stale_reason(notice, now)
        if reason is not None:
            with unit_of_work():
                result.cancelled += record_cancelled(notice, holder, reason)
            continue
        try:
            sender.send(notice, now)
        except Exception as exc:  # any failure to hand over the message is retried
            log.warning("delivery %s (%s) failed: %s", notice.delivery_id, notice.channel, exc)
            with unit_of_work():
                status = record_failure(notice, holder, utcnow(), f"{type(exc).__name__}: {exc}")
            if status == "failed":
                result.failed += 1
            else:
                result.retrying += 1
            continue
        with unit_of_work():  # the one window: a crash before this commit sends it again
            sent = record_sent(notice, holder, utcnow())
        if sent:
            result.sent += 1
            result.by_channel[notice.channel] = result.by_channel.get(notice.channel, 0) + 1
        else:
            log.warning("delivery %s was sent but its claim had been lost", notice.delivery_id)
    return result, len(ids)


def _deliver_inapp(notices: list[Notice], holder: str, result: DeliveryResult) -> None:
    """In-app notices have no outside effect: record the whole batch in one transaction."""
    if not notices:
        return
    now = utcnow()
    fresh = refreshed(notices)
    with unit_of_work():
        for notice in fresh:
            reason = stale_reason(notice, now)
            if reason is not None:
                result.cancelled += record_cancelled(notice, holder, reason)
            elif record_sent(notice, holder, now):
                result.sent += 1
                result.by_channel["inapp"] = result.by_channel.get("inapp", 0) + 1


def fan_out_queued(max_batches: int = MAX_BATCHES) -> int:
    """Make the deliveries of every queued reminder (one transaction per batch)."""
    total = 0
    for _ in range(max_batches):
        discard()
        with unit_of_work():
            now = utcnow()
            made = outbox.fan_out(now)
            if made.reminders or made.cancelled:
                record(
                    "reminders.fanned_out",
                    "reminder_fan_out",
                    new_id("rfo"),
                    {
                        "at": now.isoformat(),
                        "reminders": made.reminders,
                        "deliveries": made.deliveries,
                        "cancelled": made.cancelled,
                    },
                )
        total += made.deliveries
        if made.reminders + made.cancelled < outbox.FAN_OUT_BATCH:
            break
    return total


def deliver_due(holder: str | None = None, *, max_batches: int = MAX_BATCHES) -> DeliveryResult:
    """Fan out queued reminders, then deliver everything due now (up to ``max_batches``)."""
    holder = holder or new_holder()
    total = DeliveryResult()
    fan_out_queued(max_batches)
    sender = Sender()
    try:
        for _ in range(max_batches):
            result, claimed = deliver_batch(holder, sender)
            total.add(result)
            if claimed < BATCH:
                break
    finally:
        sender.close()
        discard()
    return total
