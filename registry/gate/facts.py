"""The bridge: turns rows into the rules engine's facts (``registry.rules``), with few queries.

Each read is a fixed SELECT run through ``reads`` (compiled once per dialect, on the session's
own connection): a decision reads its facts at little more than the cost of the raw queries,
even with millions of consents (the performer's current consent versions come from
``ix_consent_versions_scope``). Candidate
consents are the current versions of the performer's consents in ANY production (the engine
applies C1-C5 itself). Recorded consents (a model's training, a replica's creation) are given
as the current version of each recorded consent, as the engine expects.

``version_ids`` maps each consent id given to the engine to the consent version row it was
read from, so that a decision can record exactly which versions it relied on.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache
from typing import Any

from sqlalchemy import Select, bindparam, select

from registry.approvals.models import Approval
from registry.consents.models import ConsentVersion as CV
from registry.core.db import DbSession
from registry.core.reads import Query, Reader, set_of, utc
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
    CV.restrictions,
)
_CV_KINDS = "sssssffssbsdddds"


@dataclass(frozen=True, slots=True)
class Known:
    """Facts this transaction has just read (a new request's checks), not to be read again."""

    production: ProductionFact
    performer: PerformerFact | None = None


@dataclass
class Loaded:
    """The engine's input for one request, and where each consent fact came from."""

    input: DecisionInput
    version_ids: dict[str, str] = field(default_factory=dict)


_current = CV.superseded_at.is_(None)
PERFORMER = Query(
    select(Performer.id, Performer.guild, Performer.deceased, Performer.professional_name).where(
        Performer.id == bindparam("performer_id")
    ),
    "ssbs",
)
PRODUCTION = Query(
    select(Production.id, Production.kind, Production.code, Production.title).where(
        Production.id == bindparam("production_id")
    ),
    "ssss",
)
PERFORMER_CONSENTS = Query(
    select(*_CV_COLUMNS).where(CV.performer_id == bindparam("performer_id"), _current),
    _CV_KINDS,
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
    .where(EnhancementModel.id == bindparam("model_id")),
    "ssjdssss",
)
MODEL_PERFORMERS = Query(
    select(Performer.id, Performer.guild, Performer.deceased, Performer.professional_name)
    .join(ModelPerformer, ModelPerformer.performer_id == Performer.id)
    .where(ModelPerformer.model_id == bindparam("model_id"))
    .order_by(ModelPerformer.position),
    "ssbs",
)
MODEL_CLEARANCES = Query(
    select(ModelSourceClearance.source_index).where(
        ModelSourceClearance.model_id == bindparam("model_id")
    ),
    "i",
)
MODEL_TRAINING = Query(
    select(*_CV_COLUMNS)
    .join(ModelTrainingConsent, ModelTrainingConsent.consent_id == CV.consent_id)
    .where(ModelTrainingConsent.model_id == bindparam("model_id"), _current),
    _CV_KINDS,
)
MODEL_TARGET = Query(
    select(*_CV_COLUMNS)
    .join(ModelPerformer, ModelPerformer.performer_id == CV.performer_id)
    .where(
        ModelPerformer.model_id == bindparam("model_id"),
        CV.production_id == bindparam("production_id"),
        _current,
    ),
    _CV_KINDS,
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
    .where(Replica.id == bindparam("replica_id")),
    "sssfsssss",
)
REPLICA_CONSENTS = Query(
    select(*_CV_COLUMNS)
    .join(DecisionConsent, DecisionConsent.consent_id == CV.consent_id)
    .where(DecisionConsent.decision_id == bindparam("decision_id"), _current),
    _CV_KINDS,
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
    .order_by(Approval.id),
    "sssbbsi",
)


_FACT_CACHE: dict[tuple[Any, Any, Any], ConsentFact] = {}
_FACT_CACHE_SIZE = 50_000


def _consent_from_raw(r: Any) -> ConsentFact:
    """A ConsentFact from a driver row of ``_CV_COLUMNS`` (the hot path).

    A consent version is immutable except for ``revoked_at`` and ``superseded_at`` (see
    ``registry.consents.models``), so facts are kept per (version id, revoked_at,
    superseded_at): building a frozen dataclass costs more than reading its row.
    """
    key = (r[0], r[13], r[14])
    fact = _FACT_CACHE.get(key)
    if fact is None:
        fact = _build_consent(r)
        if len(_FACT_CACHE) >= _FACT_CACHE_SIZE:
            _FACT_CACHE.clear()
        _FACT_CACHE[key] = fact
    return fact


def _build_consent(r: Any) -> ConsentFact:
    return ConsentFact(
        r[1],
        r[2],
        r[3],
        r[4],
        set_of(r[5]),
        set_of(r[6]),
        r[7] or "",
        r[8],
        bool(r[9]),
        r[10],
        utc(r[11]),
        utc(r[12]),
        None if r[13] is None else utc(r[13]),
        r[14] is not None,
        r[15],
    )


def consent_fact(row: Any) -> ConsentFact:
    """A ConsentFact from a row of ``_CV_COLUMNS`` (aware datetimes)."""
    return ConsentFact(
        id=row[1],
        version=row[2],
        performer_id=row[3],
        production_id=row[4],
        purposes=row[5] if isinstance(row[5], frozenset) else frozenset(row[5] or ()),
        media=row[6] if isinstance(row[6], frozenset) else frozenset(row[6] or ()),
        description=row[7] or "",
        evidence_sha256=row[8],
        guild_compliant=bool(row[9]),
        signed_by=row[10],
        effective_from=row[11],
        expires_at=row[12],
        revoked_at=row[13],
        superseded=row[14] is not None,
        restrictions=row[15],
    )


def _consents(
    reader: Reader, query: Query, version_ids: dict[str, str], **params: Any
) -> tuple[ConsentFact, ...]:
    out = []
    for row in reader.raw(query, **params):
        out.append(_consent_from_raw(row))
        version_ids[row[1]] = row[0]
    return tuple(out)


def current_consents_of(performer_ids: Iterable[str]) -> Select[Any]:
    """Current versions of every consent of these performers, in any production (ORM path)."""
    return select(*_CV_COLUMNS).where(CV.performer_id.in_(list(performer_ids)), _current)


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


_REQUEST_FACTS: dict[str, RequestFacts] = {}


def _facts_of(req: UseRequest) -> RequestFacts:
    """A request's facts never change once stored: parsed once per request id."""
    found = _REQUEST_FACTS.get(req.id)
    if found is None:
        found = request_facts(req.facts or {})
        if len(_REQUEST_FACTS) >= 20_000:
            _REQUEST_FACTS.clear()
        _REQUEST_FACTS[req.id] = found
    return found


def _approvals(rows: list[Any]) -> tuple[ApprovalFact, ...]:
    """One fact per approval, with the consent versions its approved decision relied on."""
    relied: dict[str, set[tuple[str, int]]] = {}
    first: dict[str, Any] = {}
    for row in rows:
        first.setdefault(row[0], row)
        versions = relied.setdefault(row[0], set())
        if row[5] is not None:
            versions.add((row[5], int(row[6])))
    return tuple(
        ApprovalFact(r[0], r[1], r[2], bool(r[3]), bool(r[4]), frozenset(relied[aid]))
        for aid, r in first.items()
    )


def performer_fact(reader: Reader, performer_id: str | None) -> PerformerFact | None:
    if performer_id is None:
        return None
    rows = reader.rows(PERFORMER, performer_id=performer_id)
    return _performer(*rows[0]) if rows else None


def production_fact(reader: Reader, production_id: str) -> ProductionFact | None:
    rows = reader.rows(PRODUCTION, production_id=production_id)
    return ProductionFact(*rows[0]) if rows else None


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


@lru_cache(maxsize=4096)
def _performer(performer_id: str, guild: str | None, deceased: Any, name: str) -> PerformerFact:
    return PerformerFact(performer_id, guild, bool(deceased), name)


def _sources(raw: Any, cleared: tuple[int, ...]) -> tuple[SourceFact, ...]:
    """The model's sources as facts; a model's source list is never edited, so the facts are
    kept per (stored JSON, cleared indexes) when the driver gives the JSON as text."""
    if isinstance(raw, str | bytes):
        return _sources_of_text(raw, cleared)
    return effective_sources(raw or [], cleared)


@lru_cache(maxsize=4096)
def _sources_of_text(raw: str | bytes, cleared: tuple[int, ...]) -> tuple[SourceFact, ...]:
    return effective_sources(json.loads(raw) or [], cleared)


def _model(reader: Reader, model_id: str, version_ids: dict[str, str]) -> ModelFact | None:
    rows = reader.raw(MODEL, model_id=model_id)
    if not rows:
        return None
    _, production_id, sources, retired_at, name, kind, code, title = rows[0]
    performers = tuple(_performer(*p) for p in reader.raw(MODEL_PERFORMERS, model_id=model_id))
    cleared = tuple(sorted(r[0] for r in reader.raw(MODEL_CLEARANCES, model_id=model_id)))
    training = _consents(reader, MODEL_TRAINING, version_ids, model_id=model_id)
    return ModelFact(
        id=model_id,
        production_id=production_id,
        performer_ids=tuple(p.id for p in performers),
        sources=_sources(sources, cleared),
        retired=retired_at is not None,
        training_consents=training,
        performers=performers,
        name=name,
        production=ProductionFact(production_id, kind, code, title),
    )


def model_fact(
    session: DbSession, model_id: str, *, version_ids: dict[str, str] | None = None
) -> ModelFact | None:
    """The model as the engine sees it now."""
    reader = Reader(session)
    try:
        return _model(reader, model_id, version_ids if version_ids is not None else {})
    finally:
        reader.close()


def _replica(reader: Reader, replica_id: str, version_ids: dict[str, str]) -> ReplicaFact | None:
    rows = reader.rows(REPLICA, replica_id=replica_id)
    if not rows:
        return None
    rid, performer_id, production_id, media, decision_id, name, kind, code, title = rows[0]
    consents = _consents(reader, REPLICA_CONSENTS, version_ids, decision_id=decision_id)
    return ReplicaFact(
        rid,
        performer_id,
        production_id,
        media or frozenset(),
        consents,
        name or "",
        ProductionFact(production_id, kind, code, title),
    )


def replica_fact(
    session: DbSession, replica_id: str, version_ids: dict[str, str]
) -> ReplicaFact | None:
    """A registered replica with the current versions of the consents behind it."""
    reader = Reader(session)
    try:
        return _replica(reader, replica_id, version_ids)
    finally:
        reader.close()


def performer_of(session: DbSession, performer_id: str) -> PerformerFact | None:
    reader = Reader(session)
    try:
        return performer_fact(reader, performer_id)
    finally:
        reader.close()


def load(
    session: DbSession,
    req: UseRequest,
    now: datetime,
    *,
    new: bool = False,
    known: Known | None = None,
) -> Loaded:
    """Everything one decision on ``req`` reads, as of ``now``.

    ``new``: the request was just created, so it has no approvals yet (one query saved).
    ``known``: its production and performer as read earlier in this transaction (not re-read).
    """
    version_ids: dict[str, str] = {}
    reader = Reader(session)
    try:
        if known is not None and known.production.id == req.production_id:
            production: ProductionFact | None = known.production
        else:
            production = production_fact(reader, req.production_id)
        performer_id = req.performer_id
        replica = None
        if req.kind == "replica.use" and req.replica_id is not None:
            replica = _replica(reader, req.replica_id, version_ids)
            if performer_id is None and replica is not None:
                performer_id = replica.performer_id
        model = None
        if req.kind == "model.use" and req.model_id is not None:
            model = _model(reader, req.model_id, version_ids)
        if known is not None and known.performer is not None and known.performer.id == performer_id:
            performer: PerformerFact | None = known.performer
        else:
            performer = performer_fact(reader, performer_id)
        consents: tuple[ConsentFact, ...] = ()
        if model is not None and production is not None:
            # every performer the model names, in the target production (R9 reuse, R7)
            consents = _consents(
                reader, MODEL_TARGET, version_ids, model_id=model.id, production_id=production.id
            )
        elif performer is not None:
            consents = _consents(reader, PERFORMER_CONSENTS, version_ids, performer_id=performer.id)
        approvals: tuple[ApprovalFact, ...] = ()
        if not new:
            approvals = _approvals(reader.rows(APPROVALS, request_id=req.id))
    finally:
        reader.close()
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
    return Loaded(inp, version_ids)
