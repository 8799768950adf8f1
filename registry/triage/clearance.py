"""Whether a declaration may proceed (``cleared``), computed when read, for many at once.

DOMAIN.md: ``cleared`` is true for ``low`` and ``caution``, and for ``escalate`` once a studio
contact has cleared it. A clearance belongs to the declaration's version and to the tool terms
it was given for: an approval holds for the current triage only when the triage it approved
read the same version and the same terms (``terms_digest``), and a record that no written
approval is needed holds only while the escalation is still one for guidance (T1 alone).
A refusal by legal holds for the version it refused (amending asks again). A declaration that
touches performers is cleared only while each of them has a use request serving it that is
``allow`` and valid now (the gate's own validity test), whatever its level.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import aliased

from registry.approvals.models import Approval, Refusal
from registry.core.chunks import chunked
from registry.extensions import db
from registry.gate.use_requests.models import DecisionRecord, UseRequest
from registry.gate.use_requests.validity import valid_clause
from registry.performers.models import Performer
from registry.triage.models import Declaration, DeclarationVersion, TriageRecord

CHUNK = 500


@dataclass(frozen=True, slots=True)
class Clearance:
    cleared: bool
    reason: str
    refused: bool = False
    approval_id: str | None = None
    waiting_for: tuple[str, ...] = ()  # performers without an allowed, valid use request


def allowed_performers(declaration_ids: Iterable[str], now: datetime) -> dict[str, set[str]]:
    """Per declaration, the performers with a use request serving it that is allow and valid."""
    found: dict[str, set[str]] = defaultdict(set)
    for chunk in chunked(sorted(set(declaration_ids)), CHUNK):
        rows = db.session.execute(
            select(UseRequest.declaration_id, UseRequest.performer_id)
            .join(DecisionRecord, DecisionRecord.id == UseRequest.current_decision_id)
            .where(
                UseRequest.declaration_id.in_(chunk),
                DecisionRecord.outcome == "allow",
                valid_clause(now),
            )
        )
        for declaration_id, performer_id in rows:
            if declaration_id is not None and performer_id is not None:
                found[declaration_id].add(performer_id)
    return found


def clearances(decls: Iterable[Declaration], now: datetime) -> dict[str, Clearance]:
    """The clearance of each declaration as of ``now`` (a few queries per 500 of them)."""
    by_id = {d.id: d for d in decls}
    out: dict[str, Clearance] = {}
    for chunk in chunked(sorted(by_id), CHUNK):
        out.update(_chunk([by_id[i] for i in chunk], now))
    return out


def _names(performer_ids: set[str]) -> dict[str, str]:
    """Professional names, as reasons name performers."""
    if not performer_ids:
        return {}
    rows = db.session.execute(
        select(Performer.id, Performer.professional_name).where(Performer.id.in_(performer_ids))
    )
    return {pid: name for pid, name in rows}


def _chunk(decls: list[Declaration], now: datetime) -> dict[str, Clearance]:
    ids = [d.id for d in decls]
    current = {
        t.declaration_id: t
        for t in db.session.execute(
            select(
                TriageRecord.declaration_id,
                TriageRecord.version_id,
                TriageRecord.level,
                TriageRecord.approval,
                TriageRecord.terms_digest,
            ).where(
                TriageRecord.id.in_([d.current_triage_id for d in decls if d.current_triage_id])
            )
        )
    }
    performers = {
        v.declaration_id: list(v.performer_ids or ())
        for v in db.session.execute(
            select(DeclarationVersion.declaration_id, DeclarationVersion.performer_ids).where(
                DeclarationVersion.declaration_id.in_(ids),
                DeclarationVersion.superseded_at.is_(None),
            )
        )
    }
    approved = aliased(TriageRecord)
    approvals: dict[str, list[tuple[str, bool, str, str]]] = defaultdict(list)
    for declaration_id, approval_id, needed, version_id, digest in db.session.execute(
        select(
            Approval.declaration_id,
            Approval.id,
            Approval.approval_needed,
            approved.version_id,
            approved.terms_digest,
        )
        .join(approved, approved.id == Approval.triage_id)
        .where(Approval.declaration_id.in_(ids))
        .order_by(Approval.created_at)
    ):
        approvals[declaration_id].append((approval_id, needed, version_id, digest))
    refusals: dict[str, list[tuple[str, str]]] = defaultdict(list)
    refused_triage = aliased(TriageRecord)
    for declaration_id, version_id, reason in db.session.execute(
        select(Refusal.declaration_id, refused_triage.version_id, Refusal.reason)
        .join(refused_triage, refused_triage.id == Refusal.triage_id)
        .where(Refusal.declaration_id.in_(ids))
        .order_by(Refusal.created_at)
    ):
        refusals[declaration_id].append((version_id, reason))
    touching = [i for i in ids if performers.get(i)]
    allowed = allowed_performers(touching, now) if touching else {}
    waiting = {i: [p for p in performers[i] if p not in allowed.get(i, set())] for i in touching}
    names = _names({p for ps in waiting.values() for p in ps})
    out: dict[str, Clearance] = {}
    for decl in decls:
        triage = current.get(decl.id)
        if triage is None:
            out[decl.id] = Clearance(False, "not triaged yet")
            continue
        out[decl.id] = _one(
            triage,
            approvals.get(decl.id, []),
            [reason for vid, reason in refusals.get(decl.id, []) if vid == triage.version_id],
            waiting.get(decl.id, []),
            names,
        )
    return out


def _one(
    triage: Any,  # a row: version_id, level, approval, terms_digest
    approvals: list[tuple[str, bool, str, str]],
    refusals: list[str],
    waiting: list[str],
    names: dict[str, str],
) -> Clearance:
    if refusals:
        return Clearance(False, f"refused by legal: {refusals[-1]}", refused=True)
    if waiting:
        who = ", ".join(names.get(p, p) for p in waiting)
        return Clearance(
            False,
            f"waiting for an allowed, valid use request for {who}",
            waiting_for=tuple(waiting),
        )
    if triage.level != "escalate":
        return Clearance(True, f"{triage.level}: may proceed")
    for approval_id, needed, version_id, digest in reversed(approvals):
        if version_id != triage.version_id or digest != triage.terms_digest:
            continue
        if needed:
            return Clearance(True, "approved in writing by legal", approval_id=approval_id)
        if triage.approval == "guidance":
            return Clearance(
                True, "legal recorded that no written approval is needed", approval_id=approval_id
            )
    if triage.approval == "guidance":
        return Clearance(False, "waiting for the studio contact's guidance")
    return Clearance(False, "waiting for legal's written approval")
