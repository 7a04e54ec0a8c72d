"""report counters read without parallel workers on PostgreSQL: every read of dossier_stat is a few index ranges
of a few hundred rows, and starting two workers (6–10 ms) cost more than the read whenever the planner's estimate,
which grows with the table, chose them (a department's year report: 11.5 ms with workers, 0.27 ms without)

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-05
"""
from alembic import op


revision = '0018'
down_revision = '0017'
branch_labels = None
depends_on = None


def upgrade() -> None:
    if op.get_bind().dialect.name == 'postgresql':
        op.execute('ALTER TABLE dossier_stat SET (parallel_workers = 0)')


def downgrade() -> None:
    if op.get_bind().dialect.name == 'postgresql':
        op.execute('ALTER TABLE dossier_stat RESET (parallel_workers)')
