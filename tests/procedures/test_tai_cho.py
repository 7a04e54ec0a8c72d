"""The two "4 tại chỗ" procedures end to end: same-day due dates with the 15:00 cut-off, every step worked
at the commune centre (loại 1, chứng thực bản sao) or signed and sealed at the deciding authority (loại 2,
cấp bản sao trích lục hộ tịch), fee and handover through the shared sub-processes, and the refusal paths.

Calendar facts (Vietnam, the `holidays` package, default office hours 07:30–11:30 and 13:30–17:00, the
demo units have no overrides): 02/03/2026 and 06/03/2026 are a Monday and a Friday with no holiday,
07–08/03/2026 a weekend; 24/11/2026 (Tuesday) is Vietnam Cultural Day, a day off, while 23/11 and 25/11
are ordinary working days.
"""
from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest
from lxml import etree
from sqlalchemy import select

from engine import complete_task, dossier_events, get_dossier, receive_dossier

from tests.driving import open_items

from engine import spiff
from engine.org.accounts import create_user, ensure_unit, grant_role
from engine.workflow.catalog import version_bundle
from engine.infra.clock import VN_TZ
from engine.infra.db import unit_of_work
from engine.infra.errors import ValidationFailed
from engine.onestop.lifecycle import on_time_verdict
from engine.models import Notification, ProcessInstance, Unit, WorkItem
from engine.infra.settings import ROOT

CENTRE = "000.00.11.H99"  # demo: Trung tâm Phục vụ hành chính công phường Hòa Bình
CHUNG_THUC = "chung-thuc-ban-sao"
TRICH_LUC = "cap-ban-sao-trich-luc-ho-tich"
APPLICANT = {"name": "Vũ Thị Thu Trang", "id_number": "036190004567", "phone": "0987654321",
             "address": "Tổ dân phố 3, phường Hòa Bình"}

GIAY_TO = {"ten_giay_to": "Bằng tốt nghiệp trung học phổ thông", "co_quan_cap": "Sở Giáo dục và Đào tạo",
           "so_trang": 5, "so_ban_sao": 3, "da_xuat_trinh_ban_chinh": True}
KY = {"quyet_dinh_ky": "ky", "hinh_thuc_ky": "ky_thay", "nguoi_ky": "Trịnh Văn Hùng",
      "chuc_vu_nguoi_ky": "Phó Chủ tịch Ủy ban nhân dân phường"}
YEU_CAU_TRICH_LUC = {"loai_su_kien": "khai_sinh", "ho_ten_nguoi_duoc_cap": "Vũ Minh Khang",
                     "noi_dang_ky": "Ủy ban nhân dân phường Hòa Bình", "nam_dang_ky": 2019, "so_ban_sao": 2}
CO_TRONG_SO = {"ket_luan_tham_dinh": "cap_ban_sao", "so_dang_ky_goc": "215", "quyen_so_ho_tich": "01/2019"}
KY_TRICH_LUC = {"quyet_dinh_phe_duyet": "ky", "hinh_thuc_ky": "truc_tiep", "nguoi_ky": "Trịnh Văn Hùng",
                "chuc_vu_nguoi_ky": "Chủ tịch Ủy ban nhân dân phường"}
TRA_TAI_QUAY = {"hinh_thuc_tra": "tai_quay", "nguoi_nhan": "Vũ Thị Thu Trang"}  # common_tra_ket_qua


def at(day: str, hour: int, minute: int = 0) -> datetime:
    return datetime.fromisoformat(f"{day}T{hour:02d}:{minute:02d}:00").replace(tzinfo=VN_TZ)


def receive(factory, org, slug, received_at, deciding=None):
    with unit_of_work(factory) as s:
        return receive_dossier(s, procedure_code=slug, applicant=APPLICANT, channel="direct",
                               received_at=received_at, receiving_unit_code=CENTRE,
                               actor_id=org["motcua.hoabinh"], now=received_at, deciding_unit_code=deciding)


def seen(factory, users, code):
    """username -> BPMN ids of the dossier's open work items in that user's inbox."""
    with unit_of_work(factory) as s:
        return {name: [i.bpmn_id for i in open_items(s, uid) if i.dossier.code == code]
                for name, uid in users.items()}


