"""report counters: dossier_stat holds, per unit (and every unit above it), procedure and day / month / year, what
the dossiers added up to; reports and QĐ 766 indicators read it, not the dossiers. An index on dossier.finished_at
lists the dossiers behind a report's figure of dossiers ended in a period.

The counters of dossiers received before this revision are computed once by `motcua db upgrade` after the
migration (engine.onestop.tallies_rebuild), with the code that keeps them. An index on dossier.due_at finds the
open dossiers due later today (counted overdue by the day's row only once their due has passed).

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-05
"""
from alembic import op
import sqlalchemy as sa


revision = '0016'
down_revision = '0015'
branch_labels = None
depends_on = None

COUNTS = (
    "received_direct", "received_online", "received_postal", "received_inter_agency", "received_on_the_spot",
    "received_digitised", "closed", "closed_early", "closed_on_time", "closed_late", "closed_processed", "stopped",
    "withdrawn", "e_result", "work_centidays", "returned", "refused", "overdue", "rated_good", "rated_neutral",
    "rated_bad",
)


def upgrade() -> None:
    op.create_table(
        'dossier_stat',
        sa.Column('unit_id', sa.Integer(), sa.ForeignKey('unit.id'), primary_key=True),
        sa.Column('grain', sa.String(length=1), primary_key=True),
        sa.Column('period', sa.Date(), primary_key=True),
        sa.Column('procedure_id', sa.Integer(), sa.ForeignKey('procedure.id'), primary_key=True),
        *[sa.Column(name, sa.BigInteger() if name == "work_centidays" else sa.Integer(), nullable=False,
                    server_default='0') for name in COUNTS],
    )
    op.create_index('ix_dossier_finished_at', 'dossier', ['finished_at'])
    op.create_index('ix_dossier_due_at', 'dossier', ['due_at'])


def downgrade() -> None:
    op.drop_index('ix_dossier_due_at', table_name='dossier')
    op.drop_index('ix_dossier_finished_at', table_name='dossier')
    op.drop_table('dossier_stat')
