"""idempotency keys for API writes; webhook secrets encrypted at rest

Revision ID: 0015_idempotency
Revises: 0014_audit_records
Create Date: 2026-12-06 16:00:00

Written by hand. Existing webhook secrets are encrypted in place, each under a data key of
its own; the downgrade decrypts them back into the clear column.
"""
from alembic import op
import sqlalchemy as sa

import registry.core.db


# revision identifiers, used by Alembic.
revision = "0015_idempotency"
down_revision = "0014_audit_records"
branch_labels = None
depends_on = None

UTC = registry.core.db.UTCDateTime


def upgrade():
    op.create_table(
        "idempotency_keys",
        sa.Column("user_id", sa.String(length=40), nullable=False),
        sa.Column("key", sa.String(length=255), nullable=False),
        sa.Column("fingerprint", sa.String(length=64), nullable=False),
        sa.Column("leased_until", UTC(timezone=True), nullable=True),
        sa.Column("status", sa.Integer(), nullable=True),
        sa.Column("content_type", sa.String(length=100), nullable=True),
        sa.Column("location", sa.String(length=500), nullable=True),
        sa.Column("body", sa.LargeBinary(), nullable=True),
        sa.Column("data_key_id", sa.String(length=40), nullable=True),
        sa.Column("created_at", UTC(timezone=True), nullable=False),
        sa.Column("expires_at", UTC(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_idempotency_keys_user_id_users")
        ),
        sa.PrimaryKeyConstraint("user_id", "key", name=op.f("pk_idempotency_keys")),
    )
    from registry.reminders import webhook_secrets

    with op.batch_alter_table("webhook_secrets") as batch:
        batch.add_column(sa.Column("data_key_id", sa.String(length=40), nullable=True))
        batch.add_column(sa.Column("secret_ct", sa.LargeBinary(), nullable=True))
    bind = op.get_bind()
    rows = bind.execute(sa.text("SELECT production_id, secret FROM webhook_secrets")).all()
    for production_id, secret in rows:
        sealed = webhook_secrets.seal(production_id, secret)
        bind.execute(
            sa.text(
                "UPDATE webhook_secrets SET data_key_id = :k, secret_ct = :c "
                "WHERE production_id = :p"
            ),
            {"k": sealed.data_key_id, "c": sealed.secret_ct, "p": production_id},
        )
    with op.batch_alter_table("webhook_secrets") as batch:
        batch.alter_column("data_key_id", existing_type=sa.String(length=40), nullable=False)
        batch.alter_column("secret_ct", existing_type=sa.LargeBinary(), nullable=False)
        batch.drop_column("secret")


def downgrade():
    from registry.reminders import webhook_secrets

    with op.batch_alter_table("webhook_secrets") as batch:
        batch.add_column(sa.Column("secret", sa.String(length=100), nullable=True))
    bind = op.get_bind()
    rows = bind.execute(
        sa.text("SELECT production_id, data_key_id, secret_ct FROM webhook_secrets")
    ).all()
    for production_id, key_id, ciphertext in rows:
        bind.execute(
            sa.text("UPDATE webhook_secrets SET secret = :s WHERE production_id = :p"),
            {"s": webhook_secrets.reveal(production_id, key_id, ciphertext), "p": production_id},
        )
    with op.batch_alter_table("webhook_secrets") as batch:
        batch.alter_column("secret", existing_type=sa.String(length=100), nullable=False)
        batch.drop_column("secret_ct")
        batch.drop_column("data_key_id")
    op.drop_table("idempotency_keys")
