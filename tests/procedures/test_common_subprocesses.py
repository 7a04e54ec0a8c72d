"""The shared sub-processes in bpmn/common/: supplement request (Mẫu 02), handover, fee collection.

Calendar facts used for the hand-computed dates (engine/calendar.py defaults, demo units have no
overrides): office hours 07:30–11:30 and 13:30–17:00, so 7.5 working hours a day; Saturday and
Sunday off (7–8 and 14–15 March 2026); no Vietnamese public holiday falls in March 2026 (Giỗ Tổ is
26 April 2026). A dinh-chinh-gcn dossier received Monday 2 March 2026 09:00 is due at the end of its
8th working day, Thursday 12 March 17:00; its apology reminder is one working day earlier,
Wednesday 11 March 17:00.
"""
from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from engine import complete_task, dossier_events, get_dossier, receive_dossier
from engine.workflow.catalog import load_procedure
from engine.infra.clock import VN_TZ
from engine.infra.db import unit_of_work
from engine.infra.errors import ValidationFailed
from engine.onestop.lifecycle import on_time_verdict
from engine.models import Notification, ProcessInstance, WorkItem
from tests.conftest import BPMN
from webapp.taskform import form_fields

from ..engine.test_dinh_chinh_gcn import APPLICANT, do, inbox, receive, status

APPRAISAL = {"noi_dung_sai_sot": "Sai năm sinh của chủ sử dụng", "nguyen_nhan": "Lỗi nhập liệu"}
SUPPLEMENT = {
    "thanh_phan_bo_sung": "- Bản sao chứng thực Căn cước công dân của chủ sử dụng\n\n"
                          "  Trích lục khai sinh (bản sao)  \n",
    "ly_do_bo_sung": "Chưa có giấy tờ chứng minh năm sinh đúng",
}
MISSING = ["Bản sao chứng thực Căn cước công dân của chủ sử dụng", "Trích lục khai sinh (bản sao)"]


def at(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 3, day, hour, minute, tzinfo=VN_TZ)


def dossier_state(factory, code):
    with unit_of_work(factory) as s:
        d = get_dossier(s, code)
        timer = s.scalar(select(ProcessInstance.next_timer_at).where(ProcessInstance.dossier_id == d.id))
        return d.status, d.due_at, d.paused_at, d.supplement_count, timer


def notices(factory, code, kind):
    with unit_of_work(factory) as s:
        d = get_dossier(s, code)
        return [(n.channel, n.recipient, n.body) for n in s.scalars(
            select(Notification).where(Notification.dossier_id == d.id, Notification.kind == kind)
            .order_by(Notification.id))]


def request_supplement(factory, org, when):
    """The specialist proposes a supplement at appraisal, then fills in the Mẫu 02 request."""
    do(factory, org, "chuyenvien.vpdk", "ut_tham_dinh", {**APPRAISAL, "de_xuat": "bo_sung"}, when)
    do(factory, org, "chuyenvien.vpdk", "ut_lap_phieu_bo_sung", SUPPLEMENT, when + timedelta(hours=1))


def finish_appraisal(factory, org, when):
    do(factory, org, "chuyenvien.vpdk", "ut_tham_dinh", {**APPRAISAL, "de_xuat": "dinh_chinh"}, when)
    do(factory, org, "lanhdao.vpdk", "ut_phe_duyet", {"quyet_dinh": "dong_y"}, when)
    do(factory, org, "vanthu.vpdk", "ut_chuyen_tra", {"so_van_ban": "125/CNVPĐK"}, when)


