"""legal's questions on escalated requests and declarations (send back with a question)

Revision ID: 0017_questions
Revises: 0016_request_ids
Create Date: 2026-12-06 18:00:00

Written by hand.
"""
from alembic import op
import sqlalchemy as sa

import registry.core.db


# revision identifiers, used by Alembic.
revision = "0017_questions"
down_revision = "0016_request_ids"
branch_labels = None
depends_on = None

UTC = registry.core.db.UTCDateTime


def upgrade():
    pass


def downgrade():
    pass
