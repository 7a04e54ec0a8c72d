"""Cost of a year's report, its QĐ 766 indicators and its monthly trend as the history grows: a province's 10,000 vs
1,000,000 dossiers over three years, on SQLite and PostgreSQL.

Run: `.venv/bin/python bench/reports.py [--sizes 10000,1000000] [--backend sqlite,postgresql] [--quick]`.
PostgreSQL runs in a schema of its own, dropped afterwards (--postgres-url, or MOTCUA_BENCH_POSTGRES_URL; skipped
with a message when the server cannot be reached). --quick: 2,000 and 20,000 dossiers, 5 runs per query;
--keep FOLDER keeps the databases (and schemas) to study query plans afterwards.

The province and its history: bench/province/.

Printed per size: the time to generate and load, the counter rows per grain, the database's size and the province's
2025 figures. Measured warm, each call in a unit of work of its own as a web request would be, median of --repeats
runs: the 2025 periodic report of the province and of one department (the land registration office), the
indicators of the province for 2025 and its monthly trend. Target (the issue): at 1,000,000 dossiers at most 2x
the cost at 10,000.
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import func, select, text  # noqa: E402

from engine import monthly_trend, periodic_report, rebuild_report_counters, report_indicators  # noqa: E402
from engine.infra import migrate  # noqa: E402
from engine.infra.db import make_engine, make_sessionmaker, unit_of_work  # noqa: E402
from engine.models import DossierStat  # noqa: E402

from bench.province import NOW, PG_URL, YEAR, Province, finish_load, populate, verify_counters  # noqa: E402,F401


# --- measuring ---------------------------------------------------------------------------------------------------

QUERIES = ("year report, province", "year report, department", "indicators, province", "monthly trend, province")


def measure(engine, prov: Province, repeats: int) -> dict[str, float]:
    factory = make_sessionmaker(engine)
    start, end = YEAR
    calls = {
        QUERIES[0]: lambda s: periodic_report(s, prov.leader, prov.root, start, end, now=NOW),
        QUERIES[1]: lambda s: periodic_report(s, prov.leader, prov.department, start, end, now=NOW),
        QUERIES[2]: lambda s: report_indicators(s, prov.leader, prov.root, start, end, now=NOW),
        QUERIES[3]: lambda s: monthly_trend(s, prov.leader, prov.root, start, end, now=NOW),
    }
    out = {}
    for label, call in calls.items():
        samples = []
        for n in range(repeats + 1):  # the first warms the caches
            with unit_of_work(factory) as session:
                began = time.perf_counter()
                call(session)
                if n:
                    samples.append(time.perf_counter() - began)
        out[label] = statistics.median(samples)
    return out


def summary(engine, prov: Province) -> str:
    """The province's 2025 figures, to see that the history looks like one."""
    with unit_of_work(make_sessionmaker(engine)) as s:
        report = periodic_report(s, prov.leader, prov.root, *YEAR, now=NOW)
        indicators = report_indicators(s, prov.leader, prov.root, *YEAR, now=NOW)
    t = report.total
    new = max(1, t.received_new)
    rate = f"{t.on_time_rate:.1%}" if t.on_time_rate is not None else "—"
    return (f"2025: {t.carried_over:,} carried over, {t.received_new:,} new (online {t.received_online / new:.0%}, "
            f"post {t.received_postal / new:.0%}), {t.resolved:,} ended ({t.resolved_early:,} early, "
            f"{t.resolved_on_time:,} on time, {t.resolved_late:,} late; {t.stopped:,} stopped, {t.withdrawn:,} "
            f"withdrawn), {t.in_progress:,} open at the end ({t.in_progress_overdue:,} overdue), {t.refused:,} "
            f"refused at intake, {t.rated_good + t.rated_neutral + t.rated_bad:,} ratings; on time {rate}; "
            f"QĐ 766 points {indicators.points:.1f}/{indicators.max_points:.0f}")


def database_size(engine) -> tuple[int, int]:
    """(all tables, dossier_stat) in bytes."""
    with engine.connect() as conn:
        if engine.dialect.name == "postgresql":
            total = conn.execute(text("SELECT sum(pg_total_relation_size(c.oid)) FROM pg_class c JOIN pg_namespace n "
                                      "ON n.oid = c.relnamespace WHERE n.nspname = current_schema() "
                                      "AND c.relkind = 'r'")).scalar()
            stat = conn.execute(text("SELECT pg_total_relation_size('dossier_stat')")).scalar()
            return int(total), int(stat)
        conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
        pages = conn.exec_driver_sql("PRAGMA page_count").scalar() * conn.exec_driver_sql("PRAGMA page_size").scalar()
        try:
            stat = conn.exec_driver_sql("SELECT sum(pgsize) FROM dbstat WHERE name = 'dossier_stat' "
                                        "OR name LIKE 'sqlite_autoindex_dossier_stat%'").scalar()
        except Exception:  # SQLite built without the dbstat table
            stat = 0
        return int(pages), int(stat or 0)


