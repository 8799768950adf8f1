"""Small factories for the rule tests: a valid fact by default, one keyword changes one thing."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime, timedelta

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

NOW = datetime(2026, 11, 2, 12, 0, tzinfo=UTC)
SHA = "ab" * 32
EXPIRES = NOW + timedelta(days=365)

A1 = PerformerFact("A1", None, False)
A2 = PerformerFact("A2", None, False)
GUILD = PerformerFact("A1", "SAG-AFTRA", False)
DECEASED = PerformerFact("A1", None, True)
P1 = ProductionFact("P1", "production")
P2 = ProductionFact("P2", "production")
PITCH = ProductionFact("X1", "pitch")
CONCEPT = ProductionFact("X2", "concept")


def consent(
    id: str = "K1",
    *,
    performer: str = "A1",
    production: str = "P1",
    purposes: Iterable[str] = ("digital_replica",),
    media: Iterable[str] = ("likeness",),
    description: str = "Digital double of the lead for the rooftop stunt, episode 3",
    evidence: str | None = SHA,
    guild_compliant: bool = True,
    signed_by: str = "performer",
    effective_from: datetime = NOW - timedelta(days=30),
    expires_at: datetime = EXPIRES,
    revoked_at: datetime | None = None,
    superseded: bool = False,
    version: int = 1,
    restrictions: str | None = None,
) -> ConsentFact:
    return ConsentFact(
        id=id,
        version=version,
        performer_id=performer,
        production_id=production,
        purposes=frozenset(purposes),
        media=frozenset(media),
        description=description,
        evidence_sha256=evidence,
        guild_compliant=guild_compliant,
        signed_by=signed_by,
        effective_from=effective_from,
        expires_at=expires_at,
        revoked_at=revoked_at,
        superseded=superseded,
        restrictions=restrictions,
    )


def approval(
    id: str = "AP1", *, clears: bool = False, evidence: str | None = SHA, estate: bool = False
) -> ApprovalFact:
    return ApprovalFact(id, "approved by legal", evidence, clears, estate)


def training(id: str = "T1", performer: str = "A1", **kw: object) -> ConsentFact:
    kw.setdefault("purposes", ("model_training",))
    kw.setdefault("media", ("likeness", "voice"))
    return consent(id, performer=performer, **kw)  # type: ignore[arg-type]


def model(
    *,
    id: str = "M1",
    production: str = "P1",
    performers: tuple[PerformerFact, ...] = (A1,),
    sources: tuple[SourceFact, ...] = (SourceFact("dailies of the lead", "owned"),),
    retired: bool = False,
    training_consents: tuple[ConsentFact, ...] | None = None,
) -> ModelFact:
    if training_consents is None:
        training_consents = tuple(
            training(f"T{i + 1}", p.id, production=production) for i, p in enumerate(performers)
        )
    return ModelFact(
        id=id,
        production_id=production,
        performer_ids=tuple(p.id for p in performers),
        sources=sources,
        retired=retired,
        training_consents=training_consents,
        performers=performers,
    )


def replica(
    *,
    id: str = "R1",
    performer: str = "A1",
    production: str = "P1",
    media: Iterable[str] = ("likeness",),
    consents: tuple[ConsentFact, ...] | None = None,
) -> ReplicaFact:
    if consents is None:
        consents = (consent("KR", performer=performer, production=production, media=media),)
    return ReplicaFact(id, performer, production, frozenset(media), consents)


def request(
    kind: str,
    *,
    production: ProductionFact | None = P1,
    performer: PerformerFact | None = A1,
    media: Iterable[str] = ("likeness",),
    consents: tuple[ConsentFact, ...] = (),
    approvals: tuple[ApprovalFact, ...] = (),
    model: ModelFact | None = None,
    replica: ReplicaFact | None = None,
    now: datetime = NOW,
    changes: Iterable[str] = (),
    **facts: object,
) -> DecisionInput:
    return DecisionInput(
        kind=kind,
        production=production,
        performer=performer,
        media=frozenset(media),
        facts=RequestFacts(changes=frozenset(changes), **facts),  # type: ignore[arg-type]
        consents=consents,
        now=now,
        model=model,
        replica=replica,
        approvals=approvals,
    )
