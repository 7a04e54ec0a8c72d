"""Timer lateness and sweep cost with 1,000 and 100,000 waiting dossiers (SQLite, PostgreSQL).

Run: `.venv/bin/python bench/timers.py`. Set MOTCUA_BENCH_POSTGRES_URL to include PostgreSQL (in a schema of
its own, dropped afterwards). One dossier is received through the engine; the others are bulk copies of its
rows, each with its own due time written both in next_timer_at and in the pending timer of the stored state.
(i) lateness: a worker loop on a simulated clock that advances one poll interval per sweep, over a window in
which a few hundred timers come due; (ii) sweep cost per fired timer when 200 timers are due at once.
"""
from __future__ import annotations

import os
import random
import statistics
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import select, text  # noqa: E402

from engine import fire_due_timers, receive_dossier  # noqa: E402

from engine import demo  # noqa: E402

from engine.infra import migrate  # noqa: E402
from engine.org.accounts import ensure_role, ensure_unit  # noqa: E402
from engine.workflow.catalog import load_procedure  # noqa: E402
from engine.infra.db import make_engine, make_sessionmaker, unit_of_work  # noqa: E402
from engine.models import Dossier, Event, ProcessInstance, WorkItem  # noqa: E402
from tests.bpmn_builder import procedure_folder  # noqa: E402
from tests.engine.test_timers import timer_process  # noqa: E402

SIZES = (1_000, 100_000)
POLL = timedelta(seconds=1)  # the default MOTCUA_POLL_INTERVAL
WINDOW_TICKS = 300  # sweeps in the lateness window
WINDOW_TIMERS = 300  # due at random instants inside the window
BURSTS, BURST_SIZE = 3, 200  # timers due at one instant, each burst fired by one sweep
BATCH = 5_000
START = datetime(2026, 3, 2, 2, 0, tzinfo=timezone.utc)  # 09:00 in Vietnam, where the window opens
BURST_AT = [START + timedelta(hours=k + 1) for k in range(BURSTS)]


@dataclass
class Result:
    label: str
    size: int
    lateness: list[float]  # simulated fire time minus due time, in poll intervals
    with_sweep: list[float]  # the same plus the wall time of the sweep that fired the timer
    busy_sweeps: list[float]  # wall seconds of window sweeps that fired something
    idle_sweeps: list[float]  # wall seconds of window sweeps with nothing due
    per_timer: float  # wall seconds per fired timer in a 200-timer sweep (median of the bursts)
    burst_sweep: float  # wall seconds of that sweep
    hit_limit: int  # window sweeps that stopped at fire_due_timers' limit


def due_times(size: int, rng: random.Random) -> list[datetime]:
    """Window timers, bursts, and the rest waiting days to weeks ahead; shuffled so ids say nothing of due time."""
    # Never on a sweep instant: SpiffWorkflow fires only timers due strictly before now, the claim takes <= now.
    window = [START + timedelta(seconds=rng.randrange(WINDOW_TICKS), milliseconds=rng.randrange(1, 1000))
              for _ in range(WINDOW_TIMERS)]
    bursts = [at for at in BURST_AT for _ in range(BURST_SIZE)]
    assert size >= len(window) + len(bursts), f"{size:,} dossiers cannot hold the window and the bursts"
    later = [START + timedelta(days=1, seconds=rng.randrange(60 * 86400))
             for _ in range(size - len(window) - len(bursts))]
    due = window + bursts + later
    rng.shuffle(due)
    return due


