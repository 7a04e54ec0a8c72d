"""dossier promised due: the date Mẫu 01 promised, kept apart from the pause-adjusted and the extended due

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-05
"""
from alembic import op
import sqlalchemy as sa

from engine.models.base import UTCDateTime


revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('dossier', schema=None) as batch_op:
        batch_op.add_column(sa.Column('promised_due_at', UTCDateTime(), nullable=True))
    # Earlier dossiers: the due date on record is the best knowledge of what their receipt promised.
    op.execute("UPDATE dossier SET promised_due_at = due_at")


def downgrade() -> None:
    with op.batch_alter_table('dossier', schema=None) as batch_op:
        batch_op.drop_column('promised_due_at')
