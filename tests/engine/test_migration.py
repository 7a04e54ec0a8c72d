"""Moving running dossiers onto the active version: a dry run first; a dossier whose changed step already ran
stays; one that moves gets the new version's steps, and the move is on its record."""
from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from engine import Forbidden, approve_version, activate_version, complete_task, receive_dossier
from engine.infra.db import unit_of_work
from engine.models import Dossier, Event, ProcessInstance, WorkItem
from engine.workflow.catalog import load_procedure
from engine.workflow.migration import migrate_dossiers, migration_candidates
from tests.bpmn_builder import procedure_folder, sequence, user_task
from tests.driving import open_items

DECISION = dict(decision_number="7/QĐ-UBND", decision_date=date(2026, 3, 1), signer="Nguyễn Văn An")


def version(tmp_path, names):
    tasks = [(f"ut_{i}", user_task(f"ut_{i}", name, {"step_budget": "4h"})) for i, name in enumerate(names, 1)]
    xml = sequence("tthc_chuyen", tasks, {"chuyen_vien": [task_id for task_id, _ in tasks]})
    return procedure_folder(tmp_path, "chuyen-doi", xml, "tthc_chuyen", time_limit=5)


def receive(factory, org, now):
    with unit_of_work(factory) as s:
        return receive_dossier(s, procedure_code="chuyen-doi", applicant={"name": "Lê Thị Hoa"}, channel="direct",
                               received_at=now, receiving_unit_code="000.00.01.H99", actor_id=org["motcua.tinh"],
                               now=now).code


def steps(factory, org, code, now):
    with unit_of_work(factory) as s:
        return [(i.id, i.name) for i in open_items(s, org["chuyenvien.vpdk"], now=now) if i.dossier.code == code]


def work(factory, org, code, now):
    [(item_id, _)] = steps(factory, org, code, now)
    with unit_of_work(factory) as s:
        complete_task(s, item_id, {}, org["chuyenvien.vpdk"], now)


@pytest.fixture
def two_running(factory, org, now, tmp_path):
    """Dossier `ahead` past step 1 and dossier `behind` at step 1 on version 1; version 2 renames step 1 and
    adds a third step, and is active."""
    with unit_of_work(factory) as s:
        load_procedure(s, version(tmp_path, ["Bước 1", "Bước 2"]), None, now)
    ahead, behind = receive(factory, org, now), receive(factory, org, now)
    work(factory, org, ahead, now)
    with unit_of_work(factory) as s:
        load_procedure(s, version(tmp_path, ["Bước 1 (đã sửa)", "Bước 2", "Bước 3"]), None, now)
        approve_version(s, "chuyen-doi", 2, org["quantri.tinh"], now, **DECISION)
        activate_version(s, "chuyen-doi", 2, org["quantri.tinh"], now)
    return ahead, behind


def test_the_dry_run_tells_which_dossier_can_move_and_where_it_would_stand(factory, org, now, two_running):
    ahead, behind = two_running
    with unit_of_work(factory) as s:
        checks = {c.dossier_code: c for c in migration_candidates(s, "chuyen-doi", org["quantri.tinh"], now)}
    assert (checks[ahead].movable, checks[ahead].steps_now) == (False, ["Bước 2"])
    assert "ut_1" in checks[ahead].reasons[0] and "đã thực hiện" in checks[ahead].reasons[0]
    assert (checks[behind].movable, checks[behind].steps_after) == (True, ["Bước 1 (đã sửa)"])
    with unit_of_work(factory) as s:  # nothing written by the dry run
        assert s.scalar(select(Event.id).where(Event.action == "instance_migrated")) is None
        assert {i.process_version_id for i in s.scalars(select(ProcessInstance))} == {
            s.scalar(select(Dossier.process_version_id).where(Dossier.code == ahead))}


def test_only_an_administrator_moves_dossiers(factory, org, now, two_running):
    for who in ("thietke.tinh", "chuyenvien.vpdk"):
        with pytest.raises(Forbidden):
            with unit_of_work(factory) as s:
                migration_candidates(s, "chuyen-doi", org[who], now)
        with pytest.raises(Forbidden):
            migrate_dossiers(factory, "chuyen-doi", [two_running[1]], org[who], now)


def test_the_movable_dossier_moves_and_finishes_on_the_new_version(factory, org, now, two_running):
    ahead, behind = two_running
    results = {r.dossier_code: r for r in migrate_dossiers(factory, "chuyen-doi", [ahead, behind],
                                                           org["quantri.tinh"], now)}
    assert not results[ahead].moved and "ut_1" in results[ahead].message
    assert results[behind].moved
    assert [name for _, name in steps(factory, org, behind, now)] == ["Bước 1 (đã sửa)"]
    for _ in range(3):  # the new version's three steps
        work(factory, org, behind, now)
    work(factory, org, ahead, now)  # the other finishes its second and last step on version 1
    with unit_of_work(factory) as s:
        done = {d.code: d for d in s.scalars(select(Dossier))}
        assert {code: [i.name for i in s.scalars(select(WorkItem).where(WorkItem.dossier_id == d.id,
                                                                          WorkItem.state == "completed")
                                               .order_by(WorkItem.id))]
                for code, d in done.items()} == {ahead: ["Bước 1", "Bước 2"],
                                                 behind: ["Bước 1 (đã sửa)", "Bước 2", "Bước 3"]}
        moved = s.scalar(select(Event).where(Event.action == "instance_migrated"))
        assert (moved.dossier_id, moved.detail["from_version"], moved.detail["to_version"]) == (
            done[behind].id, 1, 2)
    assert migrate_dossiers(factory, "chuyen-doi", [behind], org["quantri.tinh"], now)[0].moved is False
    other = receive_dossier_of_another_procedure(factory, org, now)
    [result] = migrate_dossiers(factory, "chuyen-doi", [other], org["quantri.tinh"], now)
    assert not result.moved and "không có tiến trình đang chạy của thủ tục này" in result.message


def receive_dossier_of_another_procedure(factory, org, now):
    with unit_of_work(factory) as s:
        return receive_dossier(s, procedure_code="dinh-chinh-gcn", applicant={"name": "Lê Văn Tám"}, channel="direct",
                               received_at=now, receiving_unit_code="000.00.01.H99", actor_id=org["motcua.tinh"],
                               now=now).code
