"""A step's form data lives once, on its work item; the audit trail says who did what, and the upgrade that
moved the data there copied every earlier step's data from its audit event without touching the trail."""
from __future__ import annotations

from sqlalchemy import select

from engine.infra import migrate
from engine.infra.db import make_sessionmaker, unit_of_work
from engine.models import Event, WorkItem
from engine.onestop.dossiers import get_dossier
from engine.views.task_context import dossier_context
from engine.views.timeline import dossier_timeline

from ..driving import do
from ..migrating import all_rows, database_at, event_rows, insert_rows
from .test_dinh_chinh_gcn import receive

BEFORE = "0005"  # the revision before the work item kept its data
RECEPTION = {"da_kiem_tra_thanh_phan": True, "ghi_chu_tiep_nhan": "Đã đối chiếu bản chính"}
APPRAISAL = {"noi_dung_sai_sot": "Sai năm sinh", "nguyen_nhan": "Lỗi nhập liệu", "de_xuat": "dinh_chinh"}


def two_steps_done(factory, org, now) -> str:
    code = receive(factory, org, now).code
    do(factory, org, "motcua.tinh", "ut_tiep_nhan", RECEPTION, now)
    do(factory, org, "chuyenvien.vpdk", "ut_tham_dinh", APPRAISAL, now)
    return code


def test_completed_step_keeps_its_data_on_the_work_item_and_the_audit_event_only_who_and_verdict(factory, org, now):
    two_steps_done(factory, org, now)
    with unit_of_work(factory) as s:
        item = s.scalar(select(WorkItem).where(WorkItem.bpmn_id == "ut_tham_dinh"))
        assert item.data == APPRAISAL
        event = s.scalar(select(Event).where(Event.action == "task_completed", Event.work_item_id == item.id))
        assert event.detail == {"task": "ut_tham_dinh", "verdict": item.verdict}
        assert s.scalar(select(WorkItem.data).where(WorkItem.bpmn_id == "ut_phe_duyet")) is None  # still open


def test_timeline_and_the_next_steps_page_show_the_notes_kept_on_the_work_item(factory, org, now):
    code = two_steps_done(factory, org, now)
    with unit_of_work(factory) as s:
        steps = {step.bpmn_id: step for step in dossier_timeline(s, get_dossier(s, code).id)}
        assert steps["ut_tiep_nhan"].notes == RECEPTION and steps["ut_tham_dinh"].notes == APPRAISAL
        approval = s.scalar(select(WorkItem).where(WorkItem.bpmn_id == "ut_phe_duyet"))
        records = {r.name: {n.title: n.value for n in r.notes} for r in dossier_context(s, approval).steps}
    assert records["Tiếp nhận, kiểm tra và chuyển hồ sơ"]["Ghi chú khi tiếp nhận"] == "Đã đối chiếu bản chính"
    assert "Sai năm sinh" in records[steps["ut_tham_dinh"].name].values()


def test_upgrade_copies_each_steps_data_from_its_completion_event_and_leaves_the_trail_alone(
        request, db_engine, factory, org, now):
    code = two_steps_done(factory, org, now)
    rows = _rows_as_before_the_upgrade(db_engine)
    old = database_at(request, db_engine.dialect.name, BEFORE)
    with old.begin() as conn:
        insert_rows(conn, rows)
    events_before = event_rows(old)

    migrate.upgrade(old)

    with unit_of_work(make_sessionmaker(old)) as s:
        data = dict(s.execute(select(WorkItem.bpmn_id, WorkItem.data)).all())
        steps = {step.bpmn_id: step.notes for step in dossier_timeline(s, get_dossier(s, code).id)}
    assert data["ut_tham_dinh"] == APPRAISAL and steps["ut_tham_dinh"] == APPRAISAL
    assert data["ut_tiep_nhan"] is None  # its event, like the oldest ones, carried no data
    assert data["ut_phe_duyet"] is None  # not completed
    assert event_rows(old) == events_before  # nothing added, edited or removed


def _rows_as_before_the_upgrade(engine) -> dict[str, list[dict]]:
    """Every row, with the appraisal's data put in its task_completed event as the previous revision stored
    it (the reception's event stays without, as the oldest events are); columns of later revisions go."""
    rows = all_rows(engine)
    items = {row["id"]: row for row in rows["work_item"]}
    for event in rows["event"]:
        item = items.get(event["work_item_id"])
        if event["action"] == "task_completed" and item["bpmn_id"] == "ut_tham_dinh":
            event["detail"] = {**event["detail"], "data": item["data"]}
    return rows