def do(factory, users, code, username, bpmn_id, data, now):
    """Complete the dossier's only open task as `username`, who alone (of every user) sees it."""
    inboxes = seen(factory, users, code)
    assert inboxes[username] == [bpmn_id], inboxes
    assert {name: ids for name, ids in inboxes.items() if ids} == {username: [bpmn_id]}, inboxes
    with unit_of_work(factory) as s:
        item = next(i for i in open_items(s, users[username]) if i.dossier.code == code)
        return complete_task(s, item.id, data, users[username], now)


def attempt(factory, users, code, username, data, now):
    with unit_of_work(factory) as s:
        item = next(i for i in open_items(s, users[username]) if i.dossier.code == code)
        complete_task(s, item.id, data, users[username], now)


def get_dossier_status(factory, code):
    with unit_of_work(factory) as s:
        return get_dossier(s, code).status


def outcome(factory, code):
    """(dossier, status changes, work items, the process's final data) once its instance has ended."""
    with unit_of_work(factory) as s:
        dossier = get_dossier(s, code)
        changes = [(e.status_before, e.status_after) for e in dossier_events(s, dossier.id)
                   if e.action == "status_changed"]
        items = s.scalars(select(WorkItem).where(WorkItem.dossier_id == dossier.id).order_by(WorkItem.id)).all()
        instance = s.scalar(select(ProcessInstance).where(ProcessInstance.dossier_id == dossier.id))
        assert instance.status == "completed" and instance.next_timer_at is None
        bundle = version_bundle(s, instance.process_version_id)
        data = spiff.workflow_data(spiff.load(instance.state, bundle.parsed, spiff.make_script_engine()))
        units = {i.bpmn_id: s.get(Unit, i.unit_id).code for i in items}
        ready = s.scalars(select(Notification.channel).where(Notification.dossier_id == dossier.id,
                                                             Notification.kind == "result_ready")).all()
        assert ready == ["sms"]  # the citizen is told the result is ready (common_tra_ket_qua)
        s.expunge_all()
        return dossier, changes, items, dict(data), units


# --- due dates ------------------------------------------------------------------------------------------

DUE_CASES = [
    pytest.param(at("2026-03-02", 9), at("2026-03-02", 17), at("2026-03-02", 10), id="09:00-same-day"),
    pytest.param(at("2026-03-02", 14, 59), at("2026-03-02", 17), at("2026-03-02", 15, 59), id="14:59-same-day"),
    pytest.param(at("2026-03-06", 15, 30), at("2026-03-09", 17), at("2026-03-06", 16, 30), id="fri-15:30-to-mon"),
    pytest.param(at("2026-11-23", 15, 30), at("2026-11-25", 17), at("2026-11-23", 16, 30),
                 id="mon-15:30-past-cultural-day"),
]


@pytest.mark.parametrize("slug", [CHUNG_THUC, TRICH_LUC])
@pytest.mark.parametrize(("received_at", "due", "reception_due"), DUE_CASES)
def test_due_the_same_day_or_the_next_working_day_after_15h(factory, org, slug, received_at, due, reception_due):
    receipt = receive(factory, org, slug, received_at)
    assert receipt.status == 2
    assert receipt.code.startswith(f"{CENTRE}-{received_at:%y%m%d}-")
    assert receipt.due_at == due  # end of office hours of the reception day, or of the next working day
    with unit_of_work(factory) as s:
        [item] = open_items(s, org["motcua.hoabinh"])
        assert item.bpmn_id == "ut_tiep_nhan"
        assert item.due_at == reception_due  # the 1-hour reception budget, in office time
        assert get_dossier(s, receipt.code).due_at == due


# --- loại 1: chứng thực bản sao từ bản chính -------------------------------------------------------------

