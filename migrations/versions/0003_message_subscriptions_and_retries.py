"""message subscriptions and retries

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-22
"""
from alembic import op
import sqlalchemy as sa
import engine.models.base


revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:

    with op.batch_alter_table('message', schema=None) as batch_op:
        batch_op.add_column(sa.Column('next_attempt_at', engine.models.base.UTCDateTime(), nullable=True))

    with op.batch_alter_table('process_instance', schema=None) as batch_op:
        batch_op.add_column(sa.Column('waiting_for', sa.JSON(), nullable=True))




def downgrade() -> None:

    with op.batch_alter_table('process_instance', schema=None) as batch_op:
        batch_op.drop_column('waiting_for')

    with op.batch_alter_table('message', schema=None) as batch_op:
        batch_op.drop_column('next_attempt_at')


