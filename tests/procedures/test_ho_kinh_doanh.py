"""Đăng ký thành lập hộ kinh doanh at the commune: reception, check, signature, handover; on issue the
household's data goes to the tax office, which works it in its own inbox while the commune goes on."""
from __future__ import annotations

import json
from datetime import datetime, timedelta

import pytest
from sqlalchemy import func, select

from engine import complete_task, dossier_events, get_dossier, receive_dossier
from engine.infra.clock import VN_TZ
from engine.infra.db import unit_of_work
from engine.infra.errors import ValidationFailed
from engine.onestop.lifecycle import on_time_verdict
from engine.workflow.messages import deliver_pending_messages
from engine.models import Message, Notification, ProcessInstance, Unit, WorkItem
from ..driving import do, inbox, status  # noqa: F401 - re-exported to other tests

SLUG = "dang-ky-ho-kinh-doanh"
COMMUNE, TAX = "000.00.11.H99", "000.30.01.H99"
APPLICANT = {"name": "Lê Văn Phúc", "id_number": "001088004321", "phone": "0903111222",
             "email": "phuc.lv@example.vn", "address": "Số 20 phố Hòa Bình"}
CHECK = {"ten_ho_kinh_doanh": "Hộ kinh doanh Phúc An", "ten_chu_ho": "Lê Văn Phúc",
         "so_dinh_danh_chu_ho": "001088004321", "dia_diem_kinh_doanh": "Số 20 phố Hòa Bình, phường Hòa Bình",
         "nganh_nghe_kinh_doanh": ["Bán lẻ lương thực, thực phẩm", "Dịch vụ ăn uống"], "von_kinh_doanh": 150_000_000,
         "ten_khong_trung": True, "nganh_nghe_hop_le": True, "thong_tin_thue_day_du": True,
         "de_xuat": "cap_giay", "ma_so_ho_kinh_doanh": "11A8001234"}
HANDOVER = {"hinh_thuc_tra": "tai_quay", "nguoi_nhan": "Lê Văn Phúc"}


def at(month, day, hour, minute=0):
    return datetime(2026, month, day, hour, minute, tzinfo=VN_TZ)


def receive(factory, org, received_at):
    with unit_of_work(factory) as s:
        return receive_dossier(s, procedure_code=SLUG, applicant=APPLICANT, channel="direct",
                               received_at=received_at, receiving_unit_code=COMMUNE,
                               actor_id=org["motcua.hoabinh"], now=received_at)


def instances_of(s, code):
    dossier = get_dossier(s, code)
    return s.scalars(select(ProcessInstance).where(ProcessInstance.dossier_id == dossier.id)
                     .order_by(ProcessInstance.id)).all()


