"""legal's questions on escalated requests and declarations (send back with a question)

Revision ID: 0017_questions
Revises: 0016_request_ids
Create Date: 2026-12-06 18:00:00

Written by hand.
"""
from alembic import op
import sqlalchemy as sa

import registry.core.db


# revision identifiers, used by Alembic.
revision = "0017_questions"
down_revision = "0016_request_ids"
branch_labels = None
depends_on = None

UTC = registry.core.db.UTCDateTime


ONE_SUBJECT = "(request_id IS NULL) <> (declaration_id IS NULL)"


def upgrade():
    op.create_table(
        "questions",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("request_id", sa.String(length=40), nullable=True),
        sa.Column("declaration_id", sa.String(length=40), nullable=True),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("author_id", sa.String(length=40), nullable=True),
        sa.Column("created_at", UTC(timezone=True), nullable=False),
        sa.CheckConstraint(ONE_SUBJECT, name=op.f("ck_questions_one_subject")),
        sa.CheckConstraint("kind IN ('question', 'answer')", name=op.f("ck_questions_kind")),
        sa.ForeignKeyConstraint(
            ["author_id"], ["users.id"], name=op.f("fk_questions_author_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["declaration_id"],
            ["declarations.id"],
            name=op.f("fk_questions_declaration_id_declarations"),
        ),
        sa.ForeignKeyConstraint(
            ["request_id"], ["use_requests.id"], name=op.f("fk_questions_request_id_use_requests")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_questions")),
    )
    op.create_index(op.f("ix_questions_request_id"), "questions", ["request_id"], unique=False)
    op.create_index(
        op.f("ix_questions_declaration_id"), "questions", ["declaration_id"], unique=False
    )


def downgrade():
    op.drop_index(op.f("ix_questions_declaration_id"), table_name="questions")
    op.drop_index(op.f("ix_questions_request_id"), table_name="questions")
    op.drop_table("questions")