def populate(db, size: int, label: str) -> dict[int, datetime]:
    """`size` waiting dossiers: one through the engine, the rest copied row by row; returns due time per instance."""
    migrate.upgrade(db)
    factory = make_sessionmaker(db)
    received = START - timedelta(days=1)
    with tempfile.TemporaryDirectory() as tmp, unit_of_work(factory) as s:
        for code, name, level, parent in demo.UNITS:
            ensure_unit(s, code, name, level, parent)
        for key, name in demo.ROLES:
            ensure_role(s, key, name)
        load_procedure(s, procedure_folder(Path(tmp), "bench-timer", timer_process(), "tthc_timer"), None, received)
        receipt = receive_dossier(s, procedure_code="bench-timer", applicant={"name": "Nguyễn Văn A"},
                                  channel="direct", received_at=received, receiving_unit_code="000.00.01.H99",
                                  actor_id=None, now=received)
    tables = [Dossier.__table__, ProcessInstance.__table__, WorkItem.__table__]
    with db.connect() as conn:
        dossier = dict(conn.execute(select(tables[0]).where(tables[0].c.id == receipt.dossier_id)).mappings().one())
        instance = dict(conn.execute(select(tables[1]).where(tables[1].c.dossier_id == dossier["id"])).mappings().one())
        item = dict(conn.execute(select(tables[2]).where(tables[2].c.instance_id == instance["id"])).mappings().one())
    armed = instance["next_timer_at"].isoformat()
    assert instance["state"].count(f'"{armed}"') == 1, "the armed timer's due time is not in the stored state once"
    due = due_times(size, random.Random(size))
    by_instance = {}
    with db.begin() as conn:  # the template becomes copy 0
        conn.execute(tables[1].update().where(tables[1].c.id == instance["id"]).values(
            state=instance["state"].replace(armed, due[0].isoformat()), next_timer_at=due[0]))
        by_instance[instance["id"]] = due[0]
    started = time.perf_counter()
    for first in range(1, size, BATCH):
        rows = [[], [], []]
        for i in range(first, min(first + BATCH, size)):
            rows[0].append({**dossier, "id": dossier["id"] + i, "code": f"BENCH-{i:07d}"})
            rows[1].append({**instance, "id": instance["id"] + i, "dossier_id": dossier["id"] + i,
                            "state": instance["state"].replace(armed, due[i].isoformat()), "next_timer_at": due[i]})
            rows[2].append({**item, "id": item["id"] + i, "instance_id": instance["id"] + i,
                            "dossier_id": dossier["id"] + i})
            by_instance[instance["id"] + i] = due[i]
        with db.begin() as conn:
            for table, batch in zip(tables, rows):
                conn.execute(table.insert(), batch)
        done = min(first + BATCH, size)
        if size > 10_000 and (done // BATCH) % 4 == 0 or done == size:
            print(f"  {label}: {done:,}/{size:,} waiting dossiers ({time.perf_counter() - started:.0f} s)",
                  flush=True)
    if db.dialect.name == "postgresql":
        with db.begin() as conn:
            for table in tables:  # explicit ids were inserted: move the sequences past them
                conn.execute(text(f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), "
                                  f"(SELECT max(id) FROM {table.name}))"))
        with db.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            print(f"  {label}: VACUUM ANALYZE", flush=True)
            conn.execute(text("VACUUM ANALYZE"))  # the steady state autovacuum reaches after a bulk load
    return by_instance


def measure(db, size: int, label: str) -> Result:
    due = populate(db, size, label)
    factory = make_sessionmaker(db)
    sweeps, hit_limit = {}, 0
    print(f"  {label}: {WINDOW_TICKS} sweeps over the window", flush=True)
    for tick in range(1, WINDOW_TICKS + 1):
        now = START + tick * POLL
        started = time.perf_counter()
        fired = fire_due_timers(factory, now)
        sweeps[now] = (fired, time.perf_counter() - started)
        hit_limit += fired >= 500
    with unit_of_work(factory) as s:
        fired_at = dict(s.execute(select(Event.instance_id, Event.at).where(Event.action == "task_cancelled")).all())
    assert len(fired_at) == WINDOW_TIMERS == sum(n for n, _ in sweeps.values()), "a window timer did not fire once"
    late = [(at - due[iid]) / POLL for iid, at in fired_at.items()]
    with_sweep = [(at - due[iid]) / POLL + sweeps[at][1] / POLL.total_seconds() for iid, at in fired_at.items()]
    costs = []
    for at in BURST_AT:
        started = time.perf_counter()
        fired = fire_due_timers(factory, at + POLL)
        costs.append(time.perf_counter() - started)
        assert fired == BURST_SIZE, f"{fired} of a {BURST_SIZE}-timer burst fired"
    return Result(label, size, late, with_sweep, [w for n, w in sweeps.values() if n], [w for n, w in sweeps.values()
                  if not n], statistics.median(costs) / BURST_SIZE, statistics.median(costs), hit_limit)


