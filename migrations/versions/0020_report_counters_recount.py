"""report counters counted again: before this revision a scan stored with a dossier at the desk (it was stored after
the dossier was booked), a supplement's scans and a result file attached after the dossier ended never reached the
counters, so indicators 4.1 and 4.2 read less than their own lists of dossiers. The counters are emptied here and
`motcua db upgrade` counts every dossier again right after the migration (engine.onestop.tallies_rebuild), with
the code that now books those files.

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-05
"""
from alembic import op


revision = '0020'
down_revision = '0019'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute('DELETE FROM dossier_stat')


def downgrade() -> None:
    op.execute('DELETE FROM dossier_stat')  # the earlier code counts them again the same way, as it did
