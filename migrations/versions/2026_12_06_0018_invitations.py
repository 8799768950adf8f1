"""user invitations and password resets by single-use, expiring links

Revision ID: 0018_invitations
Revises: 0017_questions
Create Date: 2026-12-06 18:00:00

Written by hand. One table, ``account_links``: the invitation a new user gets by e-mail
and the password reset an admin sends, each a single-use, expiring link whose token is stored
only as its SHA-256. The downgrade drops it (links not yet used stop working).
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
    op.create_table(
        "account_links",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("user_id", sa.String(length=40), nullable=False),
        sa.Column("purpose", sa.String(length=20), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("created_by", sa.String(length=40), nullable=True),
        sa.Column("created_at", UTC(timezone=True), nullable=False),
        sa.Column("expires_at", UTC(timezone=True), nullable=False),
        sa.Column("used_at", UTC(timezone=True), nullable=True),
        sa.Column("revoked_at", UTC(timezone=True), nullable=True),
        sa.CheckConstraint(
            "purpose IN ('invitation', 'password_reset')", name=op.f("ck_account_links_purpose")
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_account_links_user_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["created_by"], ["users.id"], name=op.f("fk_account_links_created_by_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_account_links")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_account_links_token_hash")),
    )
    with op.batch_alter_table("account_links", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_account_links_user_id"), ["user_id"], unique=False)


def downgrade():
    with op.batch_alter_table("account_links", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_account_links_user_id"))
    op.drop_table("account_links")