def test_copy_is_certified_at_the_centre_from_reception_to_handover(factory, org, now):
    receipt = receive(factory, org, CHUNG_THUC, now)  # Monday 2 March 2026, 09:00
    assert receipt.due_at == at("2026-03-02", 17)
    code = receipt.code

    do(factory, org, code, "motcua.hoabinh", "ut_tiep_nhan", GIAY_TO, at("2026-03-02", 9, 10))
    assert get_dossier_status(factory, code) == 4
    do(factory, org, code, "chuyenvien.hoabinh", "ut_tham_dinh", {"ket_luan_tham_dinh": "du_dieu_kien"},
       at("2026-03-02", 9, 40))
    with pytest.raises(ValidationFailed) as caught:  # signing records who signed and in which capacity
        attempt(factory, org, code, "lanhdao.hoabinh", {"quyet_dinh_ky": "ky", "hinh_thuc_ky": "ky_thay"},
                at("2026-03-02", 10))
    assert {"nguoi_ky", "chuc_vu_nguoi_ky"} <= set(caught.value.errors)
    do(factory, org, code, "lanhdao.hoabinh", "ut_ky_chung_thuc", KY, at("2026-03-02", 10))
    assert get_dossier_status(factory, code) == 4
    done = do(factory, org, code, "vanthu.hoabinh", "ut_vao_so",
              {"so_chung_thuc": "125", "quyen_so_chung_thuc": "01/2026-SCT/BS"}, at("2026-03-02", 10, 15))
    assert (done.status_before, done.status_after) == (4, 9)  # sealed and registered: result ready
    # the fee is collected at the desk (common_thu_phi), then the copy and the original handed back
    do(factory, org, code, "motcua.hoabinh", "ut_thu_phi",
       {"so_tien_phi": 21000, "so_bien_lai": "0000125", "hinh_thuc_thanh_toan": "tien_mat"}, at("2026-03-02", 10, 20))
    assert get_dossier_status(factory, code) == 9
    do(factory, org, code, "motcua.hoabinh", "ut_tra_kq_chung", TRA_TAI_QUAY, at("2026-03-02", 10, 25))

    dossier, changes, items, data, units = outcome(factory, code)
    assert dossier.status == 10 and changes == [(2, 4), (4, 9), (9, 10)]
    assert dossier.finished_at == at("2026-03-02", 10, 15) and dossier.returned_at == at("2026-03-02", 10, 25)
    assert on_time_verdict(dossier) == "on_time"
    assert [i.bpmn_id for i in items] == ["ut_tiep_nhan", "ut_tham_dinh", "ut_ky_chung_thuc", "ut_vao_so",
                                          "ut_thu_phi", "ut_tra_kq_chung"]
    assert set(units.values()) == {CENTRE}  # loại 1: nothing leaves the centre
    # each step is due its budget in office hours after it became ready; the signing step's 2 hours from
    # 09:40 run over the lunch break (11:30–13:30)
    assert [i.due_at for i in items] == [at("2026-03-02", 10), at("2026-03-02", 11, 10), at("2026-03-02", 13, 40),
                                         at("2026-03-02", 11), at("2026-03-02", 11, 15), None]
    # every step of ours on time; the handover waits for the citizen (a 0-hour budget sets no due time)
    assert all(i.verdict == "on_time" for i in items[:-1])
    # fee [U]: 5 pages = 2 × 2.000 + 3 × 1.000 = 7.000 đ per copy, three copies
    assert data["le_phi_moi_ban"] == 7000 and data["le_phi_phai_thu"] == 21000
    assert data["ket_qua"] == "Bản sao đã chứng thực từ bản chính: Bằng tốt nghiệp trung học phổ thông"
    assert data["hinh_thuc_ky"] == "ky_thay" and data["nguoi_ky"] == "Trịnh Văn Hùng"


@pytest.mark.parametrize("who", ["tham_dinh", "nguoi_ky"])
def test_unusable_original_ends_with_a_refusal_handed_over_at_the_desk(factory, org, now, who):
    code = receive(factory, org, CHUNG_THUC, now).code
    do(factory, org, code, "motcua.hoabinh", "ut_tiep_nhan", GIAY_TO, at("2026-03-02", 9, 10))
    with pytest.raises(ValidationFailed) as caught:  # a refusal must say why (Mẫu 03)
        attempt(factory, org, code, "chuyenvien.hoabinh", {"ket_luan_tham_dinh": "tu_choi"}, at("2026-03-02", 9, 30))
    assert {"can_cu_tu_choi", "ly_do_tu_choi"} <= set(caught.value.errors)
    if who == "tham_dinh":
        reason = "Bản chính bị rách, mờ, không xác định được nội dung"
        do(factory, org, code, "chuyenvien.hoabinh", "ut_tham_dinh",
           {"ket_luan_tham_dinh": "tu_choi", "can_cu_tu_choi": "hu_hong_khong_doc_duoc", "ly_do_tu_choi": reason},
           at("2026-03-02", 9, 30))
    else:  # the signer finds what the appraisal missed and does not sign
        reason = "Bản chính có dấu hiệu tẩy xóa tại phần ngày cấp"
        do(factory, org, code, "chuyenvien.hoabinh", "ut_tham_dinh", {"ket_luan_tham_dinh": "du_dieu_kien"},
           at("2026-03-02", 9, 30))
        do(factory, org, code, "lanhdao.hoabinh", "ut_ky_chung_thuc",
           {"quyet_dinh_ky": "tu_choi", "ly_do_khong_ky": reason}, at("2026-03-02", 9, 50))
    assert get_dossier_status(factory, code) == 9  # result ready: the refusal letter (Mẫu 03)
    do(factory, org, code, "motcua.hoabinh", "ut_tra_kq_chung", TRA_TAI_QUAY, at("2026-03-02", 9, 50))

    dossier, changes, items, data, units = outcome(factory, code)
    assert dossier.status == 10 and changes == [(2, 4), (4, 9), (9, 10)]  # domain.md §2.2 T19, then T21
    assert on_time_verdict(dossier) == "on_time"
    expected = ["ut_tiep_nhan", "ut_tham_dinh"] + (["ut_ky_chung_thuc"] if who == "nguoi_ky" else []) \
        + ["ut_tra_kq_chung"]
    assert [i.bpmn_id for i in items] == expected  # no seal, no register entry, no fee
    assert data["ket_qua"] == "Từ chối chứng thực: " + reason
    assert "le_phi_phai_thu" not in data  # nothing to pay for a refusal