def test_supplement_pauses_the_clock_and_the_result_is_posted(factory, org, now):
    receipt = receive(factory, org, now)
    assert receipt.due_at == at(12, 17)
    do(factory, org, "motcua.tinh", "ut_tiep_nhan", {"da_kiem_tra_thanh_phan": True}, now)
    assert dossier_state(factory, receipt.code)[4] == at(11, 7, 30)  # apology reminder: when office hours open

    # Tuesday 3 March: appraisal finds the dossier incomplete; the request is drawn up at 10:00
    do(factory, org, "chuyenvien.vpdk", "ut_tham_dinh", {**APPRAISAL, "de_xuat": "bo_sung"}, at(3, 9))
    assert status(factory, receipt.code) == 4  # still processing while the request is drawn up
    with unit_of_work(factory) as s:
        item = s.scalar(select(WorkItem).where(WorkItem.bpmn_id == "ut_lap_phieu_bo_sung"))
        assert item.due_at == at(3, 11)  # 2 h step budget from 09:00
    with pytest.raises(ValidationFailed) as caught:  # a list of blank lines is no list
        with unit_of_work(factory) as s:
            complete_task(s, item.id, {"thanh_phan_bo_sung": " \n \n", "ly_do_bo_sung": "Thiếu"},
                          org["chuyenvien.vpdk"], at(3, 10))
    assert "thanh_phan_bo_sung" in caught.value.errors
    do(factory, org, "chuyenvien.vpdk", "ut_lap_phieu_bo_sung", SUPPLEMENT, at(3, 10))

    st, due, paused_at, count, _ = dossier_state(factory, receipt.code)
    assert (st, due, paused_at, count) == (5, at(12, 17), at(3, 10), 1)
    # the citizen (phone only, no e-mail) gets one SMS listing each missing component
    [(channel, recipient, body)] = notices(factory, receipt.code, "supplement")
    assert (channel, recipient) == ("sms", APPLICANT["phone"])
    assert "; ".join(MISSING) in body and receipt.code in body
    with unit_of_work(factory) as s:
        d = get_dossier(s, receipt.code)
        [event] = [e for e in dossier_events(s, d.id) if e.action == "supplement_requested"]
        assert event.detail["missing"] == MISSING
    # nobody but the receiving centre's officer has work while the citizen supplements
    assert inbox(factory, org["chuyenvien.vpdk"]) == []
    with unit_of_work(factory) as s:
        assert s.scalar(select(WorkItem.due_at).where(WorkItem.bpmn_id == "ut_nhan_bo_sung")) is None

    # Wednesday 4 March 15:00 the citizen brings the documents. Paused office time: Tuesday
    # 10:00–11:30 and 13:30–17:00 (5 h) + Wednesday 07:30–11:30 and 13:30–15:00 (5.5 h) = 10.5 h.
    # Due date: Thursday 12 March 17:00 + 10.5 h = Friday 13 March (7.5 h) + Monday 16 March 07:30 + 3 h.
    do(factory, org, "motcua.tinh", "ut_nhan_bo_sung", {"da_nhan_du_bo_sung": True}, at(4, 15))
    st, due, paused_at, count, timer = dossier_state(factory, receipt.code)
    assert (st, due, paused_at, count) == (4, at(16, 10, 30), None, 1)
    assert timer == at(12, 10, 30)  # the reminder moved by the same 10.5 h: Wednesday 11 07:30 → Thursday 12 10:30
    assert [i[1] for i in inbox(factory, org["chuyenvien.vpdk"])] == ["ut_tham_dinh"]

    finish_appraisal(factory, org, at(5, 9))
    with unit_of_work(factory) as s:
        d = get_dossier(s, receipt.code)
        assert d.status == 9 and d.finished_at == at(5, 9) and on_time_verdict(d) == "early"  # done before its due day
    [(channel, _, body)] = notices(factory, receipt.code, "result_ready")
    assert channel == "sms" and receipt.code in body

    # handover by post: the parcel code is required
    handover = {"hinh_thuc_tra": "buu_chinh", "nguoi_nhan": "Nhân viên Bưu điện tỉnh"}
    with pytest.raises(ValidationFailed) as caught:
        do(factory, org, "motcua.tinh", "ut_tra_kq_chung", handover, at(6, 9))
    assert list(caught.value.errors) == ["ma_buu_gui"]
    assert status(factory, receipt.code) == 9
    do(factory, org, "motcua.tinh", "ut_tra_kq_chung", {**handover, "ma_buu_gui": "EL123456789VN"}, at(6, 9))

    with unit_of_work(factory) as s:
        d = get_dossier(s, receipt.code)
        assert d.status == 10 and d.returned_at == at(6, 9)
        instance = s.scalar(select(ProcessInstance).where(ProcessInstance.dossier_id == d.id))
        assert instance.status == "completed" and instance.next_timer_at is None
        assert '"EL123456789VN"' in instance.state
        changes = [(e.status_before, e.status_after) for e in dossier_events(s, d.id)
                   if e.action in {"status_changed", "clock_stopped", "clock_restarted"}]
        assert changes == [(2, 4), (4, 5), (5, 4), (4, 9), (9, 10)]
        items = s.scalars(select(WorkItem).where(WorkItem.dossier_id == d.id).order_by(WorkItem.id)).all()
        assert [(i.bpmn_id, i.role_key) for i in items] == [
            ("ut_tiep_nhan", "mot_cua"), ("ut_tham_dinh", "chuyen_vien"), ("ut_lap_phieu_bo_sung", "chuyen_vien"),
            ("ut_nhan_bo_sung", "mot_cua"), ("ut_tham_dinh", "chuyen_vien"), ("ut_phe_duyet", "lanh_dao"),
            ("ut_chuyen_tra", "van_thu"), ("ut_tra_kq_chung", "mot_cua")]
        assert all(i.state == "completed" for i in items)