def test_certificate_issued_and_data_passed_on_to_tax_without_waiting(factory, org):
    received = at(4, 29, 9)  # Wednesday 29 April 2026
    receipt = receive(factory, org, received)
    assert receipt.code.startswith(f"{COMMUNE}-260429-") and receipt.status == 2
    # 30 April and 1 May are public holidays, 2–3 May a weekend: the 3 working days are
    # Mon 4, Tue 5 and Wed 6 May.
    assert receipt.due_at == at(5, 6, 17)
    with unit_of_work(factory) as s:  # apology timer: one working day before the due date
        assert instances_of(s, receipt.code)[0].next_timer_at == at(5, 5, 7, 30)  # when office hours open

    do(factory, org, "motcua.hoabinh", "ut_tiep_nhan", {"da_kiem_tra_thanh_phan": True}, at(4, 29, 10))
    assert status(factory, receipt.code) == 4
    with unit_of_work(factory) as s:
        check = s.scalar(select(WorkItem).where(WorkItem.bpmn_id == "ut_kiem_tra"))
        # 1.5d = 11.25 office hours from Wed 29 April 10:00: 5 h that day (10:00–11:30, 13:30–17:00);
        # the holidays and weekend skipped; Mon 4 May 07:30–11:30 (4 h) and 13:30 + 2.25 h -> 15:45.
        assert check.due_at == at(5, 4, 15, 45)
    do(factory, org, "chuyenvien.hoabinh", "ut_kiem_tra", CHECK, at(5, 4, 9))
    do(factory, org, "lanhdao.hoabinh", "ut_ky", {"quyet_dinh_ky": "ky"}, at(5, 4, 14))

    # The certificate is issued: the dossier is ready for handover at once, the tax message is queued.
    assert status(factory, receipt.code) == 9
    assert [b for _, b in inbox(factory, org["motcua.hoabinh"])] == ["ut_tra_kq_chung"]
    with unit_of_work(factory) as s:
        [message] = s.scalars(select(Message)).all()
        assert message.name == "thong_tin_ho_kinh_doanh" and message.state == "pending"
        assert instances_of(s, receipt.code)[0].waiting_for is None  # the commune waits for no answer
        notices = s.scalars(select(Notification).where(Notification.kind == "result_ready")).all()
        assert {n.channel for n in notices} == {"email", "sms"}
    assert inbox(factory, org["thue.coso"]) == []

    do(factory, org, "motcua.hoabinh", "ut_tra_kq_chung", HANDOVER, at(5, 5, 8))
    with unit_of_work(factory) as s:
        dossier = get_dossier(s, receipt.code)
        assert dossier.status == 10 and on_time_verdict(dossier) == "early"  # done before its due day
        [commune] = instances_of(s, receipt.code)
        assert commune.status == "completed"
        assert json.loads(commune.state)["data"]["ket_qua"] == \
            "Giấy chứng nhận đăng ký hộ kinh doanh, mã số 11A8001234"

    # The tax office gets the household's data in its own inbox, even after the handover.
    assert deliver_pending_messages(factory, at(5, 5, 8, 5)) == 1
    with unit_of_work(factory) as s:
        item = s.scalar(select(WorkItem).where(WorkItem.bpmn_id == "ut_ghi_nhan"))
        assert s.get(Unit, item.unit_id).code == TAX
        # 3d = 22.5 office hours from Tue 5 May 08:05: three full 7.5-hour working days -> Fri 8 May 08:05
        assert item.due_at == at(5, 8, 8, 5)
    do(factory, org, "thue.coso", "ut_ghi_nhan", {"ma_so_thue": "001088004321", "phuong_phap_quan_ly_thue": "khoan"},
       at(5, 5, 10))
    assert deliver_pending_messages(factory, at(5, 5, 10, 5)) == 0  # tax answers nothing

    with unit_of_work(factory) as s:
        dossier = get_dossier(s, receipt.code)
        assert dossier.status == 10  # the tax part does not touch the dossier's national status
        commune, tax = instances_of(s, receipt.code)
        units = {u.id: u.code for u in s.scalars(select(Unit))}
        assert (units[tax.unit_id], tax.status) == (TAX, "completed")
        received_data = json.loads(tax.state)["data"]["thong_tin_hkd"]
        assert received_data["ma_so_ho_kinh_doanh"] == "11A8001234"
        assert received_data["nganh_nghe_kinh_doanh"] == CHECK["nganh_nghe_kinh_doanh"]
        assert received_data["ma_ho_so"] == receipt.code

        events = dossier_events(s, dossier.id)
        users = {v: k for k, v in org.items()}
        assert [(e.detail["task"], users[e.actor_id]) for e in events if e.action == "task_completed"] == [
            ("ut_tiep_nhan", "motcua.hoabinh"), ("ut_kiem_tra", "chuyenvien.hoabinh"), ("ut_ky", "lanhdao.hoabinh"),
            ("ut_tra_kq_chung", "motcua.hoabinh"), ("ut_ghi_nhan", "thue.coso")]
        hops = [(e.action, e.detail["message"],
                 units[e.detail["from_unit_id"] if e.action == "message_sent" else e.detail["to_unit_id"]])
                for e in events if e.action.startswith("message_")]
        assert hops == [("message_sent", "thong_tin_ho_kinh_doanh", COMMUNE),
                        ("message_delivered", "thong_tin_ho_kinh_doanh", TAX)]
        assert [(e.status_before, e.status_after) for e in events if e.action == "status_changed"] == [
            (2, 4), (4, 9), (9, 10)]


def test_refused_registration_is_handed_over_and_nothing_goes_to_tax(factory, org, now):
    receipt = receive(factory, org, now)  # Monday 2 March 2026 09:00: due Thursday 5 March 17:00
    assert receipt.due_at == at(3, 5, 17)
    do(factory, org, "motcua.hoabinh", "ut_tiep_nhan", {"da_kiem_tra_thanh_phan": True}, now)

    duplicate = {**CHECK, "ten_khong_trung": False}
    with pytest.raises(ValidationFailed) as caught:  # a certificate cannot be proposed for a duplicate name
        with unit_of_work(factory) as s:
            complete_task(s, inbox(factory, org["chuyenvien.hoabinh"])[0][0], duplicate, org["chuyenvien.hoabinh"],
                          now)
    assert "ten_khong_trung" in caught.value.errors
    refusal = {key: value for key, value in duplicate.items() if key != "ma_so_ho_kinh_doanh"}
    refusal["de_xuat"] = "tu_choi"
    with pytest.raises(ValidationFailed) as caught:  # a refusal must say why
        with unit_of_work(factory) as s:
            complete_task(s, inbox(factory, org["chuyenvien.hoabinh"])[0][0], refusal, org["chuyenvien.hoabinh"], now)
    assert "ly_do_tu_choi_dang_ky" in caught.value.errors
    refusal["ly_do_tu_choi_dang_ky"] = "Tên hộ kinh doanh trùng với hộ kinh doanh đã đăng ký trên địa bàn"
    do(factory, org, "chuyenvien.hoabinh", "ut_kiem_tra", refusal, now + timedelta(hours=1))

    # The leader first sends it back, then signs the refusal notice on the second pass.
    do(factory, org, "lanhdao.hoabinh", "ut_ky", {"quyet_dinh_ky": "tra_lai", "y_kien_ky": "Ghi rõ tên bị trùng"},
       now + timedelta(hours=2))
    assert status(factory, receipt.code) == 4
    do(factory, org, "chuyenvien.hoabinh", "ut_kiem_tra", refusal, now + timedelta(hours=3))
    do(factory, org, "lanhdao.hoabinh", "ut_ky", {"quyet_dinh_ky": "ky"}, now + timedelta(hours=4))
    assert status(factory, receipt.code) == 9
    do(factory, org, "motcua.hoabinh", "ut_tra_kq_chung", HANDOVER, now + timedelta(hours=5))

    with unit_of_work(factory) as s:
        dossier = get_dossier(s, receipt.code)
        assert dossier.status == 10 and on_time_verdict(dossier) == "early"  # done before its due day
        assert s.scalar(select(func.count()).select_from(Message)) == 0
        [commune] = instances_of(s, receipt.code)
        assert commune.status == "completed"
        assert json.loads(commune.state)["data"]["ket_qua"] == ("Thông báo từ chối đăng ký hộ kinh doanh. Lý do: "
                                                                "Tên hộ kinh doanh trùng với hộ kinh doanh đã đăng ký "
                                                                "trên địa bàn")
    assert deliver_pending_messages(factory, now + timedelta(hours=6)) == 0
    assert inbox(factory, org["thue.coso"]) == []


