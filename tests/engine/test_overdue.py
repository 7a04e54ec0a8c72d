"""A dossier left untouched gets its apology task one working day before the due date, then a new date."""
from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlalchemy import select

from engine import complete_task, fire_due_timers, get_dossier

from tests.driving import open_items
from engine.infra.clock import VN_TZ
from engine.infra.db import unit_of_work
from engine.infra.errors import ValidationFailed
from engine.onestop.lifecycle import on_time_verdict
from engine.models import Notification, ProcessInstance

from .test_dinh_chinh_gcn import do, receive

APPLICANT = {"name": "Hoàng Văn Dũng", "phone": "0912345678", "email": "dung.hv@example.vn"}


def inbox_ids(factory, user):
    with unit_of_work(factory) as s:
        return {i.bpmn_id: i.id for i in open_items(s, user)}


def test_untouched_dossier_gets_apology_extension_and_notice(factory, org, now, monkeypatch):
    import tests.engine.test_dinh_chinh_gcn as base

    monkeypatch.setattr(base, "APPLICANT", APPLICANT)
    receipt = receive(factory, org, now)  # due Thursday 12 March 17:00
    do(factory, org, "motcua.tinh", "ut_tiep_nhan", {"da_kiem_tra_thanh_phan": True}, now)
    reminder = (receipt.due_at - timedelta(days=1)).replace(hour=7, minute=30)  # Wednesday 11 March, office opens
    with unit_of_work(factory) as s:
        assert s.scalar(select(ProcessInstance.next_timer_at)) == reminder
    assert fire_due_timers(factory, reminder - timedelta(seconds=1)) == 0
    assert fire_due_timers(factory, reminder + timedelta(seconds=1)) == 1
    assert fire_due_timers(factory, reminder + timedelta(hours=1)) == 0

    later = reminder + timedelta(minutes=5)
    specialist, leader = org["chuyenvien.vpdk"], org["lanhdao.vpdk"]
    assert set(inbox_ids(factory, specialist)) == {"ut_tham_dinh", "ut_lap_xin_loi"}
    with unit_of_work(factory) as s:
        complete_task(s, inbox_ids(factory, specialist)["ut_lap_xin_loi"],
                      {"ly_do_cham": "Chờ kết quả xác minh thực địa", "ngay_hen_moi": "2026-03-11"}, specialist, later)
    with pytest.raises(ValidationFailed) as caught:  # a new date before the due date is refused at signing
        with unit_of_work(factory) as s:
            complete_task(s, inbox_ids(factory, leader)["ut_ky_xin_loi"], {"quyet_dinh_xin_loi": "ky"}, leader, later)
    assert "ngay_hen_moi" in caught.value.errors
    with unit_of_work(factory) as s:
        complete_task(s, inbox_ids(factory, leader)["ut_ky_xin_loi"], {"quyet_dinh_xin_loi": "tra_lai"}, leader, later)
    with unit_of_work(factory) as s:
        complete_task(s, inbox_ids(factory, specialist)["ut_lap_xin_loi"],
                      {"ly_do_cham": "Chờ kết quả xác minh thực địa", "ngay_hen_moi": "2026-03-18"}, specialist, later)
    with unit_of_work(factory) as s:
        complete_task(s, inbox_ids(factory, leader)["ut_ky_xin_loi"], {"quyet_dinh_xin_loi": "ky"}, leader, later)

    with unit_of_work(factory) as s:
        dossier = get_dossier(s, receipt.code)
        assert dossier.due_at == receipt.due_at  # the original due date is kept for statistics
        assert dossier.extended_due_at == datetime(2026, 3, 18, 17, 0, tzinfo=VN_TZ)
        assert dossier.extension_count == 1
        notices = s.scalars(select(Notification).where(Notification.kind == "apology")).all()
        assert {n.channel for n in notices} == {"email", "sms"}
        assert all("18/03/2026" in n.body and receipt.code in n.body for n in notices)

    # the dossier finishes after its original due date: late in statistics despite the extension
    finish = receipt.due_at + timedelta(days=2)
    do(factory, org, "chuyenvien.vpdk", "ut_tham_dinh",
       {"noi_dung_sai_sot": "Sai tên", "nguyen_nhan": "Nhập liệu", "de_xuat": "dinh_chinh"}, finish)
    do(factory, org, "lanhdao.vpdk", "ut_phe_duyet", {"quyet_dinh": "dong_y"}, finish)
    do(factory, org, "vanthu.vpdk", "ut_chuyen_tra", {"so_van_ban": "12/CN"}, finish)
    with unit_of_work(factory) as s:
        dossier = get_dossier(s, receipt.code)
        assert dossier.status == 9 and on_time_verdict(dossier) == "late"


def test_dossier_finished_before_the_reminder_gets_no_apology(factory, org, now):
    receipt = receive(factory, org, now)
    do(factory, org, "motcua.tinh", "ut_tiep_nhan", {"da_kiem_tra_thanh_phan": True}, now)
    do(factory, org, "chuyenvien.vpdk", "ut_tham_dinh",
       {"noi_dung_sai_sot": "Sai tên", "nguyen_nhan": "Nhập liệu", "de_xuat": "dinh_chinh"}, now)
    do(factory, org, "lanhdao.vpdk", "ut_phe_duyet", {"quyet_dinh": "dong_y"}, now)
    do(factory, org, "vanthu.vpdk", "ut_chuyen_tra", {"so_van_ban": "12/CN"}, now)
    # result ready (status 9) but not yet handed over when the reminder fires: no apology task
    assert fire_due_timers(factory, receipt.due_at) == 1
    assert "ut_lap_xin_loi" not in inbox_ids(factory, org["chuyenvien.vpdk"])
    do(factory, org, "motcua.tinh", "ut_tra_kq_chung", {"hinh_thuc_tra": "tai_quay", "nguoi_nhan": "A"}, now)
    with unit_of_work(factory) as s:
        dossier = get_dossier(s, receipt.code)
        assert dossier.status == 10 and on_time_verdict(dossier) == "early"  # done before its due day
        assert s.scalar(select(ProcessInstance.status)) == "completed"
