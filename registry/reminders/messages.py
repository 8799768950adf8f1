"""What a delivery says: subject, text and HTML bodies (templates/emails/), webhook JSON.

A ``Notice`` is a snapshot of everything one delivery needs, taken in the claiming pass so that
sending happens outside any database transaction. Messages name the performer by professional
name only and never carry personal data, free-text restrictions or revocation reasons: only what
every recipient (representatives, production members) may see anyway. Webhook events
(decisions, declarations escalated or cleared) add their facts in ``data``: ids, outcome, rule
ids and times only.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from flask import render_template

from registry.appctx import setting
from registry.core import zones
from registry.reminders.models import EVENT_KINDS

EVENTS = {
    "expiry": "consent.expiring",
    "expired": "consent.expired",
    "revoked": "consent.revoked",
    "declaration.new": "declaration.declared",
    "declaration.amended": "declaration.amended",
    "declaration.cleared": "declaration.cleared",
    "declaration.worse": "declaration.not_cleared",
    "declaration.refused": "declaration.refused",
    "request.approved": "request.approved",
    "request.refused": "request.refused",
    "request.question": "request.question",
    "request.answered": "request.answered",
    "declaration.question": "declaration.question",
    "declaration.answered": "declaration.answered",
    "model.rebind_refused": "model.rebind_refused",
    # webhook events (``models.EVENT_KINDS``): for the production's webhook only
    "decision.made": "decision.made",
    "decision.invalidated": "decision.invalidated",
    "decl.escalated": "declaration.escalated",
    "decl.cleared": "declaration.cleared",
}
CONSENT_KINDS = ("expiry", "expired", "revoked")


@dataclass(frozen=True)
class Notice:
    delivery_id: str
    reminder_id: str
    channel: str
    recipient: str
    attempts: int
    kind: str
    threshold_days: int
    version_id: str | None
    consent_id: str | None
    version: int | None
    performer_id: str | None
    professional_name: str | None
    production_id: str
    production_title: str
    production_code: str
    expires_at: datetime | None
    ended_at: datetime | None
    revoked_at: datetime | None
    superseded_at: datetime | None
    purposes: tuple[str, ...]
    user_email: str | None
    user_name: str | None
    still_concerned: bool
    webhook_url: str | None
    webhook_secret: str | None
    title: str | None = None  # notices about other records: what they say, where they link
    data: dict[str, Any] | None = None  # webhook events: their facts
    link_path: str | None = None
    subject_type: str | None = None
    subject_id: str | None = None


def when(value: datetime | None) -> str:
    return value.strftime("%Y-%m-%d %H:%M UTC") if value else ""


def days_left(notice: Notice, now: datetime) -> int:
    assert notice.expires_at is not None
    return zones.days_left(notice.expires_at, now)  # one way everywhere: in UTC, rounded up


def time_left(notice: Notice, now: datetime) -> str:
    """``in 5 days``, ``in 1 day``, or ``within a day`` (less than 24 hours left)."""
    assert notice.expires_at is not None
    if notice.expires_at - now < timedelta(days=1):
        return "within a day"
    left = days_left(notice, now)
    return f"in {left} day{'' if left == 1 else 's'}"


def event_of(notice: Notice) -> tuple[str, dict[str, Any]]:
    """A webhook event's title and facts, as ``outbox.announce`` kept them."""
    return notice.title or "", dict(notice.data or {})


def subject(notice: Notice, now: datetime) -> str:
    if notice.kind in EVENT_KINDS:
        return event_of(notice)[0]
    if notice.kind not in CONSENT_KINDS:
        return notice.title or ""
    who = f"{notice.professional_name} in {notice.production_title} ({notice.production_code})"
    if notice.kind == "expiry":
        return f"Consent for {who} expires {time_left(notice, now)}, on {when(notice.expires_at)}"
    if notice.kind == "expired":
        return f"Consent expired: {who}"
    return f"Consent revoked: {who}"


def link(notice: Notice | None = None) -> str:
    path = notice.link_path if notice is not None and notice.link_path else "/reminders"
    return f"{str(setting('BASE_URL')).rstrip('/')}{path}"


