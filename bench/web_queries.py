"""Cost of the officials' and citizens' queries as the history grows: 10,000 vs 1,000,000 dossiers.

Run: `.venv/bin/python bench/web_queries.py` (SQLite); set MOTCUA_BENCH_POSTGRES_URL to include PostgreSQL (in a
schema of its own, dropped afterwards); MOTCUA_BENCH_DOSSIERS="10000,1000000" sets the sizes;
MOTCUA_BENCH_SQLITE=0 measures PostgreSQL only. The open work stays
the same at every size (1,000 ready work items over 100 units) while finished dossiers, each with its completed
step, pile up: what an inbox costs must depend on today's work, not on the years behind it. Measured per query:
the inbox (all four tab counts and one page, for an officer of one unit, and the unit view), the citizen lookup by
code and secret, the unit register of one day, the dossier search by code and by a name typed without diacritics,
the inbox searched by name, a leader's team tab, an official's done tab (the officer completed every finished step),
and the dossier page's timeline.
Target (DESIGN §9): at most 2x the cost at the smallest size.
"""
from __future__ import annotations

import os
import random
import statistics
import sys
import tempfile
import time
import uuid
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import func, insert, select, text  # noqa: E402

from engine import demo  # noqa: E402

from engine.infra import migrate  # noqa: E402
from engine.org.accounts import create_user, ensure_role, ensure_unit, grant_role  # noqa: E402
from engine.workflow.catalog import load_procedures  # noqa: E402
from engine.infra.db import make_engine, make_sessionmaker, unit_of_work  # noqa: E402
from engine.infra.text import dossier_search_text, fold  # noqa: E402
from engine.views.search import search_dossiers  # noqa: E402
from engine.views.worklists import list_done, list_team  # noqa: E402
from engine.onestop.dossiers import hash_secret  # noqa: E402
from engine.views.inbox import list_inbox  # noqa: E402
from engine.views.lookup import lookup_dossier  # noqa: E402
from engine.models import Dossier, Procedure, ProcessInstance, Unit, WorkItem  # noqa: E402
from engine.views.register import register_rows  # noqa: E402
from engine.views.timeline import dossier_timeline  # noqa: E402
from engine.org.calendar import forget_all_calendars  # noqa: E402

UNITS, OPEN_ITEMS, BATCH, REPEATS = 100, 1_000, 20_000, 30
NOW = datetime(2026, 3, 2, 2, 0, tzinfo=timezone.utc)  # Monday 09:00 in Vietnam
SECRET = "ABCDEFGH"


def seed(factory, size: int, rng: random.Random) -> dict:
    """Units, one officer, the catalogue, then `size` dossiers in bulk: the newest OPEN_ITEMS open, the rest done."""
    with unit_of_work(factory) as session:
        for code, name, level, parent in demo.UNITS:
            ensure_unit(session, code, name, level, parent)
        for key, name in demo.ROLES:
            ensure_role(session, key, name)
        load_procedures(session, ROOT / "bpmn", NOW)
        units = [ensure_unit(session, f"000.90.{k:02d}.H99", f"Đơn vị thử {k}").id for k in range(UNITS)]
        officer = create_user(session, "bench.officer", "Cán bộ đo", "mat-khau-do-dac", NOW)
        grant_role(session, officer, "chuyen_vien", f"000.90.00.H99")
        leader = create_user(session, "bench.leader", "Lãnh đạo đo", "mat-khau-do-dac", NOW)
        grant_role(session, leader, "lanh_dao", f"000.90.00.H99")
        procedure = session.scalar(select(Procedure).where(Procedure.slug == "dinh-chinh-gcn"))
        ids = {"units": units, "officer": officer.id, "leader": leader.id, "procedure": procedure.id,
               "version": procedure.active_version_id}
    secret_hash = hash_secret(SECRET)
    engine = factory.kw["bind"]
    next_id = 1
    with engine.begin() as conn:
        for start in range(0, size, BATCH):
            dossiers, instances, items = [], [], []
            for n in range(start, min(size, start + BATCH)):
                open_ = n >= size - OPEN_ITEMS
                unit = ids["units"][n % UNITS]
                received = NOW - timedelta(minutes=(size - n) * 3)
                code = f"000.90.{n % UNITS:02d}.H99-{received:%y%m%d}-{n:07d}"
                applicant = {"name": f"Nguyễn Văn {n}", "id_number": f"{n:012d}"}
                dossiers.append(dict(
                    id=n + 1, code=code, procedure_id=ids["procedure"], process_version_id=ids["version"],
                    applicant=applicant, search_text=dossier_search_text(code, applicant), channel="direct",
                    received_at=received, due_at=received + timedelta(days=10), status=4 if open_ else 10,
                    finished_at=None if open_ else received + timedelta(days=5),
                    returned_at=None if open_ else received + timedelta(days=6),
                    receiving_unit_id=unit, deciding_unit_id=unit, secret_hash=secret_hash, supplement_count=0,
                    extension_count=0, components=[], return_method="desk", return_address=""))
                instances.append(dict(id=n + 1, dossier_id=n + 1, process_version_id=ids["version"], unit_id=unit,
                                      state="", status="running" if open_ else "completed", revision=1,
                                      created_at=received, updated_at=received))
                items.append(dict(
                    id=next_id, instance_id=n + 1, dossier_id=n + 1, task_id=str(uuid.UUID(int=n)),
                    bpmn_id="ut_tham_dinh", name="Thẩm định", role_key="chuyen_vien", unit_id=unit,
                    state="ready" if open_ else "completed", ready_at=received,
                    due_at=NOW + timedelta(hours=rng.randint(-20, 80)),
                    completed_at=None if open_ else received + timedelta(days=2),
                    completed_by_id=None if open_ else ids["officer"], verdict=None if open_ else "on_time"))
                next_id += 1
            conn.execute(insert(Dossier), dossiers)
            conn.execute(insert(ProcessInstance), instances)
            conn.execute(insert(WorkItem), items)
        if engine.dialect.name == "postgresql":
            for table in ("dossier", "process_instance", "work_item"):
                conn.execute(text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))"))
            conn.execute(text("ANALYZE"))
        else:
            conn.execute(text("ANALYZE"))
    with unit_of_work(factory) as session:
        last = session.scalar(select(Dossier).order_by(Dossier.id.desc()).limit(1))
        mine = session.scalar(select(Dossier).where(Dossier.receiving_unit_id == ids["units"][0])
                              .order_by(Dossier.id.desc()).limit(1))  # the newest of the officer's unit, open
        ids.update(code=last.code, dossier_id=last.id, unit_id=ids["units"][0],
                   name=fold(mine.applicant["name"]))
    return ids


