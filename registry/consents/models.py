"""Consents and their immutable versions, purposes (for indexed look-up) and evidence documents.

A consent (``consents``) is the stable identity; each amendment adds a ``consent_versions`` row
(version + 1) and stamps ``superseded_at`` on the previous one. Nothing else is ever updated in
place except ``revoked_at``/``revocation_reason`` on the current version. Status is never stored:
it is computed from these columns and the clock (see ``consents.status``).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    JSON,
    Boolean,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    PrimaryKeyConstraint,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from registry.core.clock import utcnow
from registry.core.db import ID_LENGTH, Base, one_of
from registry.rules.vocabulary import PURPOSES, SIGNERS


class Consent(Base):
    __tablename__ = "consents"

    id: Mapped[str] = mapped_column(String(ID_LENGTH), primary_key=True)
    # No indexes of their own: consents are read by id, every look-up goes through versions.
    # (Deleting a performer or production would scan consents for these keys; neither is ever
    # deleted: an erased performer stays as a tombstone.)
    performer_id: Mapped[str] = mapped_column(ForeignKey("performers.id"))
    production_id: Mapped[str] = mapped_column(ForeignKey("productions.id"))
    current_version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class ConsentVersion(Base):
    __tablename__ = "consent_versions"
    __table_args__ = (
        UniqueConstraint("consent_id", "version", name="uq_consent_versions_consent_version"),
        Index("ix_consent_versions_scope", "performer_id", "production_id"),
        Index("ix_consent_versions_expires_at", "expires_at"),
        one_of("signed_by", SIGNERS),
    )

    id: Mapped[str] = mapped_column(String(ID_LENGTH), primary_key=True)
    consent_id: Mapped[str] = mapped_column(ForeignKey("consents.id"))
    version: Mapped[int] = mapped_column(Integer)
    performer_id: Mapped[str] = mapped_column(ForeignKey("performers.id"))
    production_id: Mapped[str] = mapped_column(ForeignKey("productions.id"))
    purposes: Mapped[list[str]] = mapped_column(JSON)
    media: Mapped[list[str]] = mapped_column(JSON)
    description: Mapped[str] = mapped_column(Text)
    signed_by: Mapped[str] = mapped_column(String(20))
    signed_at: Mapped[datetime]
    evidence_sha256: Mapped[str | None] = mapped_column(String(64))
    guild_compliant: Mapped[bool] = mapped_column(Boolean, default=False)
    restrictions: Mapped[str | None] = mapped_column(Text)
    effective_from: Mapped[datetime]
    expires_at: Mapped[datetime]
    superseded_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]
    revocation_reason: Mapped[str | None] = mapped_column(Text)
    receipt: Mapped[str | None] = mapped_column(Text)
    termination_receipt: Mapped[str | None] = mapped_column(Text)
    created_by: Mapped[str | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class ConsentPurpose(Base):
    """One row per (version, purpose): the (performer, production, purpose) look-up index.

    The table is its own index: its primary key leads with the look-up's columns, and on SQLite
    it is stored WITHOUT ROWID, so a row is one entry in one B-tree (an import of 100,000
    consents writes 150,000 of them). A version's purposes are found with its performer and
    production, which it carries. The key keeps one row per (version, purpose) because every
    row repeats its version's own performer and production (``services.build_version`` writes
    them all)."""

    __tablename__ = "consent_purposes"
    __table_args__ = (
        PrimaryKeyConstraint(
            "performer_id", "production_id", "purpose", "version_id", name="pk_consent_purposes"
        ),
        one_of("purpose", PURPOSES),
        {"sqlite_with_rowid": False},
    )

    version_id: Mapped[str] = mapped_column(ForeignKey("consent_versions.id"))
    purpose: Mapped[str] = mapped_column(String(40))
    performer_id: Mapped[str] = mapped_column(String(ID_LENGTH))
    production_id: Mapped[str] = mapped_column(String(ID_LENGTH))


class EvidenceDocument(Base):
    """A signed document, encrypted under its performer's data key; hashed on the server."""

    __tablename__ = "evidence_documents"

    id: Mapped[str] = mapped_column(String(ID_LENGTH), primary_key=True)
    performer_id: Mapped[str] = mapped_column(ForeignKey("performers.id"), index=True)
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    content_type: Mapped[str] = mapped_column(String(100))
    filename_ct: Mapped[bytes | None] = mapped_column(LargeBinary)
    size: Mapped[int] = mapped_column(Integer)
    content_ct: Mapped[bytes | None] = mapped_column(LargeBinary)
    uploaded_by: Mapped[str | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
