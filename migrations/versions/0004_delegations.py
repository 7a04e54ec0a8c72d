"""delegations

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-22
"""
from alembic import op
import sqlalchemy as sa
import engine.models.base


revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:

    op.create_table('delegation',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('from_user_id', sa.Integer(), nullable=False),
    sa.Column('to_user_id', sa.Integer(), nullable=False),
    sa.Column('role_key', sa.String(length=40), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('procedure_id', sa.Integer(), nullable=True),
    sa.Column('signature_form', sa.String(length=5), nullable=False),
    sa.Column('valid_from', engine.models.base.UTCDateTime(), nullable=False),
    sa.Column('valid_to', engine.models.base.UTCDateTime(), nullable=False),
    sa.Column('revoked_at', engine.models.base.UTCDateTime(), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', engine.models.base.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['created_by_id'], ['user.id'], name=op.f('fk_delegation_created_by_id_user')),
    sa.ForeignKeyConstraint(['from_user_id'], ['user.id'], name=op.f('fk_delegation_from_user_id_user')),
    sa.ForeignKeyConstraint(['procedure_id'], ['procedure.id'], name=op.f('fk_delegation_procedure_id_procedure')),
    sa.ForeignKeyConstraint(['to_user_id'], ['user.id'], name=op.f('fk_delegation_to_user_id_user')),
    sa.ForeignKeyConstraint(['unit_id'], ['unit.id'], name=op.f('fk_delegation_unit_id_unit')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_delegation'))
    )
    with op.batch_alter_table('delegation', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_delegation_to_user_id'), ['to_user_id'], unique=False)

    with op.batch_alter_table('work_item', schema=None) as batch_op:
        batch_op.add_column(sa.Column('on_behalf_of_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('signature_form', sa.String(length=5), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_work_item_on_behalf_of_id_user'), 'user', ['on_behalf_of_id'], ['id'])




def downgrade() -> None:

    with op.batch_alter_table('work_item', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_work_item_on_behalf_of_id_user'), type_='foreignkey')
        batch_op.drop_column('signature_form')
        batch_op.drop_column('on_behalf_of_id')

    with op.batch_alter_table('delegation', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_delegation_to_user_id'))

    op.drop_table('delegation')

