"""dossier search_text (code, applicant name and id number folded, indexed: pg_trgm on PostgreSQL) and the fee the
process computed (fee_due_amount, fee_due_basis); work items by who completed them

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-09
"""
from alembic import op
import sqlalchemy as sa

from engine.infra.text import dossier_search_text


revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None

BATCH = 2000


def upgrade() -> None:
    with op.batch_alter_table('dossier', schema=None) as batch_op:
        batch_op.add_column(sa.Column('search_text', sa.String(length=400), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('fee_due_amount', sa.BigInteger(), nullable=True))
        batch_op.add_column(sa.Column('fee_due_basis', sa.String(length=255), nullable=True))
    _backfill(op.get_bind())
    if op.get_bind().dialect.name == 'postgresql':
        # pg_trgm is a trusted extension (PostgreSQL 13+): the database owner may create it. It goes to the public
        # schema unless the database has it already; its operator class is named with the schema it is in, so the
        # index does not depend on the search path. Without the pending list (fastupdate off) a reception writes
        # its few trigrams into the index at once and a search never reads through unmerged entries.
        op.execute('CREATE EXTENSION IF NOT EXISTS pg_trgm SCHEMA public')
        schema = op.get_bind().scalar(sa.text(
            "SELECT extnamespace::regnamespace::text FROM pg_extension WHERE extname = 'pg_trgm'"))
        op.create_index('ix_dossier_search_text', 'dossier', ['search_text'], postgresql_using='gin',
                        postgresql_ops={'search_text': f'{schema}.gin_trgm_ops'},
                        postgresql_with={'fastupdate': 'off'})
    else:
        op.create_index('ix_dossier_search_text', 'dossier', ['search_text'])
    op.create_index('ix_work_item_done_by', 'work_item', ['completed_by_id', 'completed_at'])


def _backfill(bind) -> None:
    dossier = sa.table('dossier', sa.column('id', sa.Integer), sa.column('code', sa.String),
                       sa.column('applicant', sa.JSON), sa.column('search_text', sa.String))
    last = 0
    while True:
        rows = bind.execute(sa.select(dossier.c.id, dossier.c.code, dossier.c.applicant)
                            .where(dossier.c.id > last).order_by(dossier.c.id).limit(BATCH)).all()
        if not rows:
            return
        bind.execute(dossier.update().where(dossier.c.id == sa.bindparam('row_id'))
                     .values(search_text=sa.bindparam('text')),
                     [{'row_id': row.id, 'text': dossier_search_text(row.code, row.applicant)} for row in rows])
        last = rows[-1].id


def downgrade() -> None:
    op.drop_index('ix_work_item_done_by', table_name='work_item')
    op.drop_index('ix_dossier_search_text', table_name='dossier')
    with op.batch_alter_table('dossier', schema=None) as batch_op:
        batch_op.drop_column('fee_due_basis')
        batch_op.drop_column('fee_due_amount')
        batch_op.drop_column('search_text')
