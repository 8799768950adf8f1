"""gate: enhancement models, use requests, decisions, approvals, replicas

Revision ID: 0002_gate
Revises: 0001_foundation
Create Date: 2026-11-23 02:00:00

Written by hand. use_requests and replicas / decisions refer to each other, so the two foreign
keys of use_requests that close the cycle are added once every table exists.
"""
from alembic import op
import sqlalchemy as sa

import registry.core.db


# revision identifiers, used by Alembic.
revision = '0002_gate'
down_revision = '0001_foundation'
branch_labels = None
depends_on = None


def _dt():
    return registry.core.db.UTCDateTime(timezone=True)


def upgrade():
    op.create_table('enhancement_models',
    sa.Column('id', sa.String(length=40), nullable=False),
    sa.Column('name', sa.String(length=300), nullable=False),
    sa.Column('production_id', sa.String(length=40), nullable=False),
    sa.Column('scope', sa.Text(), nullable=False),
    sa.Column('fingerprint_sha256', sa.String(length=64), nullable=False),
    sa.Column('vendor', sa.String(length=300), nullable=False),
    sa.Column('training_sources', sa.JSON(), nullable=False),
    sa.Column('created_by', sa.String(length=40), nullable=True),
    sa.Column('created_at', _dt(), nullable=False),
    sa.Column('retired_at', _dt(), nullable=True),
    sa.Column('retired_by', sa.String(length=40), nullable=True),
    sa.Column('retire_reason', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['created_by'], ['users.id'], name=op.f('fk_enhancement_models_created_by_users')),
    sa.ForeignKeyConstraint(['production_id'], ['productions.id'], name=op.f('fk_enhancement_models_production_id_productions')),
    sa.ForeignKeyConstraint(['retired_by'], ['users.id'], name=op.f('fk_enhancement_models_retired_by_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_enhancement_models')),
    sa.UniqueConstraint('fingerprint_sha256', name=op.f('uq_enhancement_models_fingerprint_sha256'))
    )
    with op.batch_alter_table('enhancement_models', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_enhancement_models_production_id'), ['production_id'], unique=False)

    op.create_table('model_performers',
    sa.Column('model_id', sa.String(length=40), nullable=False),
    sa.Column('performer_id', sa.String(length=40), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['model_id'], ['enhancement_models.id'], name=op.f('fk_model_performers_model_id_enhancement_models')),
    sa.ForeignKeyConstraint(['performer_id'], ['performers.id'], name=op.f('fk_model_performers_performer_id_performers')),
    sa.PrimaryKeyConstraint('model_id', 'performer_id', name=op.f('pk_model_performers'))
    )
    with op.batch_alter_table('model_performers', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_model_performers_performer_id'), ['performer_id'], unique=False)

    op.create_table('model_training_consents',
    sa.Column('model_id', sa.String(length=40), nullable=False),
    sa.Column('consent_id', sa.String(length=40), nullable=False),
    sa.Column('version_id', sa.String(length=40), nullable=False),
    sa.Column('performer_id', sa.String(length=40), nullable=False),
    sa.ForeignKeyConstraint(['consent_id'], ['consents.id'], name=op.f('fk_model_training_consents_consent_id_consents')),
    sa.ForeignKeyConstraint(['model_id'], ['enhancement_models.id'], name=op.f('fk_model_training_consents_model_id_enhancement_models')),
    sa.ForeignKeyConstraint(['performer_id'], ['performers.id'], name=op.f('fk_model_training_consents_performer_id_performers')),
    sa.ForeignKeyConstraint(['version_id'], ['consent_versions.id'], name=op.f('fk_model_training_consents_version_id_consent_versions')),
    sa.PrimaryKeyConstraint('model_id', 'consent_id', name=op.f('pk_model_training_consents'))
    )
    with op.batch_alter_table('model_training_consents', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_model_training_consents_consent_id'), ['consent_id'], unique=False)

    op.create_table('model_source_clearances',
    sa.Column('id', sa.String(length=40), nullable=False),
    sa.Column('model_id', sa.String(length=40), nullable=False),
    sa.Column('source_index', sa.Integer(), nullable=False),
    sa.Column('evidence_sha256', sa.String(length=64), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('cleared_by', sa.String(length=40), nullable=True),
    sa.Column('cleared_at', _dt(), nullable=False),
    sa.ForeignKeyConstraint(['cleared_by'], ['users.id'], name=op.f('fk_model_source_clearances_cleared_by_users')),
    sa.ForeignKeyConstraint(['model_id'], ['enhancement_models.id'], name=op.f('fk_model_source_clearances_model_id_enhancement_models')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_model_source_clearances')),
    sa.UniqueConstraint('model_id', 'source_index', name='uq_model_source_clearances_model_source')
    )

    op.create_table('use_requests',
    sa.Column('id', sa.String(length=40), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('performer_id', sa.String(length=40), nullable=True),
    sa.Column('production_id', sa.String(length=40), nullable=False),
    sa.Column('replica_id', sa.String(length=40), nullable=True),
    sa.Column('model_id', sa.String(length=40), nullable=True),
    sa.Column('media', sa.JSON(), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('facts', sa.JSON(), nullable=False),
    sa.Column('requested_by', sa.String(length=40), nullable=True),
    sa.Column('created_at', _dt(), nullable=False),
    sa.Column('current_decision_id', sa.String(length=40), nullable=True),
    sa.Column('decision_count', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['model_id'], ['enhancement_models.id'], name=op.f('fk_use_requests_model_id_enhancement_models')),
    sa.ForeignKeyConstraint(['performer_id'], ['performers.id'], name=op.f('fk_use_requests_performer_id_performers')),
    sa.ForeignKeyConstraint(['production_id'], ['productions.id'], name=op.f('fk_use_requests_production_id_productions')),
    sa.ForeignKeyConstraint(['requested_by'], ['users.id'], name=op.f('fk_use_requests_requested_by_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_use_requests'))
    )
    with op.batch_alter_table('use_requests', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_use_requests_model_id'), ['model_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_use_requests_performer_id'), ['performer_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_use_requests_production_id'), ['production_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_use_requests_replica_id'), ['replica_id'], unique=False)

    op.create_table('decisions',
    sa.Column('id', sa.String(length=40), nullable=False),
    sa.Column('request_id', sa.String(length=40), nullable=False),
    sa.Column('sequence', sa.Integer(), nullable=False),
    sa.Column('trigger', sa.String(length=20), nullable=False),
    sa.Column('outcome', sa.String(length=10), nullable=False),
    sa.Column('basis', sa.String(length=30), nullable=True),
    sa.Column('rules', sa.JSON(), nullable=False),
    sa.Column('consent_ids', sa.JSON(), nullable=False),
    sa.Column('missing', sa.JSON(), nullable=False),
    sa.Column('approval_ids', sa.JSON(), nullable=False),
    sa.Column('exception', sa.String(length=30), nullable=True),
    sa.Column('valid_until', _dt(), nullable=True),
    sa.Column('decided_at', _dt(), nullable=False),
    sa.Column('decided_by', sa.String(length=40), nullable=True),
    sa.Column('ruleset_version', sa.String(length=20), nullable=False),
    sa.Column('receipt', sa.Text(), nullable=False),
    sa.Column('invalidated_at', _dt(), nullable=True),
    sa.Column('invalidated_reason', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['decided_by'], ['users.id'], name=op.f('fk_decisions_decided_by_users')),
    sa.ForeignKeyConstraint(['request_id'], ['use_requests.id'], name=op.f('fk_decisions_request_id_use_requests')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_decisions')),
    sa.UniqueConstraint('request_id', 'sequence', name='uq_decisions_request_sequence')
    )
    with op.batch_alter_table('decisions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_decisions_outcome'), ['outcome'], unique=False)

    op.create_table('decision_consents',
    sa.Column('decision_id', sa.String(length=40), nullable=False),
    sa.Column('version_id', sa.String(length=40), nullable=False),
    sa.Column('consent_id', sa.String(length=40), nullable=False),
    sa.ForeignKeyConstraint(['consent_id'], ['consents.id'], name=op.f('fk_decision_consents_consent_id_consents')),
    sa.ForeignKeyConstraint(['decision_id'], ['decisions.id'], name=op.f('fk_decision_consents_decision_id_decisions')),
    sa.ForeignKeyConstraint(['version_id'], ['consent_versions.id'], name=op.f('fk_decision_consents_version_id_consent_versions')),
    sa.PrimaryKeyConstraint('decision_id', 'version_id', name=op.f('pk_decision_consents'))
    )
    with op.batch_alter_table('decision_consents', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_decision_consents_version_id'), ['version_id'], unique=False)

    op.create_table('approvals',
    sa.Column('id', sa.String(length=40), nullable=False),
    sa.Column('request_id', sa.String(length=40), nullable=False),
    sa.Column('decision_id', sa.String(length=40), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('evidence_sha256', sa.String(length=64), nullable=False),
    sa.Column('clears_sources', sa.Boolean(), nullable=False),
    sa.Column('approved_by', sa.String(length=40), nullable=True),
    sa.Column('created_at', _dt(), nullable=False),
    sa.ForeignKeyConstraint(['approved_by'], ['users.id'], name=op.f('fk_approvals_approved_by_users')),
    sa.ForeignKeyConstraint(['decision_id'], ['decisions.id'], name=op.f('fk_approvals_decision_id_decisions')),
    sa.ForeignKeyConstraint(['request_id'], ['use_requests.id'], name=op.f('fk_approvals_request_id_use_requests')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_approvals')),
    sa.UniqueConstraint('decision_id', name=op.f('uq_approvals_decision_id'))
    )
    with op.batch_alter_table('approvals', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_approvals_request_id'), ['request_id'], unique=False)

    op.create_table('replicas',
    sa.Column('id', sa.String(length=40), nullable=False),
    sa.Column('performer_id', sa.String(length=40), nullable=False),
    sa.Column('production_id', sa.String(length=40), nullable=False),
    sa.Column('media', sa.JSON(), nullable=False),
    sa.Column('request_id', sa.String(length=40), nullable=False),
    sa.Column('decision_id', sa.String(length=40), nullable=False),
    sa.Column('created_by', sa.String(length=40), nullable=True),
    sa.Column('created_at', _dt(), nullable=False),
    sa.ForeignKeyConstraint(['created_by'], ['users.id'], name=op.f('fk_replicas_created_by_users')),
    sa.ForeignKeyConstraint(['decision_id'], ['decisions.id'], name=op.f('fk_replicas_decision_id_decisions')),
    sa.ForeignKeyConstraint(['performer_id'], ['performers.id'], name=op.f('fk_replicas_performer_id_performers')),
    sa.ForeignKeyConstraint(['production_id'], ['productions.id'], name=op.f('fk_replicas_production_id_productions')),
    sa.ForeignKeyConstraint(['request_id'], ['use_requests.id'], name=op.f('fk_replicas_request_id_use_requests')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_replicas')),
    sa.UniqueConstraint('request_id', name=op.f('uq_replicas_request_id'))
    )
    with op.batch_alter_table('replicas', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_replicas_performer_id'), ['performer_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_replicas_production_id'), ['production_id'], unique=False)

    # The cycle: use_requests -> replicas and use_requests -> decisions.
    with op.batch_alter_table('use_requests', schema=None) as batch_op:
        batch_op.create_foreign_key(batch_op.f('fk_use_requests_replica_id_replicas'), 'replicas', ['replica_id'], ['id'])
        batch_op.create_foreign_key(batch_op.f('fk_use_requests_current_decision_id_decisions'), 'decisions', ['current_decision_id'], ['id'])


def downgrade():
    with op.batch_alter_table('use_requests', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_use_requests_current_decision_id_decisions'), type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('fk_use_requests_replica_id_replicas'), type_='foreignkey')
    with op.batch_alter_table('replicas', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_replicas_production_id'))
        batch_op.drop_index(batch_op.f('ix_replicas_performer_id'))
    op.drop_table('replicas')
    with op.batch_alter_table('approvals', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_approvals_request_id'))
    op.drop_table('approvals')
    with op.batch_alter_table('decision_consents', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_decision_consents_version_id'))
    op.drop_table('decision_consents')
    with op.batch_alter_table('decisions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_decisions_outcome'))
    op.drop_table('decisions')
    with op.batch_alter_table('use_requests', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_use_requests_replica_id'))
        batch_op.drop_index(batch_op.f('ix_use_requests_production_id'))
        batch_op.drop_index(batch_op.f('ix_use_requests_performer_id'))
        batch_op.drop_index(batch_op.f('ix_use_requests_model_id'))
    op.drop_table('use_requests')
    op.drop_table('model_source_clearances')
    with op.batch_alter_table('model_training_consents', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_model_training_consents_consent_id'))
    op.drop_table('model_training_consents')
    with op.batch_alter_table('model_performers', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_model_performers_performer_id'))
    op.drop_table('model_performers')
    with op.batch_alter_table('enhancement_models', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_enhancement_models_production_id'))
    op.drop_table('enhancement_models')
