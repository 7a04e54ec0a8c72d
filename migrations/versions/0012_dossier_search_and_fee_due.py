"""dossier search_text (code, applicant name and id number folded; filled and indexed by migration 0015), the fee
the process computed (fee_due_amount, fee_due_basis); work items by who completed them

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-09
"""
from alembic import op
import sqlalchemy as sa


revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('dossier', schema=None) as batch_op:
        batch_op.add_column(sa.Column('search_text', sa.String(length=400), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('fee_due_amount', sa.BigInteger(), nullable=True))
        batch_op.add_column(sa.Column('fee_due_basis', sa.String(length=255), nullable=True))
    # filled and indexed by migration 0015
    op.create_index('ix_work_item_done_by', 'work_item', ['completed_by_id', 'completed_at'])


def downgrade() -> None:
    op.drop_index('ix_work_item_done_by', table_name='work_item')
    with op.batch_alter_table('dossier', schema=None) as batch_op:
        batch_op.drop_column('fee_due_basis')
        batch_op.drop_column('fee_due_amount')
        batch_op.drop_column('search_text')
