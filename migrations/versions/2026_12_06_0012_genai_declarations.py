"""genai declarations: tools, pipelines, declarations and their triages, generated assets;
approvals and refusals of requests or declarations, approval documents; notices about other
records in the reminders outbox; use requests link to a declaration

Revision ID: 0012_genai_declarations
Revises: 0011_receipts_when_recorded
Create Date: 2026-12-06 14:00:00

Written by hand. Existing approvals are approvals of use requests: their new columns stay empty.
"""
from alembic import op
import sqlalchemy as sa

import registry.core.db


# revision identifiers, used by Alembic.
revision = "0012_genai_declarations"
down_revision = "0011_receipts_when_recorded"
branch_labels = None
depends_on = None

TERMS = "('yes', 'no', 'unknown')"
ONE_SUBJECT = "(request_id IS NULL) <> (declaration_id IS NULL)"
UTC = registry.core.db.UTCDateTime


def upgrade():
    op.create_table(
        "genai_tools",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("name", sa.String(length=300), nullable=False),
        sa.Column("vendor", sa.String(length=300), nullable=False),
        sa.Column("version", sa.String(length=100), nullable=True),
        sa.Column("plan", sa.String(length=200), nullable=True),
        sa.Column("stores_inputs", sa.String(length=10), nullable=False),
        sa.Column("trains_on_inputs", sa.String(length=10), nullable=False),
        sa.Column("enterprise_agreement", sa.String(length=10), nullable=False),
        sa.Column("terms_url", sa.String(length=500), nullable=True),
        sa.Column("terms_sha256", sa.String(length=64), nullable=True),
        sa.Column("terms_note", sa.Text(), nullable=True),
        sa.Column("terms_version", sa.Integer(), nullable=False),
        sa.Column("reviewed_by", sa.String(length=40), nullable=True),
        sa.Column("reviewed_at", UTC(timezone=True), nullable=False),
        sa.Column("created_at", UTC(timezone=True), nullable=False),
        sa.CheckConstraint(f"stores_inputs IN {TERMS}", name=op.f("ck_genai_tools_stores_inputs")),
        sa.CheckConstraint(
            f"trains_on_inputs IN {TERMS}", name=op.f("ck_genai_tools_trains_on_inputs")
        ),
        sa.CheckConstraint(
            f"enterprise_agreement IN {TERMS}", name=op.f("ck_genai_tools_enterprise_agreement")
        ),
        sa.ForeignKeyConstraint(
            ["reviewed_by"], ["users.id"], name=op.f("fk_genai_tools_reviewed_by_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_genai_tools")),
    )
    op.create_table(
        "genai_pipelines",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("name", sa.String(length=300), nullable=False),
        sa.Column("vendor", sa.String(length=300), nullable=False),
        sa.Column("created_by", sa.String(length=40), nullable=True),
        sa.Column("created_at", UTC(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["created_by"], ["users.id"], name=op.f("fk_genai_pipelines_created_by_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_genai_pipelines")),
    )
    op.create_table(
        "genai_pipeline_stages",
        sa.Column("pipeline_id", sa.String(length=40), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("tool_id", sa.String(length=40), nullable=False),
        sa.Column("does", sa.Text(), nullable=False),
        sa.Column("trains", sa.Boolean(), nullable=False),
        sa.Column("training_sources", sa.JSON(), nullable=False),
        sa.Column("touches_likeness", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["pipeline_id"],
            ["genai_pipelines.id"],
            name=op.f("fk_genai_pipeline_stages_pipeline_id_genai_pipelines"),
        ),
        sa.ForeignKeyConstraint(
            ["tool_id"], ["genai_tools.id"], name=op.f("fk_genai_pipeline_stages_tool_id_genai_tools")
        ),
        sa.PrimaryKeyConstraint("pipeline_id", "position", name=op.f("pk_genai_pipeline_stages")),
    )
    op.create_index(
        op.f("ix_genai_pipeline_stages_tool_id"), "genai_pipeline_stages", ["tool_id"], unique=False
    )
    op.create_table(
        "declarations",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("production_id", sa.String(length=40), nullable=False),
        sa.Column("current_version", sa.Integer(), nullable=False),
        sa.Column("current_triage_id", sa.String(length=40), nullable=True),
        sa.Column("triage_count", sa.Integer(), nullable=False),
        sa.Column("created_by", sa.String(length=40), nullable=True),
        sa.Column("created_at", UTC(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["created_by"], ["users.id"], name=op.f("fk_declarations_created_by_users")
        ),
        sa.ForeignKeyConstraint(
            ["production_id"],
            ["productions.id"],
            name=op.f("fk_declarations_production_id_productions"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_declarations")),
    )
    op.create_index(
        op.f("ix_declarations_production_id"), "declarations", ["production_id"], unique=False
    )
    op.create_table(
        "declaration_versions",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("declaration_id", sa.String(length=40), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("category", sa.String(length=30), nullable=False),
        sa.Column("output", sa.String(length=10), nullable=False),
        sa.Column("pipeline_id", sa.String(length=40), nullable=True),
        sa.Column("performer_ids", sa.JSON(), nullable=False),
        sa.Column("facts", sa.JSON(), nullable=False),
        sa.Column("principles", sa.JSON(), nullable=False),
        sa.Column("created_by", sa.String(length=40), nullable=True),
        sa.Column("created_at", UTC(timezone=True), nullable=False),
        sa.Column("superseded_at", UTC(timezone=True), nullable=True),
        sa.CheckConstraint(
            "category IN ('ideation', 'background_element', 'key_creative', "
            "'talent_replication', 'unowned_training_data', 'proprietary_material', 'other')",
            name=op.f("ck_declaration_versions_category"),
        ),
        sa.CheckConstraint(
            "output IN ('temporary', 'final')", name=op.f("ck_declaration_versions_output")
        ),
        sa.ForeignKeyConstraint(
            ["created_by"], ["users.id"], name=op.f("fk_declaration_versions_created_by_users")
        ),
        sa.ForeignKeyConstraint(
            ["declaration_id"],
            ["declarations.id"],
            name=op.f("fk_declaration_versions_declaration_id_declarations"),
        ),
        sa.ForeignKeyConstraint(
            ["pipeline_id"],
            ["genai_pipelines.id"],
            name=op.f("fk_declaration_versions_pipeline_id_genai_pipelines"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_declaration_versions")),
        sa.UniqueConstraint("declaration_id", "version", name="uq_declaration_versions_version"),
    )
    op.create_table(
        "declaration_tools",
        sa.Column("version_id", sa.String(length=40), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("tool_id", sa.String(length=40), nullable=False),
        sa.ForeignKeyConstraint(
            ["tool_id"], ["genai_tools.id"], name=op.f("fk_declaration_tools_tool_id_genai_tools")
        ),
        sa.ForeignKeyConstraint(
            ["version_id"],
            ["declaration_versions.id"],
            name=op.f("fk_declaration_tools_version_id_declaration_versions"),
        ),
        sa.PrimaryKeyConstraint("version_id", "position", name=op.f("pk_declaration_tools")),
    )
    op.create_index(
        op.f("ix_declaration_tools_tool_id"), "declaration_tools", ["tool_id"], unique=False
    )
    op.create_table(
        "triages",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("declaration_id", sa.String(length=40), nullable=False),
        sa.Column("version_id", sa.String(length=40), nullable=False),
        sa.Column("sequence", sa.Integer(), nullable=False),
        sa.Column("trigger", sa.String(length=30), nullable=False),
        sa.Column("level", sa.String(length=10), nullable=False),
        sa.Column("approval", sa.String(length=10), nullable=False),
        sa.Column("rules", sa.JSON(), nullable=False),
        sa.Column("needed", sa.JSON(), nullable=False),
        sa.Column("next_step", sa.Text(), nullable=False),
        sa.Column("principles", sa.JSON(), nullable=False),
        sa.Column("terms_digest", sa.String(length=64), nullable=False),
        sa.Column("ruleset_version", sa.String(length=20), nullable=False),
        sa.Column("decided_at", UTC(timezone=True), nullable=False),
        sa.Column("decided_by", sa.String(length=40), nullable=True),
        sa.Column("receipt", sa.Text(), nullable=False),
        sa.CheckConstraint(
            "level IN ('low', 'caution', 'escalate')", name=op.f("ck_triages_level")
        ),
        sa.ForeignKeyConstraint(
            ["decided_by"], ["users.id"], name=op.f("fk_triages_decided_by_users")
        ),
        sa.ForeignKeyConstraint(
            ["declaration_id"],
            ["declarations.id"],
            name=op.f("fk_triages_declaration_id_declarations"),
        ),
        sa.ForeignKeyConstraint(
            ["version_id"],
            ["declaration_versions.id"],
            name=op.f("fk_triages_version_id_declaration_versions"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_triages")),
        sa.UniqueConstraint("declaration_id", "sequence", name="uq_triages_declaration_sequence"),
    )
    with op.batch_alter_table("declarations") as batch:
        batch.create_foreign_key(
            op.f("fk_declarations_current_triage_id_triages"),
            "triages",
            ["current_triage_id"],
            ["id"],
            use_alter=True,
        )
    op.create_table(
        "generated_assets",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("declaration_id", sa.String(length=40), nullable=False),
        sa.Column("production_id", sa.String(length=40), nullable=False),
        sa.Column("name", sa.String(length=500), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("media_type", sa.String(length=100), nullable=False),
        sa.Column("output", sa.String(length=10), nullable=False),
        sa.Column("created_by", sa.String(length=40), nullable=True),
        sa.Column("created_at", UTC(timezone=True), nullable=False),
        sa.CheckConstraint(
            "output IN ('temporary', 'final')", name=op.f("ck_generated_assets_output")
        ),
        sa.ForeignKeyConstraint(
            ["created_by"], ["users.id"], name=op.f("fk_generated_assets_created_by_users")
        ),
        sa.ForeignKeyConstraint(
            ["declaration_id"],
            ["declarations.id"],
            name=op.f("fk_generated_assets_declaration_id_declarations"),
        ),
        sa.ForeignKeyConstraint(
            ["production_id"],
            ["productions.id"],
            name=op.f("fk_generated_assets_production_id_productions"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_generated_assets")),
    )
    op.create_index("ix_generated_assets_sha256", "generated_assets", ["sha256"], unique=False)
    op.create_index(
        op.f("ix_generated_assets_declaration_id"),
        "generated_assets",
        ["declaration_id"],
        unique=False,
    )
    op.create_table(
        "approval_documents",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("content_type", sa.String(length=100), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("data_key_id", sa.String(length=40), nullable=False),
        sa.Column("filename_ct", sa.LargeBinary(), nullable=True),
        sa.Column("content_ct", sa.LargeBinary(), nullable=True),
        sa.Column("uploaded_by", sa.String(length=40), nullable=True),
        sa.Column("created_at", UTC(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["uploaded_by"], ["users.id"], name=op.f("fk_approval_documents_uploaded_by_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_approval_documents")),
    )
    op.create_index(
        op.f("ix_approval_documents_sha256"), "approval_documents", ["sha256"], unique=False
    )
    op.create_table(
        "refusals",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("request_id", sa.String(length=40), nullable=True),
        sa.Column("decision_id", sa.String(length=40), nullable=True),
        sa.Column("declaration_id", sa.String(length=40), nullable=True),
        sa.Column("triage_id", sa.String(length=40), nullable=True),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("refused_by", sa.String(length=40), nullable=True),
        sa.Column("created_at", UTC(timezone=True), nullable=False),
        sa.CheckConstraint(ONE_SUBJECT, name=op.f("ck_refusals_one_subject")),
        sa.ForeignKeyConstraint(
            ["decision_id"], ["decisions.id"], name=op.f("fk_refusals_decision_id_decisions")
        ),
        sa.ForeignKeyConstraint(
            ["declaration_id"],
            ["declarations.id"],
            name=op.f("fk_refusals_declaration_id_declarations"),
        ),
        sa.ForeignKeyConstraint(
            ["refused_by"], ["users.id"], name=op.f("fk_refusals_refused_by_users")
        ),
        sa.ForeignKeyConstraint(
            ["request_id"], ["use_requests.id"], name=op.f("fk_refusals_request_id_use_requests")
        ),
        sa.ForeignKeyConstraint(
            ["triage_id"], ["triages.id"], name=op.f("fk_refusals_triage_id_triages")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_refusals")),
    )
    op.create_index(op.f("ix_refusals_request_id"), "refusals", ["request_id"], unique=False)
    op.create_index(
        op.f("ix_refusals_declaration_id"), "refusals", ["declaration_id"], unique=False
    )
    with op.batch_alter_table("approvals") as batch:
        batch.alter_column("request_id", existing_type=sa.String(length=40), nullable=True)
        batch.alter_column("decision_id", existing_type=sa.String(length=40), nullable=True)
        batch.add_column(sa.Column("declaration_id", sa.String(length=40), nullable=True))
        batch.add_column(sa.Column("triage_id", sa.String(length=40), nullable=True))
        batch.add_column(sa.Column("document_id", sa.String(length=40), nullable=True))
        batch.add_column(
            sa.Column("approval_needed", sa.Boolean(), nullable=False, server_default=sa.true())
        )
        batch.create_index(op.f("ix_approvals_declaration_id"), ["declaration_id"], unique=False)
        batch.create_unique_constraint(op.f("uq_approvals_triage_id"), ["triage_id"])
        batch.create_foreign_key(
            op.f("fk_approvals_declaration_id_declarations"),
            "declarations",
            ["declaration_id"],
            ["id"],
        )
        batch.create_foreign_key(
            op.f("fk_approvals_triage_id_triages"), "triages", ["triage_id"], ["id"]
        )
        batch.create_foreign_key(
            op.f("fk_approvals_document_id_approval_documents"),
            "approval_documents",
            ["document_id"],
            ["id"],
        )
        batch.create_check_constraint(op.f("ck_approvals_one_subject"), ONE_SUBJECT)
    with op.batch_alter_table("approvals") as batch:
        batch.alter_column("approval_needed", server_default=None)
    with op.batch_alter_table("use_requests") as batch:
        batch.add_column(sa.Column("declaration_id", sa.String(length=40), nullable=True))
        batch.create_index(
            op.f("ix_use_requests_declaration_id"), ["declaration_id"], unique=False
        )
        batch.create_foreign_key(
            op.f("fk_use_requests_declaration_id_declarations"),
            "declarations",
            ["declaration_id"],
            ["id"],
            use_alter=True,
        )
    with op.batch_alter_table("reminders") as batch:
        batch.alter_column(
            "kind", existing_type=sa.String(length=20), type_=sa.String(length=30)
        )
        batch.alter_column("consent_version_id", existing_type=sa.String(length=40), nullable=True)
        batch.alter_column("consent_id", existing_type=sa.String(length=40), nullable=True)
        batch.alter_column("performer_id", existing_type=sa.String(length=40), nullable=True)
        batch.alter_column("expires_at", existing_type=UTC(timezone=True), nullable=True)
        batch.add_column(sa.Column("subject_type", sa.String(length=30), nullable=True))
        batch.add_column(sa.Column("subject_id", sa.String(length=40), nullable=True))
        batch.add_column(sa.Column("title", sa.Text(), nullable=True))
        batch.add_column(sa.Column("link_path", sa.String(length=300), nullable=True))
        batch.add_column(sa.Column("recipients", sa.JSON(), nullable=True))


def downgrade():
    bind = op.get_bind()
    notices = bind.execute(
        sa.text("SELECT count(*) FROM reminders WHERE consent_version_id IS NULL")
    ).scalar_one()
    declared = bind.execute(
        sa.text(
            "SELECT (SELECT count(*) FROM approvals WHERE request_id IS NULL) "
            "+ (SELECT count(*) FROM declarations)"
        )
    ).scalar_one()
    if notices or declared:
        raise RuntimeError(
            f"{notices} notice(s) and {declared} declaration record(s) exist: the older schema "
            "has no room for them. Nothing was changed."
        )
    with op.batch_alter_table("reminders") as batch:
        batch.drop_column("recipients")
        batch.drop_column("link_path")
        batch.drop_column("title")
        batch.drop_column("subject_id")
        batch.drop_column("subject_type")
        batch.alter_column("expires_at", existing_type=UTC(timezone=True), nullable=False)
        batch.alter_column("performer_id", existing_type=sa.String(length=40), nullable=False)
        batch.alter_column("consent_id", existing_type=sa.String(length=40), nullable=False)
        batch.alter_column(
            "consent_version_id", existing_type=sa.String(length=40), nullable=False
        )
        batch.alter_column(
            "kind", existing_type=sa.String(length=30), type_=sa.String(length=20)
        )
    with op.batch_alter_table("use_requests") as batch:
        batch.drop_constraint(
            op.f("fk_use_requests_declaration_id_declarations"), type_="foreignkey"
        )
        batch.drop_index(op.f("ix_use_requests_declaration_id"))
        batch.drop_column("declaration_id")
    with op.batch_alter_table("approvals") as batch:
        batch.drop_constraint(op.f("ck_approvals_one_subject"), type_="check")
        batch.drop_constraint(
            op.f("fk_approvals_document_id_approval_documents"), type_="foreignkey"
        )
        batch.drop_constraint(op.f("fk_approvals_triage_id_triages"), type_="foreignkey")
        batch.drop_constraint(
            op.f("fk_approvals_declaration_id_declarations"), type_="foreignkey"
        )
        batch.drop_constraint(op.f("uq_approvals_triage_id"), type_="unique")
        batch.drop_index(op.f("ix_approvals_declaration_id"))
        batch.drop_column("approval_needed")
        batch.drop_column("document_id")
        batch.drop_column("triage_id")
        batch.drop_column("declaration_id")
        batch.alter_column("decision_id", existing_type=sa.String(length=40), nullable=False)
        batch.alter_column("request_id", existing_type=sa.String(length=40), nullable=False)
    op.drop_table("refusals")
    op.drop_table("approval_documents")
    op.drop_table("generated_assets")
    with op.batch_alter_table("declarations") as batch:
        batch.drop_constraint(
            op.f("fk_declarations_current_triage_id_triages"), type_="foreignkey"
        )
    op.drop_table("triages")
    op.drop_table("declaration_tools")
    op.drop_table("declaration_versions")
    op.drop_table("declarations")
    op.drop_table("genai_pipeline_stages")
    op.drop_table("genai_pipelines")
    op.drop_table("genai_tools")