# --- loại 2: cấp bản sao trích lục hộ tịch ---------------------------------------------------------------

def test_civil_status_extract_copy_runs_from_reception_to_handover(factory, org, now):
    receipt = receive(factory, org, TRICH_LUC, now)
    assert receipt.due_at == at("2026-03-02", 17)
    code = receipt.code

    do(factory, org, code, "motcua.hoabinh", "ut_tiep_nhan", YEU_CAU_TRICH_LUC, at("2026-03-02", 9, 5))
    do(factory, org, code, "chuyenvien.hoabinh", "ut_tham_dinh", CO_TRONG_SO, at("2026-03-02", 9, 45))
    assert get_dossier_status(factory, code) == 4
    do(factory, org, code, "lanhdao.hoabinh", "ut_phe_duyet", KY_TRICH_LUC, at("2026-03-02", 13, 45))
    done = do(factory, org, code, "vanthu.hoabinh", "ut_dong_dau", {"so_vao_so": "57"}, at("2026-03-02", 14))
    assert (done.status_before, done.status_after) == (4, 9)
    do(factory, org, code, "motcua.hoabinh", "ut_thu_phi",
       {"so_tien_phi": 16000, "so_bien_lai": "0000321", "hinh_thuc_thanh_toan": "chuyen_khoan"},
       at("2026-03-02", 14, 20))
    do(factory, org, code, "motcua.hoabinh", "ut_tra_kq_chung", TRA_TAI_QUAY, at("2026-03-02", 14, 30))

    dossier, changes, items, data, units = outcome(factory, code)
    assert dossier.status == 10 and changes == [(2, 4), (4, 9), (9, 10)]
    assert on_time_verdict(dossier) == "on_time"
    assert [i.bpmn_id for i in items] == ["ut_tiep_nhan", "ut_tham_dinh", "ut_phe_duyet", "ut_dong_dau",
                                          "ut_thu_phi", "ut_tra_kq_chung"]
    # the 2-hour signing budget from 09:45 runs over the lunch break (11:30–13:30)
    assert items[2].due_at == at("2026-03-02", 13, 45) and items[2].verdict == "on_time"
    assert data["le_phi_phai_thu"] == 16000  # [U] 8.000 đ × 2 copies
    assert data["ket_qua"] == "Bản sao trích lục hộ tịch, số đăng ký 215, quyển số 01/2019"
    assert set(units.values()) == {CENTRE}  # the demo's authority and centre are one unit


