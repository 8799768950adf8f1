"""Whether a stored decision still holds now, and a decision as the API and the pages show it.

A decision is valid while it has not been marked invalid (the revocation cascade), its
``valid_until`` has not passed, and every consent version it relied on is still current (not
superseded by an amendment), not revoked and not expired. Expiry needs no job: it shows at the
moment of expiry in every read, because it is computed here from the rows and the clock.

A reason names the consent as people know it (``labels.consent_label``) and carries no date:
the date is ``invalidated_at``, rendered by whoever reads it in their own time zone.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, tzinfo
from typing import Any

from sqlalchemy import ColumnElement, and_, exists, not_, or_, select

from registry.consents.models import ConsentVersion as CV
from registry.core.db import DbSession
from registry.gate.use_requests.models import DecisionConsent, DecisionRecord
from registry.rules.labels import consent_label

# How a consent a decision relied on ended (the cause), in words after its label.
ENDINGS = {"revoked": "was revoked", "expired": "expired", "amended": "was amended (superseded)"}


def ended(label: str, cause: str) -> str:
    """The reason a decision stopped holding: "<the consent> was revoked" (no date)."""
    return f"{label} {ENDINGS.get(cause, f'ended ({cause})')}"


def cause_of(reason: str | None) -> str | None:
    """The cause named in a stored reason (``ended``'s words; older rows add " at <date>")."""
    for cause, words in ENDINGS.items():
        if reason and f" {words}" in reason:
            return cause
    return None


@dataclass(frozen=True, slots=True)
class Validity:
    """``cause``: revoked, expired, amended or valid_until when not valid (None if unknown)."""

    valid: bool
    invalidated_at: datetime | None = None
    reason: str | None = None
    cause: str | None = None


VALID = Validity(True)


def _version_problem(
    label: str,
    expires_at: datetime,
    revoked_at: datetime | None,
    superseded_at: datetime | None,
    now: datetime,
) -> tuple[datetime, str] | None:
    """(when, cause) of the earliest way this relied-on version ended by ``now``."""
    found: list[tuple[datetime, str]] = []
    if revoked_at is not None and revoked_at <= now:
        found.append((revoked_at, "revoked"))
    if expires_at <= now:
        found.append((expires_at, "expired"))
    if superseded_at is not None and superseded_at <= now:
        found.append((superseded_at, "amended"))
    return min(found) if found else None


def validities(
    session: DbSession, rows: Sequence[DecisionRecord], now: datetime
) -> dict[str, Validity]:
    """The validity of each decision, with one query for all of them."""
    out: dict[str, Validity] = {}
    pending = [r for r in rows if r.invalidated_at is None]
    for row in rows:
        if row.invalidated_at is not None:
            reason = row.invalidated_reason
            out[row.id] = Validity(False, row.invalidated_at, reason, cause_of(reason))
    if not pending:
        return out
    problems: dict[str, tuple[datetime, str, str]] = {}
    relied = session.execute(
        select(
            DecisionConsent.decision_id,
            CV.consent_id,
            CV.version,
            CV.description,
            CV.expires_at,
            CV.revoked_at,
            CV.superseded_at,
        )
        .join(CV, CV.id == DecisionConsent.version_id)
        .where(DecisionConsent.decision_id.in_([r.id for r in pending]))
    )
    for decision_id, consent_id, version, description, expires_at, revoked_at, superseded in relied:
        label = consent_label(consent_id, version, description)
        problem = _version_problem(label, expires_at, revoked_at, superseded, now)
        if problem is None:
            continue
        found = (*problem, label)
        if decision_id not in problems or found < problems[decision_id]:
            problems[decision_id] = found
    for row in pending:
        if row.id in problems:
            at, cause, label = problems[row.id]
            out[row.id] = Validity(False, at, ended(label, cause), cause)
        elif row.valid_until is not None and now >= row.valid_until:
            out[row.id] = Validity(
                False, row.valid_until, "the decision's validity ran out", "valid_until"
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


def present(row: DecisionRecord, v: Validity, tz: tzinfo = UTC) -> dict[str, Any]:
    """The decision as API.md "Decisions" describes it, plus its history fields.

    ``next_step`` is computed here, when read: for a decision no longer valid it says so, and
    its dates are rendered in ``tz`` (the reader's time zone)."""
    return {
        "id": row.id,
        "request_id": row.request_id,
        "sequence": row.sequence,
        "trigger": row.trigger,
        "outcome": row.outcome,
        "basis": row.basis,
        "rules": row.rules,
        "considered": row.considered or [],
        "next_step": next_step(row, v, tz),
        "next_step_at": next_step_at(row, v),
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


_FALLBACK = {  # decisions stored before ruleset 2026.12-1 kept no next step
    "allow": "go ahead",
    "escalate": "send the request to legal for a written approval",
    "deny": "supply what is missing, then ask again",
}
_AGAIN = {
    "revoked": "the consent it relied on was revoked on {at}; ask again once a new consent is "
    "recorded",
    "expired": "the consent it relied on expired on {at}; ask again once it is renewed",
    "amended": "the consent it relied on was amended on {at}; ask again to be decided on the "
    "new version",
    "valid_until": "the decision ran out on {at}; ask again",
}


def local(value: datetime, tz: tzinfo = UTC) -> str:
    """A time as a person reads it, in their time zone: 2027-09-30 14:00 UTC."""
    return value.astimezone(tz).strftime("%Y-%m-%d %H:%M %Z")


def next_step_at(row: DecisionRecord, v: Validity) -> datetime | None:
    """The date the next step speaks of (when it stopped being valid, or until when an allow
    holds), for a reader to render in their own time zone."""
    if not v.valid:
        return v.invalidated_at
    return row.valid_until if row.outcome == "allow" else None


def next_step(row: DecisionRecord, v: Validity, tz: tzinfo = UTC) -> str:
    """What to do now, in one sentence, computed when read (never stored with a date)."""
    if not v.valid:
        at = local(v.invalidated_at, tz) if v.invalidated_at else "an earlier date"
        template = _AGAIN.get(
            v.cause or "", "the decision is no longer valid since {at}; ask again"
        )
        return template.format(at=at)
    step = row.next_step or _FALLBACK.get(row.outcome, "")
    if row.outcome == "allow" and row.valid_until is not None:
        step += f"; the decision is valid until {local(row.valid_until, tz)}"
    return step
