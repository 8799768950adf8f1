"""Replicas: registered only from an allowed, still valid replica.create request.

Every replica names the request and the decision that allowed it; the consents behind it are
the consent versions that decision relied on. Its status is computed at every read: ``active``
while the current version of each of those consents is still valid for digital_replica in its
production, ``suspended`` otherwise.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Select, select

from registry.accounts.models import User
from registry.audit.trail import record
from registry.consents.models import ConsentVersion as CV
from registry.core.clock import utcnow
from registry.core.errors import Conflict, Forbidden, Invalid, NotFound
from registry.core.ids import new_id
from registry.extensions import db
from registry.gate import facts as bridge
from registry.gate.replicas.models import Replica
from registry.gate.use_requests.models import DecisionConsent
from registry.gate.use_requests.services import current_decision, missing_now, visible_request
from registry.gate.use_requests.validity import validity
from registry.performers.models import Performer
from registry.productions.access import can_see_production, member_production_ids
from registry.rules import consent_problems, labels

READERS = ("admin", "vfx_lead", "legal")
REGISTRARS = ("admin", "vfx_lead")


def visible_replica(user: User, replica_id: str) -> Replica:
    replica = db.session.get(Replica, replica_id)
    if replica is None or user.role not in READERS:
        raise NotFound("No such replica.")
    if user.role == "vfx_lead" and not can_see_production(user, replica.production_id):
        raise NotFound("No such replica.")
    return replica


def replicas_query(user: User, filters: dict[str, Any]) -> Select[Any]:
    stmt = select(Replica).order_by(Replica.created_at.desc(), Replica.id.desc())
    if user.role == "vfx_lead":
        stmt = stmt.where(Replica.production_id.in_(member_production_ids(user)))
    elif user.role not in READERS:
        raise Forbidden("Your role may not read replicas.")
    for name in ("production_id", "performer_id"):
        if filters.get(name):
            stmt = stmt.where(getattr(Replica, name) == filters[name])
    return stmt


def register_replica(
    request_id: str, *, user: User, now: datetime | None = None, name: str | None = None
) -> Replica:
    """Register the replica an allowed replica.create request made. ``name``: how decisions
    name it (default: "<professional name> replica (<media>)")."""
    now = now or utcnow()
    if not user.has_role(*REGISTRARS):
        raise Forbidden("Your role may not register replicas.")
    req = visible_request(user, request_id, lock=True)
    if req.kind != "replica.create":
        raise Invalid(
            "Some fields are invalid.",
            {"request_id": [f"A {req.kind} request, not a replica.create request."]},
        )
    decision = current_decision(req)
    if decision.outcome != "allow":
        missing = missing_now(req, decision, now)
        raise Conflict(
            f"The request's decision is {decision.outcome}, not allow: "
            + ("; ".join(missing) if missing else "it does not allow a replica")
            + ".",
            {"missing": missing} if missing else None,
        )
    state = validity(db.session, decision, now)
    if not state.valid:
        raise Conflict(
            f"The allowing decision is no longer valid ({state.reason}): re-evaluate the request."
        )
    if db.session.execute(select(Replica.id).where(Replica.request_id == req.id)).first():
        raise Conflict(
            "A replica is already registered for this request.",
            {"request_id": ["Already registered."]},
        )
    assert req.performer_id is not None
    performer = db.session.get(Performer, req.performer_id)
    assert performer is not None
    replica = Replica(
        id=new_id("rep"),
        name=(name or "").strip() or default_name(performer.professional_name, req.media),
        performer_id=req.performer_id,
        production_id=req.production_id,
        media=list(req.media),
        request_id=req.id,
        decision_id=decision.id,
        created_by=user.id,
        created_at=now,
    )
    db.session.add(replica)
    db.session.flush()
    record(
        "replica.registered",
        "replica",
        replica.id,
        {
            "name": replica.name,
            "request_id": req.id,
            "decision_id": decision.id,
            "consent_ids": decision.consent_ids,
            "performer_id": replica.performer_id,
            "production_id": replica.production_id,
            "media": replica.media,
        },
        actor_id=user.id,
    )
    return replica


def default_name(professional_name: str, media: list[str]) -> str:
    return f"{professional_name} replica ({', '.join(media)})"


def present(replica: Replica, now: datetime) -> dict[str, Any]:
    """The replica, the consents behind it and whether they still hold (``status``)."""
    relied = db.session.execute(
        select(DecisionConsent.consent_id, CV.version)
        .join(CV, CV.id == DecisionConsent.version_id)
        .where(DecisionConsent.decision_id == replica.decision_id)
        .order_by(DecisionConsent.consent_id)
    ).all()
    fact = bridge.replica_fact(db.session, replica.id)
    performer = bridge.performer_fact(db.session, replica.performer_id)
    problems: list[str] = []
    current = {c.id for c in fact.consents} if fact else set()
    for consent_id, _ in relied:
        if consent_id not in current:
            problems.append("a consent it was made under no longer has a current version")
    for consent in fact.consents if fact else ():
        found = consent_problems(
            consent, performer, replica.production_id, "digital_replica", (), now
        )
        if found:
            problems.append(f"{labels.consent(consent)}: {'; '.join(found)}")
    return {
        "id": replica.id,
        "name": replica.name,
        "performer_id": replica.performer_id,
        "production_id": replica.production_id,
        "media": replica.media,
        "request_id": replica.request_id,
        "decision_id": replica.decision_id,
        "consents": [{"consent_id": c, "version": v} for c, v in relied],
        "status": "suspended" if problems or not relied else "active",
        "status_reasons": problems,
        "created_by": replica.created_by,
        "created_at": replica.created_at,
    }
