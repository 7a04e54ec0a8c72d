"""reception records, attachments, ratings, API tokens

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-02
"""
from alembic import op
import sqlalchemy as sa
import engine.models.base


revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('api_token',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('created_at', engine.models.base.UTCDateTime(), nullable=False),
    sa.Column('expires_at', engine.models.base.UTCDateTime(), nullable=False),
    sa.Column('revoked_at', engine.models.base.UTCDateTime(), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_api_token_user_id_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_api_token')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_api_token_token_hash'))
    )
    with op.batch_alter_table('api_token', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_api_token_user_id'), ['user_id'], unique=False)

    op.create_table('intake_slip',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=12), nullable=False),
    sa.Column('number', sa.String(length=80), nullable=False),
    sa.Column('procedure_id', sa.Integer(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('applicant', sa.JSON(), nullable=False),
    sa.Column('channel', sa.String(length=10), nullable=False),
    sa.Column('missing', sa.JSON(), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('created_at', engine.models.base.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['actor_id'], ['user.id'], name=op.f('fk_intake_slip_actor_id_user')),
    sa.ForeignKeyConstraint(['procedure_id'], ['procedure.id'], name=op.f('fk_intake_slip_procedure_id_procedure')),
    sa.ForeignKeyConstraint(['unit_id'], ['unit.id'], name=op.f('fk_intake_slip_unit_id_unit')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_intake_slip')),
    sa.UniqueConstraint('number', name=op.f('uq_intake_slip_number'))
    )
    with op.batch_alter_table('intake_slip', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_intake_slip_unit_id'), ['unit_id'], unique=False)

    op.create_table('evaluation',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('dossier_id', sa.Integer(), nullable=False),
    sa.Column('rating', sa.SmallInteger(), nullable=False),
    sa.Column('comment', sa.Text(), nullable=False),
    sa.Column('created_at', engine.models.base.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['dossier_id'], ['dossier.id'], name=op.f('fk_evaluation_dossier_id_dossier')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_evaluation')),
    sa.UniqueConstraint('dossier_id', name=op.f('uq_evaluation_dossier_id'))
    )
    op.create_table('attachment',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('dossier_id', sa.Integer(), nullable=False),
    sa.Column('work_item_id', sa.Integer(), nullable=True),
    sa.Column('kind', sa.String(length=10), nullable=False),
    sa.Column('component', sa.String(length=500), nullable=False),
    sa.Column('filename', sa.String(length=255), nullable=False),
    sa.Column('content_type', sa.String(length=100), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('uploaded_by_id', sa.Integer(), nullable=True),
    sa.Column('uploaded_at', engine.models.base.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['dossier_id'], ['dossier.id'], name=op.f('fk_attachment_dossier_id_dossier')),
    sa.ForeignKeyConstraint(['uploaded_by_id'], ['user.id'], name=op.f('fk_attachment_uploaded_by_id_user')),
    sa.ForeignKeyConstraint(['work_item_id'], ['work_item.id'], name=op.f('fk_attachment_work_item_id_work_item')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_attachment'))
    )
    with op.batch_alter_table('attachment', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_attachment_dossier_id'), ['dossier_id'], unique=False)

    with op.batch_alter_table('dossier', schema=None) as batch_op:
        batch_op.add_column(sa.Column('components', sa.JSON(), nullable=False, server_default='[]'))
        batch_op.add_column(sa.Column('return_method', sa.String(length=10), nullable=False, server_default='desk'))
        batch_op.add_column(sa.Column('return_address', sa.String(length=500), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('fee_paid_amount', sa.BigInteger(), nullable=True))
        batch_op.add_column(sa.Column('fee_receipt_no', sa.String(length=100), nullable=True))
        batch_op.add_column(sa.Column('fee_paid_at', engine.models.base.UTCDateTime(), nullable=True))
        batch_op.create_index('ix_dossier_receiving_received', ['receiving_unit_id', 'received_at'], unique=False)
        batch_op.create_index('ix_dossier_deciding_received', ['deciding_unit_id', 'received_at'], unique=False)

    with op.batch_alter_table('work_item', schema=None) as batch_op:
        batch_op.create_index('ix_work_item_open_by_unit_role', ['state', 'unit_id', 'role_key', 'due_at'],
                              unique=False)
        batch_op.create_index('ix_work_item_open_by_assignee', ['assignee_id', 'state', 'due_at'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('work_item', schema=None) as batch_op:
        batch_op.drop_index('ix_work_item_open_by_assignee')
        batch_op.drop_index('ix_work_item_open_by_unit_role')

    with op.batch_alter_table('dossier', schema=None) as batch_op:
        batch_op.drop_index('ix_dossier_deciding_received')
        batch_op.drop_index('ix_dossier_receiving_received')
        batch_op.drop_column('fee_paid_at')
        batch_op.drop_column('fee_receipt_no')
        batch_op.drop_column('fee_paid_amount')
        batch_op.drop_column('return_address')
        batch_op.drop_column('return_method')
        batch_op.drop_column('components')

    with op.batch_alter_table('attachment', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_attachment_dossier_id'))

    op.drop_table('attachment')
    op.drop_table('evaluation')
    with op.batch_alter_table('intake_slip', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_intake_slip_unit_id'))

    op.drop_table('intake_slip')
    with op.batch_alter_table('api_token', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_api_token_user_id'))

    op.drop_table('api_token')
