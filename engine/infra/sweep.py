"""The one sweep loop of the worker: claim a due row, do one unit of work on it, record a failure, go on.

Timers, liên thông messages and notifications are all swept by `sweep`. Each row is claimed in a transaction
of its own: on PostgreSQL with SELECT … FOR UPDATE SKIP LOCKED, so workers running side by side share the
rows and never wait for each other; on SQLite by taking the database's write lock before looking, so a second
writer waits for the first to commit and then sees the row already done. A row is handled at most once per
call, whatever happens to it; a failure is recorded in a transaction of its own and the sweep goes on; a
call handles at most `limit` rows. The work marks each row done in the same transaction, which makes the
sweep safe to run again at any time.

A job that needs network I/O splits its work in two: `work` claims and marks the row (its commit releases
the lock), `deliver` does the I/O with no transaction open, and `finish` records the outcome in a second
transaction (a failure of `deliver` goes to `fail` instead).
"""
from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any, Callable

from sqlalchemy import false, update
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.sql import Select

from engine.infra.db import is_postgresql, unit_of_work
from engine.infra.errors import MotcuaError

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Job:
    """What one sweep claims and what it does to each claimed row."""

    name: str  # what a row is, for the log
    due: Select  # ids of the rows to handle now, in the order to handle them
    key: Any  # the id column `due` selects; its table is the one locked
    work: Callable[[Session, int], Any]  # one row's unit of work, in the transaction that claimed it
    fail: Callable[[Session, int, Exception], None]  # records a failure, in a transaction of its own
    failures: tuple[type[Exception], ...] = (MotcuaError,)  # what `fail` records; anything else stops the sweep
    deliver: Callable[[Any], None] | None = None  # network I/O on what `work` returned (None: nothing to do)
    finish: Callable[[Session, int], None] | None = None  # records a delivery, in a second transaction


def sweep(factory: sessionmaker[Session], job: Job, limit: int) -> int:
    """Handle due rows one transaction each until none is left or `limit` were claimed; returns how many
    succeeded. Rows another worker holds are skipped."""
    done, handled = 0, set()
    while len(handled) < limit:
        row_id = None
        try:
            with unit_of_work(factory) as session:
                row_id = _claim(session, job, handled)
                if row_id is None:
                    break
                handled.add(row_id)  # at most once per sweep, whatever happens to it
                result = job.work(session, row_id)
            if job.deliver is not None:
                if result is None:
                    continue
                job.deliver(result)  # after the commit: no row lock is held while the network is slow
        except job.failures as exc:
            if row_id is None:
                raise
            log.warning("%s %s failed: %s", job.name, row_id, getattr(exc, "message", None) or repr(exc))
            with unit_of_work(factory) as session:
                job.fail(session, row_id, exc)
            continue
        if job.finish is not None:
            with unit_of_work(factory) as session:
                job.finish(session, row_id)
        done += 1
    return done


def _claim(session: Session, job: Job, handled: set[int]) -> int | None:
    statement = job.due.limit(1)
    if handled:
        statement = statement.where(job.key.not_in(handled))
    if is_postgresql(session):
        statement = statement.with_for_update(skip_locked=True, of=job.key)
    else:
        # an update of no row still takes SQLite's write lock, so what the select reads stays true until commit
        session.execute(update(job.key.table).where(false()).values({job.key.name: job.key}))
    return session.scalar(statement)
