"""The schema: migrations match the models, and the audit trail cannot be edited."""
from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import text
from sqlalchemy.exc import DatabaseError

from engine.infra.db import unit_of_work
from engine.models import metadata, modelled


def test_models_and_migrations_do_not_drift(db_engine):
    with db_engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True, "include_name": modelled})
        assert compare_metadata(context, metadata) == []


def test_audit_events_cannot_be_updated_or_deleted(factory, org, now):
    from .test_dinh_chinh_gcn import receive

    receive(factory, org, now)
    for statement in ("UPDATE event SET action = 'sua'", "DELETE FROM event"):
        with pytest.raises(DatabaseError, match="append-only"):
            with unit_of_work(factory) as s:
                s.execute(text(statement))
    with unit_of_work(factory) as s:
        assert s.execute(text("SELECT count(*) FROM event WHERE action = 'dossier_received'")).scalar() == 1


def test_workflow_state_is_compressed_with_lz4_where_postgresql_offers_it(db_engine):
    """Every completion rewrites the instance's state; LZ4 compresses and decompresses it faster than pglz."""
    if db_engine.dialect.name != "postgresql":
        pytest.skip("a PostgreSQL column setting")
    with db_engine.connect() as conn:
        offered = conn.execute(text("SELECT 'lz4' = ANY(enumvals) FROM pg_settings "
                                    "WHERE name = 'default_toast_compression'")).scalar()
        method = conn.execute(text("SELECT attcompression FROM pg_attribute "
                                   "WHERE attrelid = 'process_instance'::regclass AND attname = 'state'")).scalar()
    assert method == ("l" if offered else "")
