"""The bulk writer: Sink (rows into tables by COPY on PostgreSQL, executemany on SQLite), the columns of the rows
written, populate (the province, its dossiers with their scans, e-results, stops and ratings, and the counters,
in batches), dossier_row and finish_load (sequences past the explicit ids, then the planner's statistics)."""
from __future__ import annotations

import json
import random
import time
from datetime import date, datetime, timedelta, timezone

from sqlalchemy import text

from engine.infra.db import make_sessionmaker
from engine.infra.text import dossier_search_text, search_words
from engine.onestop.dossiers import hash_secret
from engine.onestop.tallies import RATING_COUNTS, contributions
from engine.org.calendar import forget_all_calendars

from bench.province.counters import STAT_COLUMNS, Counters, tally
from bench.province.history import Gen, generate
from bench.province.organisation import Province, build_province

BATCH = 20_000  # dossiers per insert transaction
SECRET_HASH = hash_secret("ABCDEFGH")


class Sink:
    """Rows into tables fast: COPY on PostgreSQL, executemany on SQLite, instants as each stores them."""

    def __init__(self, engine):
        self.postgres = engine.dialect.name == "postgresql"

    def ts(self, value: datetime | None):
        if value is None:
            return None
        utc = value.astimezone(timezone.utc).replace(tzinfo=None)
        return utc if self.postgres else utc.isoformat(" ", "microseconds")  # as SQLAlchemy stores it

    def day(self, value: date):
        return value if self.postgres else value.isoformat()

    def put(self, conn, table: str, columns: tuple[str, ...], rows: list[tuple]) -> None:
        if not rows:
            return
        names = ", ".join(f'"{c}"' for c in columns)
        if self.postgres:
            with conn.connection.driver_connection.cursor() as cursor:
                with cursor.copy(f'COPY "{table}" ({names}) FROM STDIN') as copy:
                    for row in rows:
                        copy.write_row(row)
        else:
            marks = ", ".join("?" for _ in columns)
            conn.exec_driver_sql(f'INSERT INTO "{table}" ({names}) VALUES ({marks})', rows)


DOSSIER_COLUMNS = ("id", "code", "procedure_id", "process_version_id", "applicant", "search_text", "channel",
                   "received_at", "promised_due_at", "due_at", "extended_due_at", "status", "finished_at",
                   "returned_at", "receiving_unit_id", "deciding_unit_id", "secret_hash", "supplement_count",
                   "paused_at", "extension_count", "components", "return_method", "return_address", "submitted_at",
                   "register_year", "register_number")
ATTACHMENT_COLUMNS = ("id", "dossier_id", "kind", "component", "filename", "content_type", "size", "sha256",
                      "uploaded_at")
EVENT_COLUMNS = ("id", "at", "action", "dossier_id", "status_before", "status_after")
EVALUATION_COLUMNS = ("id", "dossier_id", "rating", "comment", "created_at")


