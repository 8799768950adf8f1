"""webhook events keep their facts in a column of their own

Revision ID: 0020_event_data
Revises: 0019_profiles
Create Date: 2026-12-06 19:00:00

Written by hand. Webhook events (``decision.made``, ``decision.invalidated``,
``decl.escalated``, ``decl.cleared``) first kept their facts as JSON inside ``title``; they get a
``data`` column, and events already queued are moved over (``title`` back to what it says).
"""

import json

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0020_event_data"
down_revision = "0019_profiles"
branch_labels = None
depends_on = None

EVENT_KINDS = ("decision.made", "decision.invalidated", "decl.escalated", "decl.cleared")
reminders = sa.table(
    "reminders",
    sa.column("id", sa.String),
    sa.column("kind", sa.String),
    sa.column("title", sa.Text),
    sa.column("data", sa.JSON),
)


def upgrade():
    with op.batch_alter_table("reminders", schema=None) as batch_op:
        batch_op.add_column(sa.Column("data", sa.JSON(), nullable=True))
    bind = op.get_bind()
    rows = bind.execute(
        sa.select(reminders.c.id, reminders.c.title).where(reminders.c.kind.in_(EVENT_KINDS))
    ).all()
    for rid, title in rows:
        try:
            stored = json.loads(title or "{}")
        except ValueError:
            continue
        if not isinstance(stored, dict):
            continue
        bind.execute(
            reminders.update()
            .where(reminders.c.id == rid)
            .values(title=str(stored.get("title", "")), data=stored.get("data") or {})
        )


def downgrade():
    bind = op.get_bind()
    rows = bind.execute(
        sa.select(reminders.c.id, reminders.c.title, reminders.c.data).where(
            reminders.c.kind.in_(EVENT_KINDS)
        )
    ).all()
    for rid, title, data in rows:
        bind.execute(
            reminders.update()
            .where(reminders.c.id == rid)
            .values(title=json.dumps({"title": title or "", "data": data or {}}, sort_keys=True))
        )
    with op.batch_alter_table("reminders", schema=None) as batch_op:
        batch_op.drop_column("data")
