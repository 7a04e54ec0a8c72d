"""calendar, supplements, notifications

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22
"""
from alembic import op
import sqlalchemy as sa
import engine.models.base


revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('calendar_day',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('working', sa.Boolean(), nullable=False),
    sa.Column('note', sa.String(length=255), nullable=False),
    sa.ForeignKeyConstraint(['unit_id'], ['unit.id'], name=op.f('fk_calendar_day_unit_id_unit')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_calendar_day')),
    sa.UniqueConstraint('unit_id', 'day', name=op.f('uq_calendar_day_unit_id_day'))
    )
    op.create_table('notification',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('dossier_id', sa.Integer(), nullable=True),
    sa.Column('kind', sa.String(length=30), nullable=False),
    sa.Column('channel', sa.String(length=10), nullable=False),
    sa.Column('recipient', sa.String(length=255), nullable=False),
    sa.Column('subject', sa.String(length=255), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('state', sa.String(length=10), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('last_error', sa.Text(), nullable=True),
    sa.Column('next_attempt_at', engine.models.base.UTCDateTime(), nullable=True),
    sa.Column('created_at', engine.models.base.UTCDateTime(), nullable=False),
    sa.Column('sent_at', engine.models.base.UTCDateTime(), nullable=True),
    sa.ForeignKeyConstraint(['dossier_id'], ['dossier.id'], name=op.f('fk_notification_dossier_id_dossier')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_notification'))
    )
    with op.batch_alter_table('notification', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_notification_dossier_id'), ['dossier_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_notification_state'), ['state'], unique=False)

    with op.batch_alter_table('dossier', schema=None) as batch_op:
        batch_op.add_column(sa.Column('supplement_count', sa.Integer(), nullable=False, server_default='0'))
        batch_op.add_column(sa.Column('paused_at', engine.models.base.UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column('extension_count', sa.Integer(), nullable=False, server_default='0'))

    with op.batch_alter_table('unit', schema=None) as batch_op:
        batch_op.add_column(sa.Column('saturday_morning', sa.Boolean(), nullable=False, server_default=sa.false()))
        batch_op.add_column(sa.Column('office_hours', sa.String(length=60), nullable=False,
                                      server_default='07:30-11:30,13:30-17:00'))



def downgrade() -> None:
    with op.batch_alter_table('unit', schema=None) as batch_op:
        batch_op.drop_column('office_hours')
        batch_op.drop_column('saturday_morning')

    with op.batch_alter_table('dossier', schema=None) as batch_op:
        batch_op.drop_column('extension_count')
        batch_op.drop_column('paused_at')
        batch_op.drop_column('supplement_count')

    with op.batch_alter_table('notification', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_notification_state'))
        batch_op.drop_index(batch_op.f('ix_notification_dossier_id'))

    op.drop_table('notification')
    op.drop_table('calendar_day')
