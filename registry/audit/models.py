"""The audit trail's tables: events and state events (two hash chains, each naming its
predecessor's hash), the signed checkpoints of each, the records checks that auditors start,
and how far each witness has been sent the checkpoints."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Boolean, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from registry.core.db import ID_LENGTH, Base, one_of

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
    # The HTTP request the event was appended in (``X-Request-Id``: ``registry.web.request_ids``;
    # not a use request), to find its log lines; None outside a request (CLI, scheduler). Not
    # part of the hashed content: it says where to look, it is not evidence.
    request_id: Mapped[str | None] = mapped_column(String(128))


class AuditCheckpoint(Base):
    __tablename__ = "audit_checkpoints"

    seq: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=False
    )
    head_hash: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime]
    kid: Mapped[str] = mapped_column(String(40))
    signature: Mapped[str] = mapped_column(Text)


class AuditState(Base):
    """A state event: the canonical hash of an audited record's state after a change
    (``registry.audit.records``). A chain of its own, like the events: each names its
    predecessor's hash, and seq is the primary key. ``event_seq`` is the event it follows (of
    the same append, or the last one its transaction appended), if any."""

    __tablename__ = "audit_states"
    __table_args__ = (Index("ix_audit_states_record", "kind", "record_id", "seq"),)

    seq: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=False
    )
    at: Mapped[datetime]
    actor_id: Mapped[str | None] = mapped_column(String(40))
    kind: Mapped[str] = mapped_column(String(20))
    record_id: Mapped[str] = mapped_column(String(ID_LENGTH))
    state_hash: Mapped[str] = mapped_column(String(64))
    event_seq: Mapped[int | None] = mapped_column(BigInteger)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))


class AuditStateCheckpoint(Base):
    """A signed head of the state events' chain (as ``AuditCheckpoint`` is of the events')."""

    __tablename__ = "audit_state_checkpoints"

    seq: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=False
    )
    head_hash: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime]
    kid: Mapped[str] = mapped_column(String(40))
    signature: Mapped[str] = mapped_column(Text)


CHECK_STATUSES = ("queued", "running", "done", "failed")


class AuditRecordCheck(Base):
    """A check of every record against its latest state event, asked for by an auditor and run
    by the scheduler (``registry.audit.checks``). Its result names records by kind and id only
    (``mismatches``: at most ``checks.KEEP`` of them; ``mismatch_count`` counts them all)."""

    __tablename__ = "audit_record_checks"
    __table_args__ = (one_of("status", CHECK_STATUSES),)

    id: Mapped[str] = mapped_column(String(ID_LENGTH), primary_key=True)
    status: Mapped[str] = mapped_column(String(10))
    requested_by: Mapped[str | None] = mapped_column(ForeignKey("users.id"))
    requested_at: Mapped[datetime]
    started_at: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]
    holder: Mapped[str | None] = mapped_column(String(100))
    heartbeat_at: Mapped[datetime | None]
    total: Mapped[int] = mapped_column(Integer, default=0)
    checked: Mapped[int] = mapped_column(Integer, default=0)
    ok: Mapped[bool | None] = mapped_column(Boolean)
    events: Mapped[int | None] = mapped_column(BigInteger)
    state_events: Mapped[int | None] = mapped_column(BigInteger)
    problem: Mapped[str | None] = mapped_column(Text)
    mismatch_count: Mapped[int] = mapped_column(Integer, default=0)
    mismatches: Mapped[list[dict[str, Any]] | None] = mapped_column(JSON)
    by_kind: Mapped[dict[str, int] | None] = mapped_column(JSON)
    error: Mapped[str | None] = mapped_column(Text)


class AuditWitnessMark(Base):
    """How far one witness (``file`` or ``webhook``) has been sent one chain's checkpoints."""

    __tablename__ = "audit_witness_marks"

    witness: Mapped[str] = mapped_column(String(20), primary_key=True)
    chain: Mapped[str] = mapped_column(String(10), primary_key=True)
    seq: Mapped[int] = mapped_column(BigInteger)
    at: Mapped[datetime]
    last_error: Mapped[str | None] = mapped_column(Text)
