"""The bridge: rows in, the rules engine's facts (``registry.rules``) out, with few statements.

Every read here is a fixed SELECT (``registry.core.reads``: compiled once per dialect, run on
the session's own cursor, rows read by column name). Why it is hand-written and not the ORM's
work: a decision reads about ten small indexed rows, and measured on POST /api/v1/requests this
path is worth about 2.7x in throughput over a plain ORM version (a Core-statement version still
loses 0.53-0.69x); see ``registry.core.reads`` and ``benchmarks/bench_gate.py``.

What a decision reads (``load``): the target production; the performer; for replica.use the
replica and the current versions of the consents its creation relied on; for model.use the
model, its performers, its cleared sources and its training consents, and the candidates are
the current consents of every performer it names in the target production; otherwise the
candidates are the current versions of the performer's consents in ANY production (the engine
applies C1-C5 itself); and the request's written approvals, each with the consent versions
of the decision it approved. ``Loaded.version_ids`` maps each consent id given to the engine to
the version row it was read from, so that a decision records exactly the versions it relied on.

Caches, and the invariant that makes them safe: a consent version's row never changes, except
``revoked_at``, ``revocation_reason``, ``superseded_at`` and its two receipts (see
``registry.consents.models``; ``tests/gate/test_facts.py`` checks every write path). So a
``ConsentFact``'s other fields are kept by version id alone, and revocation and supersession are
read from the row every time. A request's facts never change once stored (kept by request id).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from sqlalchemy import Select, bindparam, select

from registry.approvals.models import Approval
from registry.consents.models import ConsentVersion as CV
from registry.core.db import DbSession
from registry.core.reads import Query, SessionCursor, utc
from registry.gate.enhancement_models.models import (
    EnhancementModel,
    ModelPerformer,
    ModelSourceClearance,
    ModelTrainingConsent,
)
from registry.gate.replicas.models import Replica
from registry.gate.use_requests.models import DecisionConsent, UseRequest
from registry.performers.models import Performer
from registry.productions.models import Production
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

CONSENT_COLUMNS = (
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
    CV.restrictions,
)
"""What a ConsentFact is built from: a row with these columns (named as the columns)."""

_current = CV.superseded_at.is_(None)

PERFORMER = Query(
    select(Performer.id, Performer.guild, Performer.deceased, Performer.professional_name).where(
        Performer.id == bindparam("performer_id")
    )
)
PRODUCTION = Query(
    select(Production.id, Production.kind, Production.code, Production.title).where(
        Production.id == bindparam("production_id")
    )
)
PERFORMER_CONSENTS = Query(
    select(*CONSENT_COLUMNS).where(CV.performer_id == bindparam("performer_id"), _current)
)
MODEL = Query(
    select(
        EnhancementModel.id,
        EnhancementModel.production_id,
        EnhancementModel.training_sources,
        EnhancementModel.retired_at,
        EnhancementModel.name,
        Production.kind,
        Production.code,
        Production.title,
    )
    .join(Production, Production.id == EnhancementModel.production_id)
    .where(EnhancementModel.id == bindparam("model_id"))
)
MODEL_PERFORMERS = Query(
    select(Performer.id, Performer.guild, Performer.deceased, Performer.professional_name)
    .join(ModelPerformer, ModelPerformer.performer_id == Performer.id)
    .where(ModelPerformer.model_id == bindparam("model_id"))
    .order_by(ModelPerformer.position)
)
MODEL_CLEARANCES = Query(
    select(ModelSourceClearance.source_index).where(
        ModelSourceClearance.model_id == bindparam("model_id")
    )
)
MODEL_TRAINING = Query(
    select(*CONSENT_COLUMNS)
    .join(ModelTrainingConsent, ModelTrainingConsent.consent_id == CV.consent_id)
    .where(ModelTrainingConsent.model_id == bindparam("model_id"), _current)
)
MODEL_TARGET = Query(  # the current consents of the model's performers in the target production
    select(*CONSENT_COLUMNS)
    .join(ModelPerformer, ModelPerformer.performer_id == CV.performer_id)
    .where(
        ModelPerformer.model_id == bindparam("model_id"),
        CV.production_id == bindparam("production_id"),
        _current,
    )
)
REPLICA = Query(
    select(
        Replica.id,
        Replica.performer_id,
        Replica.production_id,
        Replica.media,
        Replica.decision_id,
        Replica.name,
        Production.kind,
        Production.code,
        Production.title,
    )
    .join(Production, Production.id == Replica.production_id)
    .where(Replica.id == bindparam("replica_id"))
)
REPLICA_CONSENTS = Query(
    select(*CONSENT_COLUMNS)
    .join(DecisionConsent, DecisionConsent.consent_id == CV.consent_id)
    .where(DecisionConsent.decision_id == bindparam("decision_id"), _current)
)
APPROVALS = Query(  # each approval, with the consent versions the decision it approved relied on
    select(
        Approval.id,
        Approval.note,
        Approval.evidence_sha256,
        Approval.clears_sources,
        Approval.confirms_estate,
        DecisionConsent.consent_id,
        CV.version,
    )
    .outerjoin(DecisionConsent, DecisionConsent.decision_id == Approval.decision_id)
    .outerjoin(CV, CV.id == DecisionConsent.version_id)
    .where(Approval.request_id == bindparam("request_id"))
    .order_by(Approval.id)
)

# -- building facts from rows ------------------------------------------------------------------

_CONSENTS: dict[str, ConsentFact] = {}  # by version id: the fields that never change
_CONSENTS_KEPT = 50_000


def consent_fact(row: Any) -> ConsentFact:
    """The one ConsentFact builder: ``row`` has ``CONSENT_COLUMNS`` by name (a fixed read's row
    or an ORM ``Row``). Its unchanging fields are kept by version id; revocation and
    supersession come from the row each time (the module docstring's invariant)."""
    base = _CONSENTS.get(row.id)
    if base is None:
        base = ConsentFact(
            id=row.consent_id,
            version=row.version,
            performer_id=row.performer_id,
            production_id=row.production_id,
            purposes=frozenset(row.purposes or ()),
            media=frozenset(row.media or ()),
            description=row.description or "",
            evidence_sha256=row.evidence_sha256,
            guild_compliant=bool(row.guild_compliant),
            signed_by=row.signed_by,
            effective_from=utc(row.effective_from),
            expires_at=utc(row.expires_at),
            restrictions=row.restrictions,
        )
        if len(_CONSENTS) >= _CONSENTS_KEPT:
            _CONSENTS.clear()
        _CONSENTS[row.id] = base
    if row.revoked_at is None and row.superseded_at is None:
        return base
    revoked = None if row.revoked_at is None else utc(row.revoked_at)
    return replace(base, revoked_at=revoked, superseded=row.superseded_at is not None)


def _performer(row: Any) -> PerformerFact:
    return PerformerFact(row.id, row.guild, bool(row.deceased), row.professional_name)


def _production(row: Any) -> ProductionFact:
    return ProductionFact(row.id, row.kind, row.code, row.title)


def current_consents_of(performer_ids: Iterable[str]) -> Select[Any]:
    """Current versions of every consent of these performers, in any production (ORM path)."""
    return select(*CONSENT_COLUMNS).where(CV.performer_id.in_(list(performer_ids)), _current)


_FACT_FLAGS = (
    "as_recorded",
    "safety",
    "unrecognizable",
    "dubbing_or_double_permitted",
    "alters_tone_delivery_or_intent",
    "new_dialogue",
    "may_harm_reputation",
)


def request_facts(facts: dict[str, Any]) -> RequestFacts:
    """The stored ``facts`` JSON of a request as the engine's RequestFacts."""
    flags = {name: bool(facts.get(name)) for name in _FACT_FLAGS}
    return RequestFacts(
        changes=frozenset(facts.get("changes") or ()),
        training_sources=tuple(
            SourceFact(str(s.get("description", "")), str(s.get("clearance", "")))
            for s in facts.get("training_sources") or ()
        ),
        **flags,
    )


_REQUEST_FACTS: dict[str, RequestFacts] = {}  # by request id: a request's facts never change


def _facts_of(req: UseRequest) -> RequestFacts:
    found = _REQUEST_FACTS.get(req.id)
    if found is None:
        found = request_facts(req.facts or {})
        if len(_REQUEST_FACTS) >= 20_000:
            _REQUEST_FACTS.clear()
        _REQUEST_FACTS[req.id] = found
    return found


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


def _approvals(rows: list[Any]) -> tuple[ApprovalFact, ...]:
    """One fact per approval, with the consent versions its approved decision relied on."""
    relied: dict[str, set[tuple[str, int]]] = {}
    first: dict[str, Any] = {}
    for row in rows:
        first.setdefault(row.id, row)
        versions = relied.setdefault(row.id, set())
        if row.consent_id is not None:
            versions.add((row.consent_id, int(row.version)))
    return tuple(
        ApprovalFact(
            r.id,
            r.note,
            r.evidence_sha256,
            bool(r.clears_sources),
            bool(r.confirms_estate),
            frozenset(relied[aid]),
        )
        for aid, r in first.items()
    )


# -- reading ------------------------------------------------------------------------------------


class _Reading:
    """One decision's reads on one cursor, noting which version row each consent came from."""

    def __init__(self, session: DbSession) -> None:
        self.cursor = SessionCursor(session)
        self.version_ids: dict[str, str] = {}

    def consents(self, query: Query, **params: Any) -> tuple[ConsentFact, ...]:
        out = []
        for row in self.cursor.rows(query, **params):
            out.append(consent_fact(row))
            self.version_ids[row.consent_id] = row.id
        return tuple(out)

    def performer(self, performer_id: str | None) -> PerformerFact | None:
        if performer_id is None:
            return None
        rows = self.cursor.rows(PERFORMER, performer_id=performer_id)
        return _performer(rows[0]) if rows else None

    def production(self, production_id: str) -> ProductionFact | None:
        rows = self.cursor.rows(PRODUCTION, production_id=production_id)
        return _production(rows[0]) if rows else None

    def model(self, model_id: str) -> ModelFact | None:
        rows = self.cursor.rows(MODEL, model_id=model_id)
        if not rows:
            return None
        row = rows[0]
        performers = tuple(
            _performer(p) for p in self.cursor.rows(MODEL_PERFORMERS, model_id=model_id)
        )
        cleared = [r.source_index for r in self.cursor.rows(MODEL_CLEARANCES, model_id=model_id)]
        return ModelFact(
            id=model_id,
            production_id=row.production_id,
            performer_ids=tuple(p.id for p in performers),
            sources=effective_sources(row.training_sources or [], cleared),
            retired=row.retired_at is not None,
            training_consents=self.consents(MODEL_TRAINING, model_id=model_id),
            performers=performers,
            name=row.name,
            production=ProductionFact(row.production_id, row.kind, row.code, row.title),
        )

    def replica(self, replica_id: str) -> ReplicaFact | None:
        rows = self.cursor.rows(REPLICA, replica_id=replica_id)
        if not rows:
            return None
        row = rows[0]
        return ReplicaFact(
            row.id,
            row.performer_id,
            row.production_id,
            frozenset(row.media or ()),
            self.consents(REPLICA_CONSENTS, decision_id=row.decision_id),
            row.name or "",
            ProductionFact(row.production_id, row.kind, row.code, row.title),
        )


def production_fact(session: DbSession, production_id: str) -> ProductionFact | None:
    return _Reading(session).production(production_id)


def performer_fact(session: DbSession, performer_id: str) -> PerformerFact | None:
    return _Reading(session).performer(performer_id)


def model_fact(session: DbSession, model_id: str) -> ModelFact | None:
    """The model as the engine sees it now."""
    return _Reading(session).model(model_id)


def replica_fact(session: DbSession, replica_id: str) -> ReplicaFact | None:
    """A registered replica with the current versions of the consents behind it."""
    return _Reading(session).replica(replica_id)


@dataclass(frozen=True, slots=True)
class Checked:
    """What a new request's checks read in this very transaction (its production and the
    performer given), so that deciding it does not read them again. Only used where it
    matches: a shortcut for another production or performer is ignored, never trusted."""

    production: ProductionFact
    performer: PerformerFact | None = None


@dataclass
class Loaded:
    """The engine's input for one request, and where each consent fact came from."""

    input: DecisionInput
    version_ids: dict[str, str] = field(default_factory=dict)


def load(
    session: DbSession, req: UseRequest, now: datetime, checked: Checked | None = None
) -> Loaded:
    """Everything one decision on ``req`` reads, as of ``now``. A request not yet decided has
    no approvals (approvals are of decisions), so they are read only once it has been."""
    reading = _Reading(session)
    if checked is not None and checked.production.id == req.production_id:
        production: ProductionFact | None = checked.production
    else:
        production = reading.production(req.production_id)
    performer_id = req.performer_id
    replica = None
    if req.kind == "replica.use" and req.replica_id is not None:
        replica = reading.replica(req.replica_id)
        if performer_id is None and replica is not None:
            performer_id = replica.performer_id
    model = None
    if req.kind == "model.use" and req.model_id is not None:
        model = reading.model(req.model_id)
    if (
        checked is not None
        and checked.performer is not None
        and checked.performer.id == performer_id
    ):
        performer: PerformerFact | None = checked.performer
    else:
        performer = reading.performer(performer_id)
    consents: tuple[ConsentFact, ...] = ()
    if model is not None and production is not None:
        consents = reading.consents(MODEL_TARGET, model_id=model.id, production_id=production.id)
    elif performer is not None:
        consents = reading.consents(PERFORMER_CONSENTS, performer_id=performer.id)
    approvals: tuple[ApprovalFact, ...] = ()
    if req.decision_count:
        approvals = _approvals(reading.cursor.rows(APPROVALS, request_id=req.id))
    inp = DecisionInput(
        kind=req.kind,
        production=production,
        performer=performer,
        media=frozenset(req.media or ()),
        facts=_facts_of(req),
        consents=consents,
        now=now,
        model=model,
        replica=replica,
        approvals=approvals,
    )
    return Loaded(inp, reading.version_ids)
