"""Testing a data migration: a database of each backend at an earlier revision, filled with today's rows."""
from __future__ import annotations

import uuid

from sqlalchemy import MetaData, text
from sqlalchemy import column as sa_column, table as sa_table

from engine.infra import migrate
from engine.infra.db import make_engine
from engine.models import Event, metadata

from .conftest import POSTGRES_URL, postgres_engine_for


def all_rows(engine) -> dict[str, list[dict]]:
    """Every row of every table, in primary key order."""
    with engine.connect() as conn:
        return {t.name: [dict(r._mapping) for r in conn.execute(t.select().order_by(*t.primary_key))]
                for t in metadata.sorted_tables}


def database_at(request, dialect: str, revision: str):
    """An empty database of the dialect, migrated to `revision`, dropped after the test."""
    if dialect == "sqlite":
        engine = make_engine(f"sqlite:///{request.getfixturevalue('tmp_path') / 'old.db'}")
        request.addfinalizer(engine.dispose)
    else:
        schema = f"motcua_test_old_{uuid.uuid4().hex[:8]}"
        admin = make_engine(POSTGRES_URL)
        with admin.begin() as conn:
            conn.execute(text(f'CREATE SCHEMA "{schema}"'))
        engine = postgres_engine_for(schema)

        def drop():
            engine.dispose()
            with admin.begin() as conn:
                conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
            admin.dispose()
        request.addfinalizer(drop)
    migrate.upgrade(engine, revision)
    assert migrate.current_revision(engine) == revision
    return engine


def insert_rows(conn, rows: dict[str, list[dict]]) -> None:
    """The rows into the tables as they stand (only their tables and columns); a foreign key of a cycle is set
    once both rows exist."""
    existing = MetaData()
    existing.reflect(conn)
    deferred = []
    for model in metadata.sorted_tables:
        if model.name not in existing.tables or not rows[model.name]:
            continue
        names = set(existing.tables[model.name].c.keys())
        table = sa_table(model.name, *[sa_column(c.name, c.type) for c in model.c if c.name in names])
        table_rows = [{k: v for k, v in row.items() if k in names} for row in rows[model.name]]
        cyclic = [fk.parent.name for fk in model.foreign_keys if fk.use_alter]
        if cyclic:
            deferred += [(table, row["id"], {c: row[c] for c in cyclic}) for row in table_rows]
            table_rows = [{**row, **{c: None for c in cyclic}} for row in table_rows]
        conn.execute(table.insert(), table_rows)
    for table, row_id, values in deferred:
        conn.execute(table.update().where(table.c.id == row_id).values(**values))


def event_rows(engine) -> list[tuple]:
    """The audit trail as stored, to show a migration left it alone."""
    with engine.connect() as conn:
        return [(e.id, e.at, e.actor_id, e.action, e.dossier_id, e.work_item_id, e.detail)
                for e in conn.execute(Event.__table__.select().order_by(Event.__table__.c.id))]
