"""Registered digital replicas; each names the request and decision that allowed it.

The consents behind a replica are those its allowing decision relied on (``decision_consents``
of ``decision_id``).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from registry.core.clock import utcnow
from registry.core.db import ID_LENGTH, Base


class Replica(Base):
    __tablename__ = "replicas"

    id: Mapped[str] = mapped_column(String(ID_LENGTH), primary_key=True)
    # How decisions name it (DOMAIN.md: "a model or replica by its name").
    name: Mapped[str] = mapped_column(String(300))
    performer_id: Mapped[str] = mapped_column(ForeignKey("performers.id"), index=True)
    production_id: Mapped[str] = mapped_column(ForeignKey("productions.id"), index=True)
    media: Mapped[list[str]] = mapped_column(JSON)
    # One replica per allowed replica.create request.
    request_id: Mapped[str] = mapped_column(ForeignKey("use_requests.id"), unique=True)
    decision_id: Mapped[str] = mapped_column(ForeignKey("decisions.id"))
    created_by: Mapped[str | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
