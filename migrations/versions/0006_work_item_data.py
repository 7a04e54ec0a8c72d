"""step form data on the work item

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-05

A completed step's form data used to live only in its task_completed audit event (detail["data"]).
It now lives on the work item; this revision copies it there for the steps completed before. The audit
rows are only read: the trail is append-only, so the old events keep their copy of the data.
"""
from alembic import op
import sqlalchemy as sa


revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None

BATCH = 1000

event = sa.table('event', sa.column('id', sa.Integer()), sa.column('action', sa.String()),
                 sa.column('work_item_id', sa.Integer()), sa.column('detail', sa.JSON()))
work_item = sa.table('work_item', sa.column('id', sa.Integer()), sa.column('data', sa.JSON()))


def upgrade() -> None:
    with op.batch_alter_table('work_item', schema=None) as batch_op:
        batch_op.add_column(sa.Column('data', sa.JSON(), nullable=True))
    _backfill(op.get_bind())


def _backfill(connection) -> None:
    """Each completed step's data from its task_completed event, read in id order, a batch at a time."""
    store = (sa.update(work_item).where(work_item.c.id == sa.bindparam('item_id'))
             .values(data=sa.bindparam('step_data')))
    last = 0
    while True:
        rows = connection.execute(
            sa.select(event.c.id, event.c.work_item_id, event.c.detail)
            .where(event.c.action == 'task_completed', event.c.work_item_id.is_not(None), event.c.id > last)
            .order_by(event.c.id).limit(BATCH)).all()
        if not rows:
            return
        last = rows[-1].id
        found = {row.work_item_id: row.detail['data'] for row in rows
                 if isinstance(row.detail, dict) and isinstance(row.detail.get('data'), dict)}
        if found:
            connection.execute(store, [{'item_id': item_id, 'step_data': data} for item_id, data in found.items()])


def downgrade() -> None:
    # Steps completed since the upgrade have their data nowhere else; a downgrade drops it with the column.
    with op.batch_alter_table('work_item', schema=None) as batch_op:
        batch_op.drop_column('data')
