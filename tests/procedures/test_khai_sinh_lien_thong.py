"""Liên thông khai sinh – thường trú – thẻ BHYT: the commune registers the birth, the police and social
insurance work their parts in their own inboxes in parallel, and the commune hands over both outcomes."""
from __future__ import annotations

import json
from datetime import datetime, timedelta

import pytest
from sqlalchemy import select

from engine import complete_task, dossier_events, fire_due_timers, get_dossier, receive_dossier
from engine.infra.clock import VN_TZ
from engine.infra.db import unit_of_work
from engine.infra.errors import ValidationFailed
from engine.onestop.lifecycle import on_time_verdict
from engine.workflow.messages import deliver_pending_messages
from engine.models import Message, Notification, ProcessInstance, Unit, WorkItem
from ..driving import do, inbox, status  # noqa: F401 - re-exported to other tests

SLUG = "khai-sinh-thuong-tru-bhyt"
COMMUNE, POLICE, BHXH = "000.00.11.H99", "000.40.11.H99", "000.50.01.H99"
APPLICANT = {"name": "Nguyễn Thị Hạnh", "id_number": "001190012345", "phone": "0912000111",
             "email": "hanh.nt@example.vn", "address": "Số 5 ngõ 12 phố Hòa Bình"}
BIRTH = {"ho_ten_tre": "Trần Minh An", "ngay_sinh_tre": "2026-02-20", "gioi_tinh_tre": "nam",
         "noi_sinh_tre": "Bệnh viện Phụ sản tỉnh", "ho_ten_me": "Nguyễn Thị Hạnh", "ho_ten_cha": "Trần Văn Bình",
         "noi_dang_ky_thuong_tru": "Số 5 ngõ 12 phố Hòa Bình, phường Hòa Bình",
         "so_dang_ky_khai_sinh": "57/2026", "so_dinh_danh_tre": "001226000057"}
CARD = {"ma_so_bhxh": "0126000057", "gia_tri_tu": "2026-02-20", "gia_tri_den": "2032-02-19",
        "noi_dang_ky_kcb_ban_dau": "Trạm Y tế phường Hòa Bình"}


def at(day, hour, minute=0):
    """An instant in March 2026, Vietnam time (2–6 March is an ordinary Monday–Friday week)."""
    return datetime(2026, 3, day, hour, minute, tzinfo=VN_TZ)


def receive(factory, org, received_at):
    with unit_of_work(factory) as s:
        return receive_dossier(s, procedure_code=SLUG, applicant=APPLICANT, channel="online",
                               received_at=received_at, receiving_unit_code=COMMUNE, actor_id=None,
                               now=received_at)


def commune_instance(s, code):
    dossier = get_dossier(s, code)
    return s.scalar(select(ProcessInstance).where(ProcessInstance.dossier_id == dossier.id)
                    .order_by(ProcessInstance.id).limit(1))


def process_data(instance):
    """The commune process's data once it has finished (the workflow's final data)."""
    return json.loads(instance.state)["data"]


def register_and_sign(factory, org, when):
    do(factory, org, "motcua.hoabinh", "ut_tiep_nhan", {"da_kiem_tra_thanh_phan": True}, when)
    do(factory, org, "chuyenvien.hoabinh", "ut_dang_ky_khai_sinh", BIRTH, when + timedelta(minutes=30))
    do(factory, org, "lanhdao.hoabinh", "ut_ky_giay_khai_sinh", {"quyet_dinh_ky": "ky"}, when + timedelta(hours=1))


