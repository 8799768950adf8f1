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
    # Each person's time zone (an IANA name; empty means UTC). Notifications' read state
    # (reminder_deliveries.read_at) exists since the reminders migration.
    with op.batch_alter_table("users") as batch:
        batch.add_column(sa.Column("time_zone", sa.String(length=64), nullable=True))


def downgrade():
    with op.batch_alter_table("users") as batch:
        batch.drop_column("time_zone")