def test_supplement_stops_the_clock_then_the_certificate_is_issued(factory, org, now):
    receipt = receive(factory, org, now)  # Monday 2 March 2026 09:00: due Thursday 5 March 17:00
    do(factory, org, "motcua.hoabinh", "ut_tiep_nhan", {"da_kiem_tra_thanh_phan": True}, now)
    incomplete = {**CHECK, "thong_tin_thue_day_du": False, "de_xuat": "bo_sung"}
    del incomplete["ma_so_ho_kinh_doanh"]
    do(factory, org, "chuyenvien.hoabinh", "ut_kiem_tra", incomplete, at(3, 2, 10))
    do(factory, org, "chuyenvien.hoabinh", "ut_lap_phieu_bo_sung",
       {"thanh_phan_bo_sung": "Giấy đề nghị đăng ký hộ kinh doanh có đủ thông tin đăng ký thuế",
        "ly_do_bo_sung": "Chưa kê khai phương pháp tính thuế và doanh thu dự kiến"}, at(3, 2, 11))
    with unit_of_work(factory) as s:
        dossier = get_dossier(s, receipt.code)
        assert dossier.status == 5 and dossier.paused_at == at(3, 2, 11) and dossier.supplement_count == 1
        assert s.scalar(select(func.count()).select_from(Notification)
                        .where(Notification.kind == "supplement")) == 2  # e-mail and SMS
    assert inbox(factory, org["chuyenvien.hoabinh"]) == []
    # The citizen brings the supplement on Wednesday 4 March 09:00. Paused office time: Mon 11:00–17:00 (4 h),
    # Tue 7.5 h, Wed 07:30–09:00 (1.5 h) = 13 h, added to the due date Thu 5 March 17:00: Fri 6 March 7.5 h,
    # Mon 9 March 07:30–11:30 (4 h), 13:30 + 1.5 h -> Monday 9 March 15:00.
    do(factory, org, "motcua.hoabinh", "ut_nhan_bo_sung", {"da_nhan_du_bo_sung": True}, at(3, 4, 9))
    with unit_of_work(factory) as s:
        dossier = get_dossier(s, receipt.code)
        assert dossier.status == 4 and dossier.paused_at is None
        assert dossier.due_at == at(3, 9, 15)
        # the apology timer, due Wed 4 March 07:30, did not fire while the clock stood still (the supplement came
        # at 09:00): it moves by the same 13 h, Wed 4 March 07:30 -> Thu 5 March 15:00
        assert instances_of(s, receipt.code)[0].next_timer_at == at(3, 5, 15)
    do(factory, org, "chuyenvien.hoabinh", "ut_kiem_tra", CHECK, at(3, 4, 10))
    do(factory, org, "lanhdao.hoabinh", "ut_ky", {"quyet_dinh_ky": "ky"}, at(3, 4, 14))
    assert status(factory, receipt.code) == 9
    assert deliver_pending_messages(factory, at(3, 4, 14, 5)) == 1
    assert [b for _, b in inbox(factory, org["thue.coso"])] == ["ut_ghi_nhan"]
    do(factory, org, "motcua.hoabinh", "ut_tra_kq_chung", HANDOVER, at(3, 5, 8))
    with unit_of_work(factory) as s:
        dossier = get_dossier(s, receipt.code)
        assert dossier.status == 10 and on_time_verdict(dossier) == "early"  # done before its due day
        assert [(e.status_before, e.status_after) for e in dossier_events(s, dossier.id)
                if e.action in ("status_changed", "clock_stopped", "clock_restarted")] == [
            (2, 4), (4, 5), (5, 4), (4, 9), (9, 10)]
