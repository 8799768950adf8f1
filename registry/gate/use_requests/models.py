"""Use requests and every decision ever made on each, with the consent versions each relied on.

A decision row is written once and never changed, except ``invalidated_at`` and
``invalidated_reason`` (set by the revocation cascade). ``use_requests.current_decision_id``
points at the newest decision. ``decision_consents`` is the index the cascade reads: which
decisions relied on which consent version.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from registry.core.clock import utcnow
from registry.core.db import ID_LENGTH, Base, one_of
from registry.rules.vocabulary import BASES, OUTCOMES, REQUEST_KINDS

TRIGGERS = ("request", "approval", "reevaluation")


class UseRequest(Base):
    __tablename__ = "use_requests"
    __table_args__ = (one_of("kind", REQUEST_KINDS),)

    id: Mapped[str] = mapped_column(String(ID_LENGTH), primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))
    performer_id: Mapped[str | None] = mapped_column(ForeignKey("performers.id"), index=True)
    production_id: Mapped[str] = mapped_column(ForeignKey("productions.id"), index=True)
    # use_alter: replicas and decisions point back at use_requests (a cycle of foreign keys).
    replica_id: Mapped[str | None] = mapped_column(
        ForeignKey("replicas.id", use_alter=True), index=True
    )
    model_id: Mapped[str | None] = mapped_column(ForeignKey("enhancement_models.id"), index=True)
    media: Mapped[list[str]] = mapped_column(JSON)
    description: Mapped[str] = mapped_column(Text)
    facts: Mapped[dict[str, Any]] = mapped_column(JSON)
    requested_by: Mapped[str | None] = mapped_column(ForeignKey("users.id"))
    # The GenAI use declaration this request serves, if any (the link goes both ways).
    declaration_id: Mapped[str | None] = mapped_column(
        ForeignKey("declarations.id", use_alter=True), index=True
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    current_decision_id: Mapped[str | None] = mapped_column(
        ForeignKey("decisions.id", use_alter=True)
    )
    decision_count: Mapped[int] = mapped_column(Integer, default=0)


class DecisionRecord(Base):
    """One decision on a request, as the engine gave it, signed (``receipt``)."""

    __tablename__ = "decisions"
    __table_args__ = (
        UniqueConstraint("request_id", "sequence", name="uq_decisions_request_sequence"),
        one_of("outcome", OUTCOMES),
        one_of("basis", BASES, nullable=True),
    )

    id: Mapped[str] = mapped_column(String(ID_LENGTH), primary_key=True)
    request_id: Mapped[str] = mapped_column(ForeignKey("use_requests.id"))
    sequence: Mapped[int] = mapped_column(Integer)
    trigger: Mapped[str] = mapped_column(String(20))
    outcome: Mapped[str] = mapped_column(String(10), index=True)
    basis: Mapped[str | None] = mapped_column(String(30))
    rules: Mapped[list[dict[str, str]]] = mapped_column(JSON)
    # The rules weighed that did not decide it (an exception that held while another denied).
    considered: Mapped[list[dict[str, str]]] = mapped_column(JSON, default=list)
    consent_ids: Mapped[list[str]] = mapped_column(JSON)
    missing: Mapped[list[str]] = mapped_column(JSON)
    approval_ids: Mapped[list[str]] = mapped_column(JSON)
    exception: Mapped[str | None] = mapped_column(String(30))
    # What to do next, without dates (the reader adds them, in their own time zone); None for
    # decisions made before ruleset 2026.12-1 (then derived from the outcome when read).
    next_step: Mapped[str | None] = mapped_column(Text)
    valid_until: Mapped[datetime | None]
    decided_at: Mapped[datetime]
    decided_by: Mapped[str | None] = mapped_column(ForeignKey("users.id"))
    ruleset_version: Mapped[str] = mapped_column(String(20))
    receipt: Mapped[str] = mapped_column(Text)
    invalidated_at: Mapped[datetime | None]
    invalidated_reason: Mapped[str | None] = mapped_column(Text)


class DecisionConsent(Base):
    """A consent version a decision relied on (the cascade's index)."""

    __tablename__ = "decision_consents"

    decision_id: Mapped[str] = mapped_column(ForeignKey("decisions.id"), primary_key=True)
    version_id: Mapped[str] = mapped_column(
        ForeignKey("consent_versions.id"), primary_key=True, index=True
    )
    consent_id: Mapped[str] = mapped_column(ForeignKey("consents.id"))
