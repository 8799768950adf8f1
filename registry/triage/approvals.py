"""Legal clears or refuses an escalated declaration.

An approval approves the declaration's current triage (``approvals.triage_id`` is unique, and
the declaration row is locked while it is checked): it holds for that triage's version and tool
terms (``clearance``). 409 unless the level is ``escalate`` and the declaration is not yet
cleared, while a use request it needs is not ``allow`` and valid (naming them), when legal
refused this version, and when ``approval_needed`` is false for an escalation that needs
written approval (T2's escalate rows, T3, T4). A refusal records legal declining, with a
reason: the declaration stays not cleared until it is amended. Both are audited and tell the
declarer.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from registry.accounts.models import User
from registry.approvals.models import Approval, Refusal
from registry.audit.trail import record
from registry.core.errors import Conflict, Forbidden
from registry.core.ids import new_id
from registry.extensions import db
from registry.gate import facts as bridge
from registry.reminders import events as webhook_events
from registry.rules import labels
from registry.triage import notices
from registry.triage.clearance import clearances
from registry.triage.declarations import current_triage, current_version, visible_declaration
from registry.triage.models import Declaration

APPROVERS = ("legal", "admin")


def _names(ids: tuple[str, ...]) -> list[str]:
    found = []
    for performer_id in ids:
        fact = bridge.performer_fact(db.session, performer_id)
        found.append(labels.performer(fact) if fact is not None else performer_id)
    return found


def approve(
    declaration_id: str,
    data: dict[str, Any],
    *,
    user: User,
    now: datetime,
    document_id: str | None = None,
) -> tuple[Declaration, Approval]:
    if not user.has_role(*APPROVERS):
        raise Forbidden("Only legal clears declarations.")
    decl = visible_declaration(user, declaration_id, lock=True)
    triage = current_triage(decl)
    if data.get("triage_id") and data["triage_id"] != triage.id:
        raise Conflict(
            "The declaration has been triaged again since: review the current triage.",
            {"triage_id": [f"Not the current triage (that is {triage.id})."]},
        )
    state = clearances([decl], now)[decl.id]
    if state.refused:
        raise Conflict(
            "Legal refused this version of the declaration; it can be cleared only once it "
            "is amended."
        )
    if state.waiting_for:
        missing = [
            f"an allowed, valid use request for {name}" for name in _names(state.waiting_for)
        ]
        raise Conflict(
            "A use request the declaration needs is not allowed and valid: " + "; ".join(missing),
            {"missing": missing},
        )
    if triage.level != "escalate":
        raise Conflict(f"The declaration is {triage.level}: it may proceed without approval.")
    if state.cleared:
        raise Conflict("The declaration is already cleared.")
    needed = bool(data.get("approval_needed", True))
    if not needed and triage.approval == "written":
        fired = sorted({r["id"] for r in triage.rules if r["outcome"] == "escalate"} - {"T1"})
        raise Conflict(
            "This escalation needs written approval ("
            + ", ".join(fired)
            + "): a record that none is needed is only for an escalation for guidance (T1).",
            {"approval_needed": ["Written approval is needed here."]},
        )
    approval = Approval(
        id=new_id("apr"),
        declaration_id=decl.id,
        triage_id=triage.id,
        note=data["note"],
        evidence_sha256=data["evidence_sha256"].lower(),
        document_id=document_id,
        approval_needed=needed,
        approved_by=user.id,
        created_at=now,
    )
    db.session.add(approval)
    try:
        db.session.flush()
    except IntegrityError as exc:  # a concurrent approval of the same triage won the race
        raise Conflict("This triage has already been approved.") from exc
    record(
        "approval.recorded",
        "approval",
        approval.id,
        {
            "declaration_id": decl.id,
            "triage_id": triage.id,
            "version_id": triage.version_id,
            "terms_digest": triage.terms_digest,
            "evidence_sha256": approval.evidence_sha256,
            "document_id": document_id,
            "approval_needed": needed,
        },
        actor_id=user.id,
    )
    notices.cleared(decl, current_version(decl).title, now)
    webhook_events.declaration_cleared(
        declaration_id=decl.id,
        production_id=decl.production_id,
        version=current_version(decl).version,
        triage_id=triage.id,
        approval_id=approval.id,
        approval_needed=needed,
        cleared_at=now,
    )
    return decl, approval


def refuse(
    declaration_id: str, reason: str, *, user: User, now: datetime
) -> tuple[Declaration, Refusal]:
    if not user.has_role(*APPROVERS):
        raise Forbidden("Only legal refuses declarations.")
    decl = visible_declaration(user, declaration_id, lock=True)
    triage = current_triage(decl)
    if clearances([decl], now)[decl.id].refused:
        raise Conflict("Legal already refused this version of the declaration.")
    refusal = Refusal(
        id=new_id("ref"),
        declaration_id=decl.id,
        triage_id=triage.id,
        reason=reason,
        refused_by=user.id,
        created_at=now,
    )
    db.session.add(refusal)
    db.session.flush()
    record(
        "refusal.recorded",
        "refusal",
        refusal.id,
        {"declaration_id": decl.id, "triage_id": triage.id, "version_id": triage.version_id},
        actor_id=user.id,
    )
    notices.refused(decl, current_version(decl).title, now)
    return decl, refusal


def approvals_of(decl: Declaration) -> list[Approval]:
    return list(
        db.session.execute(
            select(Approval).where(Approval.declaration_id == decl.id).order_by(Approval.created_at)
        ).scalars()
    )


def refusals_of(decl: Declaration) -> list[Refusal]:
    return list(
        db.session.execute(
            select(Refusal).where(Refusal.declaration_id == decl.id).order_by(Refusal.created_at)
        ).scalars()
    )
