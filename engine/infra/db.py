"""Database engines and sessions; entry points commit, engine functions only flush."""
from __future__ import annotations

import itertools
import re
import select
from contextlib import contextmanager
from typing import Iterator
from weakref import WeakKeyDictionary

from psycopg import errors as pg_errors
from psycopg.adapt import Transformer
from psycopg.pq import DiagnosticField, ExecStatus, TransactionStatus
from sqlalchemy import create_engine, event
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import DBAPIError, DisconnectionError
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.sql.expression import Executable


def normalize_url(url: str) -> str:
    """Plain postgresql:// URLs use the psycopg 3 driver that motcua installs."""
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


def make_engine(url: str, **kwargs) -> Engine:
    """An SQLAlchemy engine; SQLite gets foreign keys, WAL and a busy timeout for concurrent writers."""
    url = normalize_url(url)
    if url.startswith("sqlite"):
        kwargs.setdefault("connect_args", {"timeout": 30})
        engine = create_engine(url, **kwargs)
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    engine = create_engine(url, **kwargs)
    event.listen(engine, "checkout", _drop_if_closed_by_server)
    return engine


def _drop_if_closed_by_server(dbapi_connection, _record, _proxy) -> None:
    """A pooled connection the server has closed (restart, pg_terminate_backend, idle timeout) is replaced
    before use, without a round trip.

    SQLAlchemy's pool_pre_ping would send a query, one more wait on the server in every unit of work. A
    server ending a session sends its FATAL message and closes the socket, so the idle connection's socket
    turns readable; nothing else arrives on an idle connection of ours (no LISTEN). Raising
    DisconnectionError makes the pool discard it and check out another. A peer that vanishes without closing
    (a cut network) is not seen this way, nor by a pre-ping, which would wait on TCP as long as the query.
    """
    if dbapi_connection.closed or dbapi_connection.broken:
        raise DisconnectionError("the connection is closed")
    poller = select.poll()
    poller.register(dbapi_connection.fileno(), select.POLLIN)
    if poller.poll(0):
        raise DisconnectionError("the server closed the connection or sent data to an idle one")


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def make_sessionmaker(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)


@contextmanager
def unit_of_work(factory: sessionmaker[Session]) -> Iterator[Session]:
    """One transaction: commit on success, roll back on any error."""
    session = factory()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


class Precompiled:
    """A Core statement compiled once per engine and run straight on the driver's cursor (`fetch`).

    On the hottest path SQLAlchemy's execution around a statement (parameters, result set-up, row objects)
    costs more CPU than the driver's round trip itself: about 0.13 ms for a task completion's save and 0.19 ms
    for its 40-column locking read on the 2-core test machine, against 0.09 and 0.12 ms in the driver. Values
    come back as the column types read them (aware UTC instants), parameters go in as the bind types write
    them. No IN lists (expanding parameters): the statement is compiled once per engine.
    """

    _names = itertools.count(1)

    def __init__(self, statement: Executable):
        self.statement = statement
        self._compiled: WeakKeyDictionary = WeakKeyDictionary()
        self.name = f"motcua_{next(self._names)}"  # its server-side prepared statement (fetch_first)
        self._prepared: WeakKeyDictionary = WeakKeyDictionary()

    def compiled_for(self, dialect) -> tuple:
        compiled = self._compiled.get(dialect)
        if compiled is None:
            done = self.statement.compile(dialect=dialect)
            binds = {name: bind.type.bind_processor(dialect) for bind, name in done.bind_names.items()}
            columns = getattr(self.statement, "selected_columns", ())
            readers = [column.type.result_processor(dialect, None) for column in columns]
            compiled = self._compiled[dialect] = (
                done.string, dict(done.params), done.positiontup if done.positional else None,
                {name: process for name, process in binds.items() if process is not None},
                [(index, read) for index, read in enumerate(readers) if read is not None] or None)
        return compiled


def fetch(connection: Connection, query: Precompiled, params: dict) -> list:
    """The rows of `query` run with `params` in the connection's transaction, as lists of values.

    Cursor events fire as for any statement (statement counters see it); driver errors are raised as
    SQLAlchemy raises them, a lost connection invalidated."""
    sql, defaults, order, binds, readers = query.compiled_for(connection.dialect)
    values = {**defaults, **params}
    for name, process in binds.items():
        values[name] = process(values[name])
    bind = tuple(values[name] for name in order) if order is not None else values
    cursor = connection.connection.cursor()
    for listener in connection.dispatch.before_cursor_execute:
        sql, bind = listener(connection, cursor, sql, bind, None, False)
    try:
        cursor.execute(sql, bind)
        rows = cursor.fetchall()
    except connection.dialect.loaded_dbapi.Error as exc:
        raise _driver_error(connection, exc, sql, bind, cursor) from exc
    finally:
        cursor.close()
    for listener in connection.dispatch.after_cursor_execute:
        listener(connection, cursor, sql, bind, None, False)
    return _typed([list(row) for row in rows] if readers is not None else rows, readers)


