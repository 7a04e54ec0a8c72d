"""Two people completing the same task at once: exactly one wins, the other gets a typed conflict."""
from __future__ import annotations

import threading

import pytest
from sqlalchemy import func, select

from engine import complete_task, receive_dossier

from tests.driving import open_items

from engine.workflow import runtime

from engine import spiff
from engine.infra.db import unit_of_work
from engine.infra.errors import Conflict
from engine.models import Dossier, Event, WorkItem

from .test_dinh_chinh_gcn import APPLICANT, receive


def first_item(factory, user_id):
    with unit_of_work(factory) as s:
        return open_items(s, user_id)[0].id


def test_racing_completions_one_wins_one_conflicts(factory, org, now):
    """Real concurrent transactions (PostgreSQL: row lock; SQLite: the revision check)."""
    receive(factory, org, now)
    item_id = first_item(factory, org["motcua.tinh"])
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def attempt():
        try:
            with unit_of_work(factory) as s:
                barrier.wait(timeout=10)
                complete_task(s, item_id, {"da_kiem_tra_thanh_phan": True}, org["motcua.tinh"], now)
            outcomes.append("ok")
        except Conflict as exc:
            outcomes.append("conflict: " + exc.message)

    threads = [threading.Thread(target=attempt) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert sorted(o.split(":")[0] for o in outcomes) == ["conflict", "ok"], outcomes
    with unit_of_work(factory) as s:
        assert s.scalar(select(func.count()).select_from(Event).where(Event.action == "task_completed")) == 1
        items = s.scalars(select(WorkItem).order_by(WorkItem.id)).all()
        assert [(i.bpmn_id, i.state) for i in items] == [("ut_tiep_nhan", "completed"), ("ut_tham_dinh", "ready")]


def test_stale_instance_is_refused_with_a_conflict(factory, org, now):
    """B loaded the instance, then A completed the task; B's save carries a stale revision and is refused."""
    receive(factory, org, now)
    item_id = first_item(factory, org["motcua.tinh"])
    session_b = factory()
    try:
        item_b = session_b.get(WorkItem, item_id)
        run_b = runtime.open_instance(session_b, item_b.instance_id, now=now, actor_id=None)
        session_b.commit()  # lets A through; B keeps its loaded copy
        with unit_of_work(factory) as s:
            complete_task(s, item_id, {"da_kiem_tra_thanh_phan": True}, org["motcua.tinh"], now)
        runtime.run_step(run_b, spiff.complete_user_task, item_b.task_id, {"da_kiem_tra_thanh_phan": True})
        with pytest.raises(Conflict):
            runtime.finish(run_b)
    finally:
        session_b.rollback()
        session_b.close()
    with unit_of_work(factory) as s:
        assert s.scalar(select(func.count()).select_from(WorkItem)) == 2


@pytest.mark.postgres
def test_concurrent_intake_numbers_dossiers_uniquely(factory, org, now):
    if factory.kw["bind"].dialect.name != "postgresql":
        pytest.skip("concurrent writers are a PostgreSQL matter; SQLite serialises them")
    codes: list[str] = []
    barrier = threading.Barrier(4)

    def intake():
        for _ in range(5):
            with unit_of_work(factory) as s:
                barrier.wait(timeout=10) if not codes else None
                codes.append(receive_dossier(
                    s, procedure_code="dinh-chinh-gcn", applicant=APPLICANT, channel="direct", received_at=now,
                    receiving_unit_code="000.00.01.H99", actor_id=org["motcua.tinh"], now=now).code)

    threads = [threading.Thread(target=intake) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert len(codes) == 20 and len(set(codes)) == 20
    assert sorted(int(c.rsplit("-", 1)[1]) for c in codes) == list(range(1, 21))
    with unit_of_work(factory) as s:
        assert s.scalar(select(func.count()).select_from(Dossier)) == 20


def test_completion_from_a_stale_copy_is_refused_and_writes_nothing(factory, org, now, monkeypatch):
    """Should a completion ever work on a copy read before another save (the lock prevents it), the revision
    check refuses it: no item completed, no event, no next item."""
    from engine.workflow import store

    receive(factory, org, now)
    item_id = first_item(factory, org["motcua.tinh"])
    read = store.lock_and_load_item

    def stale_read(session, wanted, **kwargs):
        loaded = read(session, wanted, **kwargs)
        loaded.instance.revision -= 1
        return loaded

    monkeypatch.setattr(store, "lock_and_load_item", stale_read)
    with pytest.raises(Conflict):
        with unit_of_work(factory) as s:
            complete_task(s, item_id, {"da_kiem_tra_thanh_phan": True}, org["motcua.tinh"], now)
    with unit_of_work(factory) as s:
        assert [(i.bpmn_id, i.state) for i in s.scalars(select(WorkItem))] == [("ut_tiep_nhan", "ready")]
        assert s.scalar(select(func.count()).select_from(Event).where(Event.action == "task_completed")) == 0


@pytest.mark.postgres
def test_stale_save_statement_writes_nothing_on_postgresql(factory, org, now):
    """PostgreSQL saves the instance, the completed item, the dossier status and the new rows in one
    statement: under a stale revision it returns no row and none of its parts has written anything, even
    before the transaction is rolled back."""
    from engine.workflow import store

    if factory.kw["bind"].dialect.name != "postgresql":
        pytest.skip("the one-statement save is PostgreSQL's")
    receive(factory, org, now)
    item_id = first_item(factory, org["motcua.tinh"])
    with unit_of_work(factory) as s:
        loaded = store.lock_and_load_item(s, item_id)
        instance, facts = loaded.instance, loaded.dossier
        counts = _row_counts(s)
        instance.revision -= 1
        facts.status = 4
        saved = store.save_with_rows(
            s, instance, now, dossier=facts,
            completed={"id": item_id, "completed_by_id": org["motcua.tinh"], "completed_at": now, "verdict": None,
                       "data": {"x": 1}, "on_behalf_of_id": None, "signature_form": None, "assignee_id": None,
                       "claimed_at": None},
            items=[{"instance_id": instance.id, "dossier_id": facts.id, "task_id": "t", "bpmn_id": "b", "name": "n",
                    "role_key": "r", "unit_id": loaded.item.unit_id, "form": None, "state": "ready", "ready_at": now,
                    "due_at": None}],
            events=[{"action": "task_completed", "at": now, "actor_id": None, "dossier_id": facts.id,
                     "instance_id": instance.id, "work_item_id": item_id, "status_before": None,
                     "status_after": None, "detail": None}],
            messages=[{"name": "m", "correlation": facts.code, "payload": {}, "state": "pending", "attempts": 0,
                       "sender_instance_id": instance.id, "created_at": now}])
        assert saved is False
        assert _row_counts(s) == counts  # read in the same transaction: nothing was written
        assert s.scalar(select(Dossier.status).where(Dossier.id == facts.id)) == 2
        assert s.scalar(select(WorkItem.state).where(WorkItem.id == item_id)) == "ready"


def _row_counts(s) -> tuple:
    from engine.models import Message, ProcessInstance

    return (s.scalar(select(func.count()).select_from(WorkItem)), s.scalar(select(func.count()).select_from(Event)),
            s.scalar(select(func.count()).select_from(Message)),
            s.scalar(select(func.max(ProcessInstance.revision))))


@pytest.mark.postgres
def test_a_completion_that_waited_for_the_dossier_lock_keeps_every_grant_of_its_user(factory, org, now, db_engine):
    """A worker delivering a message updates the dossier while an official completes a step of it: the
    completion waits for the row lock and must still read every role the official holds (PostgreSQL rechecks
    a locked row updated meanwhile; the grants joined in the locking statement shrank to one, and an official
    holding the step's role among others was refused)."""
    from sqlalchemy import text

    from engine.org import access
    from engine.org.accounts import create_user, grant_role
    from engine.workflow import store

    if db_engine.dialect.name != "postgresql":
        pytest.skip("row locks are PostgreSQL's")
    receive(factory, org, now)
    with unit_of_work(factory) as s:
        officer = create_user(s, "motcua.kiemnhiem", "Người kiêm nhiệm", "mat-khau-thu-nghiem", now)
        for role, unit in [("chuyen_vien", "000.21.01.H99"), ("lanh_dao", "000.21.01.H99"), ("mot_cua", "000.00.01.H99")]:
            grant_role(s, officer, role, unit)
        s.flush()
        officer = officer.id
    with unit_of_work(factory) as s:
        held = access.grants_of(s, officer).roles
        item_id, dossier_id = s.execute(select(WorkItem.id, WorkItem.dossier_id)).one()
    other = db_engine.connect()
    holding = other.begin()
    other.execute(text("UPDATE dossier SET status = status WHERE id = :id"), {"id": dossier_id})
    outcome = {}

    def complete() -> None:
        try:
            with unit_of_work(factory) as s:
                store.lock_and_load_item(s, item_id, user_id=officer)
                outcome["grants"] = access.grants_of(s, officer).roles
                outcome["done"] = complete_task(s, item_id, {"da_kiem_tra_thanh_phan": True}, officer, now)
        except Exception as exc:  # noqa: BLE001  (reported by the assertion below)
            outcome["error"] = exc

    waiting = threading.Thread(target=complete)
    waiting.start()
    waiting.join(timeout=0.5)
    assert waiting.is_alive()  # it waits for the lock
    holding.commit()
    other.close()
    waiting.join(timeout=30)
    assert len(held) == 3 and outcome.get("grants") == held, outcome
    assert "error" not in outcome and outcome["done"].status_after == 4, outcome
