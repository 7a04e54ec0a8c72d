"""PostgreSQL: a completion's locking read carries its transaction's BEGIN (engine.infra.db.fetch_first), so a
completion waits on the server three times (BEGIN with the locking read, the save, COMMIT), not four."""
from __future__ import annotations

import re
import tempfile

import pytest
from sqlalchemy import bindparam, func, literal, select, text
from sqlalchemy.exc import DBAPIError

from engine import complete_task
from engine.infra.db import Precompiled, fetch_first, make_sessionmaker, unit_of_work
from engine.models import WorkItem
from tests.conftest import postgres_engine_for
from tests.driving import open_items

from .test_dinh_chinh_gcn import receive

pytestmark = pytest.mark.postgres
DONE = {"da_kiem_tra_thanh_phan": True}


@pytest.fixture
def one_connection(postgres_schema):
    """A session factory over a pool of one connection, so each unit of work reuses what the last prepared."""
    engine = postgres_engine_for(postgres_schema, pool_size=1, max_overflow=0)
    yield make_sessionmaker(engine)
    engine.dispose()


def _round_trips(session, work) -> tuple[int, str]:
    """How many times the client waits on the server while `work(session)` runs and commits (each simple Query
    or extended-protocol Sync sent ends one exchange), and libpq's trace of the messages."""
    pgconn = session.connection().connection.dbapi_connection.pgconn
    with tempfile.TemporaryFile("w+") as trace:
        pgconn.trace(trace.fileno())
        try:
            work(session)
            session.commit()
        finally:
            pgconn.untrace()
        trace.seek(0)
        messages = trace.read()
    return len(re.findall(r"\tF\t\d+\t(?:Query|Sync)\b", messages)), messages


def test_a_completion_waits_on_the_server_three_times(factory, org, now, one_connection):
    if factory.kw["bind"].dialect.name != "postgresql":
        pytest.skip("PostgreSQL only")
    officer = org["motcua.tinh"]
    first, second = _received(one_connection, org, now, 2)
    for item_id in (first, second):  # the first also prepares the statement on this connection
        s = one_connection()
        try:
            trips, sent = _round_trips(s, lambda s: complete_task(s, item_id, DONE, officer, now))
        finally:
            s.close()
        assert trips == 3, sent
        assert re.search(r"\tF\t\d+\tQuery\t ?\"(PREPARE motcua_\d+ AS .*; )?BEGIN; EXECUTE motcua_\d+\(\d+, \d+",
                         sent, re.DOTALL), sent
    with unit_of_work(one_connection) as s:
        assert s.scalar(select(func.count()).select_from(WorkItem).where(WorkItem.state == "completed")) == 2


def test_a_statement_the_driver_deallocated_is_prepared_again(factory, org, now, one_connection):
    """psycopg deallocates every prepared statement of a connection when it sees a ROLLBACK or a DROP."""
    if factory.kw["bind"].dialect.name != "postgresql":
        pytest.skip("PostgreSQL only")
    officer = org["motcua.tinh"]
    first, second = _received(one_connection, org, now, 2)
    with unit_of_work(one_connection) as s:
        complete_task(s, first, DONE, officer, now)
    with unit_of_work(one_connection) as s:
        assert s.scalar(text("SELECT count(*) FROM pg_prepared_statements WHERE name LIKE 'motcua_%'")) >= 1
        s.execute(text("DEALLOCATE ALL"))
    with unit_of_work(one_connection) as s:
        complete_task(s, second, DONE, officer, now)
    with unit_of_work(one_connection) as s:
        assert s.scalar(select(func.count()).select_from(WorkItem).where(WorkItem.state == "completed")) == 2


def test_with_a_transaction_open_it_is_an_ordinary_statement(factory, org, now, one_connection):
    if factory.kw["bind"].dialect.name != "postgresql":
        pytest.skip("PostgreSQL only")
    officer = org["motcua.tinh"]
    (item_id,) = _received(one_connection, org, now, 1)
    s = one_connection()
    try:
        s.execute(text("SELECT 1"))  # the web's request has read the signed-in user first
        trips, sent = _round_trips(s, lambda s: complete_task(s, item_id, DONE, officer, now))
    finally:
        s.close()
    assert trips == 3 and "BEGIN" not in sent, sent  # lock, save, COMMIT


def test_an_error_in_the_first_statement_rolls_back_and_the_connection_goes_on(factory, one_connection):
    if factory.kw["bind"].dialect.name != "postgresql":
        pytest.skip("PostgreSQL only")
    divide = Precompiled(select(literal(1) / bindparam("by")))
    s = one_connection()
    try:
        assert fetch_first(s.connection(), divide, {"by": 1}) == [[1]]
        s.rollback()
        with pytest.raises(DBAPIError, match="division by zero"):
            fetch_first(s.connection(), divide, {"by": 0})
        s.rollback()
        assert fetch_first(s.connection(), divide, {"by": 1}) == [[1]]  # prepared still, transaction new
        s.commit()
    finally:
        s.close()


def _received(factory, org, now, dossiers: int) -> list[int]:
    """Receive `dossiers` dossiers; the ids of the desk officer's open items, one per dossier."""
    for _ in range(dossiers):
        receive(factory, org, now)
    with unit_of_work(factory) as s:
        return [item.id for item in open_items(s, org["motcua.tinh"])]


def test_a_connection_the_server_ends_under_it_is_invalidated_and_the_next_unit_of_work_succeeds(
        factory, one_connection, postgres_schema):
    if factory.kw["bind"].dialect.name != "postgresql":
        pytest.skip("PostgreSQL only")
    one = Precompiled(select(literal(1) + bindparam("n")))
    admin = postgres_engine_for(postgres_schema)
    s = one_connection()
    try:
        connection = s.connection()  # checked out: the pool's check of a closed socket is behind it
        pid = connection.connection.dbapi_connection.info.backend_pid
        with admin.connect() as conn:
            assert conn.scalar(text("SELECT pg_terminate_backend(:pid, 5000)"), {"pid": pid})
        with pytest.raises(DBAPIError) as lost:
            fetch_first(connection, one, {"n": 1})
        assert lost.value.connection_invalidated
        s.rollback()
    finally:
        s.close()
        admin.dispose()
    with unit_of_work(one_connection) as s:
        assert fetch_first(s.connection(), one, {"n": 2}) == [[3]]