def _driver_error(connection: Connection, exc: Exception, sql: str, params, cursor) -> DBAPIError:
    """A driver error as SQLAlchemy raises it, the connection invalidated if it was lost."""
    lost = connection.dialect.is_disconnect(exc, connection.connection.dbapi_connection, cursor)
    if lost:
        connection.invalidate(exc)
    return DBAPIError.instance(sql, params, exc, connection.dialect.loaded_dbapi.Error, connection_invalidated=lost,
                               dialect=connection.dialect)


def _typed(rows: list, readers: list | None) -> list:
    """Rows (lists) with the values the column types read (aware UTC instants, ...)."""
    if readers is not None:
        for row in rows:
            for index, read in readers:
                row[index] = read(row[index])
    return rows


_PLACEHOLDER = re.compile(r"%\((\w+)\)s|%%")


def _prepared(query: Precompiled, dialect) -> tuple[str, list[str], dict, dict, list | None]:
    """(`PREPARE name AS …` with $1, $2 … placeholders, their parameter names in that order, the statement's
    own values as the bind types write them, the bind types' writers of the others, the column types'
    readers), once per dialect."""
    cached = query._prepared.get(dialect)
    if cached is None:
        sql, defaults, _order, binds, readers = query.compiled_for(dialect)
        names: list[str] = []

        def number(match: re.Match) -> str:
            name = match.group(1)
            if name is None:
                return "%"
            if name not in names:
                names.append(name)
            return f"${names.index(name) + 1}"

        numbered = _PLACEHOLDER.sub(number, sql)
        own = {name: binds[name](value) if name in binds else value for name, value in defaults.items()}
        cached = query._prepared[dialect] = (f"PREPARE {query.name} AS {numbered}", names, own, binds, readers)
    return cached


def fetch_first(connection: Connection, query: Precompiled, params: dict) -> list:
    """`fetch` for what may be the first statement of a PostgreSQL unit of work whose arguments are integers or
    NULL (a completion's locking read): BEGIN travels with it, one round trip instead of two.

    The driver sends BEGIN and waits for it before a transaction's first statement. Here, when the connection
    has no transaction open on the server, the statement goes as one simple-protocol message `BEGIN; EXECUTE
    name(…)`, the integers written as numbers, through libpq itself. It is prepared on the server once per
    connection (PREPARE; the pool's record of the connection remembers it). The driver then finds the
    transaction open and sends no BEGIN of its own; it commits or rolls back as usual. The driver deallocates
    every prepared statement of the connection when it sees a ROLLBACK or a DROP: a statement found missing
    is prepared again and the message sent again (the transaction it began held nothing yet). With a
    transaction open, another isolation level, or SQLite, it is `fetch`."""
    dbapi = connection.connection.dbapi_connection
    pgconn = getattr(dbapi, "pgconn", None)
    if (pgconn is None or pgconn.transaction_status != TransactionStatus.IDLE or dbapi.autocommit
            or dbapi.isolation_level is not None or dbapi.read_only is not None or dbapi.deferrable is not None):
        return fetch(connection, query, params)
    prepare, names, own, binds, readers = _prepared(query, connection.dialect)
    arguments = []
    for name in names:
        if name in params:
            value = params[name]
            value = binds[name](value) if name in binds else value
        else:
            value = own[name]
        if value is not None and type(value) is not int:
            return fetch(connection, query, params)
        arguments.append("NULL" if value is None else str(value))
    command = f"BEGIN; EXECUTE {query.name}({', '.join(arguments)})"
    prepared = connection.connection.info.setdefault("motcua_prepared", set())
    for listener in connection.dispatch.before_cursor_execute:
        listener(connection, None, command, params, None, False)
    try:
        result = pgconn.exec_((command if query.name in prepared else f"{prepare}; {command}").encode())
        if result.error_field(DiagnosticField.SQLSTATE) == b"26000":  # deallocated by the driver: again
            pgconn.exec_(b"ROLLBACK")
            result = pgconn.exec_(f"{prepare}; {command}".encode())
        if result.status != ExecStatus.TUPLES_OK:
            raise pg_errors.error_from_result(result, encoding=dbapi.info.encoding)
    except connection.dialect.loaded_dbapi.Error as exc:
        raise _driver_error(connection, exc, command, params, None) from exc
    prepared.add(query.name)
    loader = Transformer(dbapi)
    loader.set_pgresult(result)
    rows = loader.load_rows(0, result.ntuples, list)
    for listener in connection.dispatch.after_cursor_execute:
        listener(connection, None, command, params, None, False)
    return _typed(rows, readers)


def is_postgresql(session: Session) -> bool:
    return session.get_bind().dialect.name == "postgresql"
