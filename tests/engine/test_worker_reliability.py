"""Timer workers under stress: racing processes, a worker killed mid-batch, an instance failing mid-sweep."""
from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
import uuid
from collections import Counter, defaultdict
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from sqlalchemy import func, select, text, update

from engine import fire_due_timers, receive_dossier

from engine import demo, spiff
from engine.org.accounts import ensure_role, ensure_unit
from engine.workflow.catalog import load_procedure, version_bundle
from engine.infra.db import unit_of_work
from engine.models import Event, ProcessInstance, WorkItem
from engine.infra.settings import ROOT

from ..bpmn_builder import procedure_folder, properties, script_task, sequence, user_task
from .test_timers import timer_process

POSTGRES_URL = os.environ.get("MOTCUA_TEST_POSTGRES_URL")
POSTGRES_ONLY = [pytest.param("postgresql", marks=pytest.mark.postgres)]
FIRED = [("ut_qua_han", "ready"), ("ut_xu_ly", "cancelled")]
WAITING = [("ut_xu_ly", "ready")]

FAILING_PATH = """
<bpmn:boundaryEvent id="bt_han" attachedToRef="ut_xu_ly" cancelActivity="true">
  <bpmn:timerEventDefinition><bpmn:timeDuration>"PT1H"</bpmn:timeDuration></bpmn:timerEventDefinition>
</bpmn:boundaryEvent>
{script}
<bpmn:userTask id="ut_qua_han" name="Xử lý hồ sơ quá hạn">{props}</bpmn:userTask>
<bpmn:sequenceFlow id="f_han" sourceRef="bt_han" targetRef="st_tinh_phat"/>
<bpmn:sequenceFlow id="f_phat" sourceRef="st_tinh_phat" targetRef="ut_qua_han"/>
<bpmn:sequenceFlow id="f_qh_end" sourceRef="ut_qua_han" targetRef="end2"/>
<bpmn:endEvent id="end2"/>
"""


def failing_timer_process() -> str:
    """Like the timer procedure, but the timer path runs a script that divides by zero."""
    extra = FAILING_PATH.format(script=script_task("st_tinh_phat", "tien_phat = 100000 / 0"), props=properties({}))
    return sequence("tthc_timer_loi", [("ut_xu_ly", user_task("ut_xu_ly", "Xử lý", {}))],
                    {"chuyen_vien": ["ut_xu_ly", "ut_qua_han"]}, extra=extra)


@pytest.fixture
def units(factory, now):
    with unit_of_work(factory) as session:
        for code, name, level, parent in demo.UNITS:
            ensure_unit(session, code, name, level, parent)
        for key, name in demo.ROLES:
            ensure_role(session, key, name)


@pytest.fixture
def worker_url(request, db_engine) -> str:
    """MOTCUA_DATABASE_URL for a worker process that must see this test's database (its schema on PostgreSQL)."""
    if db_engine.dialect.name == "sqlite":
        return db_engine.url.render_as_string(hide_password=False)
    schema = request.getfixturevalue("postgres_schema")
    separator = "&" if "?" in POSTGRES_URL else "?"
    return f"{POSTGRES_URL}{separator}options=-csearch_path%3D{schema}"


def receive_many(factory, tmp_path, received: datetime, count: int, slug="timer", xml=None, process_id="tthc_timer"):
    """Load a timer procedure (once per slug) and receive `count` dossiers at `received`; returns their ids."""
    with unit_of_work(factory) as session:
        folder = procedure_folder(tmp_path / "bpmn", slug, xml or timer_process(), process_id)
        load_procedure(session, folder, None, received)
        return [receive_dossier(session, procedure_code=slug, applicant={"name": "Lê Văn Tám"}, channel="online",
                                received_at=received, receiving_unit_code="000.00.01.H99", actor_id=None,
                                now=received).dossier_id for _ in range(count)]