def populate(engine, size: int, seed: int = 1) -> tuple[Province, dict]:
    """A migrated empty database receives the province, `size` dossiers and their counters; returns the province
    and what the load took (seconds, rows)."""
    factory = make_sessionmaker(engine)
    forget_all_calendars()
    began = time.perf_counter()
    prov = build_province(factory)
    rng = random.Random(seed * 1_000_003 + size)
    sink, counters = Sink(engine), Counters(prov.chains)
    ts = sink.ts
    rows = {"dossier": [], "attachment": [], "event": [], "evaluation": []}
    ids = {"attachment": 0, "event": 0, "evaluation": 0}
    stats = {"dossier": 0, "dossier_stat": 0}
    month = None

    def write(final: bool = False) -> None:
        with engine.begin() as conn:
            for table, columns in (("dossier", DOSSIER_COLUMNS), ("attachment", ATTACHMENT_COLUMNS),
                                   ("event", EVENT_COLUMNS), ("evaluation", EVALUATION_COLUMNS)):
                sink.put(conn, table, columns, rows[table])
                rows[table].clear()
            stat_rows = counters.flush(None if final else month)
            stats["dossier_stat"] += len(stat_rows)
            sink.put(conn, "dossier_stat", STAT_COLUMNS,
                     [(u, g, sink.day(p), pid, *counts) for u, g, p, pid, *counts in stat_rows])

    for day, batch in generate(prov, size, rng):
        if day.replace(day=1) != month:
            if month is not None:
                month = day.replace(day=1)
                write()
            month = day.replace(day=1)
        for g in batch:
            chain = prov.chain_of[(g.receiving, g.deciding)]
            counters.add(chain, g.procedure["id"], contributions(tally(g, prov.chains[chain])).items())
            if g.rating:
                counters.add(chain, g.procedure["id"], [((RATING_COUNTS[g.rating], g.rated_at), 1)])
            rows["dossier"].append(dossier_row(g, ts))
            if g.scanned and g.status not in (1, 3):
                ids["attachment"] += 1
                rows["attachment"].append((ids["attachment"], g.id, "component", "Đơn đề nghị", "don.pdf",
                                           "application/pdf", 180_000, "0" * 64, ts(g.received_at)))
            if g.e_result and g.status in (9, 10):
                ids["attachment"] += 1
                rows["attachment"].append((ids["attachment"], g.id, "result", "", "ket-qua.pdf", "application/pdf",
                                           95_000, "1" * 64, ts(g.finished_at)))
            if g.stop_before:
                ids["event"] += 1
                rows["event"].append((ids["event"], ts(g.finished_at), "dossier_stopped", g.id, g.stop_before, 8))
            if g.rating:
                ids["evaluation"] += 1
                rows["evaluation"].append((ids["evaluation"], g.id, g.rating, "", ts(g.rated_at)))
        stats["dossier"] += len(batch)
        if len(rows["dossier"]) >= BATCH:
            with engine.begin() as conn:
                for table, columns in (("dossier", DOSSIER_COLUMNS), ("attachment", ATTACHMENT_COLUMNS),
                                       ("event", EVENT_COLUMNS), ("evaluation", EVALUATION_COLUMNS)):
                    sink.put(conn, table, columns, rows[table])
                    rows[table].clear()
        if size >= 100_000 and day.month != (day + timedelta(days=1)).month and day.month % 6 == 0:
            print(f"    {day:%Y-%m}: {stats['dossier']:,} dossiers, {time.perf_counter() - began:.0f} s", flush=True)
    write(final=True)
    finish_load(engine, {**ids, "dossier": stats["dossier"]})
    stats.update(attachment=ids["attachment"], event=ids["event"], evaluation=ids["evaluation"],
                 seconds=time.perf_counter() - began)
    return prov, stats


_NAME_WORDS: dict[str, str] = {}


def dossier_row(g: Gen, ts) -> tuple:
    applicant = {"name": g.name, "id_number": g.id_number}
    year, number = g.register or (None, None)
    words = _NAME_WORDS.get(g.name)
    if words is None:
        words = _NAME_WORDS[g.name] = search_words(g.name)
    search = f"{g.code.lower().replace('.', ' ').replace('-', ' ')} {words} {g.id_number}"[:400]
    if g.id <= 100:
        assert search == dossier_search_text(g.code, applicant), search  # what reception would have stored
    return (g.id, g.code, g.procedure["id"], g.procedure["version_id"], json.dumps(applicant, ensure_ascii=False),
            search, g.channel, ts(g.received_at), ts(g.promised_due_at),
            ts(g.due_at), ts(g.extended_due_at), g.status, ts(g.finished_at), ts(g.returned_at), g.receiving,
            g.deciding, SECRET_HASH, g.supplement_count, ts(g.paused_at), g.extension_count, "[]", g.return_method,
            "", ts(g.submitted_at), year, number)


def finish_load(engine, counts: dict) -> None:
    """Sequences past the explicit ids, then the statistics the planner reads (VACUUM ANALYZE: the steady state
    autovacuum reaches after a bulk load)."""
    if engine.dialect.name == "postgresql":
        with engine.begin() as conn:
            for table, n in counts.items():
                if n:
                    conn.execute(text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), {n})"))
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            for table in ("unit", "procedure", "process_version", "dossier", "attachment", "event", "evaluation",
                          "dossier_stat"):  # this schema's tables only: the database is shared
                conn.execute(text(f'VACUUM ANALYZE "{table}"'))
    else:
        with engine.begin() as conn:
            conn.execute(text("ANALYZE"))
