"""leaner write indexes: consent_purposes keyed by its look-up (WITHOUT ROWID on SQLite), no
unused indexes on consents, no redundant unique index on audit_events.prev_hash

Revision ID: 0007_leaner_write_indexes
Revises: 0006_pending_receipts
Create Date: 2026-11-23 07:00:00

Written by hand. Every consent writes a consents row, one or more consent_purposes rows and an
audit event; each of those rows also went into B-trees that nothing reads or that repeat
another:
- consents is read by id only: its performer_id and production_id indexes served no query;
- consent_purposes had a look-up index beside its primary key: the key now leads with the
  look-up's columns (performer, production, purpose, version), and on SQLite the table is
  stored WITHOUT ROWID, so a row is one entry in one B-tree;
- audit_events.prev_hash was unique so that two events could not name the same predecessor;
  an event's predecessor is the event of seq - 1 (verification checks exactly that) and seq is
  the primary key, so two events with one predecessor would share a seq: the primary key
  already refuses a fork, and the unique index (a random 64-character key per event) went.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "0007_leaner_write_indexes"
down_revision = "0006_pending_receipts"
branch_labels = None
depends_on = None

LOOKUP_KEY = ["performer_id", "production_id", "purpose", "version_id"]
AUDIT_COLUMNS = (
    "seq, at, actor_id, action, subject_type, subject_id, content_hash, prev_hash, hash"
)


def _purposes_table(name, key, with_rowid):
    op.create_table(
        name,
        sa.Column("version_id", sa.String(length=40), nullable=False),
        sa.Column("purpose", sa.String(length=40), nullable=False),
        sa.Column("performer_id", sa.String(length=40), nullable=False),
        sa.Column("production_id", sa.String(length=40), nullable=False),
        sa.ForeignKeyConstraint(
            ["version_id"],
            ["consent_versions.id"],
            name=op.f("fk_consent_purposes_version_id_consent_versions"),
        ),
        sa.PrimaryKeyConstraint(*key, name=op.f("pk_consent_purposes")),
        sqlite_with_rowid=with_rowid,
    )


def _audit_table(name, unique_prev):
    constraints = [sa.PrimaryKeyConstraint("seq", name=op.f("pk_audit_events"))]
    if unique_prev:
        constraints.append(sa.UniqueConstraint("prev_hash", name=op.f("uq_audit_events_prev_hash")))
    op.create_table(
        name,
        sa.Column("seq", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=False, nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("actor_id", sa.String(length=40), nullable=True),
        sa.Column("action", sa.String(length=64), nullable=False),
        sa.Column("subject_type", sa.String(length=40), nullable=False),
        sa.Column("subject_id", sa.String(length=80), nullable=False),
        sa.Column("content_hash", sa.String(length=64), nullable=False),
        sa.Column("prev_hash", sa.String(length=64), nullable=False),
        sa.Column("hash", sa.String(length=64), nullable=False),
        *constraints,
    )


def _rebuild_on_sqlite(table, make, columns):
    # Both tables are leaves (no table refers to them): copy each into its new shape.
    make(f"_{table}_new")
    op.execute(f"INSERT INTO _{table}_new ({columns}) SELECT {columns} FROM {table}")
    op.drop_table(table)
    op.rename_table(f"_{table}_new", table)


def upgrade():
    op.drop_index("ix_consents_performer_id", table_name="consents")
    op.drop_index("ix_consents_production_id", table_name="consents")
    if op.get_bind().dialect.name != "sqlite":
        op.drop_index("ix_consent_purposes_lookup", table_name="consent_purposes")
        op.drop_constraint("pk_consent_purposes", "consent_purposes", type_="primary")
        op.create_primary_key("pk_consent_purposes", "consent_purposes", LOOKUP_KEY)
        op.drop_constraint("uq_audit_events_prev_hash", "audit_events", type_="unique")
        return
    _rebuild_on_sqlite(
        "consent_purposes",
        lambda name: _purposes_table(name, LOOKUP_KEY, with_rowid=False),
        "version_id, purpose, performer_id, production_id",
    )
    _rebuild_on_sqlite("audit_events", lambda name: _audit_table(name, False), AUDIT_COLUMNS)
    op.create_index("ix_audit_events_subject_id", "audit_events", ["subject_id"], unique=False)


def _refuse_duplicates(sql, what):
    if op.get_bind().execute(sa.text(sql)).first() is not None:
        raise RuntimeError(f"cannot downgrade: {what}; the older unique key would refuse them")


def downgrade():
    # The older schema had two unique keys this one does without: check the data still fits.
    _refuse_duplicates(
        "SELECT prev_hash FROM audit_events GROUP BY prev_hash HAVING count(*) > 1",
        "two audit events name the same predecessor (flask audit verify names the first)",
    )
    _refuse_duplicates(
        "SELECT version_id, purpose FROM consent_purposes GROUP BY version_id, purpose "
        "HAVING count(*) > 1",
        "a consent version lists a purpose twice",
    )
    if op.get_bind().dialect.name != "sqlite":
        op.create_unique_constraint("uq_audit_events_prev_hash", "audit_events", ["prev_hash"])
        op.drop_constraint("pk_consent_purposes", "consent_purposes", type_="primary")
        op.create_primary_key("pk_consent_purposes", "consent_purposes", ["version_id", "purpose"])
    else:
        _rebuild_on_sqlite("audit_events", lambda name: _audit_table(name, True), AUDIT_COLUMNS)
        op.create_index("ix_audit_events_subject_id", "audit_events", ["subject_id"], unique=False)
        _rebuild_on_sqlite(
            "consent_purposes",
            lambda name: _purposes_table(name, ["version_id", "purpose"], with_rowid=True),
            "version_id, purpose, performer_id, production_id",
        )
    op.create_index(
        "ix_consent_purposes_lookup",
        "consent_purposes",
        ["performer_id", "production_id", "purpose"],
        unique=False,
    )
    op.create_index("ix_consents_production_id", "consents", ["production_id"], unique=False)
    op.create_index("ix_consents_performer_id", "consents", ["performer_id"], unique=False)