def test_a_second_supplement_request_makes_the_dossier_late(factory, org, now):
    receipt = receive(factory, org, now)
    do(factory, org, "motcua.tinh", "ut_tiep_nhan", {"da_kiem_tra_thanh_phan": True}, now)
    request_supplement(factory, org, at(3, 9))
    # received incomplete: noted, the clock restarts all the same and the specialist decides
    do(factory, org, "motcua.tinh", "ut_nhan_bo_sung",
       {"da_nhan_du_bo_sung": False, "ghi_chu_nhan_bo_sung": "Còn thiếu trích lục khai sinh"}, at(3, 15))
    assert dossier_state(factory, receipt.code)[0] == 4
    # first pause, Tuesday 10:00–15:00: 10:00–11:30 + 13:30–15:00 = 3 h → due Friday 13 March 10:30
    request_supplement(factory, org, at(4, 9))
    assert dossier_state(factory, receipt.code)[:4] == (5, at(13, 10, 30), at(4, 10), 2)
    # second pause, Wednesday 10:00–10:30: 0.5 h → due Friday 13 March 11:00
    do(factory, org, "motcua.tinh", "ut_nhan_bo_sung", {"da_nhan_du_bo_sung": True}, at(4, 10, 30))
    assert dossier_state(factory, receipt.code)[:2] == (4, at(13, 11))
    finish_appraisal(factory, org, at(5, 9))
    with unit_of_work(factory) as s:
        d = get_dossier(s, receipt.code)
        assert d.status == 9 and d.supplement_count == 2
        assert d.finished_at < d.due_at  # finished early, yet late in statistics: more than one request
        assert on_time_verdict(d) == "late"
    assert len(notices(factory, receipt.code, "supplement")) == 2


def test_supplement_receipt_needs_the_officer_to_say_whether_it_is_complete(factory, org, now):
    receipt = receive(factory, org, now)
    do(factory, org, "motcua.tinh", "ut_tiep_nhan", {"da_kiem_tra_thanh_phan": True}, now)
    request_supplement(factory, org, at(3, 9))
    with pytest.raises(ValidationFailed) as caught:
        do(factory, org, "motcua.tinh", "ut_nhan_bo_sung", {"ghi_chu_nhan_bo_sung": "Đã nhận"}, at(3, 15))
    assert list(caught.value.errors) == ["da_nhan_du_bo_sung"]
    assert status(factory, receipt.code) == 5  # still waiting, clock still stopped


FEE_PROCESS = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" id="defs_thu_phi_thu"
                  targetNamespace="http://motcua.vn/bpmn/test">
  <bpmn:process id="tthc_thu_phi_thu" isExecutable="true">
    <bpmn:startEvent id="start" />
    <bpmn:callActivity id="ca_thu_phi" calledElement="common_thu_phi" />
    <bpmn:callActivity id="ca_tra_ket_qua" calledElement="common_tra_ket_qua" />
    <bpmn:endEvent id="end" />
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="ca_thu_phi" />
    <bpmn:sequenceFlow id="f2" sourceRef="ca_thu_phi" targetRef="ca_tra_ket_qua" />
    <bpmn:sequenceFlow id="f3" sourceRef="ca_tra_ket_qua" targetRef="end" />
  </bpmn:process>
