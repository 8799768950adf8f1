"""Whether a stored decision still holds now, and a decision as the API and the pages show it.

A decision is valid while it has not been marked invalid (the revocation cascade), its
``valid_until`` has not passed, and every consent version it relied on is still current (not
superseded by an amendment), not revoked and not expired. Expiry needs no job: it shows at the
moment of expiry in every read, because it is computed here from the rows and the clock.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, and_, exists, not_, or_, select

from registry.consents.models import ConsentVersion as CV
from registry.core.db import DbSession
from registry.requests.models import DecisionConsent, DecisionRecord


@dataclass(frozen=True, slots=True)
class Validity:
    valid: bool
    invalidated_at: datetime | None = None
    reason: str | None = None


VALID = Validity(True)


def _version_problem(
    consent_id: str,
    version: int,
    expires_at: datetime,
    revoked_at: datetime | None,
    superseded_at: datetime | None,
    now: datetime,
) -> tuple[datetime, str] | None:
    found: list[tuple[datetime, str]] = []
    if revoked_at is not None and revoked_at <= now:
        found.append((revoked_at, f"consent {consent_id} v{version} was revoked"))
    if expires_at <= now:
        found.append((expires_at, f"consent {consent_id} v{version} expired"))
    if superseded_at is not None and superseded_at <= now:
        found.append((superseded_at, f"consent {consent_id} v{version} was amended (superseded)"))
    return min(found) if found else None


def validities(
    session: DbSession, rows: Sequence[DecisionRecord], now: datetime
) -> dict[str, Validity]:
    """The validity of each decision, with one query for all of them."""
    out: dict[str, Validity] = {}
    pending = [r for r in rows if r.invalidated_at is None]
    for row in rows:
        if row.invalidated_at is not None:
            out[row.id] = Validity(False, row.invalidated_at, row.invalidated_reason)
    if not pending:
        return out
    problems: dict[str, tuple[datetime, str]] = {}
    relied = session.execute(
        select(
            DecisionConsent.decision_id,
            CV.consent_id,
            CV.version,
            CV.expires_at,
            CV.revoked_at,
            CV.superseded_at,
        )
        .join(CV, CV.id == DecisionConsent.version_id)
        .where(DecisionConsent.decision_id.in_([r.id for r in pending]))
    )
    for decision_id, consent_id, version, expires_at, revoked_at, superseded_at in relied:
        problem = _version_problem(consent_id, version, expires_at, revoked_at, superseded_at, now)
        if problem is not None and (decision_id not in problems or problem < problems[decision_id]):
            problems[decision_id] = problem
    for row in pending:
        if row.id in problems:
            at, reason = problems[row.id]
            out[row.id] = Validity(False, at, f"{reason} at {at.isoformat()}")
        elif row.valid_until is not None and now >= row.valid_until:
            out[row.id] = Validity(
                False, row.valid_until, f"valid until {row.valid_until.isoformat()}"
            )
        else:
            out[row.id] = VALID
    return out


def validity(session: DbSession, row: DecisionRecord, now: datetime) -> Validity:
    return validities(session, [row], now)[row.id]


def valid_clause(now: datetime) -> ColumnElement[bool]:
    """SQL for "this decision is valid now" (the same test as ``validities``), for filters."""
    broken = exists().where(
        DecisionConsent.decision_id == DecisionRecord.id,
        CV.id == DecisionConsent.version_id,
        or_(
            CV.superseded_at.is_not(None),
            and_(CV.revoked_at.is_not(None), CV.revoked_at <= now),
            CV.expires_at <= now,
        ),
    )
    return and_(
        DecisionRecord.invalidated_at.is_(None),
        or_(DecisionRecord.valid_until.is_(None), DecisionRecord.valid_until > now),
        not_(broken),
    )


def present(row: DecisionRecord, v: Validity) -> dict[str, Any]:
    """The decision as API.md "Decisions" describes it, plus its history fields."""
    return {
        "id": row.id,
        "request_id": row.request_id,
        "sequence": row.sequence,
        "trigger": row.trigger,
        "outcome": row.outcome,
        "basis": row.basis,
        "rules": row.rules,
        "consent_ids": row.consent_ids,
        "missing": row.missing,
        "valid_until": row.valid_until,
        "valid": v.valid,
        "invalidated_at": v.invalidated_at,
        "invalidated_reason": v.reason,
        "decided_at": row.decided_at,
        "decided_by": row.decided_by,
        "ruleset_version": row.ruleset_version,
        "approval_ids": row.approval_ids,
        "exception": row.exception,
        "receipt": row.receipt,
    }
