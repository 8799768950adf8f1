"""backlog issuer: the issuer (BASE_URL) each import's receipts were committed to

Revision ID: 0009_backlog_issuer
Revises: 0008_receipt_backlog
Create Date: 2026-11-23 09:00:00

Written by hand. A bulk import's audit events commit to the SHA-256 of each receipt's payload,
whose ``iss`` is the BASE_URL at import; the receipts signed later use the issuer stored here,
so a changed BASE_URL cannot make them differ from what the audit trail committed to. Ranges
from before this revision have none (the current BASE_URL is used, as before).
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "0009_backlog_issuer"
down_revision = "0008_receipt_backlog"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("consent_receipt_backlog") as batch:
        batch.add_column(sa.Column("issuer", sa.Text(), nullable=True))


def downgrade():
    with op.batch_alter_table("consent_receipt_backlog") as batch:
        batch.drop_column("issuer")