def measure(factory, ids) -> dict[str, float]:
    """Median seconds per call of each query, each in its own session as a web request would be."""
    day = (NOW - timedelta(days=1)).date()
    queries = {
        "inbox, my unit's tab": lambda s: list_inbox(s, ids["officer"], NOW, view="unit"),
        "inbox, overdue tab": lambda s: list_inbox(s, ids["officer"], NOW, view="overdue"),
        "public lookup": lambda s: lookup_dossier(s, ids["code"], SECRET),
        "register, one day": lambda s: register_rows(s, ids["unit_id"], day, day, ids["officer"]),
        "dossier search by code": lambda s: search_dossiers(s, ids["officer"], ids["code"]),
        "dossier search by name": lambda s: search_dossiers(s, ids["officer"], ids["name"]),
        "inbox, search by name": lambda s: list_inbox(s, ids["officer"], NOW, view="unit", query=ids["name"]),
        "inbox, team tab": lambda s: list_team(s, ids["leader"], NOW),
        "inbox, done tab": lambda s: list_done(s, ids["officer"], NOW),
        "dossier timeline": lambda s: dossier_timeline(s, ids["dossier_id"]),
    }
    results = {}
    for label, query in queries.items():
        samples = []
        for _ in range(REPEATS):
            with unit_of_work(factory) as session:
                began = time.perf_counter()
                query(session)
                samples.append(time.perf_counter() - began)
        results[label] = statistics.median(samples)
    return results


def run_backend(label: str, make, sizes: list[int]) -> None:
    figures = {}
    for size in sizes:
        engine = make()
        migrate.upgrade(engine)
        forget_all_calendars()
        factory = make_sessionmaker(engine)
        began = time.perf_counter()
        ids = seed(factory, size, random.Random(size))
        print(f"{label}: seeded {size:,} dossiers in {time.perf_counter() - began:.0f} s", flush=True)
        figures[size] = measure(factory, ids)
        engine.dispose()
    small, large = sizes[0], sizes[-1]
    print(f"\n{label}: median ms per query ({REPEATS} runs), ratio {large:,} / {small:,} (target <= 2.0)")
    for query in figures[small]:
        a, b = figures[small][query] * 1000, figures[large][query] * 1000
        print(f"  {query:<26} {a:8.2f} ms  {b:8.2f} ms  ratio {b / a:5.2f}{'' if b / a <= 2 else '  OVER'}")


def main() -> None:
    sizes = [int(s) for s in os.environ.get("MOTCUA_BENCH_DOSSIERS", "10000,1000000").split(",")]
    folder = Path(tempfile.mkdtemp(prefix="motcua-bench-"))
    counter = iter(range(100))
    if os.environ.get("MOTCUA_BENCH_SQLITE", "1") != "0":
        run_backend("SQLite", lambda: make_engine(f"sqlite:///{folder / f'db{next(counter)}.db'}"), sizes)
    url = os.environ.get("MOTCUA_BENCH_POSTGRES_URL")
    if url:
        schemas = []

        def make_pg():
            schema = f"motcua_bench_{uuid.uuid4().hex[:8]}"
            schemas.append(schema)
            admin = make_engine(url)
            with admin.begin() as conn:
                conn.execute(text(f'CREATE SCHEMA "{schema}"'))
            admin.dispose()
            return make_engine(url, connect_args={"options": f"-csearch_path={schema}"})

        try:
            run_backend("PostgreSQL", make_pg, sizes)
        finally:
            admin = make_engine(url)
            with admin.begin() as conn:
                for schema in schemas:
                    conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
            admin.dispose()


if __name__ == "__main__":
    main()
