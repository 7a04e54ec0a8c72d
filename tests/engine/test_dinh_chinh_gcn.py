"""The land-certificate correction procedure from reception to handover, each step by its lane's role."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from engine import complete_task, dossier_events, get_dossier, receive_dossier
from engine.infra.db import unit_of_work
from engine.infra.errors import Forbidden
from engine.models import ProcessInstance, WorkItem
from ..driving import do, inbox, status  # noqa: F401 - re-exported to other tests

APPLICANT = {"name": "Hoàng Văn Dũng", "id_number": "001085012345", "phone": "0912345678",
             "address": "Số 12 phố Hàng Bạc"}


def receive(factory, org, now):
    with unit_of_work(factory) as s:
        return receive_dossier(s, procedure_code="dinh-chinh-gcn", applicant=APPLICANT, channel="direct",
                               received_at=now, receiving_unit_code="000.00.01.H99",
                               actor_id=org["motcua.tinh"], now=now)


@pytest.mark.parametrize("refuse", [False, True], ids=["corrected", "refused"])
def test_dossier_runs_from_reception_to_handover(factory, org, now, refuse):
    receipt = receive(factory, org, now)
    assert receipt.code.startswith("000.00.01.H99-260302-")
    assert receipt.status == 2
    assert receipt.due_at.date().isoformat() == "2026-03-12"  # 8 working days after Monday 2 March
    assert status(factory, receipt.code) == 2

    do(factory, org, "motcua.tinh", "ut_tiep_nhan", {"da_kiem_tra_thanh_phan": True}, now)
    assert status(factory, receipt.code) == 4
    appraisal = {"noi_dung_sai_sot": "Sai năm sinh của chủ sử dụng", "nguyen_nhan": "Lỗi nhập liệu",
                 "de_xuat": "tu_choi" if refuse else "dinh_chinh"}
    if refuse:
        appraisal["ly_do_tu_choi"] = "Thông tin trên Giấy chứng nhận đúng với hồ sơ gốc"
    later = now + timedelta(days=1)
    do(factory, org, "chuyenvien.vpdk", "ut_tham_dinh", appraisal, later)
    do(factory, org, "lanhdao.vpdk", "ut_phe_duyet", {"quyet_dinh": "dong_y"}, later)
    do(factory, org, "vanthu.vpdk", "ut_chuyen_tra", {"so_van_ban": "125/CNVPĐK"}, later)
    assert status(factory, receipt.code) == 9
    do(factory, org, "motcua.tinh", "ut_tra_kq_chung", {"hinh_thuc_tra": "tai_quay", "nguoi_nhan": "Hoàng Văn Dũng"},
       later)

    with unit_of_work(factory) as s:
        dossier = get_dossier(s, receipt.code)
        assert dossier.status == 10
        assert dossier.finished_at is not None and dossier.returned_at is not None
        instance = s.scalar(select(ProcessInstance).where(ProcessInstance.dossier_id == dossier.id))
        assert instance.status == "completed" and instance.next_timer_at is None
        items = s.scalars(select(WorkItem).where(WorkItem.dossier_id == dossier.id).order_by(WorkItem.id)).all()
        assert [i.bpmn_id for i in items] == ["ut_tiep_nhan", "ut_tham_dinh", "ut_phe_duyet", "ut_chuyen_tra",
                                              "ut_tra_kq_chung"]
        assert all(i.state == "completed" and i.completed_by_id for i in items)
        assert {i.bpmn_id: i.verdict for i in items}["ut_tham_dinh"] == "early"
        statuses = [(e.status_before, e.status_after) for e in dossier_events(s, dossier.id)
                    if e.action == "status_changed"]
        assert statuses == [(2, 4), (4, 9), (9, 10)]
        assert "Văn bản từ chối" in instance.state if refuse else "đã đính chính" in instance.state


def test_leader_can_send_the_appraisal_back(factory, org, now):
    receipt = receive(factory, org, now)
    do(factory, org, "motcua.tinh", "ut_tiep_nhan", {"da_kiem_tra_thanh_phan": True}, now)
    appraisal = {"noi_dung_sai_sot": "Sai diện tích", "nguyen_nhan": "Đo đạc", "de_xuat": "dinh_chinh"}
    do(factory, org, "chuyenvien.vpdk", "ut_tham_dinh", appraisal, now)
    do(factory, org, "lanhdao.vpdk", "ut_phe_duyet", {"quyet_dinh": "tra_lai", "y_kien": "Bổ sung biên bản"}, now)
    do(factory, org, "chuyenvien.vpdk", "ut_tham_dinh", appraisal, now)
    assert [i[1] for i in inbox(factory, org["lanhdao.vpdk"])] == ["ut_phe_duyet"]
    assert status(factory, receipt.code) == 4


def test_officer_of_another_unit_cannot_complete_the_task(factory, org, now):
    receive(factory, org, now)
    item_id = inbox(factory, org["motcua.tinh"])[0][0]
    assert inbox(factory, org["motcua.hoabinh"]) == []
    with pytest.raises(Forbidden):
        with unit_of_work(factory) as s:
            complete_task(s, item_id, {"da_kiem_tra_thanh_phan": True}, org["motcua.hoabinh"], now)
