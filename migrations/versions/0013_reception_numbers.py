"""reception: register numbers per receiving unit and year, online submissions, one-time form tokens, API keys

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-10
"""
from alembic import op
import sqlalchemy as sa

from engine.models.base import UTCDateTime


revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('dossier', schema=None) as batch_op:
        batch_op.add_column(sa.Column('submitted_at', UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column('register_year', sa.SmallInteger(), nullable=True))
        batch_op.add_column(sa.Column('register_number', sa.Integer(), nullable=True))
    with op.batch_alter_table('intake_slip', schema=None) as batch_op:
        batch_op.add_column(sa.Column('dossier_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_intake_slip_dossier_id_dossier'), 'dossier', ['dossier_id'], ['id'])
    op.create_table('register_sequence',
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('year', sa.SmallInteger(), nullable=False),
    sa.Column('last', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['unit_id'], ['unit.id'], name=op.f('fk_register_sequence_unit_id_unit')),
    sa.PrimaryKeyConstraint('unit_id', 'year', name=op.f('pk_register_sequence'))
    )
    op.create_table('form_submission',
    sa.Column('token', sa.String(length=64), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('created_at', UTCDateTime(), nullable=False),
    sa.Column('dossier_id', sa.Integer(), nullable=True),
    sa.Column('intake_slip_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['dossier_id'], ['dossier.id'], name=op.f('fk_form_submission_dossier_id_dossier')),
    sa.ForeignKeyConstraint(['intake_slip_id'], ['intake_slip.id'],
                            name=op.f('fk_form_submission_intake_slip_id_intake_slip')),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_form_submission_user_id_user')),
    sa.PrimaryKeyConstraint('token', name=op.f('pk_form_submission'))
    )
    op.create_table('idempotency_key',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=255), nullable=False),
    sa.Column('request_hash', sa.String(length=64), nullable=False),
    sa.Column('response', sa.JSON(), nullable=True),
    sa.Column('dossier_id', sa.Integer(), nullable=True),
    sa.Column('created_at', UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['dossier_id'], ['dossier.id'], name=op.f('fk_idempotency_key_dossier_id_dossier')),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_idempotency_key_user_id_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_idempotency_key')),
    sa.UniqueConstraint('user_id', 'key', name=op.f('uq_idempotency_key_user_id_key'))
    )
    with op.batch_alter_table('idempotency_key', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_idempotency_key_created_at'), ['created_at'], unique=False)
    _number_received_dossiers()
    op.create_index('uq_dossier_register', 'dossier', ['receiving_unit_id', 'register_year', 'register_number'],
                    unique=True)


def _number_received_dossiers() -> None:
    """Dossiers received before: numbered per receiving unit and year (Vietnam time) in the order received,
    as the register has listed them; the sequences continue from there."""
    from engine.infra.clock import VN_TZ

    dossier = sa.table('dossier', sa.column('id', sa.Integer()), sa.column('receiving_unit_id', sa.Integer()),
                       sa.column('received_at', UTCDateTime()), sa.column('status', sa.SmallInteger()),
                       sa.column('register_year', sa.SmallInteger()), sa.column('register_number', sa.Integer()))
    sequence = sa.table('register_sequence', sa.column('unit_id', sa.Integer()), sa.column('year', sa.SmallInteger()),
                        sa.column('last', sa.Integer()))
    conn = op.get_bind()
    rows = conn.execute(sa.select(dossier.c.id, dossier.c.receiving_unit_id, dossier.c.received_at)
                        .where(dossier.c.status != 1, dossier.c.status != 3)
                        .order_by(dossier.c.received_at, dossier.c.id)).all()
    last: dict[tuple[int, int], int] = {}
    numbers = []
    for dossier_id, unit_id, received_at in rows:
        key = (unit_id, received_at.astimezone(VN_TZ).year)
        last[key] = last.get(key, 0) + 1
        numbers.append({"b_id": dossier_id, "b_year": key[1], "b_number": last[key]})
    if numbers:
        conn.execute(sa.update(dossier).where(dossier.c.id == sa.bindparam("b_id"))
                     .values(register_year=sa.bindparam("b_year"), register_number=sa.bindparam("b_number")),
                     numbers)
        conn.execute(sa.insert(sequence), [{"unit_id": unit, "year": year, "last": n}
                                           for (unit, year), n in last.items()])


def downgrade() -> None:
    op.drop_index('uq_dossier_register', table_name='dossier')
    with op.batch_alter_table('idempotency_key', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_idempotency_key_created_at'))
    op.drop_table('idempotency_key')
    op.drop_table('form_submission')
    op.drop_table('register_sequence')
    with op.batch_alter_table('intake_slip', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_intake_slip_dossier_id_dossier'), type_='foreignkey')
        batch_op.drop_column('dossier_id')
    with op.batch_alter_table('dossier', schema=None) as batch_op:
        batch_op.drop_column('register_number')
        batch_op.drop_column('register_year')
        batch_op.drop_column('submitted_at')
