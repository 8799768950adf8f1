"""Productions, pitches and concepts, and their members (which scope what vfx_leads touch)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from registry.core.clock import utcnow
from registry.core.db import ID_LENGTH, Base, one_of
from registry.rules.vocabulary import PHASES, PRODUCTION_KINDS


class Production(Base):
    __tablename__ = "productions"
    __table_args__ = (one_of("kind", PRODUCTION_KINDS), one_of("phase", PHASES))

    id: Mapped[str] = mapped_column(String(ID_LENGTH), primary_key=True)
    title: Mapped[str] = mapped_column(String(300))
    code: Mapped[str] = mapped_column(String(64), unique=True)
    kind: Mapped[str] = mapped_column(String(20), default="production")
    phase: Mapped[str] = mapped_column(String(20), default="development")
    webhook_url: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class ProductionMember(Base):
    __tablename__ = "production_members"

    production_id: Mapped[str] = mapped_column(ForeignKey("productions.id"), primary_key=True)
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id"), primary_key=True, index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