def run_size(label: str, engine, size: int, repeats: int, verify_up_to: int) -> dict[str, float]:
    migrate.upgrade(engine)
    print(f"{label}, {size:,} dossiers: generating", flush=True)
    prov, stats = populate(engine, size)
    with engine.connect() as conn:
        by_grain = dict(conn.execute(select(DossierStat.grain, func.count()).group_by(DossierStat.grain)).all())
    total, stat = database_size(engine)
    print(f"  generated and loaded in {stats['seconds']:.0f} s: {stats['dossier']:,} dossiers, "
          f"{stats['attachment']:,} attachments, {stats['event']:,} events, {stats['evaluation']:,} ratings; "
          f"{sum(by_grain.values()):,} counter rows ({', '.join(f'{g} {by_grain.get(g, 0):,}' for g in 'ymd')}); "
          f"database {total / 2**20:,.0f} MB, of which dossier_stat {stat / 2**20:,.1f} MB", flush=True)
    if size <= verify_up_to:
        began = time.perf_counter()
        rows = verify_counters(engine)
        print(f"  counters match rebuild ({rows:,} rows; rebuild took {time.perf_counter() - began:.1f} s)",
              flush=True)
        finish_load(engine, {})  # the rebuild deleted and wrote every counter row: back to a steady state
    print(f"  {summary(engine, prov)}", flush=True)
    figures = measure(engine, prov, repeats)
    print("  " + "; ".join(f"{q} {figures[q] * 1000:.1f} ms" for q in QUERIES), flush=True)
    return figures


def run_backend(label: str, make, sizes: list[int], repeats: int, verify_up_to: int) -> dict[int, dict]:
    figures = {}
    for size in sizes:
        engine, cleanup = make()
        try:
            figures[size] = run_size(label, engine, size, repeats, verify_up_to)
        finally:
            engine.dispose()
            cleanup()
    return figures


def sqlite_maker(folder: Path, keep: bool):
    counter = iter(range(1000))

    def make():
        path = folder / f"reports{next(counter)}.db"

        def remove():
            if keep:
                print(f"  kept {path}")
                return
            for name in (path, Path(f"{path}-wal"), Path(f"{path}-shm")):
                name.unlink(missing_ok=True)
        return make_engine(f"sqlite:///{path}"), remove
    return make


def postgres_maker(url: str, keep: bool):
    def make():
        schema = f"motcua_bench_reports_{os.getpid()}_{uuid.uuid4().hex[:6]}"
        admin = make_engine(url)
        with admin.begin() as conn:
            conn.execute(text(f'CREATE SCHEMA "{schema}"'))
        admin.dispose()

        def drop():
            if keep:
                print(f"  kept schema {schema} (drop it with DROP SCHEMA \"{schema}\" CASCADE)")
                return
            admin = make_engine(url)
            with admin.begin() as conn:
                conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
            admin.dispose()
        return make_engine(url, connect_args={"options": f"-csearch_path={schema}"}), drop
    return make


def postgres_reachable(url: str) -> bool:
    try:
        probe = make_engine(url)
        with probe.connect() as conn:
            conn.execute(text("SELECT 1"))
        probe.dispose()
        return True
    except Exception as exc:  # no server, no database, refused
        print(f"PostgreSQL skipped: {url} cannot be reached ({type(exc).__name__})")
        return False


def report(results: dict[str, dict[int, dict]], sizes: list[int], repeats: int) -> None:
    small, large = sizes[0], sizes[-1]
    print(f"\nMedian ms per call ({repeats} warm runs), ratio {large:,} / {small:,} dossiers (target <= 2.0)")
    for label, figures in results.items():
        print(f"{label}")
        for query in QUERIES:
            cells = "  ".join(f"{figures[size][query] * 1000:8.2f} ms" for size in sizes)
            ratio = figures[large][query] / figures[small][query]
            print(f"  {query:<26} {cells}  ratio {ratio:5.2f}{'' if ratio <= 2 else '  OVER'}")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="10000,1000000", help="dossier counts, comma-separated")
    parser.add_argument("--backend", default="sqlite,postgresql", help="sqlite, postgresql or both")
    parser.add_argument("--repeats", type=int, default=15, help="warm runs per query (median)")
    parser.add_argument("--quick", action="store_true", help="2,000 and 20,000 dossiers, 5 runs")
    parser.add_argument("--postgres-url", default=os.environ.get("MOTCUA_BENCH_POSTGRES_URL", PG_URL))
    parser.add_argument("--verify-up-to", type=int, default=20_000,
                        help="check the counters against rebuild_report_counters at sizes up to this")
    parser.add_argument("--keep", metavar="FOLDER", help="keep the databases (SQLite files in FOLDER, PostgreSQL "
                        "schemas) to study their query plans afterwards")
    args = parser.parse_args(argv)
    sizes = [2_000, 20_000] if args.quick else [int(s) for s in args.sizes.split(",")]
    repeats = 5 if args.quick else args.repeats
    backends = [b.strip() for b in args.backend.split(",") if b.strip()]
    results = {}
    with tempfile.TemporaryDirectory(prefix="motcua-bench-") as scratch:
        folder = Path(args.keep or scratch)
        folder.mkdir(parents=True, exist_ok=True)
        if "sqlite" in backends:
            results["SQLite"] = run_backend("SQLite", sqlite_maker(folder, bool(args.keep)), sizes, repeats,
                                            args.verify_up_to)
        if "postgresql" in backends and postgres_reachable(args.postgres_url):
            results["PostgreSQL"] = run_backend("PostgreSQL", postgres_maker(args.postgres_url, bool(args.keep)),
                                                sizes, repeats, args.verify_up_to)
    report(results, sizes, repeats)


if __name__ == "__main__":
    main()
