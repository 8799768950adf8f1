"""receipt backlog: pending consent receipts found by id ranges, one row per import, instead of
a partial index entry per version

Revision ID: 0008_receipt_backlog
Revises: 0007_leaner_write_indexes
Create Date: 2026-11-23 08:00:00

Written by hand. Versions already waiting for their receipt are covered by one range.
"""
from alembic import op
import sqlalchemy as sa

import registry.core.db


# revision identifiers, used by Alembic.
revision = "0008_receipt_backlog"
down_revision = "0007_leaner_write_indexes"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "consent_receipt_backlog",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("first_version_id", sa.String(length=40), nullable=False),
        sa.Column("last_version_id", sa.String(length=40), nullable=False),
        sa.Column("created_at", registry.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_consent_receipt_backlog")),
    )
    op.execute(
        "INSERT INTO consent_receipt_backlog (first_version_id, last_version_id, created_at) "
        "SELECT min(id), max(id), CURRENT_TIMESTAMP FROM consent_versions "
        "WHERE receipt IS NULL HAVING count(*) > 0"
    )
    op.drop_index("ix_consent_versions_receipt_pending", table_name="consent_versions")


def downgrade():
    op.create_index(
        "ix_consent_versions_receipt_pending",
        "consent_versions",
        ["created_at", "id"],
        unique=False,
        sqlite_where=sa.text("receipt IS NULL"),
        postgresql_where=sa.text("receipt IS NULL"),
    )
    op.drop_table("consent_receipt_backlog")
