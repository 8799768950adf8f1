"""user invitations and password resets by single-use, expiring links

Revision ID: 0018_invitations
Revises: 0017_questions
Create Date: 2026-12-06 18:00:00

Written by hand.
"""
from alembic import op
import sqlalchemy as sa

import registry.core.db


# revision identifiers, used by Alembic.
revision = "0018_invitations"
down_revision = "0017_questions"
branch_labels = None
depends_on = None

UTC = registry.core.db.UTCDateTime


def upgrade():
    pass


def downgrade():
    pass
