"""Shared fixtures: a migrated database per backend (SQLite always, PostgreSQL when configured)."""
from __future__ import annotations

import os
import shutil
import uuid
from datetime import datetime
from pathlib import Path

import pytest
from sqlalchemy import text

from engine import demo, migrate
from engine.clock import VN_TZ
from engine.db import make_engine, make_sessionmaker, unit_of_work
from engine.models import metadata
from engine.settings import ROOT
from engine.unit_calendars import forget_all_calendars

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


@pytest.fixture
def org(factory, now):
    """Demo units, roles, users and the bundled procedures, committed; returns user ids by username."""
    from sqlalchemy import select

    from engine.accounts import ensure_role, ensure_unit, grant_role, create_user
    from engine.catalog import load_procedures
    from engine.models import User

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
    with unit_of_work(factory) as session:
        return {u.username: u.id for u in session.scalars(select(User))}
