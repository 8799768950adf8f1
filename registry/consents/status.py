"""A consent version's status, computed from its columns and the clock at the moment of reading.

Nothing stores a status: ``status_of`` computes it in Python and ``status_condition`` gives the
same answer as a SQL condition, so every read path and every filter agrees with the clock
whether or not any job has run. Precedence: revoked, superseded, expired, pending, active.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import BindParameter, ColumnElement, and_

from registry.consents.models import ConsentVersion
from registry.core.clock import as_utc, utcnow

STATUSES = ("pending", "active", "expired", "revoked", "superseded")


def status_of(version: Any, now: datetime | None = None) -> str:
    """The status of ``version`` (anything with the ConsentVersion time columns) at ``now``."""
    now = now or utcnow()
    if version.revoked_at is not None:
        return "revoked"
    if version.superseded_at is not None:
        return "superseded"
    if as_utc(version.expires_at) <= now:
        return "expired"
    if as_utc(version.effective_from) > now:
        return "pending"
    return "active"


def status_condition(
    status: str, now: datetime | BindParameter[Any] | None = None
) -> ColumnElement[bool]:
    """A SQL condition on ``consent_versions`` true exactly when ``status_of`` gives ``status``
    (``now`` may be a bound parameter, for statements prepared once)."""
    now = utcnow() if now is None else now
    cv = ConsentVersion
    live = and_(cv.revoked_at.is_(None), cv.superseded_at.is_(None))
    if status == "revoked":
        return cv.revoked_at.is_not(None)
    if status == "superseded":
        return and_(cv.revoked_at.is_(None), cv.superseded_at.is_not(None))
    if status == "expired":
        return and_(live, cv.expires_at <= now)
    if status == "pending":
        return and_(live, cv.expires_at > now, cv.effective_from > now)
    if status == "active":
        return and_(live, cv.expires_at > now, cv.effective_from <= now)
    raise ValueError(f"unknown consent status {status!r}")


def expiring_condition(days: int, now: datetime | None = None) -> ColumnElement[bool]:
    """Active versions whose ``expires_at`` falls within the next ``days`` days."""
    now = now or utcnow()
    return and_(
        status_condition("active", now),
        ConsentVersion.expires_at <= now + timedelta(days=days),
    )
