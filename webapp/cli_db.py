"""The database of one `motcua` command: its engine, and a unit of work on it."""
from __future__ import annotations

from contextlib import contextmanager

from engine import Settings, make_engine, make_sessionmaker, unit_of_work


@contextmanager
def database_for(settings: Settings):
    """The settings' database engine for one command, disposed of afterwards."""
    settings.instance_path.mkdir(parents=True, exist_ok=True)  # the default SQLite file lives there
    engine = make_engine(settings.effective_database_url)
    try:
        yield engine
    finally:
        engine.dispose()


@contextmanager
def session_for(settings: Settings):
    with database_for(settings) as engine, unit_of_work(make_sessionmaker(engine)) as session:
        yield session
