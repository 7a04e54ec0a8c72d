"""unit abbreviation and head's title: the ký hiệu and the signer's title the unit's letters print (ND 30/2020)

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-11
"""
from alembic import op
import sqlalchemy as sa


revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('unit', schema=None) as batch_op:
        batch_op.add_column(sa.Column('abbreviation', sa.String(length=30), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('head_title', sa.String(length=100), nullable=False, server_default=''))


def downgrade() -> None:
    with op.batch_alter_table('unit', schema=None) as batch_op:
        batch_op.drop_column('head_title')
        batch_op.drop_column('abbreviation')
