"""The facts the decision engine reads: plain frozen values, no database, no framework, no clock.

A bridge next to the requests feature turns rows into these; the engine never fetches anything.
Times are aware datetimes in UTC; `now` is always an input. Collections are tuples and frozensets
so a fact can be shared between decisions and never changes under one.

The vocabularies (``vocabulary.py``) are closed (DOMAIN.md): a value outside them is a missing
fact, and the engine fails closed on it (rule R0).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from registry.rules.vocabulary import (  # the closed vocabularies, re-exported for the engine
    BASES,
    CHANGES,
    CLEARANCES,
    CUSTOMARY_CHANGES,
    EXCEPTIONS,
    MEDIA,
    OUTCOMES,
    PRODUCTION_KINDS,
    PURPOSES,
    REQUEST_KINDS,
    SIGNERS,
)

__all__ = [
    "BASES",
    "CHANGES",
    "CLEARANCES",
    "CUSTOMARY_CHANGES",
    "EXCEPTIONS",
    "MEDIA",
    "OUTCOMES",
    "PRODUCTION_KINDS",
    "PURPOSES",
    "REQUEST_KINDS",
    "SIGNERS",
    "ApprovalFact",
    "ConsentFact",
    "DecisionInput",
    "Medium",
    "ModelFact",
    "PerformerFact",
    "ProductionFact",
    "Purpose",
    "ReplicaFact",
    "RequestFacts",
    "SourceFact",
]

Purpose = str
Medium = str


@dataclass(frozen=True, slots=True)
class ConsentFact:
    """One version of a consent. `superseded` is True once an amendment replaced this version."""

    id: str
    version: int
    performer_id: str
    production_id: str
    purposes: frozenset[str]
    media: frozenset[str]
    description: str
    evidence_sha256: str | None
    guild_compliant: bool
    signed_by: str  # 'performer' | 'representative' | 'estate'
    effective_from: datetime
    expires_at: datetime
    revoked_at: datetime | None = None
    superseded: bool = False
    restrictions: str | None = None  # free text the consent records (R8: legal confirms)


@dataclass(frozen=True, slots=True)
class PerformerFact:
    """`name`: the professional name, as reasons name the performer (never a personal field)."""

    id: str
    guild: str | None
    deceased: bool
    name: str = ""


@dataclass(frozen=True, slots=True)
class ProductionFact:
    """`code` (and `title`): how reasons name the production."""

    id: str
    kind: str  # 'production' | 'pitch' | 'concept'
    code: str = ""
    title: str = ""


@dataclass(frozen=True, slots=True)
class SourceFact:
    description: str
    clearance: str  # 'owned' | 'cleared' | 'uncleared'


@dataclass(frozen=True, slots=True)
class ModelFact:
    """An enhancement model, bound to one production.

    `training_consents`: the model_training consents its training relied on, as recorded at
    registration; pass the current version of each (an amended consent's newest version). When
    several versions of one consent are given, the highest version is the one that counts.
    `performers`: facts of every performer in `performer_ids` (needed for C3 and C5; a performer
    without facts fails closed). `production`: the production it is bound to (for its code).
    The candidate consents of its performers for the target production (model_reuse, R9; the
    purposes R7 asks for) are the DecisionInput's `consents`.
    """

    id: str
    production_id: str
    performer_ids: tuple[str, ...]
    sources: tuple[SourceFact, ...]
    retired: bool
    training_consents: tuple[ConsentFact, ...]
    performers: tuple[PerformerFact, ...] = ()
    name: str = ""
    production: ProductionFact | None = None


@dataclass(frozen=True, slots=True)
class ReplicaFact:
    """A registered replica; `consents`: those its creation relied on (current versions).
    `production`: the production it was registered in (for its code)."""

    id: str
    performer_id: str
    production_id: str
    media: frozenset[str]
    consents: tuple[ConsentFact, ...]
    name: str = ""
    production: ProductionFact | None = None


@dataclass(frozen=True, slots=True)
class ApprovalFact:
    """A written approval recorded by legal. Without an evidence hash it does not count.

    `clears_sources`: it states that the training sources were cleared (R12).
    `confirms_estate`: it confirms the estate's permission (R15, when no estate consent is on
    record for the use). `relied`: the consent versions, as (consent id, version), that the
    decision it approved relied on: it approves the request as it stood on those consents and
    no other (an amended or replaced consent needs a new approval). None: given for the very
    decision being made (not tied to earlier consents)."""

    id: str
    note: str
    evidence_sha256: str | None
    clears_sources: bool = False
    confirms_estate: bool = False
    relied: frozenset[tuple[str, int]] | None = None


@dataclass(frozen=True, slots=True)
class RequestFacts:
    """Exactly the API's `facts` object; facts not given are False or empty."""

    as_recorded: bool = False
    safety: bool = False
    unrecognizable: bool = False
    changes: frozenset[str] = frozenset()
    dubbing_or_double_permitted: bool = False
    alters_tone_delivery_or_intent: bool = False
    new_dialogue: bool = False
    may_harm_reputation: bool = False
    training_sources: tuple[SourceFact, ...] = ()


@dataclass(frozen=True, slots=True)
class DecisionInput:
    """Everything one decision reads.

    `production`: the target production (None = unknown: fails closed). `performer`: None for
    model.use (the model names its performers). `consents`: candidate consents of the
    performer(s), of any production and status: the engine keeps those valid under C1-C5 (for
    model.use: those of every performer the model names, in the target production).
    """

    kind: str
    production: ProductionFact | None
    performer: PerformerFact | None
    media: frozenset[str]
    facts: RequestFacts
    consents: tuple[ConsentFact, ...]
    now: datetime
    model: ModelFact | None = None
    replica: ReplicaFact | None = None
    approvals: tuple[ApprovalFact, ...] = ()
