"""Written approvals and refusals by legal, of an escalated use request's decision or of an
escalated declaration's triage, and the signed documents behind approvals.

An approval approves exactly one decision (``decision_id``) or one triage (``triage_id``), each
unique: two approvals of one cannot both be written. ``approval_needed`` False records legal's
guidance that no written approval is needed (a triage escalated by T1 alone). A refusal
records legal declining; it approves nothing and blocks approving the same decision or triage.
A document is stored encrypted under a data key of its own (the key store's).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, CheckConstraint, ForeignKey, Integer, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from registry.core.clock import utcnow
from registry.core.db import ID_LENGTH, Base

_ONE_SUBJECT = "(request_id IS NULL) <> (declaration_id IS NULL)"


class Approval(Base):
    __tablename__ = "approvals"
    __table_args__ = (CheckConstraint(_ONE_SUBJECT, name="one_subject"),)

    id: Mapped[str] = mapped_column(String(ID_LENGTH), primary_key=True)
    request_id: Mapped[str | None] = mapped_column(ForeignKey("use_requests.id"), index=True)
    # The escalate decision it approves: two approvals of one decision cannot both be written.
    decision_id: Mapped[str | None] = mapped_column(ForeignKey("decisions.id"), unique=True)
    declaration_id: Mapped[str | None] = mapped_column(ForeignKey("declarations.id"), index=True)
    triage_id: Mapped[str | None] = mapped_column(ForeignKey("triages.id"), unique=True)
    note: Mapped[str] = mapped_column(Text)
    evidence_sha256: Mapped[str] = mapped_column(String(64))
    document_id: Mapped[str | None] = mapped_column(ForeignKey("approval_documents.id"))
    approval_needed: Mapped[bool] = mapped_column(Boolean, default=True)
    clears_sources: Mapped[bool] = mapped_column(Boolean, default=False)
    # R15: legal confirms the estate's permission (needed when no estate consent is on record).
    confirms_estate: Mapped[bool] = mapped_column(Boolean, default=False)
    approved_by: Mapped[str | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Refusal(Base):
    __tablename__ = "refusals"
    __table_args__ = (CheckConstraint(_ONE_SUBJECT, name="one_subject"),)

    id: Mapped[str] = mapped_column(String(ID_LENGTH), primary_key=True)
    request_id: Mapped[str | None] = mapped_column(ForeignKey("use_requests.id"), index=True)
    decision_id: Mapped[str | None] = mapped_column(ForeignKey("decisions.id"))
    declaration_id: Mapped[str | None] = mapped_column(ForeignKey("declarations.id"), index=True)
    triage_id: Mapped[str | None] = mapped_column(ForeignKey("triages.id"))
    reason: Mapped[str] = mapped_column(Text)
    refused_by: Mapped[str | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class ApprovalDocument(Base):
    """A signed approval, checked and hashed on the server, sealed under its own data key."""

    __tablename__ = "approval_documents"

    id: Mapped[str] = mapped_column(String(ID_LENGTH), primary_key=True)
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    content_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int] = mapped_column(Integer)
    data_key_id: Mapped[str] = mapped_column(String(ID_LENGTH))
    filename_ct: Mapped[bytes | None] = mapped_column(LargeBinary)
    content_ct: Mapped[bytes | None] = mapped_column(LargeBinary)
    uploaded_by: Mapped[str | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


QUESTION_KINDS = ("question", "answer")


class Question(Base):
    """One message of the short thread legal opens on an escalated item (send back with a
    question): legal's ``question`` or the requester's ``answer``. It changes no outcome."""

    __tablename__ = "questions"
    __table_args__ = (
        CheckConstraint(_ONE_SUBJECT, name="one_subject"),
        CheckConstraint("kind IN ('question', 'answer')", name="kind"),
    )

    id: Mapped[str] = mapped_column(String(ID_LENGTH), primary_key=True)
    request_id: Mapped[str | None] = mapped_column(ForeignKey("use_requests.id"), index=True)
    declaration_id: Mapped[str | None] = mapped_column(ForeignKey("declarations.id"), index=True)
    kind: Mapped[str] = mapped_column(String(10))
    body: Mapped[str] = mapped_column(Text)
    author_id: Mapped[str | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
