"""pending consent receipts: a partial index on versions still waiting for their receipt

Revision ID: 0006_pending_receipts
Revises: 0005_merge
Create Date: 2026-11-23 04:30:00

Written by hand.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "0006_pending_receipts"
down_revision = "0005_merge"
branch_labels = None
depends_on = None


def upgrade():
    op.create_index(
        "ix_consent_versions_receipt_pending",
        "consent_versions",
        ["created_at", "id"],
        unique=False,
        sqlite_where=sa.text("receipt IS NULL"),
        postgresql_where=sa.text("receipt IS NULL"),
    )


def downgrade():
    op.drop_index("ix_consent_versions_receipt_pending", table_name="consent_versions")
