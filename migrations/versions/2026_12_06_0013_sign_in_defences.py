"""sign-in defences: failed sign-ins, server-side session lifetimes, second factors (TOTP) and recovery codes, token expiry

Revision ID: 0013_sign_in_defences
Revises: 0012_genai_declarations
Create Date: 2026-12-06 16:00:00

Written by hand.
"""
from alembic import op
import sqlalchemy as sa

import registry.core.db


# revision identifiers, used by Alembic.
revision = "0013_sign_in_defences"
down_revision = "0012_genai_declarations"
branch_labels = None
depends_on = None

UTC = registry.core.db.UTCDateTime


def upgrade():
    pass


def downgrade():
    pass
