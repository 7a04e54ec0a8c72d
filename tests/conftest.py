"""Shared fixtures: a migrated database per backend (SQLite always, PostgreSQL when configured)."""
from __future__ import annotations

import os
import shutil
import uuid
from datetime import datetime
from pathlib import Path

import pytest
from sqlalchemy import text

from engine import demo

from engine.infra import migrate
from engine.infra.clock import VN_TZ
from engine.infra.db import make_engine, make_sessionmaker, unit_of_work
from engine.models import metadata
from engine.infra.settings import ROOT
from engine.org.calendar import forget_all_calendars

POSTGRES_URL = os.environ.get("MOTCUA_TEST_POSTGRES_URL")
BPMN = ROOT / "bpmn"
PASSWORD = "mat-khau-thu-nghiem"
BACKENDS = ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("template") / "template.db"
    engine = make_engine(f"sqlite:///{path}")
    migrate.upgrade(engine)
    engine.dispose()
    return path


@pytest.fixture(scope="session")
def postgres_schema():
    """A schema of its own for this test run, so runs sharing the database never meet."""
    if not POSTGRES_URL:
        pytest.skip("MOTCUA_TEST_POSTGRES_URL is not set; PostgreSQL tests skipped")
    schema = f"motcua_test_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    admin = make_engine(POSTGRES_URL)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    yield schema
    with admin.begin() as conn:
        conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
    admin.dispose()


def postgres_engine_for(schema: str, **kwargs):
    return make_engine(POSTGRES_URL, connect_args={"options": f"-csearch_path={schema}"}, **kwargs)


@pytest.fixture(scope="session")
def postgres_engine(postgres_schema):
    engine = postgres_engine_for(postgres_schema)
    migrate.upgrade(engine)
    yield engine
    engine.dispose()


@pytest.fixture(params=BACKENDS)
def db_engine(request, tmp_path, sqlite_template):
    """A freshly migrated, empty database of each backend."""
    if request.param == "sqlite":
        path = tmp_path / "motcua.db"
        shutil.copy(sqlite_template, path)
        engine = make_engine(f"sqlite:///{path}")
        yield engine
        engine.dispose()
    else:
        engine = request.getfixturevalue("postgres_engine")
        tables = ", ".join(f'"{t.name}"' for t in metadata.sorted_tables)
        with engine.begin() as conn:
            conn.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
        yield engine


@pytest.fixture
def factory(db_engine):
    forget_all_calendars()  # unit ids repeat from one emptied test database to the next
    return make_sessionmaker(db_engine)


@pytest.fixture
def now() -> datetime:
    """A fixed working-day morning: Monday 2 March 2026, 09:00 in Vietnam."""
    return datetime(2026, 3, 2, 9, 0, tzinfo=VN_TZ)


def _seed_org(factory, now) -> None:
    from engine.org.accounts import create_user, ensure_role, ensure_unit, grant_role
    from engine.workflow.catalog import load_procedures

    with unit_of_work(factory) as session:
        for code, name, level, parent in demo.UNITS:
            ensure_unit(session, code, name, level, parent)
        for key, name in demo.ROLES:
            ensure_role(session, key, name)
        for username, full_name, grants in demo.USERS:
            user = create_user(session, username, full_name, PASSWORD, now)
            for role, unit in grants:
                grant_role(session, user, role, unit)
        load_procedures(session, BPMN, now)


@pytest.fixture(scope="session")
def org_rows(tmp_path_factory, sqlite_template):
    """The demo organisation and bundled procedures, built once per run (argon2 hashes and BPMN checks are
    slow) as table rows that each test's empty database receives in a few bulk inserts."""
    path = tmp_path_factory.mktemp("org") / "org.db"
    shutil.copy(sqlite_template, path)
    engine = make_engine(f"sqlite:///{path}")
    forget_all_calendars()
    _seed_org(make_sessionmaker(engine), datetime(2026, 3, 2, 9, 0, tzinfo=VN_TZ))
    with engine.connect() as conn:
        rows = {table.name: [dict(row._mapping) for row in conn.execute(table.select())]
                for table in metadata.sorted_tables}
    engine.dispose()
    return rows


@pytest.fixture
def org(factory, org_rows, db_engine):
    """Demo units, roles, users and the bundled procedures, committed; returns user ids by username."""
    return insert_org(db_engine, org_rows)


def insert_org(db_engine, org_rows) -> dict[str, int]:
    """Put the org_rows into an empty migrated database; returns user ids by username."""
    from engine.models import User

    with db_engine.begin() as conn:
        deferred = []  # foreign keys of a cycle (procedure.active_version_id): set once both rows exist
        for table in metadata.sorted_tables:
            rows = org_rows[table.name]
            cyclic = [fk.parent.name for fk in table.foreign_keys if fk.use_alter]
            if rows and cyclic:
                deferred += [(table, row["id"], {c: row[c] for c in cyclic}) for row in rows]
                rows = [{**row, **{c: None for c in cyclic}} for row in rows]
            if rows:
                conn.execute(table.insert(), rows)
        for table, row_id, values in deferred:
            conn.execute(table.update().where(table.c.id == row_id).values(**values))
        if db_engine.dialect.name == "postgresql":
            for table in metadata.sorted_tables:
                if "id" in table.c and org_rows[table.name]:
                    conn.execute(text(f"SELECT setval(pg_get_serial_sequence('\"{table.name}\"', 'id'), "
                                      f"(SELECT max(id) FROM \"{table.name}\"))"))
    return {row["username"]: row["id"] for row in org_rows[User.__tablename__]}