def quantile(values: list[float], q: float) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[q - 1] if len(values) > 1 else values[0]


def run_sqlite(size: int) -> Result:
    with tempfile.TemporaryDirectory() as tmp:
        db = make_engine(f"sqlite:///{tmp}/bench.db")
        try:
            return measure(db, size, f"SQLite, {size:,}")
        finally:
            db.dispose()


def run_postgresql(url: str, size: int) -> Result:
    schema = f"motcua_bench_timers_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    admin = make_engine(url)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        db = make_engine(url, connect_args={"options": f"-csearch_path={schema}"})
        try:
            return measure(db, size, f"PostgreSQL, {size:,}")
        finally:
            db.dispose()
    finally:
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def report(results: list[Result]) -> None:
    print(f"\nPoll interval {POLL.total_seconds():g} s; {WINDOW_TIMERS} timers due at random instants over "
          f"{WINDOW_TICKS} sweeps; sweep cost from {BURSTS} sweeps firing {BURST_SIZE} timers each (median).")
    for r in results:
        p99 = quantile(r.lateness, 99)
        print(f"{r.label} waiting dossiers")
        print(f"    lateness on the simulated clock: p50 {quantile(r.lateness, 50):.2f}, p99 {p99:.2f}, "
              f"max {max(r.lateness):.2f} poll intervals ({'meets' if p99 <= 2 else 'MISSES'} target p99 ≤ 2)")
        print(f"    plus the wall time of the firing sweep: p50 {quantile(r.with_sweep, 50):.2f}, "
              f"p99 {quantile(r.with_sweep, 99):.2f} poll intervals")
        print(f"    wall time per sweep: firing {statistics.median(r.busy_sweeps) * 1000:.1f} ms median, "
              f"{max(r.busy_sweeps) * 1000:.1f} ms max; nothing due {statistics.median(r.idle_sweeps) * 1000:.2f} ms "
              f"median; a {BURST_SIZE}-timer sweep {r.burst_sweep:.2f} s; sweeps stopped by the limit: {r.hit_limit}")
        print(f"    sweep cost per fired timer {r.per_timer * 1000:.2f} ms; so one worker fires the last of "
              f"{BURST_SIZE} timers due at once {1 + r.burst_sweep / POLL.total_seconds():.1f} poll intervals late")
    for backend in ("SQLite", "PostgreSQL"):
        small, large = (next((r for r in results if r.label.startswith(backend) and r.size == n), None)
                        for n in SIZES)
        if small and large:
            ratio = large.per_timer / small.per_timer
            print(f"{backend}: cost per fired timer at {SIZES[1]:,} vs {SIZES[0]:,} waiting dossiers: "
                  f"{ratio:.2f} ({'meets' if ratio <= 1.5 else 'MISSES'} target ≤ 1.5)")


def main() -> None:
    results = []
    pg_url = os.environ.get("MOTCUA_BENCH_POSTGRES_URL")
    for size in SIZES:
        print(f"SQLite, {size:,} waiting dossiers", flush=True)
        results.append(run_sqlite(size))
        if pg_url:
            print(f"PostgreSQL, {size:,} waiting dossiers", flush=True)
            results.append(run_postgresql(pg_url, size))
    report(results)
    if not pg_url:
        print("PostgreSQL skipped: set MOTCUA_BENCH_POSTGRES_URL to measure it")


if __name__ == "__main__":
    main()
