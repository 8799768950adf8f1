"""user profile settings (time zone) and notifications read state

Revision ID: 0019_profiles
Revises: 0018_invitations
Create Date: 2026-12-06 18:00:00

Written by hand.
"""
from alembic import op
import sqlalchemy as sa

import registry.core.db


# revision identifiers, used by Alembic.
revision = "0019_profiles"
down_revision = "0018_invitations"
branch_labels = None
depends_on = None

UTC = registry.core.db.UTCDateTime


def upgrade():
    pass


def downgrade():
    pass