</bpmn:definitions>
"""
FEE_TOML = """code = "T.thu-phi-thu"
name = "Thủ tục thử thu phí và trả kết quả"
process_id = "tthc_thu_phi_thu"
time_limit = 0
deciding_unit = "000.00.11.H99"

[lanes]
mot_cua = "receiving"
"""


@pytest.fixture
def fee_procedure(factory, org, now, tmp_path: Path) -> str:
    """A same-day test procedure that only calls common_thu_phi then common_tra_ket_qua."""
    folder = tmp_path / "thu-phi-thu"
    folder.mkdir()
    (folder / "process.bpmn").write_text(FEE_PROCESS, encoding="utf-8")
    (folder / "procedure.toml").write_text(FEE_TOML, encoding="utf-8")
    with unit_of_work(factory) as s:
        load_procedure(s, folder, BPMN / "common", now)
    return "thu-phi-thu"


def test_fee_is_collected_at_the_receiving_desk_then_the_result_handed_over(factory, org, now, fee_procedure):
    with unit_of_work(factory) as s:
        receipt = receive_dossier(s, procedure_code=fee_procedure, applicant={**APPLICANT, "email": "d@example.vn"},
                                  channel="direct", received_at=now, receiving_unit_code="000.00.11.H99",
                                  actor_id=org["motcua.hoabinh"], now=now)
    assert receipt.due_at == at(2, 17)  # same-day procedure received before 15:00
    [(item_id, bpmn_id)] = inbox(factory, org["motcua.hoabinh"])
    assert bpmn_id == "ut_thu_phi"
    with unit_of_work(factory) as s:
        assert s.get(WorkItem, item_id).due_at == at(2, 10)  # 1 h budget
    for bad, field in [({"so_tien_phi": -2000}, "so_tien_phi"), ({"hinh_thuc_thanh_toan": "the_tin_dung"},
                                                                  "hinh_thuc_thanh_toan")]:
        data = {"so_tien_phi": 20000, "so_bien_lai": "0001234", "hinh_thuc_thanh_toan": "tien_mat", **bad}
        with pytest.raises(ValidationFailed) as caught:
            do(factory, org, "motcua.hoabinh", "ut_thu_phi", data, now)
        assert list(caught.value.errors) == [field]
    assert status(factory, receipt.code) == 2 and notices(factory, receipt.code, "result_ready") == []
    do(factory, org, "motcua.hoabinh", "ut_thu_phi",
       {"so_tien_phi": 20000, "so_bien_lai": "0001234", "hinh_thuc_thanh_toan": "chuyen_khoan"}, now)
    # the handover task alone sets 9 when the caller has no status-9 event of its own
    assert status(factory, receipt.code) == 9
    assert {n[0] for n in notices(factory, receipt.code, "result_ready")} == {"email", "sms"}
    do(factory, org, "motcua.hoabinh", "ut_tra_kq_chung", {"hinh_thuc_tra": "tai_quay", "nguoi_nhan": "Hoàng Văn Dũng"},
       now + timedelta(minutes=30))
    with unit_of_work(factory) as s:
        d = get_dossier(s, receipt.code)
        assert d.status == 10 and on_time_verdict(d) == "on_time"
        assert s.scalar(select(ProcessInstance.status).where(ProcessInstance.dossier_id == d.id)) == "completed"


@pytest.mark.parametrize("form", ["bo_sung", "nhan_bo_sung", "tra_ket_qua_chung", "thu_phi"])
def test_the_web_form_renders_every_field(form):
    """The inbox form renderer has no array widget, hence the one-item-per-line textarea."""
    import json

    schema = json.loads((BPMN / "common" / "forms" / f"{form}.json").read_text(encoding="utf-8"))
    ui = json.loads((BPMN / "common" / "forms" / f"{form}.uischema.json").read_text(encoding="utf-8"))
    fields = form_fields(schema, ui)
    assert [f.name for f in fields] == ui["ui:order"] == list(schema["properties"])
    assert "unsupported" not in {f.kind for f in fields}
