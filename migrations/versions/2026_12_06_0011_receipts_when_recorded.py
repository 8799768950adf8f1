"""receipts when recorded: the receipt backlog goes (every consent receipt is signed as its
version is recorded), and the closed vocabularies get check constraints

Revision ID: 0011_receipts_when_recorded
Revises: 0010_faithful_gate
Create Date: 2026-12-06 12:00:00

Written by hand. Since this release a bulk import signs each receipt as it builds the row, so
nothing is left to sign later. Versions an older release imported and whose receipts were
never signed cannot be signed here (a migration has no signing key): the upgrade stops, naming
how many, and changes nothing. Sign them with the previous release first (``flask --app wsgi
consents issue-receipts``), then upgrade.

The check constraints hold the values of ``registry/rules/vocabulary.py`` as they are in this
release (a migration is a frozen snapshot); ``test_migrations`` ties the two together.
"""
from alembic import op
import sqlalchemy as sa

import registry.core.db


# revision identifiers, used by Alembic.
revision = "0011_receipts_when_recorded"
down_revision = "0010_faithful_gate"
branch_labels = None
depends_on = None

PURPOSES = (
    "digital_replica", "digital_alteration", "synthetic_voice", "visual_adr", "re_ageing",
    "model_training", "model_reuse",
)
SIGNERS = ("performer", "representative", "estate")
REQUEST_KINDS = ("replica.create", "replica.use", "alteration", "model.use", "model.train")
PRODUCTION_KINDS = ("production", "pitch", "concept")
PHASES = ("development", "pre_production", "production", "post", "released", "cancelled")
OUTCOMES = ("allow", "escalate", "deny")
BASES = ("consent", "customary_exception", "written_approval")

# (table, constraint name, column, values, nullable, table keyword arguments for SQLite's copy)
CHECKS = (
    ("consent_purposes", "purpose", "purpose", PURPOSES, False, {"sqlite_with_rowid": False}),
    ("consent_versions", "signed_by", "signed_by", SIGNERS, False, {}),
    ("use_requests", "kind", "kind", REQUEST_KINDS, False, {}),
    ("productions", "kind", "kind", PRODUCTION_KINDS, False, {}),
    ("productions", "phase", "phase", PHASES, False, {}),
    ("decisions", "outcome", "outcome", OUTCOMES, False, {}),
    ("decisions", "basis", "basis", BASES, True, {}),
)


def _condition(column, values, nullable):
    listed = ", ".join(f"'{v}'" for v in values)
    condition = f"{column} IN ({listed})"
    return f"{column} IS NULL OR {condition}" if nullable else condition


def upgrade():
    pending = op.get_bind().execute(
        sa.text("SELECT count(*) FROM consent_versions WHERE receipt IS NULL")
    ).scalar_one()
    if pending:
        raise RuntimeError(
            f"{pending} consent version(s) still wait for their receipt. Sign them with the "
            "previous release first (flask --app wsgi consents issue-receipts), then upgrade."
        )
    op.drop_table("consent_receipt_backlog")
    by_table = {}
    for table, name, column, values, nullable, kwargs in CHECKS:
        by_table.setdefault(table, ([], kwargs))[0].append((name, column, values, nullable))
    for table, (checks, kwargs) in by_table.items():
        with op.batch_alter_table(table, table_kwargs=kwargs) as batch:
            for name, column, values, nullable in checks:
                batch.create_check_constraint(
                    op.f(f"ck_{table}_{name}"), _condition(column, values, nullable)
                )


def downgrade():
    by_table = {}
    for table, name, _column, _values, _nullable, kwargs in CHECKS:
        by_table.setdefault(table, ([], kwargs))[0].append(name)
    for table, (names, kwargs) in by_table.items():
        with op.batch_alter_table(table, table_kwargs=kwargs) as batch:
            for name in names:
                batch.drop_constraint(op.f(f"ck_{table}_{name}"), type_="check")
    op.create_table(
        "consent_receipt_backlog",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("first_version_id", sa.String(length=40), nullable=False),
        sa.Column("last_version_id", sa.String(length=40), nullable=False),
        sa.Column("issuer", sa.Text(), nullable=True),
        sa.Column("created_at", registry.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_consent_receipt_backlog")),
    )
