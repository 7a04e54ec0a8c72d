"""version lifecycle: submission, review, the adopting decision, scheduled activation, retirement

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-05
"""
from alembic import op
import sqlalchemy as sa
import engine.models.base


revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('process_version', schema=None) as batch_op:
        batch_op.add_column(sa.Column('submitted_at', engine.models.base.UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column('reviewed_at', engine.models.base.UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column('review_note', sa.Text(), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('decision_number', sa.String(length=60), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('decision_date', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('decision_signer', sa.String(length=255), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('activate_at', engine.models.base.UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column('retired_at', engine.models.base.UTCDateTime(), nullable=True))
        batch_op.create_index(batch_op.f('ix_process_version_activate_at'), ['activate_at'], unique=False)
    # Versions activated before this revision were loaded from the install's folders: that was their approval.
    op.execute("UPDATE process_version SET submitted_at = created_at, reviewed_at = approved_at")


def downgrade() -> None:
    with op.batch_alter_table('process_version', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_process_version_activate_at'))
        for column in ('retired_at', 'activate_at', 'decision_signer', 'decision_date', 'decision_number',
                       'review_note', 'reviewed_at', 'submitted_at'):
            batch_op.drop_column(column)
