"""Written approvals: legal approves an escalate decision, and the request is decided again.

The request row is locked (PostgreSQL ``SELECT ... FOR UPDATE``; on SQLite every transaction
already holds the write lock) and the current decision re-checked inside the transaction, and
``approvals.decision_id`` is unique: simultaneous approvals of one request give exactly one
approval and one new decision; the others are refused (409). An approval never turns a deny
into an allow (R14): that is refused too, naming what is missing.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.exc import IntegrityError

from registry.accounts.models import User
from registry.approvals.models import Approval
from registry.audit.services import AuditEntry
from registry.core.clock import utcnow
from registry.core.errors import Conflict, Forbidden
from registry.core.ids import new_id
from registry.extensions import db
from registry.requests.models import DecisionRecord, UseRequest
from registry.requests.services import current_decision, decide_request, visible_request
from registry.requests.validity import validity

APPROVERS = ("legal", "admin")


def approve(
    request_id: str, data: dict[str, Any], *, user: User, now: datetime | None = None
) -> tuple[UseRequest, Approval, DecisionRecord]:
    """Record a written approval of the request's current (escalate, valid) decision; the
    request is decided again at once (the new decision is returned, valid as made)."""
    now = now or utcnow()
    if not user.has_role(*APPROVERS):
        raise Forbidden("Only legal records written approvals.")
    req = visible_request(user, request_id, lock=True)
    current = current_decision(req)
    if data.get("decision_id") and data["decision_id"] != current.id:
        raise Conflict(
            "The request has been decided again since that decision: review the current one.",
            {"decision_id": [f"Not the current decision (that is {current.id})."]},
        )
    if current.outcome == "deny":
        missing = list(current.missing) or ["(nothing named)"]
        raise Conflict(
            "A written approval never turns a deny into an allow (R14); still missing: "
            + "; ".join(missing),
            {"missing": missing},
        )
    if current.outcome == "allow":
        raise Conflict("The request is already allowed: there is nothing to approve.")
    state = validity(db.session, current, now)
    if not state.valid:
        raise Conflict(
            f"The escalate decision is no longer valid ({state.reason}): "
            "re-evaluate the request before approving it."
        )
    approval = Approval(
        id=new_id("apr"),
        request_id=req.id,
        decision_id=current.id,
        note=data["note"],
        evidence_sha256=data["evidence_sha256"].lower(),
        clears_sources=bool(data.get("clears_sources")),
        approved_by=user.id,
        created_at=now,
    )
    db.session.add(approval)
    try:
        db.session.flush()
    except IntegrityError as exc:  # a concurrent approval of the same decision won the race
        raise Conflict("This decision has already been approved.") from exc
    recorded = AuditEntry(
        "approval.recorded",
        "approval",
        approval.id,
        {
            "request_id": req.id,
            "decision_id": current.id,
            "evidence_sha256": approval.evidence_sha256,
            "clears_sources": approval.clears_sources,
        },
        user.id,
    )
    decided = decide_request(req, now, trigger="approval", actor_id=user.id, audit_first=[recorded])
    return req, approval, decided


def approvals_query(req: UseRequest) -> Select[Any]:
    return select(Approval).where(Approval.request_id == req.id).order_by(Approval.created_at)
