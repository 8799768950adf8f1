"""The counts on each person's home page, each with the page it leads to: legal's queue, the
rep's consents expiring in 30 days, the lead's decisions no longer valid, unread notices; and
the unread badge of the navigation. Part of the composition root (like ``app`` and ``demo``):
it reads the features' queries (nothing here writes) and hands the templates ``home_counts``
and ``unread_notices``, and the navigation its badge (``registry.web.nav.BADGES``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from flask import Flask, current_app, g, url_for
from flask_login import current_user
from sqlalchemy import func, select

from registry.accounts.models import User
from registry.core.clock import utcnow
from registry.extensions import db
from registry.web import nav

EXPIRING_DAYS = 30


@dataclass(frozen=True)
class Count:
    label: str
    value: int
    url: str
    hint: str
    attention: bool = False  # shown in red when not zero


def unread_notices() -> int:
    """The signed-in person's unread in-app notifications (0 for nobody), once per request."""
    if not getattr(current_user, "is_authenticated", False):
        return 0
    if "unread_notices" not in g:
        from registry.reminders.queries import unread_count

        g.unread_notices = unread_count(current_user)
    return int(g.unread_notices)


def _count(stmt: Any) -> int:
    return int(db.session.execute(select(func.count()).select_from(stmt.subquery())).scalar_one())


def queue_count(user: User, now: datetime) -> int:
    """Items waiting on legal's action (the queue's own count: declined items and items waiting
    for the requester's answer left out)."""
    from registry.gate import queue

    return queue.queue_count(user)


def _queue_badge() -> int:
    if not getattr(current_user, "is_authenticated", False):
        return 0
    from registry.gate import queue

    return queue.queue_count(current_user)


def expiring_count(user: User, now: datetime) -> int:
    from registry.consents.services import consent_query

    return _count(consent_query(user, expiring_within_days=EXPIRING_DAYS, now=now))


def invalid_count(user: User, now: datetime) -> int:
    from registry.gate.use_requests.services import requests_query

    return _count(requests_query(user, {"valid": False}, now))


def _has(endpoint: str) -> bool:
    return endpoint in current_app.view_functions


def counts(user: User, now: datetime) -> list[Count]:
    """The counts for ``user``'s role, only those whose page exists."""
    out: list[Count] = []
    role = user.role
    if role in ("legal", "admin") and _has("approvals_pages.queue"):
        n = queue_count(user, now)
        out.append(
            Count(
                "waiting for legal",
                n,
                url_for("approvals_pages.queue"),
                "Escalated requests and declarations in the approval queue",
                attention=role == "legal",
            )
        )
    if role in ("talent_rep", "admin") and _has("consents_pages.expiring"):
        out.append(
            Count(
                f"consents expiring in {EXPIRING_DAYS} days",
                expiring_count(user, now),
                url_for("consents_pages.expiring", days=EXPIRING_DAYS),
                "Renew or let them end: the performers' consents ending soon",
                attention=True,
            )
        )
    if role in ("vfx_lead", "admin") and _has("requests_pages.index"):
        out.append(
            Count(
                "decisions no longer valid",
                invalid_count(user, now),
                url_for("requests_pages.index", valid="no"),
                "Consent revoked, expired or amended since: ask again before using",
                attention=True,
            )
        )
    if _has("reminders_pages.notifications"):
        out.append(
            Count(
                "unread notifications",
                unread_notices(),
                url_for("reminders_pages.notifications"),
                "Reminders and notices; each links to what it is about",
            )
        )
    return out


def home_counts() -> list[Count]:
    """The signed-in person's counts (for ``home.html``)."""
    if not getattr(current_user, "is_authenticated", False):
        return []
    return counts(current_user, utcnow())


def install(app: Flask) -> None:
    app.jinja_env.globals["home_counts"] = home_counts
    app.jinja_env.globals["unread_notices"] = unread_notices
    nav.BADGES[nav.NOTIFICATIONS] = unread_notices
    nav.BADGES["approvals_pages.queue"] = _queue_badge
