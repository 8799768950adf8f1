"""The bridge: turns rows into the rules engine's facts (``registry.rules``), with few queries.

Only column selects (no ORM objects), so a decision reads quickly even with millions of consents:
the performer's current consent versions come from ``ix_consent_versions_scope``. Candidate
consents are the current versions of the performer's consents in ANY production (the engine
applies C1-C5 itself). Recorded consents (a model's training, a replica's creation) are given
as the current version of each recorded consent, as the engine expects.

``version_ids`` maps each consent id given to the engine to the consent version row it was
read from, so that a decision can record exactly which versions it relied on.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Select, select

from registry.approvals.models import Approval
from registry.consents.models import ConsentVersion as CV
from registry.core.db import DbSession
from registry.models.models import (
    EnhancementModel,
    ModelPerformer,
    ModelSourceClearance,
    ModelTrainingConsent,
)
from registry.performers.models import Performer
from registry.productions.models import Production
from registry.replicas.models import Replica
from registry.requests.models import DecisionConsent, UseRequest
from registry.rules import (
    ApprovalFact,
    ConsentFact,
    DecisionInput,
    ModelFact,
    PerformerFact,
    ProductionFact,
    ReplicaFact,
    RequestFacts,
    SourceFact,
)

_CV_COLUMNS = (
    CV.id,
    CV.consent_id,
    CV.version,
    CV.performer_id,
    CV.production_id,
    CV.purposes,
    CV.media,
    CV.description,
    CV.evidence_sha256,
    CV.guild_compliant,
    CV.signed_by,
    CV.effective_from,
    CV.expires_at,
    CV.revoked_at,
    CV.superseded_at,
)


@dataclass
class Loaded:
    """The engine's input for one request, and where each consent fact came from."""

    input: DecisionInput
    version_ids: dict[str, str] = field(default_factory=dict)


def consent_fact(row: Any) -> ConsentFact:
    """A ConsentFact from a row selected with ``_CV_COLUMNS``."""
    return ConsentFact(
        id=row[1],
        version=row[2],
        performer_id=row[3],
        production_id=row[4],
        purposes=frozenset(row[5] or ()),
        media=frozenset(row[6] or ()),
        description=row[7] or "",
        evidence_sha256=row[8],
        guild_compliant=bool(row[9]),
        signed_by=row[10],
        effective_from=row[11],
        expires_at=row[12],
        revoked_at=row[13],
        superseded=row[14] is not None,
    )


def _consents(
    session: DbSession, stmt: Select[Any], version_ids: dict[str, str]
) -> tuple[ConsentFact, ...]:
    out = []
    for row in session.execute(stmt):
        out.append(consent_fact(row))
        version_ids[row[1]] = row[0]
    return tuple(out)


def current_consents_of(performer_ids: Iterable[str]) -> Select[Any]:
    """Current versions of every consent of these performers, in any production."""
    ids = list(performer_ids)
    stmt = select(*_CV_COLUMNS).where(CV.superseded_at.is_(None))
    if len(ids) == 1:
        return stmt.where(CV.performer_id == ids[0])
    return stmt.where(CV.performer_id.in_(ids))


def request_facts(facts: dict[str, Any]) -> RequestFacts:
    """The stored ``facts`` JSON of a request as the engine's RequestFacts."""
    return RequestFacts(
        as_recorded=bool(facts.get("as_recorded")),
        safety=bool(facts.get("safety")),
        unrecognizable=bool(facts.get("unrecognizable")),
        changes=frozenset(facts.get("changes") or ()),
        dubbing_or_double_permitted=bool(facts.get("dubbing_or_double_permitted")),
        alters_tone_delivery_or_intent=bool(facts.get("alters_tone_delivery_or_intent")),
        new_dialogue=bool(facts.get("new_dialogue")),
        may_harm_reputation=bool(facts.get("may_harm_reputation")),
        training_sources=tuple(
            SourceFact(str(s.get("description", "")), str(s.get("clearance", "")))
            for s in facts.get("training_sources") or ()
        ),
    )


def performer_fact(session: DbSession, performer_id: str | None) -> PerformerFact | None:
    if performer_id is None:
        return None
    row = session.execute(
        select(Performer.id, Performer.guild, Performer.deceased).where(
            Performer.id == performer_id
        )
    ).first()
    return PerformerFact(row[0], row[1], bool(row[2])) if row else None


def production_fact(session: DbSession, production_id: str) -> ProductionFact | None:
    row = session.execute(
        select(Production.id, Production.kind).where(Production.id == production_id)
    ).first()
    return ProductionFact(row[0], row[1]) if row else None


def effective_sources(
    sources: list[dict[str, Any]], cleared: Iterable[int]
) -> tuple[SourceFact, ...]:
    """The registered sources, with those legal cleared later counting as ``cleared``."""
    done = set(cleared)
    return tuple(
        SourceFact(
            str(s.get("description", "")),
            "cleared" if i in done else str(s.get("clearance", "")),
        )
        for i, s in enumerate(sources)
    )


