"""Written approvals: one per escalate decision at most (the unique ``decision_id``)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from registry.core.clock import utcnow
from registry.core.db import ID_LENGTH, Base


class Approval(Base):
    __tablename__ = "approvals"

    id: Mapped[str] = mapped_column(String(ID_LENGTH), primary_key=True)
    request_id: Mapped[str] = mapped_column(ForeignKey("use_requests.id"), index=True)
    # The escalate decision it approves: two approvals of one decision cannot both be written.
    decision_id: Mapped[str] = mapped_column(ForeignKey("decisions.id"), unique=True)
    note: Mapped[str] = mapped_column(Text)
    evidence_sha256: Mapped[str] = mapped_column(String(64))
    clears_sources: Mapped[bool] = mapped_column(Boolean, default=False)
    # R15: legal confirms the estate's permission (needed when no estate consent is on record).
    confirms_estate: Mapped[bool] = mapped_column(Boolean, default=False)
    approved_by: Mapped[str | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