def test_birth_residence_and_card_in_three_working_days(factory, org, now):
    receipt = receive(factory, org, now)  # Monday 2 March 2026, 09:00
    assert receipt.code.startswith(f"{COMMUNE}-260302-")
    assert receipt.status == 2
    # Reception day not counted: Tue 3, Wed 4, Thu 5 March are the 3 working days (no holiday that week).
    assert receipt.due_at == at(5, 17)
    # The apology timer is armed one working day before the due date: Wednesday 4 March, when office hours
    # open (07:30), so the whole day remains to write, sign and send the letter.
    with unit_of_work(factory) as s:
        assert commune_instance(s, receipt.code).next_timer_at == at(4, 7, 30)

    # Only the commune's one-stop officer sees the reception step (not the province centre's desk).
    assert [b for _, b in inbox(factory, org["motcua.hoabinh"])] == ["ut_tiep_nhan"]
    register_and_sign(factory, org, now)  # birth registered and signed the same morning (09:00–10:00)
    assert status(factory, receipt.code) == 4

    with unit_of_work(factory) as s:
        messages = s.scalars(select(Message).order_by(Message.id)).all()
        assert sorted(m.name for m in messages) == ["cap_the_bhyt", "dang_ky_thuong_tru"]
        assert all(m.state == "pending" and m.correlation == receipt.code for m in messages)
        request = next(m for m in messages if m.name == "dang_ky_thuong_tru").payload
        assert json.dumps(request, ensure_ascii=False).count("001226000057") >= 1
        assert commune_instance(s, receipt.code).waiting_for == ["ket_qua_bhyt", "ket_qua_thuong_tru"]
    assert inbox(factory, org["congan.hoabinh"]) == [] and inbox(factory, org["bhxh.trungtam"]) == []

    sent = at(2, 11)
    assert deliver_pending_messages(factory, sent) == 2  # both partner processes start, in parallel
    assert deliver_pending_messages(factory, sent) == 0
    with unit_of_work(factory) as s:
        items = {i.bpmn_id: i for i in s.scalars(select(WorkItem).where(WorkItem.state == "ready"))}
        assert set(items) == {"ut_dang_ky_thuong_tru", "ut_cap_the_bhyt"}
        units = {u.id: u.code for u in s.scalars(select(Unit))}
        assert units[items["ut_dang_ky_thuong_tru"].unit_id] == POLICE
        assert units[items["ut_cap_the_bhyt"].unit_id] == BHXH
        # Budget 2d = 15 office hours from Mon 11:00: Mon 4 h (11:00–11:30, 13:30–17:00), Tue 7.5 h,
        # Wed 3.5 h from 07:30 -> due Wednesday 4 March, 11:00, in each agency's own calendar.
        assert items["ut_dang_ky_thuong_tru"].due_at == at(4, 11)
        assert items["ut_cap_the_bhyt"].due_at == at(4, 11)
    assert status(factory, receipt.code) == 4

    # Social insurance answers first: the commune keeps waiting for the police, nothing to hand over yet.
    do(factory, org, "bhxh.trungtam", "ut_cap_the_bhyt", CARD, at(3, 10))
    assert deliver_pending_messages(factory, at(3, 10, 5)) == 1
    with unit_of_work(factory) as s:
        assert commune_instance(s, receipt.code).waiting_for == ["ket_qua_thuong_tru"]
    assert inbox(factory, org["motcua.hoabinh"]) == []
    assert status(factory, receipt.code) == 4

    do(factory, org, "congan.hoabinh", "ut_dang_ky_thuong_tru", {"quyet_dinh_thuong_tru": "dang_ky"}, at(4, 9))
    assert deliver_pending_messages(factory, at(4, 9, 5)) == 1
    assert status(factory, receipt.code) == 9  # result ready once both answers are in
    with unit_of_work(factory) as s:
        notices = s.scalars(select(Notification).where(Notification.kind == "result_ready")).all()
        assert {n.channel for n in notices} == {"email", "sms"}  # the parent is told
    do(factory, org, "motcua.hoabinh", "ut_tra_ket_qua", {"hinh_thuc_tra": "dien_tu", "nguoi_nhan": "Nguyễn Thị Hạnh"},
       at(4, 10))

    with unit_of_work(factory) as s:
        dossier = get_dossier(s, receipt.code)
        assert dossier.status == 10 and dossier.finished_at == at(4, 9, 5)
        assert on_time_verdict(dossier) == "early"  # done before its due day
        instances = s.scalars(select(ProcessInstance).where(ProcessInstance.dossier_id == dossier.id)
                              .order_by(ProcessInstance.id)).all()
        units = {u.id: u.code for u in s.scalars(select(Unit))}
        assert [(units[i.unit_id], i.status) for i in instances] == [
            (COMMUNE, "completed"), (POLICE, "completed"), (BHXH, "completed")]
        assert instances[0].next_timer_at is None  # the apology timer died with the finished process
        data = process_data(instances[0])
        assert data["ket_qua_lien_thong"] == [
            "Đã đăng ký khai sinh, số 57/2026; Giấy khai sinh điện tử đã ký số",
            "Đã đăng ký thường trú tại Số 5 ngõ 12 phố Hòa Bình, phường Hòa Bình",
            "Đã cấp thẻ BHYT, mã số BHXH 0126000057, giá trị sử dụng đến 2032-02-19",
        ]
        assert data["thuong_tru_chap_thuan"] is True and data["bhyt_chap_thuan"] is True

        # The timeline shows every hop: who worked each step, each message out of and into each agency.
        events = dossier_events(s, dossier.id)
        users = {v: k for k, v in org.items()}
        assert [(e.detail["task"], users[e.actor_id]) for e in events if e.action == "task_completed"] == [
            ("ut_tiep_nhan", "motcua.hoabinh"), ("ut_dang_ky_khai_sinh", "chuyenvien.hoabinh"),
            ("ut_ky_giay_khai_sinh", "lanhdao.hoabinh"), ("ut_cap_the_bhyt", "bhxh.trungtam"),
            ("ut_dang_ky_thuong_tru", "congan.hoabinh"), ("ut_tra_ket_qua", "motcua.hoabinh")]
        hops = [(e.action, e.detail["message"],
                 units[e.detail["from_unit_id"] if e.action == "message_sent" else e.detail["to_unit_id"]])
                for e in events if e.action.startswith("message_")]
        assert sorted(hops[:2]) == [("message_sent", "cap_the_bhyt", COMMUNE),
                                    ("message_sent", "dang_ky_thuong_tru", COMMUNE)]
        assert sorted(hops[2:4]) == [("message_delivered", "cap_the_bhyt", BHXH),
                                     ("message_delivered", "dang_ky_thuong_tru", POLICE)]
        assert hops[4:] == [("message_sent", "ket_qua_bhyt", BHXH), ("message_delivered", "ket_qua_bhyt", COMMUNE),
                            ("message_sent", "ket_qua_thuong_tru", POLICE),
                            ("message_delivered", "ket_qua_thuong_tru", COMMUNE)]
        assert [(e.status_before, e.status_after) for e in events if e.action == "status_changed"] == [
            (2, 4), (4, 9), (9, 10)]
        verdicts = {i.bpmn_id: i.verdict for i in s.scalars(select(WorkItem).where(WorkItem.dossier_id == dossier.id))}
        assert verdicts == {"ut_tiep_nhan": "on_time", "ut_dang_ky_khai_sinh": "on_time",
                            "ut_ky_giay_khai_sinh": "on_time", "ut_cap_the_bhyt": "early",
                            "ut_dang_ky_thuong_tru": "on_time", "ut_tra_ket_qua": "on_time"}


