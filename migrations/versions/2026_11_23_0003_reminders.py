"""reminders: outbox, deliveries, job leases, expiry cascades, webhook secrets, calendar tokens

Revision ID: 0003_reminders
Revises: 0001_foundation
Create Date: 2026-11-23 02:30:00

Written by hand.
"""
from alembic import op
import sqlalchemy as sa

import registry.core.db


# revision identifiers, used by Alembic.
revision = '0003_reminders'
down_revision = '0001_foundation'
branch_labels = None
depends_on = None


def _dt():
    return registry.core.db.UTCDateTime(timezone=True)


def upgrade():
    op.create_table('reminders',
    sa.Column('id', sa.String(length=40), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('consent_version_id', sa.String(length=40), nullable=False),
    sa.Column('consent_id', sa.String(length=40), nullable=False),
    sa.Column('performer_id', sa.String(length=40), nullable=False),
    sa.Column('production_id', sa.String(length=40), nullable=False),
    sa.Column('threshold_days', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('expires_at', _dt(), nullable=False),
    sa.Column('ended_at', _dt(), nullable=True),
    sa.Column('created_at', _dt(), nullable=False),
    sa.ForeignKeyConstraint(['consent_version_id'], ['consent_versions.id'], name=op.f('fk_reminders_consent_version_id_consent_versions')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_reminders')),
    sa.UniqueConstraint('consent_version_id', 'kind', 'threshold_days', name='uq_reminders_version_kind_threshold')
    )
    with op.batch_alter_table('reminders', schema=None) as batch_op:
        batch_op.create_index('ix_reminders_status', ['status'], unique=False)

    op.create_table('reminder_deliveries',
    sa.Column('id', sa.String(length=40), nullable=False),
    sa.Column('reminder_id', sa.String(length=40), nullable=False),
    sa.Column('channel', sa.String(length=10), nullable=False),
    sa.Column('recipient', sa.String(length=40), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('next_attempt_at', _dt(), nullable=False),
    sa.Column('claimed_by', sa.String(length=100), nullable=True),
    sa.Column('claimed_until', _dt(), nullable=True),
    sa.Column('last_error', sa.Text(), nullable=True),
    sa.Column('subject', sa.String(length=400), nullable=True),
    sa.Column('sent_at', _dt(), nullable=True),
    sa.Column('read_at', _dt(), nullable=True),
    sa.Column('created_at', _dt(), nullable=False),
    sa.ForeignKeyConstraint(['reminder_id'], ['reminders.id'], name=op.f('fk_reminder_deliveries_reminder_id_reminders')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_reminder_deliveries')),
    sa.UniqueConstraint('reminder_id', 'channel', 'recipient', name='uq_reminder_deliveries_target')
    )
    with op.batch_alter_table('reminder_deliveries', schema=None) as batch_op:
        batch_op.create_index('ix_reminder_deliveries_due', ['status', 'next_attempt_at'], unique=False)
        batch_op.create_index('ix_reminder_deliveries_recipient', ['recipient', 'channel'], unique=False)

    op.create_table('expiry_cascades',
    sa.Column('version_id', sa.String(length=40), nullable=False),
    sa.Column('processed_at', _dt(), nullable=False),
    sa.ForeignKeyConstraint(['version_id'], ['consent_versions.id'], name=op.f('fk_expiry_cascades_version_id_consent_versions')),
    sa.PrimaryKeyConstraint('version_id', name=op.f('pk_expiry_cascades'))
    )
    op.create_table('scheduler_leases',
    sa.Column('name', sa.String(length=40), nullable=False),
    sa.Column('holder', sa.String(length=100), nullable=True),
    sa.Column('expires_at', _dt(), nullable=True),
    sa.Column('watermark', _dt(), nullable=True),
    sa.PrimaryKeyConstraint('name', name=op.f('pk_scheduler_leases'))
    )
    op.create_table('webhook_secrets',
    sa.Column('production_id', sa.String(length=40), nullable=False),
    sa.Column('secret', sa.String(length=100), nullable=False),
    sa.Column('created_at', _dt(), nullable=False),
    sa.ForeignKeyConstraint(['production_id'], ['productions.id'], name=op.f('fk_webhook_secrets_production_id_productions')),
    sa.PrimaryKeyConstraint('production_id', name=op.f('pk_webhook_secrets'))
    )
    op.create_table('calendar_tokens',
    sa.Column('id', sa.String(length=40), nullable=False),
    sa.Column('user_id', sa.String(length=40), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('created_at', _dt(), nullable=False),
    sa.Column('revoked_at', _dt(), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_calendar_tokens_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_calendar_tokens')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_calendar_tokens_token_hash'))
    )
    with op.batch_alter_table('calendar_tokens', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_calendar_tokens_user_id'), ['user_id'], unique=False)


def downgrade():
    with op.batch_alter_table('calendar_tokens', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_calendar_tokens_user_id'))
    op.drop_table('calendar_tokens')
    op.drop_table('webhook_secrets')
    op.drop_table('scheduler_leases')
    op.drop_table('expiry_cascades')
    with op.batch_alter_table('reminder_deliveries', schema=None) as batch_op:
        batch_op.drop_index('ix_reminder_deliveries_recipient')
        batch_op.drop_index('ix_reminder_deliveries_due')
    op.drop_table('reminder_deliveries')
    with op.batch_alter_table('reminders', schema=None) as batch_op:
        batch_op.drop_index('ix_reminders_status')
    op.drop_table('reminders')
