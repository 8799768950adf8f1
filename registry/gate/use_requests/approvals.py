"""Written approvals: legal approves an escalate decision, and the request is decided again.

The request row is locked (PostgreSQL ``SELECT ... FOR UPDATE``; on SQLite every transaction
already holds the write lock) and the current decision re-checked inside the transaction, and
``approvals.decision_id`` is unique: simultaneous approvals of one request give exactly one
approval and one new decision; the others are refused (409). An approval never turns a deny
into an allow (R14): that is refused too, naming what is missing.

Legal may decline instead (``refuse``): the decision stays ``escalate`` and cannot be approved
until the request is asked again. Approving and declining tell the requester.

A decision made under an older ruleset is decided again first, in memory, under the current
one: if that says deny, the approval is refused (409, naming what is missing) and nothing is
written; if it no longer needs an approval, the caller is told to re-evaluate instead.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.exc import IntegrityError

from registry.accounts.models import User
from registry.approvals.models import Approval, Refusal
from registry.audit.services import AuditEntry
from registry.audit.trail import record_all
from registry.core.clock import utcnow
from registry.core.errors import Conflict, Forbidden
from registry.core.ids import new_id
from registry.extensions import db
from registry.gate import facts as bridge
from registry.gate.use_requests.models import DecisionRecord, UseRequest
from registry.gate.use_requests.services import (
    current_decision,
    decide_request,
    decided_now,
    missing_now,
    visible_request,
)
from registry.gate.use_requests.validity import validity
from registry.reminders.outbox import tell
from registry.rules import RULESET_VERSION

APPROVERS = ("legal", "admin")


def approve(
    request_id: str,
    data: dict[str, Any],
    *,
    user: User,
    now: datetime | None = None,
    document_id: str | None = None,
) -> tuple[UseRequest, Approval, DecisionRecord]:
    """Record a written approval of the request's current (escalate, valid) decision; the
    request is decided again at once (the new decision is returned, valid as made).
    ``document_id``: the signed approval uploaded on the page (its hash is the evidence)."""
    now = now or utcnow()
    if not user.has_role(*APPROVERS):
        raise Forbidden("Only legal records written approvals.")
    req = visible_request(user, request_id, lock=True)
    current = current_decision(req)
    if _refusal_of(current.id) is not None:
        raise Conflict(
            "Legal declined this decision; it can be approved only once the request is asked "
            "again (re-evaluated)."
        )
    if data.get("decision_id") and data["decision_id"] != current.id:
        raise Conflict(
            "The request has been decided again since that decision: review the current one.",
            {"decision_id": [f"Not the current decision (that is {current.id})."]},
        )
    if current.outcome == "deny":
        missing = missing_now(req, current, now) or ["(nothing named)"]
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
    if current.ruleset_version != RULESET_VERSION:
        _still_escalates(req, current.ruleset_version, now)
    approval = Approval(
        id=new_id("apr"),
        request_id=req.id,
        decision_id=current.id,
        note=data["note"],
        evidence_sha256=data["evidence_sha256"].lower(),
        clears_sources=bool(data.get("clears_sources")),
        confirms_estate=bool(data.get("confirms_estate")),
        document_id=document_id,
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
            "confirms_estate": approval.confirms_estate,
            **({"document_id": document_id} if document_id else {}),
        },
        user.id,
    )
    record_all([recorded])
    decided = decide_request(req, now, trigger="approval", actor_id=user.id)
    _tell_requester(req, "request.approved", f"Approved in writing: {decided.outcome}", now)
    return req, approval, decided


def refuse(
    request_id: str, reason: str, *, user: User, now: datetime
) -> tuple[UseRequest, Refusal]:
    """Legal declines the current escalate decision, with a reason: the decision stays
    ``escalate`` and cannot be approved until the request is asked again."""
    if not user.has_role(*APPROVERS):
        raise Forbidden("Only legal declines requests.")
    req = visible_request(user, request_id, lock=True)
    current = current_decision(req)
    if current.outcome != "escalate":
        raise Conflict(f"The current decision is {current.outcome}: there is nothing to decline.")
    if _refusal_of(current.id) is not None:
        raise Conflict("Legal already declined this decision.")
    refusal = Refusal(
        id=new_id("ref"),
        request_id=req.id,
        decision_id=current.id,
        reason=reason,
        refused_by=user.id,
        created_at=now,
    )
    db.session.add(refusal)
    db.session.flush()
    record_all(
        [
            AuditEntry(
                "refusal.recorded",
                "refusal",
                refusal.id,
                {"request_id": req.id, "decision_id": current.id},
                user.id,
            )
        ]
    )
    _tell_requester(req, "request.refused", "Declined by legal", now)
    return req, refusal


def _refusal_of(decision_id: str) -> Refusal | None:
    return db.session.execute(
        select(Refusal).where(Refusal.decision_id == decision_id).limit(1)
    ).scalar_one_or_none()


def declined_decisions(decision_ids: list[str]) -> set[str]:
    """Which of these decisions legal declined."""
    if not decision_ids:
        return set()
    return {
        str(d)
        for d in db.session.execute(
            select(Refusal.decision_id).where(Refusal.decision_id.in_(decision_ids))
        ).scalars()
    }


def refusals_query(req: UseRequest) -> Select[Any]:
    return select(Refusal).where(Refusal.request_id == req.id).order_by(Refusal.created_at)


def _tell_requester(req: UseRequest, kind: str, what: str, now: datetime) -> None:
    if req.requested_by is None:
        return
    production = bridge.production_fact(db.session, req.production_id)
    where = production.code if production is not None else req.production_id
    tell(
        kind,
        production_id=req.production_id,
        recipients=[req.requested_by],
        title=f"{what}: your {req.kind} request in {where}",
        link_path=f"/requests/{req.id}",
        subject=("use_request", req.id),
        now=now,
    )


def _still_escalates(req: UseRequest, old_version: str, now: datetime) -> None:
    """The request decided again under the current ruleset, without writing anything: a deny
    or an allow there refuses the approval (409)."""
    fresh = decided_now(req, now)
    if fresh.outcome == "deny":
        missing = list(fresh.missing) or ["(nothing named)"]
        raise Conflict(
            f"The decision was made under ruleset {old_version}; under ruleset "
            f"{RULESET_VERSION} the request is denied, and a written approval never turns a "
            "deny into an allow (R14). Still missing: " + "; ".join(missing),
            {"missing": missing},
        )
    if fresh.outcome == "allow":
        raise Conflict(
            f"The decision was made under ruleset {old_version}; under ruleset "
            f"{RULESET_VERSION} the request needs no written approval: re-evaluate it."
        )


def approvals_query(req: UseRequest) -> Select[Any]:
    return select(Approval).where(Approval.request_id == req.id).order_by(Approval.created_at)