def test_leader_sends_the_extract_back_and_the_officer_then_refuses(factory, org, now):
    code = receive(factory, org, TRICH_LUC, now).code
    do(factory, org, code, "motcua.hoabinh", "ut_tiep_nhan", YEU_CAU_TRICH_LUC, at("2026-03-02", 9, 5))
    do(factory, org, code, "chuyenvien.hoabinh", "ut_tham_dinh", CO_TRONG_SO, at("2026-03-02", 9, 45))
    with pytest.raises(ValidationFailed) as caught:  # sending back needs the leader's reason
        attempt(factory, org, code, "lanhdao.hoabinh", {"quyet_dinh_phe_duyet": "tra_lai"}, at("2026-03-02", 10))
    assert "y_kien_phe_duyet" in caught.value.errors
    do(factory, org, code, "lanhdao.hoabinh", "ut_phe_duyet",
       {"quyet_dinh_phe_duyet": "tra_lai", "y_kien_phe_duyet": "Họ tên trong sổ khác tờ khai, kiểm tra lại"},
       at("2026-03-02", 10))
    assert get_dossier_status(factory, code) == 4
    reason = "Không tìm thấy sự kiện khai sinh trong sổ hộ tịch và cơ sở dữ liệu hộ tịch điện tử"
    do(factory, org, code, "chuyenvien.hoabinh", "ut_tham_dinh",
       {"ket_luan_tham_dinh": "tu_choi", "ly_do_tu_choi": reason}, at("2026-03-02", 10, 30))
    assert get_dossier_status(factory, code) == 9
    do(factory, org, code, "motcua.hoabinh", "ut_tra_kq_chung", TRA_TAI_QUAY, at("2026-03-02", 10, 40))

    dossier, changes, items, data, _ = outcome(factory, code)
    assert dossier.status == 10 and changes == [(2, 4), (4, 9), (9, 10)]
    assert [i.bpmn_id for i in items] == ["ut_tiep_nhan", "ut_tham_dinh", "ut_phe_duyet", "ut_tham_dinh",
                                          "ut_tra_kq_chung"]
    assert data["ket_qua"] == "Từ chối cấp bản sao trích lục: " + reason
    assert "le_phi_phai_thu" not in data


# --- the class difference, with an authority that is not the centre ------------------------------------

UBND = "000.00.12.H99"  # test-only unit: the office of Ủy ban nhân dân phường Hòa Bình (not in the demo)


def with_authority(factory, org, now):
    """A separate UBND office whose leader and văn thư are not members of the centre."""
    with unit_of_work(factory) as s:
        ensure_unit(s, UBND, "Văn phòng Ủy ban nhân dân phường Hòa Bình", "xa")
        leader = create_user(s, "lanhdao.ubnd", "Phan Văn Quang", "mat-khau-thu-nghiem", now)
        clerk = create_user(s, "vanthu.ubnd", "Hà Thị Ngọc", "mat-khau-thu-nghiem", now)
        grant_role(s, leader, "lanh_dao", UBND)
        grant_role(s, clerk, "van_thu", UBND)
        s.flush()
        return {**org, "lanhdao.ubnd": leader.id, "vanthu.ubnd": clerk.id}