def model_fact(
    session: DbSession,
    model_id: str,
    *,
    target: ProductionFact | None = None,
    version_ids: dict[str, str] | None = None,
) -> ModelFact | None:
    """The model as the engine sees it now. With a ``target`` production outside the model's
    own (another production, or a pitch or concept), also the model_reuse candidates of its
    performers for that production (R9)."""
    ids = version_ids if version_ids is not None else {}
    row = session.execute(
        select(
            EnhancementModel.id,
            EnhancementModel.production_id,
            EnhancementModel.training_sources,
            EnhancementModel.retired_at,
        ).where(EnhancementModel.id == model_id)
    ).first()
    if row is None:
        return None
    performers = tuple(
        PerformerFact(p[0], p[1], bool(p[2]))
        for p in session.execute(
            select(Performer.id, Performer.guild, Performer.deceased)
            .join(ModelPerformer, ModelPerformer.performer_id == Performer.id)
            .where(ModelPerformer.model_id == model_id)
            .order_by(ModelPerformer.position)
        )
    )
    cleared = session.execute(
        select(ModelSourceClearance.source_index).where(ModelSourceClearance.model_id == model_id)
    ).scalars()
    training = _consents(
        session,
        select(*_CV_COLUMNS)
        .join(ModelTrainingConsent, ModelTrainingConsent.consent_id == CV.consent_id)
        .where(ModelTrainingConsent.model_id == model_id, CV.superseded_at.is_(None)),
        ids,
    )
    reuse: tuple[ConsentFact, ...] = ()
    outside = target is not None and (target.id != row[1] or target.kind != "production")
    if outside and performers and target is not None:
        reuse = _consents(
            session,
            select(*_CV_COLUMNS).where(
                CV.performer_id.in_([p.id for p in performers]),
                CV.production_id == target.id,
                CV.superseded_at.is_(None),
            ),
            ids,
        )
    return ModelFact(
        id=row[0],
        production_id=row[1],
        performer_ids=tuple(p.id for p in performers),
        sources=effective_sources(row[2] or [], cleared),
        retired=row[3] is not None,
        training_consents=training,
        reuse_consents=reuse,
        performers=performers,
    )


def replica_fact(
    session: DbSession, replica_id: str, version_ids: dict[str, str]
) -> ReplicaFact | None:
    row = session.execute(
        select(
            Replica.id,
            Replica.performer_id,
            Replica.production_id,
            Replica.media,
            Replica.decision_id,
        ).where(Replica.id == replica_id)
    ).first()
    if row is None:
        return None
    consents = _consents(
        session,
        select(*_CV_COLUMNS)
        .join(DecisionConsent, DecisionConsent.consent_id == CV.consent_id)
        .where(DecisionConsent.decision_id == row[4], CV.superseded_at.is_(None)),
        version_ids,
    )
    return ReplicaFact(row[0], row[1], row[2], frozenset(row[3] or ()), consents)


def approval_facts(session: DbSession, request_id: str) -> tuple[ApprovalFact, ...]:
    return tuple(
        ApprovalFact(r[0], r[1], r[2], bool(r[3]))
        for r in session.execute(
            select(Approval.id, Approval.note, Approval.evidence_sha256, Approval.clears_sources)
            .where(Approval.request_id == request_id)
            .order_by(Approval.id)
        )
    )


def load(session: DbSession, req: UseRequest, now: datetime, *, new: bool = False) -> Loaded:
    """Everything one decision on ``req`` reads, as of ``now``.

    ``new``: the request was just created, so it has no approvals yet (one query saved).
    """
    version_ids: dict[str, str] = {}
    production = production_fact(session, req.production_id)
    performer_id = req.performer_id
    replica = None
    if req.kind == "replica.use" and req.replica_id is not None:
        replica = replica_fact(session, req.replica_id, version_ids)
        if performer_id is None and replica is not None:
            performer_id = replica.performer_id
    model = None
    if req.kind == "model.use" and req.model_id is not None:
        model = model_fact(session, req.model_id, target=production, version_ids=version_ids)
    performer = performer_fact(session, performer_id)
    consents: tuple[ConsentFact, ...] = ()
    if performer is not None:
        consents = _consents(session, current_consents_of([performer.id]), version_ids)
    approvals = () if new else approval_facts(session, req.id)
    inp = DecisionInput(
        kind=req.kind,
        production=production,
        performer=performer,
        media=frozenset(req.media or ()),
        facts=request_facts(req.facts or {}),
        consents=consents,
        now=now,
        model=model,
        replica=replica,
        approvals=approvals,
    )
    return Loaded(inp, version_ids)
