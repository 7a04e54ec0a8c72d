"""dossier letters: Mẫu 02, 04 and 05 as rows of their own

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-05

The letters sent during processing (supplement request, apology and extension, stop) used to be printed
from the detail of their audit events. They now live in dossier_letter; this revision writes one letter
per earlier supplement_requested, due_extended and dossier_stopped event. The events are only read: the
trail is append-only and keeps its rows as they are.
"""
from alembic import op
import sqlalchemy as sa
import engine.models.base


revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None

BATCH = 1000
# event action -> letter kind, and what of the event's detail the letter says
LETTERS = {'supplement_requested': ('supplement_request', ('missing', 'reason')),
           'due_extended': ('apology', ('due_at', 'extended_due_at', 'reason')),
           'dossier_stopped': ('stop', ('reason', 'stage'))}

instant = engine.models.base.UTCDateTime
event = sa.table('event', sa.column('id', sa.Integer()), sa.column('at', instant()),
                 sa.column('actor_id', sa.Integer()), sa.column('action', sa.String()),
                 sa.column('dossier_id', sa.Integer()), sa.column('detail', sa.JSON()))
work_item = sa.table('work_item', sa.column('id', sa.Integer()), sa.column('dossier_id', sa.Integer()),
                     sa.column('completed_at', instant()), sa.column('completed_by_id', sa.Integer()),
                     sa.column('on_behalf_of_id', sa.Integer()), sa.column('signature_form', sa.String()))
letter = sa.table('dossier_letter', sa.column('dossier_id', sa.Integer()), sa.column('kind', sa.String()),
                  sa.column('issued_at', instant()), sa.column('issued_by_id', sa.Integer()),
                  sa.column('on_behalf_of_id', sa.Integer()), sa.column('signature_form', sa.String()),
                  sa.column('content', sa.JSON()))


def upgrade() -> None:
    op.create_table('dossier_letter',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('dossier_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('issued_at', engine.models.base.UTCDateTime(), nullable=False),
    sa.Column('issued_by_id', sa.Integer(), nullable=True),
    sa.Column('on_behalf_of_id', sa.Integer(), nullable=True),
    sa.Column('signature_form', sa.String(length=5), nullable=True),
    sa.Column('content', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['dossier_id'], ['dossier.id'], name=op.f('fk_dossier_letter_dossier_id_dossier')),
    sa.ForeignKeyConstraint(['issued_by_id'], ['user.id'], name=op.f('fk_dossier_letter_issued_by_id_user')),
    sa.ForeignKeyConstraint(['on_behalf_of_id'], ['user.id'], name=op.f('fk_dossier_letter_on_behalf_of_id_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_dossier_letter'))
    )
    with op.batch_alter_table('dossier_letter', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_dossier_letter_dossier_id'), ['dossier_id'], unique=False)
    _backfill(op.get_bind())


def _backfill(connection) -> None:
    """One letter per letter event, read in id order a batch at a time. Who signed on whose behalf comes from
    the step completed by the event's actor at the event's instant, as the printed forms used to find it."""
    last = 0
    while True:
        rows = connection.execute(
            sa.select(event.c.id, event.c.at, event.c.actor_id, event.c.action, event.c.dossier_id, event.c.detail)
            .where(event.c.action.in_(list(LETTERS)), event.c.dossier_id.is_not(None), event.c.id > last)
            .order_by(event.c.id).limit(BATCH)).all()
        if not rows:
            return
        last = rows[-1].id
        signed = _delegated_steps(connection, rows)
        connection.execute(sa.insert(letter), [_letter(row, signed) for row in rows])


def _delegated_steps(connection, rows) -> dict[tuple, tuple]:
    """(dossier, completed at, completed by) -> (on behalf of, signature form) of the steps the events may match."""
    steps = connection.execute(
        sa.select(work_item.c.dossier_id, work_item.c.completed_at, work_item.c.completed_by_id,
                  work_item.c.on_behalf_of_id, work_item.c.signature_form)
        .where(work_item.c.dossier_id.in_(sorted({row.dossier_id for row in rows})),
               work_item.c.completed_at.in_(sorted({row.at for row in rows})), work_item.c.completed_by_id.is_not(None))
        .order_by(work_item.c.id)).all()
    return {(s.dossier_id, s.completed_at, s.completed_by_id): (s.on_behalf_of_id, s.signature_form) for s in steps}


def _letter(row, signed: dict[tuple, tuple]) -> dict:
    kind, keys = LETTERS[row.action]
    detail = row.detail if isinstance(row.detail, dict) else {}
    behalf, form = signed.get((row.dossier_id, row.at, row.actor_id), (None, None))
    return {'dossier_id': row.dossier_id, 'kind': kind, 'issued_at': row.at, 'issued_by_id': row.actor_id,
            'on_behalf_of_id': behalf, 'signature_form': form,
            'content': {key: detail[key] for key in keys if key in detail}}


def downgrade() -> None:
    # Letters issued since the upgrade keep their content in their events' detail as well; nothing is lost.
    with op.batch_alter_table('dossier_letter', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_dossier_letter_dossier_id'))
    op.drop_table('dossier_letter')
