"""Enhancement models, the performers they were trained on, their training consents, clearances.

A model is bound to one production when it is registered and never re-bound. Its training
sources (``training_sources``, JSON, in registration order) are never edited: a later clearance
of an uncleared source is a row of its own in ``model_source_clearances``. ``model_training_
consents`` records, per performer, the model_training consents that were valid for the bound
production when the model was registered. Status is never stored (only ``retired_at``): it is
computed by ``registry.rules.model_status`` from these rows and the clock at every read.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from registry.core.clock import utcnow
from registry.core.db import ID_LENGTH, Base


class EnhancementModel(Base):
    __tablename__ = "enhancement_models"

    id: Mapped[str] = mapped_column(String(ID_LENGTH), primary_key=True)
    name: Mapped[str] = mapped_column(String(300))
    production_id: Mapped[str] = mapped_column(ForeignKey("productions.id"), index=True)
    scope: Mapped[str] = mapped_column(Text)
    # One artefact, one production: the same weights are never registered (bound) twice.
    fingerprint_sha256: Mapped[str] = mapped_column(String(64), unique=True)
    vendor: Mapped[str] = mapped_column(String(300))
    training_sources: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    created_by: Mapped[str | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    retired_at: Mapped[datetime | None]
    retired_by: Mapped[str | None] = mapped_column(ForeignKey("users.id"))
    retire_reason: Mapped[str | None] = mapped_column(Text)


class ModelPerformer(Base):
    """A performer whose material trained the model (``position`` keeps the registered order)."""

    __tablename__ = "model_performers"

    model_id: Mapped[str] = mapped_column(ForeignKey("enhancement_models.id"), primary_key=True)
    performer_id: Mapped[str] = mapped_column(
        ForeignKey("performers.id"), primary_key=True, index=True
    )
    position: Mapped[int] = mapped_column(Integer)


class ModelTrainingConsent(Base):
    """A model_training consent the model was registered under (the version valid at the time)."""

    __tablename__ = "model_training_consents"

    model_id: Mapped[str] = mapped_column(ForeignKey("enhancement_models.id"), primary_key=True)
    consent_id: Mapped[str] = mapped_column(ForeignKey("consents.id"), primary_key=True, index=True)
    version_id: Mapped[str] = mapped_column(ForeignKey("consent_versions.id"))
    performer_id: Mapped[str] = mapped_column(ForeignKey("performers.id"))


class ModelSourceClearance(Base):
    """Legal's record that an uncleared training source was cleared, with its evidence."""

    __tablename__ = "model_source_clearances"
    __table_args__ = (
        UniqueConstraint(
            "model_id", "source_index", name="uq_model_source_clearances_model_source"
        ),
    )

    id: Mapped[str] = mapped_column(String(ID_LENGTH), primary_key=True)
    model_id: Mapped[str] = mapped_column(ForeignKey("enhancement_models.id"))
    source_index: Mapped[int] = mapped_column(Integer)
    evidence_sha256: Mapped[str] = mapped_column(String(64))
    note: Mapped[str] = mapped_column(Text)
    cleared_by: Mapped[str | None] = mapped_column(ForeignKey("users.id"))
    cleared_at: Mapped[datetime] = mapped_column(default=utcnow)
