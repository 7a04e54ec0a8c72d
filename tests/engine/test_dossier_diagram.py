"""The dossier's process diagram: each element done, current (with its due time, flagged when late) or pending, in
the dossier's own process, its called sub-processes and its partner agencies' liên thông parts; shown to whoever
may see the dossier, in a few statements whatever the length of its history."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import event, update

from engine import Forbidden, receive_dossier
from engine.infra.db import unit_of_work
from engine.models import Role
from engine.views.diagram import dossier_diagram
from engine.workflow.catalog import load_procedure
from engine.workflow.messages import deliver_pending_messages
from tests.bpmn_builder import linear_user_tasks, procedure_folder
from tests.driving import do
from tests.procedures.test_khai_sinh_lien_thong import CARD, at, register_and_sign
from tests.procedures.test_khai_sinh_lien_thong import receive as receive_birth
from tests.webapp.webpages import receive

RECEPTION = {"da_kiem_tra_thanh_phan": True}
APPRAISAL = {"noi_dung_sai_sot": "Sai năm sinh của chủ sử dụng", "nguyen_nhan": "Lỗi nhập liệu"}


def diagram_of(factory, code, username, org, now, **options):
    with unit_of_work(factory) as s:
        return dossier_diagram(s, code, org[username], now, **options)


def elements(diagram):
    return {element.id: element for element in diagram.elements}


def test_a_dossier_midway_shows_its_done_current_and_pending_steps(factory, org, now):
    code = receive(factory, org, now).code
    do(factory, org, "motcua.tinh", "ut_tiep_nhan", RECEPTION, now + timedelta(minutes=20))
    found = diagram_of(factory, code, "motcua.tinh", org, now + timedelta(hours=1))

    [part] = found.parts
    assert (part.partner, part.status, part.version_number) == (False, "running", 1)
    assert part.unit_name == "Chi nhánh Văn phòng Đăng ký đất đai khu vực Trung tâm"
    main, *called = part.diagrams
    assert (main.file, main.called, main.name) == ("process.bpmn", False, "Đính chính Giấy chứng nhận đã cấp")
    shown = elements(main)
    reception, appraisal = shown["ut_tiep_nhan"], shown["ut_tham_dinh"]
    assert reception.state == "done"
    assert [(run.state, run.completed_by, run.completed_at) for run in reception.runs] == [
        ("completed", "Nguyễn Thị Lan", now + timedelta(minutes=20))]
    assert appraisal.state == "current" and appraisal.open_run.due_at is not None
    assert appraisal.open_run.completed_by is None and not appraisal.late
    assert appraisal.open_run.remaining > timedelta(0)
    assert {shown[i].state for i in ("ut_phe_duyet", "ut_chuyen_tra", "ca_bo_sung", "ca_tra_ket_qua")} == {"pending"}
    assert shown["start"].state == "done" and shown["gw_tham_dinh"].state == "pending"
    # the flows taken are marked, not the ones waiting to be chosen
    assert (shown["f_start_tiep_nhan"].state, shown["f_tiep_nhan_tham_dinh"].state) == ("done", "done")
    assert {shown[i].state for i in ("f_tham_dinh_gw", "f_gw_bo_sung", "f_gw_tra_lai")} == {"pending"}
    # the apology timer's event sub-process is armed, nothing inside it has run
    assert shown["esp_sap_qua_han"].state == "waiting" and shown["ca_xin_loi"].state == "pending"
    # the text list: steps, sub-processes and messages in document order, no gateways or flows
    assert [step.id for step in main.steps][:4] == ["ut_tiep_nhan", "ut_tham_dinh", "ca_bo_sung", "ut_phe_duyet"]
    assert not any(step.kind.endswith("Gateway") or step.kind == "sequenceFlow" for step in main.steps)
    # each called sub-process has a diagram of its own, untouched so far
    assert [d.file for d in called] == ["common/yeu_cau_bo_sung.bpmn", "common/tra_ket_qua.bpmn",
                                        "common/xin_loi_gia_han.bpmn"]
    assert all(d.called and not d.touched for d in called)
    assert main.xml is None  # the page reads no BPMN text; the viewer's endpoint asks for it


def test_the_bpmn_text_comes_with_the_diagram_when_asked(factory, org, now):
    code = receive(factory, org, now).code
    found = diagram_of(factory, code, "motcua.tinh", org, now, with_xml=True)
    for shown in found.parts[0].diagrams:
        assert shown.xml.lstrip().startswith("<?xml") and "bpmndi:BPMNDiagram" in shown.xml


def test_the_lanes_come_with_the_names_the_administration_gives_their_roles(factory, org, now):
    code = receive(factory, org, now).code
    with unit_of_work(factory) as s:
        s.execute(update(Role).where(Role.key == "van_thu").values(name="Văn thư cơ quan"))
        s.execute(update(Role).where(Role.key == "lanh_dao").values(key="lanh_dao_cu"))  # no role has its key now
    main = diagram_of(factory, code, "motcua.tinh", org, now, with_xml=True).parts[0].diagrams[0]
    assert main.lane_roles == (("mot_cua", "Công chức Bộ phận Một cửa"), ("chuyen_vien", "Chuyên viên thụ lý"),
                               ("van_thu", "Văn thư cơ quan"))
    assert diagram_of(factory, code, "motcua.tinh", org, now).parts[0].diagrams[0].lane_roles == ()  # no XML


def test_a_called_sub_process_shows_its_current_step_and_the_call_activity_as_current(factory, org, now):
    code = receive(factory, org, now).code
    do(factory, org, "motcua.tinh", "ut_tiep_nhan", RECEPTION, now)
    do(factory, org, "chuyenvien.vpdk", "ut_tham_dinh", {**APPRAISAL, "de_xuat": "bo_sung"}, now + timedelta(hours=1))
    main, supplement, *_ = diagram_of(factory, code, "chuyenvien.vpdk", org, now + timedelta(hours=2)).parts[0].diagrams
    assert elements(main)["ca_bo_sung"].state == "current"
    assert elements(main)["f_gw_bo_sung"].state == "done" and elements(main)["f_tham_dinh_phe_duyet"].state == "pending"
    assert supplement.touched
    shown = elements(supplement)
    assert shown["ut_lap_phieu_bo_sung"].state == "current"
    assert shown["ut_lap_phieu_bo_sung"].open_run.due_at is not None
    assert shown["ut_nhan_bo_sung"].state == "pending"
    # the appraisal step does not appear in the sub-process's diagram, nor the sub-process's step in the main one
    assert "ut_lap_phieu_bo_sung" not in elements(main) and "ut_tham_dinh" not in shown


def test_a_current_step_past_its_due_time_is_flagged_late(factory, org, now):
    code = receive(factory, org, now).code
    do(factory, org, "motcua.tinh", "ut_tiep_nhan", RECEPTION, now)
    due = elements(diagram_of(factory, code, "chuyenvien.vpdk", org, now).parts[0].diagrams[0])[
        "ut_tham_dinh"].open_run.due_at
    before = elements(diagram_of(factory, code, "chuyenvien.vpdk", org, due - timedelta(minutes=1)).parts[0]
                      .diagrams[0])["ut_tham_dinh"]
    after = elements(diagram_of(factory, code, "chuyenvien.vpdk", org, due + timedelta(hours=3)).parts[0]
                     .diagrams[0])["ut_tham_dinh"]
    assert (before.late, after.late) == (False, True)
    assert before.open_run.remaining == timedelta(minutes=1)
    assert after.open_run.remaining < timedelta(0)  # office time past due, in the unit's calendar
    assert not elements(diagram_of(factory, code, "chuyenvien.vpdk", org, due + timedelta(hours=3)).parts[0]
                        .diagrams[0])["ut_tiep_nhan"].late  # a finished step is never late on the diagram


def test_a_stopped_dossier_shows_what_was_done_and_nothing_still_under_way(factory, org, now):
    from engine.onestop.lifecycle import stop_dossier

    code = receive(factory, org, now).code
    do(factory, org, "motcua.tinh", "ut_tiep_nhan", RECEPTION, now)
    with unit_of_work(factory) as s:
        stop_dossier(s, code, "Người nộp đề nghị dừng", org["lanhdao.vpdk"], now + timedelta(hours=1))
    [part] = diagram_of(factory, code, "motcua.tinh", org, now + timedelta(hours=2)).parts
    main = elements(part.diagrams[0])
    assert part.status == "stopped"
    assert main["ut_tiep_nhan"].state == "done" and main["f_tiep_nhan_tham_dinh"].state == "done"
    assert main["ut_tham_dinh"].state == "pending" and [r.state for r in main["ut_tham_dinh"].runs] == ["cancelled"]
    assert main["esp_sap_qua_han"].state == "pending"  # its timer is no longer armed
    assert not any(e.state in ("current", "waiting") for d in part.diagrams for e in d.elements)


@pytest.fixture
def birth_dossier(factory, org, now):
    """A liên thông dossier: the commune has signed, social insurance has answered, the police are working."""
    code = receive_birth(factory, org, now).code
    register_and_sign(factory, org, now)
    assert deliver_pending_messages(factory, at(2, 11)) == 2
    do(factory, org, "bhxh.trungtam", "ut_cap_the_bhyt", CARD, at(3, 10))
    assert deliver_pending_messages(factory, at(3, 10, 5)) == 1
    return code


def test_partner_agencies_parts_are_shown_with_the_dossiers_own_process(factory, org, birth_dossier):
    found = diagram_of(factory, birth_dossier, "motcua.hoabinh", org, at(3, 11))
    assert [(p.partner, p.unit_name, p.status) for p in found.parts] == [
        (False, "Trung tâm Phục vụ hành chính công phường Hòa Bình", "running"),
        (True, "Công an phường Hòa Bình", "running"),
        (True, "Bảo hiểm xã hội khu vực Trung tâm", "completed")]
    commune, police, insurance = (elements(p.diagrams[0]) for p in found.parts)
    assert commune["ice_nhan_thuong_tru"].state == "waiting" and commune["ice_nhan_bhyt"].state == "done"
    assert commune["gw_nhap"].state == "waiting" and commune["ut_tra_ket_qua"].state == "pending"
    assert police["ut_dang_ky_thuong_tru"].state == "current"
    assert police["ut_dang_ky_thuong_tru"].open_run.due_at == at(4, 11)
    assert insurance["ut_cap_the_bhyt"].state == "done"
    assert insurance["ut_cap_the_bhyt"].last_run.completed_by == "Mai Thị Yến"


def test_a_partner_sees_the_dossiers_processes_and_an_official_of_an_unrelated_unit_sees_none(
        factory, org, now, birth_dossier):
    police = diagram_of(factory, birth_dossier, "congan.hoabinh", org, at(3, 11))
    assert [p.unit_name for p in police.parts][1] == "Công an phường Hòa Bình"
    for outsider in ("motcua.tinh", "chuyenvien.vpdk", "thietke.tinh", "quantri.tinh"):
        with pytest.raises(Forbidden):
            diagram_of(factory, birth_dossier, outsider, org, at(3, 11))


def test_a_partner_agency_sees_nothing_before_its_part_arrives(factory, org, now):
    code = receive_birth(factory, org, now).code
    register_and_sign(factory, org, now)
    with pytest.raises(Forbidden):  # the messages are not delivered yet: no step of the police's
        diagram_of(factory, code, "congan.hoabinh", org, at(2, 10, 30))
    assert deliver_pending_messages(factory, at(2, 11)) == 2
    assert len(diagram_of(factory, code, "congan.hoabinh", org, at(2, 11, 30)).parts) == 3


def test_statements_stay_few_and_the_same_however_long_the_history(factory, org, now, db_engine, tmp_path):
    folder = procedure_folder(tmp_path, "tam-buoc", linear_user_tasks("tthc_tam_buoc", 8), "tthc_tam_buoc",
                              time_limit=5)
    with unit_of_work(factory) as s:
        load_procedure(s, folder, None, now)
        code = receive_dossier(s, procedure_code="tam-buoc", applicant={"name": "Nguyễn Văn A"}, channel="direct",
                               received_at=now, receiving_unit_code="000.00.01.H99", actor_id=None, now=now).code
    diagram_of(factory, code, "chuyenvien.vpdk", org, now)  # the unit's calendar, read once for a minute
    statements: list[str] = []

    def count(*args):
        statements.append(args[2])

    event.listen(db_engine, "before_cursor_execute", count)
    counts = []
    for step in range(1, 8):
        statements.clear()
        found = diagram_of(factory, code, "chuyenvien.vpdk", org, now + timedelta(hours=step), with_xml=True)
        counts.append(len(statements))
        seen = list(statements)
        assert elements(found.parts[0].diagrams[0])[f"ut_{step}"].state == "current"
        do(factory, org, "chuyenvien.vpdk", f"ut_{step}", {}, now + timedelta(hours=step))
    event.remove(db_engine, "before_cursor_execute", count)
    assert len(set(counts)) == 1, counts
    # the dossier, the user's grants, the instances, their versions, the work items with their people's names,
    # the names of the roles the lanes stand for
    assert counts[0] <= 6, seen
