"""sign-in defences: failed sign-ins, server-side session lifetimes, second factors (TOTP) and recovery codes, token expiry

Revision ID: 0013_sign_in_defences
Revises: 0012_genai_declarations
Create Date: 2026-12-06 16:00:00

Written by hand. Failed sign-ins are counted in the rate limiter's store (memory or Redis), not
here. Login sessions get their idle and absolute ends and what a sign-in still awaits (its
second factor, or the enrolment of one); every session open at the upgrade ends, so the next
sign-in meets the new rules. API tokens get an optional expiry. Second factors (TOTP secrets,
encrypted) and recovery codes (salted hashes) get a table each.

The downgrade drops all of it. The older code could neither end a session by its lifetimes nor
a token at its expiry, nor tell a sign-in that still awaits its second factor from a session:
so the downgrade first ends every open session and revokes every token that has an expiry.
"""
from datetime import UTC as TZ_UTC, datetime

from alembic import op
import sqlalchemy as sa

import registry.core.db


# revision identifiers, used by Alembic.
revision = "0013_sign_in_defences"
down_revision = "0012_genai_declarations"
branch_labels = None
depends_on = None

UTC = registry.core.db.UTCDateTime
AWAITING = "awaiting IS NULL OR awaiting IN ('second_factor', 'enrolment')"

sessions = sa.table(
    "login_sessions",
    sa.column("created_at", UTC()),
    sa.column("revoked_at", UTC()),
    sa.column("last_seen_at", UTC()),
    sa.column("expires_at", UTC()),
)
tokens = sa.table(
    "api_tokens",
    sa.column("revoked_at", UTC()),
    sa.column("expires_at", UTC()),
)


def upgrade():
    now = datetime.now(TZ_UTC)
    with op.batch_alter_table("api_tokens", schema=None) as batch_op:
        batch_op.add_column(sa.Column("expires_at", UTC(timezone=True), nullable=True))

    with op.batch_alter_table("login_sessions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("last_seen_at", UTC(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("expires_at", UTC(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("awaiting", sa.String(length=20), nullable=True))
    op.execute(sessions.update().where(sessions.c.revoked_at.is_(None)).values(revoked_at=now))
    op.execute(
        sessions.update().values(
            last_seen_at=sessions.c.created_at, expires_at=sessions.c.created_at
        )
    )
    with op.batch_alter_table("login_sessions", schema=None) as batch_op:
        batch_op.alter_column("last_seen_at", existing_type=UTC(timezone=True), nullable=False)
        batch_op.alter_column("expires_at", existing_type=UTC(timezone=True), nullable=False)
        batch_op.create_check_constraint(op.f("ck_login_sessions_awaiting"), AWAITING)

    op.create_table(
        "second_factors",
        sa.Column("user_id", sa.String(length=40), nullable=False),
        sa.Column("secret_ct", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", UTC(timezone=True), nullable=False),
        sa.Column("confirmed_at", UTC(timezone=True), nullable=True),
        sa.Column("last_used_step", sa.BigInteger(), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_second_factors_user_id_users")
        ),
        sa.PrimaryKeyConstraint("user_id", name=op.f("pk_second_factors")),
    )
    op.create_table(
        "recovery_codes",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("user_id", sa.String(length=40), nullable=False),
        sa.Column("code_hash", sa.String(length=120), nullable=False),
        sa.Column("created_at", UTC(timezone=True), nullable=False),
        sa.Column("used_at", UTC(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_recovery_codes_user_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_recovery_codes")),
    )
    with op.batch_alter_table("recovery_codes", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_recovery_codes_user_id"), ["user_id"], unique=False)


def downgrade():
    now = datetime.now(TZ_UTC)
    with op.batch_alter_table("recovery_codes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_recovery_codes_user_id"))
    op.drop_table("recovery_codes")
    op.drop_table("second_factors")

    op.execute(sessions.update().where(sessions.c.revoked_at.is_(None)).values(revoked_at=now))
    with op.batch_alter_table("login_sessions", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_login_sessions_awaiting"), type_="check")
        batch_op.drop_column("awaiting")
        batch_op.drop_column("expires_at")
        batch_op.drop_column("last_seen_at")

    op.execute(
        tokens.update()
        .where(tokens.c.revoked_at.is_(None), tokens.c.expires_at.is_not(None))
        .values(revoked_at=now)
    )
    with op.batch_alter_table("api_tokens", schema=None) as batch_op:
        batch_op.drop_column("expires_at")