def test_police_refuse_residence_while_the_card_is_still_issued(factory, org, now):
    receipt = receive(factory, org, now)
    register_and_sign(factory, org, now)
    assert deliver_pending_messages(factory, at(2, 11)) == 2

    refusal = {"quyet_dinh_thuong_tru": "tu_choi"}
    with pytest.raises(ValidationFailed) as caught:  # a refusal must say why
        with unit_of_work(factory) as s:
            complete_task(s, inbox(factory, org["congan.hoabinh"])[0][0], refusal, org["congan.hoabinh"], at(2, 14))
    assert "ly_do_tu_choi_thuong_tru" in caught.value.errors
    refusal["ly_do_tu_choi_thuong_tru"] = "Chỗ ở của cha, mẹ chưa đủ điều kiện đăng ký thường trú"
    do(factory, org, "congan.hoabinh", "ut_dang_ky_thuong_tru", refusal, at(2, 14))
    assert deliver_pending_messages(factory, at(2, 14, 5)) == 1
    # The refusal does not end or block the dossier: the commune still waits for the card.
    with unit_of_work(factory) as s:
        assert commune_instance(s, receipt.code).waiting_for == ["ket_qua_bhyt"]
    assert inbox(factory, org["motcua.hoabinh"]) == []
    assert [b for _, b in inbox(factory, org["bhxh.trungtam"])] == ["ut_cap_the_bhyt"]
    assert status(factory, receipt.code) == 4

    do(factory, org, "bhxh.trungtam", "ut_cap_the_bhyt", CARD, at(3, 9))
    assert deliver_pending_messages(factory, at(3, 9, 5)) == 1
    assert status(factory, receipt.code) == 9
    do(factory, org, "motcua.hoabinh", "ut_tra_ket_qua", {"hinh_thuc_tra": "tai_quay", "nguoi_nhan": "Trần Văn Bình"},
       at(3, 10))

    with unit_of_work(factory) as s:
        dossier = get_dossier(s, receipt.code)
        assert dossier.status == 10 and on_time_verdict(dossier) == "early"  # done before its due day
        instances = s.scalars(select(ProcessInstance).where(ProcessInstance.dossier_id == dossier.id)).all()
        assert {i.status for i in instances} == {"completed"}
        data = process_data(commune_instance(s, receipt.code))
        assert data["ket_qua_lien_thong"] == [
            "Đã đăng ký khai sinh, số 57/2026; Giấy khai sinh điện tử đã ký số",
            "Không đăng ký thường trú. Lý do: Chỗ ở của cha, mẹ chưa đủ điều kiện đăng ký thường trú",
            "Đã cấp thẻ BHYT, mã số BHXH 0126000057, giá trị sử dụng đến 2032-02-19",
        ]
        assert data["thuong_tru_chap_thuan"] is False and data["bhyt_chap_thuan"] is True
        assert data["tra_loi_cong_an"]["chap_thuan"] is False


