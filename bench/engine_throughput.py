"""Task completions per second: SpiffWorkflow alone vs motcua's persisted engine (SQLite, PostgreSQL).

Run: `make bench` (or `.venv/bin/python bench/engine_throughput.py`). Set MOTCUA_BENCH_POSTGRES_URL to
include PostgreSQL. Prints rates, the ratios against SpiffWorkflow with a serialize + deserialize per task,
SQL statements and commits per completion, and the bytes stored per finished 10-task dossier.
"""
from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time
import uuid
from datetime import datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import event, select, text  # noqa: E402

from engine import complete_task, receive_dossier  # noqa: E402

from tests.driving import open_items  # noqa: E402
from engine import demo, spiff  # noqa: E402
from engine.infra import migrate  # noqa: E402
from engine.workflow.catalog import load_procedure  # noqa: E402
from engine.infra.clock import VN_TZ  # noqa: E402
from engine.infra.db import make_engine, make_sessionmaker, unit_of_work  # noqa: E402
from engine.models import Dossier, Event, ProcessInstance, WorkItem  # noqa: E402
from tests.bpmn_builder import linear_user_tasks, procedure_folder  # noqa: E402

TASKS = 10
FORM = {"type": "object", "additionalProperties": False, "required": ["ket_qua"],
        "properties": {"ket_qua": {"type": "string"}, "so_trang": {"type": "integer"}, "dat": {"type": "boolean"}}}
NOW = datetime(2026, 3, 2, 9, 0, tzinfo=VN_TZ)


def form_data(i: int) -> dict:
    return {"ket_qua": f"Bước {i} đạt", "so_trang": i, "dat": True}


def spiff_in_memory(parsed, instances: int) -> float:
    start = time.perf_counter()
    for _ in range(instances):
        wf = spiff.new_workflow(parsed, spiff.make_script_engine())
        spiff.advance(wf, NOW)
        for i in range(TASKS):
            task = spiff.ready_user_tasks(wf)[0]
            spiff.complete_user_task(wf, NOW, task.task_id, form_data(i))
        assert spiff.is_completed(wf)
    return instances * TASKS / (time.perf_counter() - start)


def spiff_serialized(parsed, instances: int) -> float:
    """SpiffWorkflow's own serializer (spec embedded), one deserialize + serialize around each completion."""
    from SpiffWorkflow.bpmn.serializer import BpmnWorkflowSerializer
    from SpiffWorkflow.spiff.serializer.config import SPIFF_CONFIG

    serializer = BpmnWorkflowSerializer(BpmnWorkflowSerializer.configure(SPIFF_CONFIG))
    engine = spiff.make_script_engine()
    start = time.perf_counter()
    for _ in range(instances):
        wf = spiff.new_workflow(parsed, engine)
        spiff.advance(wf, NOW)
        state = serializer.serialize_json(wf)
        for i in range(TASKS):
            wf = serializer.deserialize_json(state)
            wf.script_engine = engine
            task = spiff.ready_user_tasks(wf)[0]
            spiff.complete_user_task(wf, NOW, task.task_id, form_data(i))
            state = serializer.serialize_json(wf)
    return instances * TASKS / (time.perf_counter() - start)


class Counter:
    def __init__(self, engine):
        self.statements = self.commits = 0
        event.listen(engine, "before_cursor_execute", self._statement)
        event.listen(engine, "commit", self._commit)

    def _statement(self, *args):
        self.statements += 1

    def _commit(self, *args):
        self.commits += 1


