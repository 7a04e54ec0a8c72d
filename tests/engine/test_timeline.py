"""The dossier's steps (electronic Mẫu 06) and its history, told in Vietnamese."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from engine.infra.db import unit_of_work
from engine.models import User
from engine.onestop.dossiers import get_dossier
from engine.views.timeline import dossier_history, dossier_timeline
from ..driving import do
from ..webapp.webpages import receive

APPRAISAL = {"noi_dung_sai_sot": "Sai năm sinh của chủ sử dụng", "nguyen_nhan": "Lỗi nhập liệu",
             "de_xuat": "dinh_chinh"}


def test_timeline_lists_each_step_with_who_and_verdict(factory, org, now):
    receipt = receive(factory, org, now)
    do(factory, org, "motcua.tinh", "ut_tiep_nhan", {"da_kiem_tra_thanh_phan": True}, now)
    do(factory, org, "chuyenvien.vpdk", "ut_tham_dinh", APPRAISAL, now + timedelta(days=1))
    do(factory, org, "lanhdao.vpdk", "ut_phe_duyet", {"quyet_dinh": "dong_y"}, now + timedelta(days=30))
    with unit_of_work(factory) as s:
        steps = dossier_timeline(s, get_dossier(s, receipt.code).id)
    by_id = {step.bpmn_id: step for step in steps}
    assert [step.bpmn_id for step in steps][:3] == ["ut_tiep_nhan", "ut_tham_dinh", "ut_phe_duyet"]
    assert by_id["ut_tham_dinh"].completed_by and by_id["ut_tham_dinh"].verdict == "early"
    assert by_id["ut_phe_duyet"].verdict == "late"
    assert by_id["ut_chuyen_tra"].state == "ready" and by_id["ut_chuyen_tra"].completed_by is None
    assert all(step.unit_name for step in steps)


def test_history_is_told_in_vietnamese(factory, org, now):
    receipt = receive(factory, org, now)
    do(factory, org, "motcua.tinh", "ut_tiep_nhan", {"da_kiem_tra_thanh_phan": True}, now)
    with unit_of_work(factory) as s:
        labels = [entry.label for entry in dossier_history(s, get_dossier(s, receipt.code).id)]
    assert labels[0] == "Tiếp nhận hồ sơ"
    assert "Chuyển trạng thái: Được tiếp nhận → Đang xử lý" in labels
    assert any(label.startswith("Hoàn thành bước: ") for label in labels)


def test_delegated_step_shows_on_whose_behalf_and_the_signature_form(factory, org, now):
    from engine import complete_task
    from tests.driving import open_items
    from engine.onestop.delegations import create_delegation

    receipt = receive(factory, org, now)
    do(factory, org, "motcua.tinh", "ut_tiep_nhan", {"da_kiem_tra_thanh_phan": True}, now)
    do(factory, org, "chuyenvien.vpdk", "ut_tham_dinh", APPRAISAL, now)
    specialist = org["chuyenvien.vpdk"]
    with unit_of_work(factory) as s:
        create_delegation(s, from_user_id=org["lanhdao.vpdk"], to_user_id=specialist, role_key="lanh_dao",
                          unit_code="000.21.01.H99", valid_from=now, valid_to=now + timedelta(days=3),
                          signature_form="KT.", actor_id=org["lanhdao.vpdk"], now=now)
    with unit_of_work(factory) as s:
        [item] = open_items(s, specialist, now=now)
        complete_task(s, item.id, {"quyet_dinh": "dong_y"}, specialist, now)
    with unit_of_work(factory) as s:
        steps = {step.bpmn_id: step for step in dossier_timeline(s, get_dossier(s, receipt.code).id)}
        names = {u.username: u.full_name for u in s.scalars(select(User))}
    approval = steps["ut_phe_duyet"]
    assert approval.completed_by == names["chuyenvien.vpdk"]
    assert (approval.on_behalf_of, approval.signature_form) == (names["lanhdao.vpdk"], "KT.")
    assert steps["ut_tham_dinh"].on_behalf_of is None


def test_every_event_of_a_dossiers_life_is_told_in_words_not_codes(factory, org, now, tmp_path):
    from datetime import date

    from tests.driving import open_items
    from engine.onestop.attachments import store_attachment
    from engine.onestop.dossiers import reset_lookup_secret
    from engine.onestop.intake_slips import issue_intake_slip
    from engine.onestop.fees import record_fee
    from engine.onestop.lifecycle import (issue_extension, record_supplement, request_supplement,
                                  request_withdrawal, stop_dossier)
    from engine.views.lookup import rate_dossier
    from engine.models import Event
    from engine.workflow.tasks import assign_task, claim_task, unclaim_task
    from engine.views.timeline import event_label

    code = receive(factory, org, now).code
    desk, specialist, leader = org["motcua.tinh"], org["chuyenvien.vpdk"], org["lanhdao.vpdk"]
    later = now + timedelta(days=1)
    with unit_of_work(factory) as s:
        store_attachment(s, storage_dir=tmp_path, dossier_id=get_dossier(s, code).id, filename="don.pdf",
                         data=b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n", actor_id=desk, now=now,
                         component="Đơn đăng ký biến động", max_bytes=10**6)
        secret = reset_lookup_secret(s, code, desk, now)
        record_fee(s, code, 50000, "BL-001", desk, now)
        issue_intake_slip(s, kind="refusal", procedure_code="dinh-chinh-gcn", applicant={"name": "Trần Văn Bình"},
                          channel="direct", missing=[], reason="Không thuộc thẩm quyền", unit_code="000.00.01.H99",
                          actor_id=desk, now=now)
    do(factory, org, "motcua.tinh", "ut_tiep_nhan", {"da_kiem_tra_thanh_phan": True}, now)
    with unit_of_work(factory) as s:
        [item] = open_items(s, specialist)
        claim_task(s, item.id, specialist, now)
        unclaim_task(s, item.id, specialist, now)
        assign_task(s, item.id, specialist, leader, now)
        request_supplement(s, code, ["Bản sao CCCD"], "Bản sao không rõ", specialist, now)
    with unit_of_work(factory) as s:
        record_supplement(s, code, specialist, later)
        issue_extension(s, code, date(2026, 3, 18), "Chờ xác minh", leader, later)
    do(factory, org, "chuyenvien.vpdk", "ut_tham_dinh", APPRAISAL, later)
    do(factory, org, "lanhdao.vpdk", "ut_phe_duyet", {"quyet_dinh": "dong_y"}, later)
    do(factory, org, "vanthu.vpdk", "ut_chuyen_tra", {"so_van_ban": "125/CNVPĐK"}, later)
    do(factory, org, "motcua.tinh", "ut_tra_kq_chung", {"hinh_thuc_tra": "tai_quay", "nguoi_nhan": "Hoàng Văn Dũng"},
       later)
    with unit_of_work(factory) as s:
        rate_dossier(s, code, secret, 3, "", later)
    withdrawn = receive(factory, org, now).code
    with unit_of_work(factory) as s:
        request_withdrawal(s, withdrawn, desk, now, "Xin rút")
        stop_dossier(s, withdrawn, "Theo đề nghị của công dân", leader, now)

    with unit_of_work(factory) as s:
        untold = {e.action for e in s.scalars(select(Event)) if event_label(e) == e.action}
        labels = [entry.label for entry in dossier_history(s, get_dossier(s, code).id)]
        specialist_name = s.get(User, specialist).full_name
    assert untold == set()
    assert "Đính kèm tệp don.pdf (Đơn đăng ký biến động)" in labels
    assert "Cấp lại mã tra cứu" in labels
    assert any(label.startswith("Giao lại ") and label.endswith(f" cho {specialist_name}") for label in labels)
    assert any(label.startswith("Đã nhận bổ sung, tiếp tục giải quyết") for label in labels)
    assert "Người dân đánh giá: Hài lòng" in labels
    assert not [label for label in labels if label.startswith(("Nhận xử lý", "Trả lại công việc"))]  # bookkeeping
