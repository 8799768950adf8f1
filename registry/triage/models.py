"""GenAI tools (with their reviewed data terms), vendor pipelines, use declarations (versioned,
never edited in place), their triages (each stored, signed) and the assets made under them.

A tool's terms may change (a new review); ``terms_version`` counts the reviews, and a triage
keeps the digest of the terms it read, so a clearance belongs to the terms it was given for.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from registry.core.clock import utcnow
from registry.core.db import ID_LENGTH, Base, one_of
from registry.rules.vocabulary import CATEGORIES, LEVELS, OUTPUTS, TERMS


class GenAITool(Base):
    __tablename__ = "genai_tools"
    __table_args__ = (
        one_of("stores_inputs", TERMS),
        one_of("trains_on_inputs", TERMS),
        one_of("enterprise_agreement", TERMS),
    )

    id: Mapped[str] = mapped_column(String(ID_LENGTH), primary_key=True)
    name: Mapped[str] = mapped_column(String(300))
    vendor: Mapped[str] = mapped_column(String(300))
    version: Mapped[str | None] = mapped_column(String(100))
    plan: Mapped[str | None] = mapped_column(String(200))
    stores_inputs: Mapped[str] = mapped_column(String(10))
    trains_on_inputs: Mapped[str] = mapped_column(String(10))
    enterprise_agreement: Mapped[str] = mapped_column(String(10))
    terms_url: Mapped[str | None] = mapped_column(String(500))
    terms_sha256: Mapped[str | None] = mapped_column(String(64))
    terms_note: Mapped[str | None] = mapped_column(Text)
    terms_version: Mapped[int] = mapped_column(Integer, default=1)
    reviewed_by: Mapped[str | None] = mapped_column(ForeignKey("users.id"))
    reviewed_at: Mapped[datetime]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Pipeline(Base):
    __tablename__ = "genai_pipelines"

    id: Mapped[str] = mapped_column(String(ID_LENGTH), primary_key=True)
    name: Mapped[str] = mapped_column(String(300))
    vendor: Mapped[str] = mapped_column(String(300))
    created_by: Mapped[str | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class PipelineStage(Base):
    __tablename__ = "genai_pipeline_stages"

    pipeline_id: Mapped[str] = mapped_column(ForeignKey("genai_pipelines.id"), primary_key=True)
    position: Mapped[int] = mapped_column(Integer, primary_key=True)
    tool_id: Mapped[str] = mapped_column(ForeignKey("genai_tools.id"), index=True)
    does: Mapped[str] = mapped_column(Text)
    trains: Mapped[bool] = mapped_column(Boolean, default=False)
    training_sources: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    touches_likeness: Mapped[bool] = mapped_column(Boolean, default=False)


class Declaration(Base):
    """The stable identity of a declaration; its content lives in its versions."""

    __tablename__ = "declarations"

    id: Mapped[str] = mapped_column(String(ID_LENGTH), primary_key=True)
    production_id: Mapped[str] = mapped_column(ForeignKey("productions.id"), index=True)
    current_version: Mapped[int] = mapped_column(Integer, default=1)
    current_triage_id: Mapped[str | None] = mapped_column(ForeignKey("triages.id", use_alter=True))
    triage_count: Mapped[int] = mapped_column(Integer, default=0)
    created_by: Mapped[str | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class DeclarationVersion(Base):
    """One version of a declaration, never edited in place: an amendment adds a version."""

    __tablename__ = "declaration_versions"
    __table_args__ = (
        UniqueConstraint("declaration_id", "version", name="uq_declaration_versions_version"),
        one_of("category", CATEGORIES),
        one_of("output", OUTPUTS),
    )

    id: Mapped[str] = mapped_column(String(ID_LENGTH), primary_key=True)
    declaration_id: Mapped[str] = mapped_column(ForeignKey("declarations.id"))
    version: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(300))
    description: Mapped[str] = mapped_column(Text)
    category: Mapped[str] = mapped_column(String(30))
    output: Mapped[str] = mapped_column(String(10))
    pipeline_id: Mapped[str | None] = mapped_column(ForeignKey("genai_pipelines.id"))
    performer_ids: Mapped[list[str]] = mapped_column(JSON)
    facts: Mapped[dict[str, bool]] = mapped_column(JSON)
    principles: Mapped[dict[str, str]] = mapped_column(JSON)
    created_by: Mapped[str | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    superseded_at: Mapped[datetime | None]


class DeclarationTool(Base):
    """A tool a declaration version names, in the order it names them (the tools of its
    pipeline are the pipeline's stages): how a change of a tool's terms finds its users."""

    __tablename__ = "declaration_tools"

    version_id: Mapped[str] = mapped_column(ForeignKey("declaration_versions.id"), primary_key=True)
    position: Mapped[int] = mapped_column(Integer, primary_key=True)
    tool_id: Mapped[str] = mapped_column(ForeignKey("genai_tools.id"), index=True)


class TriageRecord(Base):
    """One triage of one declaration version, as the engine gave it, signed (``receipt``)."""

    __tablename__ = "triages"
    __table_args__ = (
        UniqueConstraint("declaration_id", "sequence", name="uq_triages_declaration_sequence"),
        one_of("level", LEVELS),
    )

    id: Mapped[str] = mapped_column(String(ID_LENGTH), primary_key=True)
    declaration_id: Mapped[str] = mapped_column(ForeignKey("declarations.id"))
    version_id: Mapped[str] = mapped_column(ForeignKey("declaration_versions.id"))
    sequence: Mapped[int] = mapped_column(Integer)
    trigger: Mapped[str] = mapped_column(String(30))
    level: Mapped[str] = mapped_column(String(10))
    approval: Mapped[str] = mapped_column(String(10))  # none | guidance | written
    rules: Mapped[list[dict[str, str]]] = mapped_column(JSON)
    needed: Mapped[list[str]] = mapped_column(JSON)
    next_step: Mapped[str] = mapped_column(Text)
    principles: Mapped[dict[str, str]] = mapped_column(JSON)
    terms_digest: Mapped[str] = mapped_column(String(64))
    ruleset_version: Mapped[str] = mapped_column(String(20))
    decided_at: Mapped[datetime]
    decided_by: Mapped[str | None] = mapped_column(ForeignKey("users.id"))
    receipt: Mapped[str] = mapped_column(Text)


class GeneratedAsset(Base):
    """Something made under a declaration, known by the SHA-256 of its file."""

    __tablename__ = "generated_assets"
    __table_args__ = (
        Index("ix_generated_assets_sha256", "sha256"),
        one_of("output", OUTPUTS),
    )

    id: Mapped[str] = mapped_column(String(ID_LENGTH), primary_key=True)
    declaration_id: Mapped[str] = mapped_column(ForeignKey("declarations.id"), index=True)
    production_id: Mapped[str] = mapped_column(ForeignKey("productions.id"))
    name: Mapped[str] = mapped_column(String(500))
    sha256: Mapped[str] = mapped_column(String(64))
    media_type: Mapped[str] = mapped_column(String(100))
    output: Mapped[str] = mapped_column(String(10))
    created_by: Mapped[str | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