def test_loai_1_stays_at_the_centre_and_loai_2_is_signed_and_sealed_at_the_authority(factory, org, now):
    users = with_authority(factory, org, now)
    copy = receive(factory, users, CHUNG_THUC, now, deciding=UBND).code
    extract = receive(factory, users, TRICH_LUC, now, deciding=UBND).code

    # loại 1: the signer sits at the centre, so the authority's own leader and clerk see nothing
    big = {**GIAY_TO, "so_trang": 250, "so_ban_sao": 2}
    do(factory, users, copy, "motcua.hoabinh", "ut_tiep_nhan", big, at("2026-03-02", 9, 10))
    do(factory, users, copy, "chuyenvien.hoabinh", "ut_tham_dinh", {"ket_luan_tham_dinh": "du_dieu_kien"},
       at("2026-03-02", 9, 20))
    do(factory, users, copy, "lanhdao.hoabinh", "ut_ky_chung_thuc", {**KY, "hinh_thuc_ky": "thua_uy_quyen"},
       at("2026-03-02", 9, 30))
    do(factory, users, copy, "vanthu.hoabinh", "ut_vao_so",
       {"so_chung_thuc": "126", "quyen_so_chung_thuc": "01/2026-SCT/BS"}, at("2026-03-02", 9, 40))
    do(factory, users, copy, "motcua.hoabinh", "ut_thu_phi",
       {"so_tien_phi": 400000, "so_bien_lai": "0000126", "hinh_thuc_thanh_toan": "tien_mat"}, at("2026-03-02", 9, 45))
    do(factory, users, copy, "motcua.hoabinh", "ut_tra_kq_chung", TRA_TAI_QUAY, at("2026-03-02", 9, 50))
    _, _, _, data, units = outcome(factory, copy)
    assert set(units.values()) == {CENTRE}
    assert data["le_phi_moi_ban"] == 200000 and data["le_phi_phai_thu"] == 400000  # [U] cap of 200.000 đ a copy

    # loại 2: desk and register look-up at the centre; signature and seal at the UBND office, whose
    # people are not the centre's (lanhdao.hoabinh and vanthu.hoabinh see nothing)
    do(factory, users, extract, "motcua.hoabinh", "ut_tiep_nhan", YEU_CAU_TRICH_LUC, at("2026-03-02", 10))
    do(factory, users, extract, "chuyenvien.hoabinh", "ut_tham_dinh", CO_TRONG_SO, at("2026-03-02", 10, 30))
    do(factory, users, extract, "lanhdao.ubnd", "ut_phe_duyet", {**KY_TRICH_LUC, "nguoi_ky": "Phan Văn Quang"},
       at("2026-03-02", 13, 40))
    do(factory, users, extract, "vanthu.ubnd", "ut_dong_dau", {"so_vao_so": "58"}, at("2026-03-02", 14))
    do(factory, users, extract, "motcua.hoabinh", "ut_thu_phi",
       {"so_tien_phi": 16000, "so_bien_lai": "0000322", "hinh_thuc_thanh_toan": "tien_mat"}, at("2026-03-02", 14, 10))
    do(factory, users, extract, "motcua.hoabinh", "ut_tra_kq_chung", TRA_TAI_QUAY, at("2026-03-02", 14, 20))
    dossier, changes, _, _, units = outcome(factory, extract)
    assert units == {"ut_tiep_nhan": CENTRE, "ut_tham_dinh": CENTRE, "ut_phe_duyet": UBND, "ut_dong_dau": UBND,
                     "ut_thu_phi": CENTRE, "ut_tra_kq_chung": CENTRE}
    assert dossier.status == 10 and changes == [(2, 4), (4, 9), (9, 10)]


# --- the diagrams open in a BPMN editor -------------------------------------------------------------------

NS = {"bpmn": "http://www.omg.org/spec/BPMN/20100524/MODEL", "bpmndi": "http://www.omg.org/spec/BPMN/20100524/DI",
      "dc": "http://www.omg.org/spec/DD/20100524/DC"}


@pytest.mark.parametrize("slug", [CHUNG_THUC, TRICH_LUC])
def test_every_element_is_drawn_inside_its_lane_without_overlaps(slug):
    tree = etree.parse(str(Path(ROOT) / "bpmn" / slug / "process.bpmn"))
    process = tree.find("bpmn:process", NS)
    nodes = {e.get("id") for e in process if e.get("id") and etree.QName(e).localname not in
             {"laneSet", "sequenceFlow", "documentation", "extensionElements"}}
    flows = {e.get("id") for e in process.findall("bpmn:sequenceFlow", NS)}
    lanes = {lane.get("id"): {r.text for r in lane.findall("bpmn:flowNodeRef", NS)}
             for lane in process.findall("bpmn:laneSet/bpmn:lane", NS)}
    shapes = {s.get("bpmnElement"): s.find("dc:Bounds", NS).attrib for s in tree.iter(f"{{{NS['bpmndi']}}}BPMNShape")}
    edges = {e.get("bpmnElement") for e in tree.iter(f"{{{NS['bpmndi']}}}BPMNEdge")}
    assert nodes <= set(shapes) and flows <= edges and set(lanes) <= set(shapes)
    assert set().union(*lanes.values()) == nodes  # every node in exactly one lane
    assert sum(len(refs) for refs in lanes.values()) == len(nodes)

    def box(element):
        b = shapes[element]
        return float(b["x"]), float(b["y"]), float(b["x"]) + float(b["width"]), float(b["y"]) + float(b["height"])

    for lane, refs in lanes.items():
        lx0, ly0, lx1, ly1 = box(lane)
        for node in refs:
            x0, y0, x1, y1 = box(node)
            assert lx0 <= x0 and x1 <= lx1 and ly0 <= y0 and y1 <= ly1, f"{node} is drawn outside {lane}"
    boxes = [box(n) for n in sorted(nodes)]
    for i, a in enumerate(boxes):
        for b in boxes[i + 1:]:
            assert a[2] <= b[0] or b[2] <= a[0] or a[3] <= b[1] or b[3] <= a[1], f"shapes overlap: {a} {b}"