def motcua_engine(db, instances: int, label: str) -> dict:
    migrate.upgrade(db)
    factory = make_sessionmaker(db)
    with tempfile.TemporaryDirectory() as tmp, unit_of_work(factory) as s:
        for code, name, level, parent in demo.UNITS:
            from engine.org.accounts import ensure_role, ensure_unit

            ensure_unit(s, code, name, level, parent)
        for key, name in demo.ROLES:
            ensure_role(s, key, name)
        from engine.org.accounts import create_user, grant_role

        user = create_user(s, f"bench{uuid.uuid4().hex[:6]}", "Người đo", "mat-khau-do-hieu-nang", NOW)
        grant_role(s, user, "chuyen_vien", "000.21.01.H99")
        folder = procedure_folder(Path(tmp), "bench-seq10", linear_user_tasks("tthc_bench", TASKS, form="f.json"),
                                  "tthc_bench", {"f.json": FORM}, time_limit=10)
        load_procedure(s, folder, None, NOW)
        user_id = user.id
    codes = []
    with unit_of_work(factory) as s:
        for _ in range(instances):
            codes.append(receive_dossier(s, procedure_code="bench-seq10", applicant={"name": "Nguyễn Văn A"},
                                         channel="direct", received_at=NOW, receiving_unit_code="000.00.01.H99",
                                         actor_id=user_id, now=NOW).code)
    with unit_of_work(factory) as s:
        item_ids = [i.id for i in open_items(s, user_id, limit=instances)]
    counter = Counter(db)
    when = NOW + timedelta(hours=1)
    start = time.perf_counter()
    completions = 0
    for step in range(TASKS):
        for item_id in item_ids:
            with unit_of_work(factory) as s:
                complete_task(s, item_id, form_data(step), user_id, when)
            completions += 1
        with unit_of_work(factory) as s:
            item_ids = [i.id for i in open_items(s, user_id, limit=instances)]
    elapsed = time.perf_counter() - start
    statements_in_lists = TASKS  # one inbox query per round, not part of a completion
    with unit_of_work(factory) as s:
        dossier = s.scalar(select(Dossier).where(Dossier.code == codes[0]))
        assert dossier.status is not None
        instance = s.scalar(select(ProcessInstance).where(ProcessInstance.dossier_id == dossier.id))
        assert instance.status == "completed", instance.status
        stored = row_bytes(s, dossier)
    return {
        "label": label, "rate": completions / elapsed,
        "statements": (counter.statements - statements_in_lists) / completions,
        "commits": (counter.commits - TASKS) / completions,
        "state_bytes": len(instance.state.encode()), "stored_bytes": stored,
    }


def row_bytes(s, dossier) -> int:
    """Bytes of every column value of the dossier's rows: dossier, instance, work items, events."""
    rows = [dossier, *s.scalars(select(ProcessInstance).where(ProcessInstance.dossier_id == dossier.id)),
            *s.scalars(select(WorkItem).where(WorkItem.dossier_id == dossier.id)),
            *s.scalars(select(Event).where(Event.dossier_id == dossier.id))]
    total = 0
    for row in rows:
        for column in row.__table__.columns:
            value = getattr(row, column.key)
            total += len(str(value).encode()) if value is not None else 0
    return total


def main() -> None:
    parsed = spiff.parse_version({"p.bpmn": linear_user_tasks("tthc_bench", TASKS)}, "tthc_bench")
    a = statistics.median(spiff_in_memory(parsed, 100) for _ in range(3))
    b = statistics.median(spiff_serialized(parsed, 50) for _ in range(3))
    results = []
    with tempfile.TemporaryDirectory() as tmp:
        db = make_engine(f"sqlite:///{tmp}/bench.db")
        results.append(motcua_engine(db, 50, "(c) motcua, SQLite"))
        db.dispose()
    pg_url = os.environ.get("MOTCUA_BENCH_POSTGRES_URL")
    if pg_url:
        schema = f"motcua_bench_{os.getpid()}"
        admin = make_engine(pg_url)
        with admin.begin() as conn:
            conn.execute(text(f'CREATE SCHEMA "{schema}"'))
        try:
            db = make_engine(pg_url, connect_args={"options": f"-csearch_path={schema}"})
            results.append(motcua_engine(db, 50, "(d) motcua, PostgreSQL"))
            db.dispose()
        finally:
            with admin.begin() as conn:
                conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
    print(f"{TASKS} sequential user tasks per instance; task completions per second (median of 3 for a, b)")
    print(f"(a) SpiffWorkflow in memory                      {a:9.0f}/s")
    print(f"(b) SpiffWorkflow + serialize/deserialize per task {b:7.0f}/s")
    for r in results:
        ok = "meets" if r["rate"] / b >= 0.5 else "MISSES"
        print(f"{r['label']:<48} {r['rate']:9.0f}/s  ratio vs (b) {r['rate'] / b:.2f} ({ok} target ≥ 0.5)")
        print(f"    SQL statements per completion {r['statements']:.1f} (target ≤ 15), "
              f"commits per completion {r['commits']:.2f} (target 1)")
        print(f"    stored per finished instance: {r['stored_bytes']:,} B in all rows "
              f"(state {r['state_bytes']:,} B) (target ≤ 10,240 B)")
    if not pg_url:
        print("(d) skipped: set MOTCUA_BENCH_POSTGRES_URL to measure PostgreSQL")
    print("For scale: SpiffArena's backend on this machine kind: ~21 completions/s, 755 statements and "
          "57 commits per 10-task instance, 21 KB per instance.")


if __name__ == "__main__":
    main()