def test_leader_sends_the_registration_back_before_anything_leaves_the_commune(factory, org, now):
    receive(factory, org, now)
    do(factory, org, "motcua.hoabinh", "ut_tiep_nhan", {"da_kiem_tra_thanh_phan": True}, now)
    do(factory, org, "chuyenvien.hoabinh", "ut_dang_ky_khai_sinh", {**BIRTH, "so_dang_ky_khai_sinh": "75/2026"}, now)
    do(factory, org, "lanhdao.hoabinh", "ut_ky_giay_khai_sinh",
       {"quyet_dinh_ky": "tra_lai", "y_kien_ky": "Số đăng ký không khớp sổ"}, now)
    with unit_of_work(factory) as s:
        assert s.scalar(select(Message.id)) is None  # nothing sent to the police or social insurance
    do(factory, org, "chuyenvien.hoabinh", "ut_dang_ky_khai_sinh", BIRTH, now)
    do(factory, org, "lanhdao.hoabinh", "ut_ky_giay_khai_sinh", {"quyet_dinh_ky": "ky"}, now)
    with unit_of_work(factory) as s:
        payloads = [json.dumps(m.payload, ensure_ascii=False) for m in s.scalars(select(Message))]
    assert len(payloads) == 2 and all("57/2026" in p and "75/2026" not in p for p in payloads)


def test_late_partner_triggers_the_apology_one_working_day_before_the_due_date(factory, org, now):
    receipt = receive(factory, org, now)  # due Thursday 5 March 17:00
    register_and_sign(factory, org, now)
    assert deliver_pending_messages(factory, at(2, 11)) == 2
    do(factory, org, "bhxh.trungtam", "ut_cap_the_bhyt", CARD, at(3, 9))
    assert deliver_pending_messages(factory, at(3, 9, 5)) == 1
    # The police have not answered when office hours open on Wednesday 4 March (one working day before the due
    # date): the apology is started then, with the whole day left to write, sign and send it.
    assert fire_due_timers(factory, at(4, 7, 30) - timedelta(seconds=1)) == 0
    assert fire_due_timers(factory, at(4, 7, 30) + timedelta(seconds=1)) == 1
    assert [b for _, b in inbox(factory, org["chuyenvien.hoabinh"])] == ["ut_lap_xin_loi"]
    later = at(4, 9)
    do(factory, org, "chuyenvien.hoabinh", "ut_lap_xin_loi",
       {"ly_do_cham": "Công an cần xác minh nơi cư trú", "ngay_hen_moi": "2026-03-09"}, later)
    do(factory, org, "lanhdao.hoabinh", "ut_ky_xin_loi", {"quyet_dinh_xin_loi": "ky"}, later)
    with unit_of_work(factory) as s:
        dossier = get_dossier(s, receipt.code)
        assert dossier.due_at == at(5, 17) and dossier.extended_due_at == at(9, 17)
    do(factory, org, "congan.hoabinh", "ut_dang_ky_thuong_tru", {"quyet_dinh_thuong_tru": "dang_ky"}, at(6, 9))
    assert deliver_pending_messages(factory, at(6, 9, 5)) == 1
    with unit_of_work(factory) as s:
        dossier = get_dossier(s, receipt.code)
        assert dossier.status == 9 and on_time_verdict(dossier) == "late"  # judged against the original date


@pytest.mark.parametrize("received, due", [
    pytest.param(at(2, 14, 59), at(5, 17), id="before-15h"),
    # Received Monday 2 March at 15:30: counted from Tuesday 3 March, so Wed 4, Thu 5, Fri 6 March.
    pytest.param(at(2, 15, 30), at(6, 17), id="after-15h"),
])
def test_dossier_received_after_15h_counts_from_the_next_working_day(factory, org, received, due):
    assert receive(factory, org, received).due_at == due
