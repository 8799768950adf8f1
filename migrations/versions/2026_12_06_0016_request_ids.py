"""request ids on audit events (not part of the hashed content)

Revision ID: 0016_request_ids
Revises: 0015_idempotency
Create Date: 2026-12-06 18:00:00

Written by hand.
"""
from alembic import op
import sqlalchemy as sa

import registry.core.db


# revision identifiers, used by Alembic.
revision = "0016_request_ids"
down_revision = "0015_idempotency"
branch_labels = None
depends_on = None

UTC = registry.core.db.UTCDateTime


def upgrade():
    # The HTTP request an event was appended in (``X-Request-Id``), for finding its log lines.
    # Not hashed: the chain's hashes are unchanged, and existing events keep NULL.
    with op.batch_alter_table("audit_events", schema=None) as batch_op:
        batch_op.add_column(sa.Column("request_id", sa.String(length=128), nullable=True))


def downgrade():
    with op.batch_alter_table("audit_events", schema=None) as batch_op:
        batch_op.drop_column("request_id")