def start_worker(url: str, tmp_path: Path, name: str) -> subprocess.Popen:
    """`motcua worker --once` in a process of its own, on the wall clock like production."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("MOTCUA_")}
    env.update(MOTCUA_DATABASE_URL=url, MOTCUA_INSTANCE_PATH=str(tmp_path / "instance"), MOTCUA_LOG_LEVEL="WARNING",
               PGAPPNAME=name)
    command = [sys.executable, "-c", "import sys; from webapp.cli import main; sys.exit(main())", "worker", "--once"]
    return subprocess.Popen(command, env=env, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def fired_by(worker: subprocess.Popen) -> int:
    out, err = worker.communicate(timeout=120)
    assert worker.returncode == 0, err
    assert "Traceback" not in err, err
    return int(re.search(r"(\d+)", out).group(1))


def wait_until(condition, what: str, workers=(), timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        for worker in workers:
            if worker.poll() is not None and worker.returncode != 0:
                pytest.fail(f"worker exited with {worker.returncode} while waiting for {what}: {worker.stderr.read()}")
        if time.monotonic() > deadline:
            pytest.fail(f"timed out waiting for {what}")
        time.sleep(0.005)


def scalar(db_engine, sql: str, **params):
    with db_engine.connect() as conn:
        return conn.execute(text(sql), params).scalar()


def instance_outcomes(factory) -> dict[int, str]:
    """'fired' or 'waiting' per instance, asserting that state, timer column, work items and trail agree."""
    outcomes = {}
    with unit_of_work(factory) as session:
        items = defaultdict(list)
        for item in session.scalars(select(WorkItem).order_by(WorkItem.bpmn_id)):
            items[item.instance_id].append(item)
        cancelled = Counter(session.scalars(select(Event.instance_id).where(Event.action == "task_cancelled")))
        for instance in session.scalars(select(ProcessInstance)):
            workflow = spiff.load(instance.state, version_bundle(session, instance.process_version_id).parsed,
                                  spiff.make_script_engine())
            mine = items[instance.id]
            assert {t.task_id for t in spiff.ready_user_tasks(workflow)} == \
                {i.task_id for i in mine if i.state == "ready"}, f"instance {instance.id}: state and work items differ"
            assert instance.next_timer_at == spiff.next_timer_due(workflow), f"instance {instance.id}: timer column"
            shape = [(i.bpmn_id, i.state) for i in mine]
            if shape == FIRED and cancelled[instance.id] == 1 and instance.next_timer_at is None:
                outcomes[instance.id] = "fired"
            elif shape == WAITING and cancelled[instance.id] == 0 and instance.next_timer_at is not None:
                outcomes[instance.id] = "waiting"
            else:
                pytest.fail(f"instance {instance.id} half-written or fired twice: items {shape}, "
                            f"{cancelled[instance.id]} cancellation(s), next timer {instance.next_timer_at}")
    return outcomes


@pytest.mark.parametrize("db_engine", POSTGRES_ONLY, indirect=True)
def test_timer_fires_once_when_three_worker_processes_race(db_engine, factory, units, worker_url, tmp_path):
    received = datetime.now(timezone.utc) - timedelta(hours=3)  # the PT2H timers are an hour overdue
    count = 200
    receive_many(factory, tmp_path, received, count)
    gate = db_engine.connect()
    gate_tx = gate.begin()
    # Held until every worker is queued behind it, so all start claiming at the same moment.
    gate.execute(text("LOCK TABLE process_instance IN EXCLUSIVE MODE"))
    try:
        workers = [start_worker(worker_url, tmp_path, f"motcua_race_{i}") for i in range(3)]
        wait_until(lambda: scalar(db_engine, "SELECT count(*) FROM pg_locks WHERE NOT granted "
                                  "AND relation = 'process_instance'::regclass") == len(workers),
                   "every worker to queue on the gate", workers)
    finally:
        gate_tx.commit()
        gate.close()
    split = [fired_by(worker) for worker in workers]
    print(f"\nfired per worker: {split} of {count}")
    assert sum(split) == count
    assert all(n > 0 for n in split), f"a worker did nothing: {split}"
    assert Counter(instance_outcomes(factory).values()) == {"fired": count}
    with unit_of_work(factory) as session:
        assert session.scalar(select(func.count()).where(Event.action == "instance_failed")) == 0


@pytest.mark.parametrize("db_engine", ["sqlite", *POSTGRES_ONLY], indirect=True)
def test_worker_killed_mid_batch_loses_no_timer_and_fires_none_twice(db_engine, factory, units, worker_url,
                                                                     tmp_path):
    received = datetime.now(timezone.utc) - timedelta(hours=3)
    count = 300
    receive_many(factory, tmp_path, received, count)
    name = f"motcua_killed_{uuid.uuid4().hex[:8]}"
    worker = start_worker(worker_url, tmp_path, name)
    fired = "SELECT count(*) FROM event WHERE action = 'task_cancelled'"
    wait_until(lambda: scalar(db_engine, fired) >= 10, "ten timers to fire", [worker])
    worker.send_signal(signal.SIGKILL)
    worker.communicate(timeout=30)
    if db_engine.dialect.name == "postgresql":  # its server session rolls back once it notices the client is gone
        wait_until(lambda: scalar(db_engine, "SELECT count(*) FROM pg_stat_activity WHERE application_name = :n",
                                  n=name) == 0, "the killed worker's session to end")
    before = Counter(instance_outcomes(factory).values())
    print(f"\nkilled after {before['fired']} of {count} fired")
    assert 10 <= before["fired"] < count, f"the worker was not killed mid-batch: {before}"
    assert fired_by(start_worker(worker_url, tmp_path, f"{name}_2")) == before["waiting"]
    assert Counter(instance_outcomes(factory).values()) == {"fired": count}


def test_failing_instance_is_marked_and_the_sweep_goes_on(factory, units, now, tmp_path):
    failing_id, = receive_many(factory, tmp_path, now, 1, "timer-loi", failing_timer_process(), "tthc_timer_loi")
    receive_many(factory, tmp_path, now, 4)  # due an hour after the failing one, so it is claimed first
    assert fire_due_timers(factory, now + timedelta(hours=3)) == 4
    with unit_of_work(factory) as session:
        instance = session.scalar(select(ProcessInstance).where(ProcessInstance.dossier_id == failing_id))
        assert instance.status == "error"
        assert "st_tinh_phat" in instance.error and "division by zero" in instance.error, instance.error
        events = session.scalars(select(Event).where(Event.action == "instance_failed")).all()
        assert [(e.instance_id, e.detail) for e in events] == [(instance.id, {"error": instance.error})]
        items = session.execute(select(WorkItem.instance_id, WorkItem.bpmn_id, WorkItem.state)).all()
        assert [(b, s) for i, b, s in items if i == instance.id] == WAITING  # its timer path rolled back
        assert sorted((b, s) for i, b, s in items if i != instance.id) == sorted(FIRED * 4)
    assert fire_due_timers(factory, now + timedelta(hours=4)) == 0  # an instance in error is not retried
    with unit_of_work(factory) as session:
        assert session.scalar(select(func.count()).where(Event.action == "instance_failed")) == 1


def test_unloadable_instance_is_marked_and_the_sweep_goes_on(factory, units, now, tmp_path):
    """E.g. state stored by an older SpiffWorkflow serializer: load() raises ValueError."""
    broken_id, *_ = receive_many(factory, tmp_path, now, 3)
    with unit_of_work(factory) as session:
        session.execute(update(ProcessInstance).where(ProcessInstance.dossier_id == broken_id)
                        .values(state='{"serializer_version": "0.0"}', next_timer_at=now))
    assert fire_due_timers(factory, now + timedelta(hours=3)) == 2
    with unit_of_work(factory) as session:
        assert session.scalar(select(ProcessInstance.status).where(ProcessInstance.dossier_id == broken_id)) == "error"


def test_timer_due_exactly_at_the_sweep_instant_is_claimed_at_most_once(factory, units, now, tmp_path):
    receive_many(factory, tmp_path, now, 1)
    assert fire_due_timers(factory, now + timedelta(hours=2)) <= 1
