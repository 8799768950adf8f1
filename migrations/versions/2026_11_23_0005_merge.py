"""merge the feature branches (gate, reminders) into one head

Revision ID: 0005_merge
Revises: 0002_gate, 0003_reminders
Create Date: 2026-11-23 02:55:00

"""

# revision identifiers, used by Alembic.
revision = "0005_merge"
down_revision = ("0002_gate", "0003_reminders")
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