def _template_context(notice: Notice, now: datetime) -> dict[str, Any]:
    return {
        "n": notice,
        "subject": subject(notice, now),
        "days_left": days_left(notice, now),
        "time_left": time_left(notice, now),
        "expires": when(notice.expires_at),
        "ended": when(notice.ended_at),
        "purposes": ", ".join(p.replace("_", " ") for p in notice.purposes),
        "link": link(notice),
    }


def email_bodies(notice: Notice, now: datetime) -> tuple[str, str]:
    if notice.kind not in CONSENT_KINDS:
        context = {"n": notice, "subject": subject(notice, now), "link": link(notice)}
        return (
            render_template("emails/notice.txt", **context),
            render_template("emails/notice.html", **context),
        )
    name = "expiry_reminder" if notice.kind == "expiry" else "consent_ended"
    context = _template_context(notice, now)
    return (
        render_template(f"emails/{name}.txt", **context),
        render_template(f"emails/{name}.html", **context),
    )


def email_headers(notice: Notice) -> dict[str, str]:
    if notice.kind not in CONSENT_KINDS:
        return {
            "X-Registry-Event": EVENTS[notice.kind],
            "X-Registry-Notice": notice.reminder_id,
            "X-Registry-Delivery": notice.delivery_id,
            "X-Registry-Subject": f"{notice.subject_type}/{notice.subject_id}",
        }
    return {
        "X-Registry-Event": EVENTS[notice.kind],
        "X-Registry-Reminder": notice.reminder_id,
        "X-Registry-Delivery": notice.delivery_id,
        "X-Registry-Consent": notice.consent_id or "",
        "X-Registry-Consent-Version": notice.version_id or "",
        "X-Registry-Threshold-Days": str(notice.threshold_days),
    }


def message_id(notice: Notice) -> str:
    sender = str(setting("MAIL_FROM"))
    domain = sender.rsplit("@", 1)[-1].strip(" >") if "@" in sender else "registry"
    return f"<{notice.delivery_id}@{domain or 'registry'}>"


def webhook_payload(notice: Notice, now: datetime) -> dict[str, Any]:
    if notice.kind in EVENT_KINDS:  # a notice's envelope, with the event's facts in ``data``
        title, data = event_of(notice)
        return {
            "event": EVENTS[notice.kind],
            "delivery_id": notice.delivery_id,
            "notice_id": notice.reminder_id,
            "subject": {"type": notice.subject_type, "id": notice.subject_id},
            "production": {
                "id": notice.production_id,
                "code": notice.production_code,
                "title": notice.production_title,
            },
            "title": title,
            "link": link(notice),
            "data": data,
            "sent_at": now.isoformat(),
        }
    if notice.kind not in CONSENT_KINDS:
        return {
            "event": EVENTS[notice.kind],
            "delivery_id": notice.delivery_id,
            "notice_id": notice.reminder_id,
            "subject": {"type": notice.subject_type, "id": notice.subject_id},
            "production": {
                "id": notice.production_id,
                "code": notice.production_code,
                "title": notice.production_title,
            },
            "title": notice.title,
            "link": link(notice),
            "sent_at": now.isoformat(),
        }
    assert notice.expires_at is not None
    payload: dict[str, Any] = {
        "event": EVENTS[notice.kind],
        "delivery_id": notice.delivery_id,
        "reminder_id": notice.reminder_id,
        "consent_id": notice.consent_id,
        "consent_version_id": notice.version_id,
        "version": notice.version,
        "performer": {"id": notice.performer_id, "professional_name": notice.professional_name},
        "production": {
            "id": notice.production_id,
            "code": notice.production_code,
            "title": notice.production_title,
        },
        "purposes": list(notice.purposes),
        "expires_at": notice.expires_at.isoformat(),
        "sent_at": now.isoformat(),
    }
    if notice.kind == "expiry":
        payload["threshold_days"] = notice.threshold_days
        payload["days_left"] = days_left(notice, now)
    else:
        payload["ended_at"] = notice.ended_at.isoformat() if notice.ended_at else None
    return payload
