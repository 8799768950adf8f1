"""Every request and decision that relied on a consent of the performers a talent rep
represents (admin: every performer's), newest first: what was asked, where, the outcome, whether
it still holds, and which consent version it relied on. The rep's page is
``/requests/on-my-consents``; reps cannot open requests themselves, so each row says it all.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from registry.accounts.models import User
from registry.consents.models import ConsentVersion as CV
from registry.core.errors import Forbidden
from registry.extensions import db
from registry.gate.use_requests.models import DecisionConsent, DecisionRecord, UseRequest
from registry.gate.use_requests.validity import validities
from registry.performers.access import represented_ids
from registry.performers.models import Performer
from registry.productions.models import Production
from registry.rules.labels import consent_label

READERS = ("admin", "talent_rep")
LIMIT = 1000


@dataclass(frozen=True, slots=True)
class Reliance:
    decision_id: str
    sequence: int
    request_id: str
    kind: str
    description: str
    outcome: str
    basis: str | None
    decided_at: datetime
    valid: bool
    invalid_reason: str | None
    current: bool
    production: str
    performer: str
    consent_id: str
    consent: str


def reliances(user: User, now: datetime, performer_id: str | None = None) -> list[Reliance]:
    """Decisions that relied on a consent of the user's performers, newest first (at most
    ``LIMIT``); ``performer_id`` narrows to one of them."""
    if not user.has_role(*READERS):
        raise Forbidden("Your role may not read this page.")
    stmt = (
        select(
            DecisionRecord,
            UseRequest.kind,
            UseRequest.description,
            UseRequest.current_decision_id,
            Production.code,
            Performer.professional_name,
            CV.consent_id,
            CV.version,
            CV.description,
        )
        .select_from(DecisionConsent)
        .join(DecisionRecord, DecisionRecord.id == DecisionConsent.decision_id)
        .join(UseRequest, UseRequest.id == DecisionRecord.request_id)
        .join(Production, Production.id == UseRequest.production_id)
        .join(CV, CV.id == DecisionConsent.version_id)
        .join(Performer, Performer.id == CV.performer_id)
        .order_by(DecisionRecord.decided_at.desc(), DecisionRecord.id.desc())
        .limit(LIMIT)
    )
    if user.role == "talent_rep":
        stmt = stmt.where(CV.performer_id.in_(represented_ids(user)))
    if performer_id:
        stmt = stmt.where(CV.performer_id == performer_id)
    rows = db.session.execute(stmt).all()
    states = validities(db.session, [r[0] for r in rows], now)
    out = []
    for decision, kind, description, current_id, code, name, cid, number, cdesc in rows:
        state = states[decision.id]
        out.append(
            Reliance(
                decision_id=decision.id,
                sequence=decision.sequence,
                request_id=decision.request_id,
                kind=kind,
                description=description,
                outcome=decision.outcome,
                basis=decision.basis,
                decided_at=decision.decided_at,
                valid=state.valid,
                invalid_reason=state.reason,
                current=decision.id == current_id,
                production=code,
                performer=name,
                consent_id=cid,
                consent=consent_label(cid, number, cdesc),
            )
        )
    return out
