"""audit records: the state of every audited record after each change (state events), back-filled from today's rows; the audit checks' results

Revision ID: 0014_audit_records
Revises: 0013_sign_in_defences
Create Date: 2026-12-06 16:00:00

Written by hand. Adds the state events (``audit_states``: a hash chain of its own, one row per
state of an audited record, looked up by kind and record) and their signed checkpoints, the
records checks auditors ask the scheduler for, and how far each witness has been sent the
checkpoints (``registry.audit``).

The back-fill appends one state event for every record that exists now, hashed from its row
as it is, and signs the head: it TRUSTS TODAY'S ROWS. A change made to a record before this
upgrade is not detected by ``audit verify --records``; every change after it is. The upgrade
says so in its log, with the count per kind. The events' chain is not touched.

The downgrade drops the four tables (the events' chain stays as it is, and verifies as before).
"""
import logging

from alembic import op
import sqlalchemy as sa

import registry.core.db


# revision identifiers, used by Alembic.
revision = "0014_audit_records"
down_revision = "0013_sign_in_defences"
branch_labels = None
depends_on = None

UTC = registry.core.db.UTCDateTime
SEQ = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
log = logging.getLogger("alembic.runtime.migration")


def upgrade():
    op.create_table(
        "audit_states",
        sa.Column("seq", SEQ, autoincrement=False, nullable=False),
        sa.Column("at", UTC(timezone=True), nullable=False),
        sa.Column("actor_id", sa.String(length=40), nullable=True),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("record_id", sa.String(length=40), nullable=False),
        sa.Column("state_hash", sa.String(length=64), nullable=False),
        sa.Column("event_seq", sa.BigInteger(), nullable=True),
        sa.Column("prev_hash", sa.String(length=64), nullable=False),
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("seq", name=op.f("pk_audit_states")),
    )
    with op.batch_alter_table("audit_states", schema=None) as batch_op:
        batch_op.create_index(
            "ix_audit_states_record", ["kind", "record_id", "seq"], unique=False
        )
    op.create_table(
        "audit_state_checkpoints",
        sa.Column("seq", SEQ, autoincrement=False, nullable=False),
        sa.Column("head_hash", sa.String(length=64), nullable=False),
        sa.Column("at", UTC(timezone=True), nullable=False),
        sa.Column("kid", sa.String(length=40), nullable=False),
        sa.Column("signature", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("seq", name=op.f("pk_audit_state_checkpoints")),
    )
    op.create_table(
        "audit_record_checks",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("requested_by", sa.String(length=40), nullable=True),
        sa.Column("requested_at", UTC(timezone=True), nullable=False),
        sa.Column("started_at", UTC(timezone=True), nullable=True),
        sa.Column("finished_at", UTC(timezone=True), nullable=True),
        sa.Column("holder", sa.String(length=100), nullable=True),
        sa.Column("heartbeat_at", UTC(timezone=True), nullable=True),
        sa.Column("total", sa.Integer(), nullable=False),
        sa.Column("checked", sa.Integer(), nullable=False),
        sa.Column("ok", sa.Boolean(), nullable=True),
        sa.Column("events", sa.BigInteger(), nullable=True),
        sa.Column("state_events", sa.BigInteger(), nullable=True),
        sa.Column("problem", sa.Text(), nullable=True),
        sa.Column("mismatch_count", sa.Integer(), nullable=False),
        sa.Column("mismatches", sa.JSON(), nullable=True),
        sa.Column("by_kind", sa.JSON(), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.CheckConstraint(
            "status IN ('queued', 'running', 'done', 'failed')",
            name=op.f("ck_audit_record_checks_status"),
        ),
        sa.ForeignKeyConstraint(
            ["requested_by"],
            ["users.id"],
            name=op.f("fk_audit_record_checks_requested_by_users"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_record_checks")),
    )
    op.create_table(
        "audit_witness_marks",
        sa.Column("witness", sa.String(length=20), nullable=False),
        sa.Column("chain", sa.String(length=10), nullable=False),
        sa.Column("seq", sa.BigInteger(), nullable=False),
        sa.Column("at", UTC(timezone=True), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("witness", "chain", name=op.f("pk_audit_witness_marks")),
    )
    _backfill()


def _backfill():
    from datetime import UTC as TZ_UTC, datetime

    from flask import current_app

    from registry.appctx import signing_keys
    from registry.audit import records

    counts = records.backfill(
        op.get_bind(),
        signing=signing_keys(),
        checkpoint_every=int(current_app.config["AUDIT_CHECKPOINT_EVERY"]),
        now=datetime.now(TZ_UTC),
    )
    total = sum(counts.values())
    listed = ", ".join(f"{kind} {count}" for kind, count in counts.items() if count)
    log.info(
        "0014: back-filled a state event for each of the %d existing records (%s), TRUSTING "
        "the rows as they are now: a change made to a record before this upgrade cannot be "
        "detected; every change after it is.",
        total,
        listed or "none",
    )


def downgrade():
    op.drop_table("audit_witness_marks")
    op.drop_table("audit_record_checks")
    op.drop_table("audit_state_checkpoints")
    with op.batch_alter_table("audit_states", schema=None) as batch_op:
        batch_op.drop_index("ix_audit_states_record")
    op.drop_table("audit_states")
