"""Alembic environment: runs migrations against the URL or connection handed in by engine.migrate."""
from __future__ import annotations

from alembic import context
from sqlalchemy import create_engine

from engine.models import metadata, modelled

config = context.config


def run_migrations() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    url = config.get_main_option("sqlalchemy.url")
    if not url:
        raise SystemExit("no database URL: use `motcua db upgrade` or set sqlalchemy.url")
    with create_engine(url).connect() as conn:
        _run(conn)
        conn.commit()


def _run(connection) -> None:
    context.configure(connection=connection, target_metadata=metadata, render_as_batch=True,
                      compare_type=True, include_name=modelled)
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    raise SystemExit("offline migrations are not supported; run `motcua db upgrade`")
run_migrations()
