"""faithful gate: replicas get names, approvals confirm an estate's permission, decisions keep
the rules they only considered and their next step

Revision ID: 0010_faithful_gate
Revises: 0009_backlog_issuer
Create Date: 2026-12-06 09:00:00

Written by hand, for ruleset 2026.12-1. Existing replicas are named after their performer's
professional name and media, as new ones are by default. Existing decisions keep what they
said: an empty ``considered`` and no stored ``next_step`` (derived from the outcome when read).
"""
import json

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "0010_faithful_gate"
down_revision = "0009_backlog_issuer"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("replicas") as batch:
        batch.add_column(sa.Column("name", sa.String(length=300), nullable=True))
    connection = op.get_bind()
    rows = connection.execute(
        sa.text(
            "SELECT replicas.id, performers.professional_name, replicas.media FROM replicas "
            "JOIN performers ON performers.id = replicas.performer_id"
        )
    ).all()
    for replica_id, name, media in rows:
        if isinstance(media, str):
            media = json.loads(media)
        connection.execute(
            sa.text("UPDATE replicas SET name = :name WHERE id = :id"),
            {"name": f"{name} replica ({', '.join(media or [])})", "id": replica_id},
        )
    with op.batch_alter_table("replicas") as batch:
        batch.alter_column("name", existing_type=sa.String(length=300), nullable=False)
    with op.batch_alter_table("approvals") as batch:
        batch.add_column(
            sa.Column("confirms_estate", sa.Boolean(), nullable=False, server_default=sa.false())
        )
    with op.batch_alter_table("decisions") as batch:
        batch.add_column(sa.Column("considered", sa.JSON(), nullable=True))
        batch.add_column(sa.Column("next_step", sa.Text(), nullable=True))
    connection.execute(sa.text("UPDATE decisions SET considered = '[]'"))
    with op.batch_alter_table("decisions") as batch:
        batch.alter_column("considered", existing_type=sa.JSON(), nullable=False)
    with op.batch_alter_table("approvals") as batch:
        batch.alter_column("confirms_estate", server_default=None)


def downgrade():
    with op.batch_alter_table("decisions") as batch:
        batch.drop_column("next_step")
        batch.drop_column("considered")
    with op.batch_alter_table("approvals") as batch:
        batch.drop_column("confirms_estate")
    with op.batch_alter_table("replicas") as batch:
        batch.drop_column("name")
