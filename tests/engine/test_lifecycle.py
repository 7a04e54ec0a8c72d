"""Supplement requests stop the clock per policy; withdrawal and stop end processing; verdicts."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from engine import fire_due_timers, get_dossier

from tests.driving import open_items
from engine.workflow.catalog import load_procedure
from engine.infra.db import unit_of_work
from engine.infra.errors import Conflict, Forbidden, ValidationFailed
from engine.onestop.lifecycle import (
    on_time_verdict,
    record_supplement,
    request_supplement,
    request_withdrawal,
    stop_dossier,
)
from engine.models import ProcessInstance, WorkItem

from ..bpmn_builder import procedure_folder, sequence, user_task
from .test_dinh_chinh_gcn import receive

REMINDER = ('<bpmn:boundaryEvent id="bt_nhac" attachedToRef="ut_0" cancelActivity="false">'
            '<bpmn:timerEventDefinition><bpmn:timeDate>working_days_before_due(1)</bpmn:timeDate>'
            '</bpmn:timerEventDefinition></bpmn:boundaryEvent>'
            '<bpmn:sequenceFlow id="f_nhac" sourceRef="bt_nhac" targetRef="ut_nhac"/>'
            '<bpmn:userTask id="ut_nhac" name="Nhắc hạn"/><bpmn:sequenceFlow id="f_n2" sourceRef="ut_nhac" '
            'targetRef="end_nhac"/><bpmn:endEvent id="end_nhac"/>')


def reminder_procedure(tmp_path, factory, now, policy):
    nodes = [("ut_0", user_task("ut_0", "Thẩm định", {"step_budget": "2d"}))]
    xml = sequence("tthc_bs", nodes, {"chuyen_vien": ["ut_0", "ut_nhac"]}, extra=REMINDER)
    with unit_of_work(factory) as s:
        load_procedure(s, procedure_folder(tmp_path, "bs", xml, "tthc_bs", time_limit=3,
                                           supplement_policy=policy), None, now)
    from engine import receive_dossier

    with unit_of_work(factory) as s:
        return receive_dossier(s, procedure_code="bs", applicant={"name": "Hà Thị Nga"}, channel="direct",
                               received_at=now, receiving_unit_code="000.00.01.H99", actor_id=None, now=now)


@pytest.mark.parametrize("policy, due_day", [("pause", 6), ("restart", 6), ("continue", 5)])
def test_supplement_moves_due_date_and_timers_per_policy(tmp_path, factory, org, now, policy, due_day):
    receipt = reminder_procedure(tmp_path, factory, now, policy)
    assert receipt.due_at == now.replace(day=5, hour=17)  # Thursday 5 March
    officer = org["chuyenvien.vpdk"]
    with unit_of_work(factory) as s:
        request_supplement(s, receipt.code, ["Bản sao CCCD"], "Bản sao không rõ", officer, now)
    # while paused, the reminder due Wednesday 07:30 (office hours open) does not fire
    assert fire_due_timers(factory, now + timedelta(days=3)) == 0
    back = now.replace(day=3)  # paused one full working day: Monday 09:00 → Tuesday 09:00
    with unit_of_work(factory) as s:
        dossier = record_supplement(s, receipt.code, officer, back)
        assert dossier.status == 4 and dossier.paused_at is None
        local_due = dossier.due_at.astimezone(now.tzinfo)
        assert local_due.day == due_day and local_due.hour == 17
        next_timer = s.scalar(select(ProcessInstance.next_timer_at))
    if policy == "continue":
        assert next_timer == now.replace(day=4, hour=7, minute=30)
    else:
        assert next_timer.astimezone(now.tzinfo).day == due_day - 1
    assert fire_due_timers(factory, dossier.due_at) == 1
    with unit_of_work(factory) as s:
        assert "ut_nhac" in [i.bpmn_id for i in open_items(s, officer)]


def test_a_second_supplement_request_makes_the_dossier_count_late(factory, org, now):
    receipt = receive(factory, org, now)
    officer = org["chuyenvien.vpdk"]
    for day in (3, 5):
        with unit_of_work(factory) as s:
            request_supplement(s, receipt.code, ["Đơn đăng ký"], "Thiếu chữ ký", officer, now.replace(day=day))
        with unit_of_work(factory) as s:
            record_supplement(s, receipt.code, officer, now.replace(day=day, hour=10))
    with unit_of_work(factory) as s:
        dossier = get_dossier(s, receipt.code)
        dossier.finished_at = now.replace(day=6)
        assert dossier.supplement_count == 2 and on_time_verdict(dossier) == "late"
        s.rollback()


def test_supplement_request_must_list_what_is_missing(factory, org, now):
    receipt = receive(factory, org, now)
    with pytest.raises(ValidationFailed) as caught:
        with unit_of_work(factory) as s:
            request_supplement(s, receipt.code, [], "", org["chuyenvien.vpdk"], now)
    assert set(caught.value.errors) == {"missing", "reason"}


def test_withdrawal_then_stop_ends_processing(factory, org, now):
    receipt = receive(factory, org, now)
    with unit_of_work(factory) as s:
        request_withdrawal(s, receipt.code, org["motcua.tinh"], now, "Công dân xin rút hồ sơ")
    with pytest.raises(Forbidden):
        with unit_of_work(factory) as s:
            stop_dossier(s, receipt.code, "Theo đề nghị", org["chuyenvien.vpdk"], now)
    with unit_of_work(factory) as s:
        assert stop_dossier(s, receipt.code, "Theo đề nghị của công dân", org["lanhdao.vpdk"], now).status == 8
    with unit_of_work(factory) as s:
        assert s.scalar(select(ProcessInstance.status)) == "stopped"
        assert {i.state for i in s.scalars(select(WorkItem))} == {"cancelled"}
        assert open_items(s, org["motcua.tinh"]) == []
    with pytest.raises(Conflict):
        with unit_of_work(factory) as s:
            request_supplement(s, receipt.code, ["x"], "y", org["chuyenvien.vpdk"], now)


def test_a_withdrawal_request_is_not_overwritten_by_the_next_step(factory, org, now):
    from .test_dinh_chinh_gcn import do

    receipt = receive(factory, org, now)
    with unit_of_work(factory) as s:
        request_withdrawal(s, receipt.code, org["motcua.tinh"], now, "Công dân xin rút hồ sơ")
    do(factory, org, "motcua.tinh", "ut_tiep_nhan", {"da_kiem_tra_thanh_phan": True}, now)  # next step: status 4
    with unit_of_work(factory) as s:
        assert get_dossier(s, receipt.code).status == 7


def test_officer_of_another_unit_cannot_request_a_supplement(factory, org, now):
    receipt = receive(factory, org, now)
    with pytest.raises(Forbidden):
        with unit_of_work(factory) as s:
            request_supplement(s, receipt.code, ["x"], "y", org["motcua.hoabinh"], now)


def test_open_items_show_remaining_working_time_and_flags(factory, org, now):
    from tests.driving import open_items_with_timing

    receive(factory, org, now)  # reception step: 0.5 day = 3 h 45 of office time from 09:00
    officer = org["motcua.tinh"]
    with unit_of_work(factory) as s:
        [(item, timing)] = open_items_with_timing(s, officer, now)
        assert timing.remaining == timedelta(hours=3, minutes=45) and timing.due_soon and not timing.late
        [(item, timing)] = open_items_with_timing(s, officer, now + timedelta(days=1))
        assert timing.late and timing.remaining == -timedelta(hours=3, minutes=45)  # due 14:45 Monday
