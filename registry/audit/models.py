"""Audit events (a hash chain: each names its predecessor's hash) and signed checkpoints."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from registry.core.db import Base

GENESIS = "0" * 64


class AuditEvent(Base):
    __tablename__ = "audit_events"

    seq: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=False
    )
    at: Mapped[datetime]
    actor_id: Mapped[str | None] = mapped_column(String(40))
    action: Mapped[str] = mapped_column(String(64))
    subject_type: Mapped[str] = mapped_column(String(40))
    subject_id: Mapped[str] = mapped_column(String(80), index=True)
    content_hash: Mapped[str] = mapped_column(String(64))
    # An event's predecessor is the event of seq - 1 (``verify`` checks it), and seq is the
    # primary key: two events claiming one predecessor would share a seq, so the chain cannot
    # fork (migration 0007 dropped the unique index that said the same again).
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))


class AuditCheckpoint(Base):
    __tablename__ = "audit_checkpoints"

    seq: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=False
    )
    head_hash: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime]
    kid: Mapped[str] = mapped_column(String(40))
    signature: Mapped[str] = mapped_column(Text)
