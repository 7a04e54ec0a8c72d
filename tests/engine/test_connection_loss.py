"""A pooled PostgreSQL connection the server has closed is replaced before use: the next unit of work succeeds."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select, text

from engine import complete_task
from engine.infra.db import make_sessionmaker, unit_of_work
from engine.models import WorkItem
from tests.conftest import postgres_engine_for

from .test_concurrency import first_item
from .test_dinh_chinh_gcn import receive

pytestmark = pytest.mark.postgres


def _terminate(admin, pid: int) -> None:
    """End the backend from another connection, as a server restart or an administrator would."""
    with admin.connect() as conn:
        assert conn.scalar(text("SELECT pg_terminate_backend(:pid, 5000)"), {"pid": pid})


def test_a_completion_after_the_backend_was_terminated_succeeds(factory, org, now, postgres_schema):
    if factory.kw["bind"].dialect.name != "postgresql":
        pytest.skip("PostgreSQL connections only")
    engine = postgres_engine_for(postgres_schema, pool_size=1, max_overflow=0)  # the one pooled connection
    admin = postgres_engine_for(postgres_schema)
    try:
        own = make_sessionmaker(engine)
        receive(own, org, now)
        item_id = first_item(own, org["motcua.tinh"])
        with unit_of_work(own) as s:
            pid = s.scalar(text("SELECT pg_backend_pid()"))
        _terminate(admin, pid)
        with unit_of_work(own) as s:
            complete_task(s, item_id, {"da_kiem_tra_thanh_phan": True}, org["motcua.tinh"], now)
            assert s.scalar(text("SELECT pg_backend_pid()")) != pid
        with unit_of_work(own) as s:
            assert s.scalar(select(func.count()).select_from(WorkItem).where(WorkItem.state == "completed")) == 1
    finally:
        engine.dispose()
        admin.dispose()


def test_every_pooled_connection_terminated_at_once_is_replaced(factory, org, now, postgres_schema):
    """As after a server restart: each connection the pool holds is gone, each is replaced on checkout."""
    if factory.kw["bind"].dialect.name != "postgresql":
        pytest.skip("PostgreSQL connections only")
    engine = postgres_engine_for(postgres_schema, pool_size=3, max_overflow=0)
    admin = postgres_engine_for(postgres_schema)
    try:
        held = [engine.connect() for _ in range(3)]
        pids = [conn.scalar(text("SELECT pg_backend_pid()")) for conn in held]
        for conn in held:
            conn.close()  # back to the pool, idle
        for pid in pids:
            _terminate(admin, pid)
        held = [engine.connect() for _ in range(3)]
        assert all(conn.scalar(text("SELECT pg_backend_pid()")) not in pids for conn in held)
        for conn in held:
            conn.close()
    finally:
        engine.dispose()
        admin.dispose()
