"""Land change registration liên thông with the tax agency: each agency works its own part in its own
inbox, messages carry the dossier between them, and the legal clock stops while the citizen pays."""
from __future__ import annotations

from datetime import datetime

import pytest
from sqlalchemy import select

from engine import complete_task, dossier_events, fire_due_timers, get_dossier, receive_dossier

from tests.driving import open_items
from engine.infra.clock import VN_TZ
from engine.infra.db import unit_of_work
from engine.infra.errors import ValidationFailed
from engine.onestop.lifecycle import on_time_verdict
from engine.workflow.messages import deliver_pending_messages
from engine.models import Message, ProcessInstance, Unit, WorkItem

LAND_UNIT, TAX_UNIT, CENTRE = "000.21.01.H99", "000.30.01.H99", "000.00.01.H99"
LAND_OFFICERS = ["motcua.tinh", "chuyenvien.vpdk", "lanhdaophong.vpdk", "lanhdao.vpdk", "vanthu.vpdk"]
TAX_TASKS = {"ut_xac_dinh_nghia_vu", "ut_xac_nhan_nop_tien"}
APPLICANT = {"name": "Phan Thị Hồng", "id_number": "001190023456", "phone": "0903123456",
             "address": "Số 5 ngõ 12 phố Trần Phú"}
PARCEL = {"so_thua": 125, "so_to_ban_do": 18, "dia_chi_thua_dat": "Số 5 ngõ 12 phố Trần Phú",
          "dien_tich": 85.5, "muc_dich_su_dung": "Đất ở tại đô thị (ODT)"}
NOTICE = {"so_thong_bao": "1520/TB-TCS", "thue_thu_nhap_ca_nhan": 50_000_000, "le_phi_truoc_ba": 12_500_000,
          "tien_su_dung_dat": 0, "han_nop": "2026-04-06"}
TOTAL = 62_500_000


def at(day: int, hour: int, minute: int = 0) -> datetime:
    """A moment in March 2026, Vietnam time (no public holiday falls in March 2026)."""
    return datetime(2026, 3, day, hour, minute, tzinfo=VN_TZ)


@pytest.fixture
def people(org):
    """The demo users: the head of the registration department (lanh_dao_phong) among them."""
    return org


def inbox(factory, user_id) -> list[str]:
    with unit_of_work(factory) as s:
        return [i.bpmn_id for i in open_items(s, user_id)]


def agencies_apart(factory, people) -> None:
    """The tax officer sees only tax tasks; the land registry and the centre never see them."""
    assert set(inbox(factory, people["thue.coso"])) <= TAX_TASKS
    for username in LAND_OFFICERS:
        assert not set(inbox(factory, people[username])) & TAX_TASKS, username


def do(factory, people, username, bpmn_id, data, when):
    """Complete the only open task `bpmn_id` from `username`'s inbox; assert nobody else sees it."""
    mine = inbox(factory, people[username])
    assert mine.count(bpmn_id) == 1, f"{username} should see {bpmn_id}, sees {mine}"
    for other, user_id in people.items():
        if other != username:
            assert bpmn_id not in inbox(factory, user_id), f"{other} also sees {bpmn_id}"
    with unit_of_work(factory) as s:
        item = next(i for i in open_items(s, people[username]) if i.bpmn_id == bpmn_id)
        completion = complete_task(s, item.id, data, people[username], when)
    agencies_apart(factory, people)
    return completion


def dossier(factory, code):
    with unit_of_work(factory) as s:
        d = get_dossier(s, code)
        s.expunge(d)
        return d


def receive(factory, people, now):
    with unit_of_work(factory) as s:
        return receive_dossier(s, procedure_code="dang-ky-bien-dong-dat-dai", applicant=APPLICANT,
                               channel="direct", received_at=now, receiving_unit_code=CENTRE,
                               actor_id=people["motcua.tinh"], now=now)


def phase_one(factory, people, now):
    """Reception Mon 2 March 09:00 to the submission to the leader on Tue 3 March 09:00."""
    receipt = receive(factory, people, now)
    assert receipt.code.startswith(f"{CENTRE}-260302-")
    # 8 working days after Monday 2 March 2026, the reception day not counted: 3, 4, 5, 6, 9, 10, 11, 12
    # March (Sat 7 / Sun 8 off, no holiday) -> Thursday 12 March at the end of office hours (17:00).
    assert receipt.due_at == at(12, 17)
    do(factory, people, "motcua.tinh", "ut_tiep_nhan",
       {"da_kiem_tra_thanh_phan": True, "loai_bien_dong": "chuyen_nhuong"}, now)
    assert dossier(factory, receipt.code).status == 4
    appraisal = {**PARCEL, "ket_qua_tham_dinh": "Thửa đất không tranh chấp, không bị kê biên",
                 "de_xuat": "du_dieu_kien"}
    do(factory, people, "chuyenvien.vpdk", "ut_tham_dinh", appraisal, at(2, 14))
    do(factory, people, "lanhdaophong.vpdk", "ut_trinh", {"y_kien_phong": "Thống nhất, kính trình"}, at(3, 9))
    return receipt


def to_payment_notice(factory, people, now):
    """Phase one, the transfer to the tax agency on Wed 4 March and its payment notice on Thu 5 March 09:00."""
    receipt = phase_one(factory, people, now)
    do(factory, people, "lanhdao.vpdk", "ut_phe_duyet", {"quyet_dinh_phe_duyet": "dong_y"}, at(3, 14))
    do(factory, people, "chuyenvien.vpdk", "ut_chuyen_thong_tin",
       {"so_phieu_chuyen": "215/PCTT-CNVPĐK", "ben_chuyen_quyen": "Lê Văn Bình (001080011122)",
        "ben_nhan_quyen": "Phan Thị Hồng (001190023456)", "gia_tri_hop_dong": 2_500_000_000}, at(4, 9))
    with unit_of_work(factory) as s:  # queued with the land registry's save, not yet at the tax agency
        assert [(m.name, m.state) for m in s.scalars(select(Message))] == [("chuyen_thong_tin_thue", "pending")]
    assert inbox(factory, people["thue.coso"]) == []
    assert deliver_pending_messages(factory, at(4, 9)) == 1
    assert deliver_pending_messages(factory, at(4, 9)) == 0  # delivered once
    with unit_of_work(factory) as s:
        land, tax = s.scalars(select(ProcessInstance).order_by(ProcessInstance.id)).all()
        assert s.get(Unit, tax.unit_id).code == TAX_UNIT and s.get(Unit, land.unit_id).code == LAND_UNIT
        assert '"so_thua":125' in tax.state and '"gia_tri_hop_dong":2500000000' in tax.state
        assert f'"ma_ho_so":"{receipt.code}"' in tax.state
    assert inbox(factory, people["thue.coso"]) == ["ut_xac_dinh_nghia_vu"]
    do(factory, people, "thue.coso", "ut_xac_dinh_nghia_vu", NOTICE, at(5, 9))
    assert dossier(factory, receipt.code).status == 4  # the land registry has not received the notice yet
    assert deliver_pending_messages(factory, at(5, 9)) == 1
    d = dossier(factory, receipt.code)
    assert d.status == 6 and d.paused_at == at(5, 9) and d.due_at == at(12, 17)
    assert inbox(factory, people["thue.coso"]) == ["ut_xac_nhan_nop_tien"]
    for username in LAND_OFFICERS:
        assert inbox(factory, people[username]) == [], username
    return receipt


def test_transfer_runs_through_both_agencies_and_the_payment_time_is_not_counted(factory, people, now):
    receipt = to_payment_notice(factory, people, now)

    # the citizen pays at the bank; the tax officer confirms it the next Tuesday morning
    assert fire_due_timers(factory, at(9, 10)) == 0 and deliver_pending_messages(factory, at(9, 10)) == 0
    assert dossier(factory, receipt.code).status == 6
    do(factory, people, "thue.coso", "ut_xac_nhan_nop_tien",
       {"so_chung_tu": "GNT-0001", "ngay_nop": "2026-03-10", "so_tien_da_nop": TOTAL}, at(10, 9))
    assert deliver_pending_messages(factory, at(10, 9)) == 1

    # Paused Thu 5 March 09:00 -> Tue 10 March 09:00; office hours 07:30–11:30 and 13:30–17:00 (7.5 h a day):
    # Thu 5: 09:00–11:30 + 13:30–17:00 = 6 h; Fri 6: 7.5 h; Sat 7 / Sun 8 off; Mon 9: 7.5 h;
    # Tue 10: 07:30–09:00 = 1.5 h. Total 22.5 h = exactly 3 working days, so the due date moves from
    # Thu 12 March 17:00 over Fri 13, Mon 16, Tue 17 to Tuesday 17 March 17:00.
    d = dossier(factory, receipt.code)
    assert d.status == 4 and d.paused_at is None
    assert d.due_at == at(17, 17)
    with unit_of_work(factory) as s:
        land, tax = s.scalars(select(ProcessInstance).order_by(ProcessInstance.id)).all()
        assert tax.status == "completed"
        # the apology reminder, one working day before the due date, moved with it: Wed 11 -> Mon 16 March,
        # when office hours open (07:30)
        assert land.next_timer_at == at(16, 7, 30)
        assert f'"tong_so_tien":{TOTAL}' in land.state and '"so_chung_tu":"GNT-0001"' in land.state
    assert fire_due_timers(factory, at(11, 7, 31)) == 0  # the old reminder time passes without an apology

    do(factory, people, "motcua.tinh", "ut_tiep_nhan_gd2", {"da_nhan_chung_tu": True}, at(10, 10))
    do(factory, people, "chuyenvien.vpdk", "ut_tham_dinh_cap_giay",
       {"hinh_thuc_cap": "cap_moi", "noi_dung_to_trinh": "Cấp Giấy chứng nhận cho bên nhận chuyển nhượng"},
       at(11, 9))
    do(factory, people, "lanhdaophong.vpdk", "ut_trinh_ky", {"y_kien_phong_cap_giay": "Kính trình ký"}, at(12, 9))
    do(factory, people, "lanhdao.vpdk", "ut_ky_gcn", {"quyet_dinh_ky": "ky"}, at(13, 9))
    do(factory, people, "vanthu.vpdk", "ut_chuyen_tra", {"so_vao_so": "CS 04521"}, at(13, 14))
    assert dossier(factory, receipt.code).status == 9
    do(factory, people, "motcua.tinh", "ut_tra_kq_chung",
       {"hinh_thuc_tra": "tai_quay", "nguoi_nhan": "Phan Thị Hồng"}, at(16, 9))

    with unit_of_work(factory) as s:
        d = get_dossier(s, receipt.code)
        assert d.status == 10 and d.finished_at == at(13, 14) and d.returned_at == at(16, 9)
        # finished Fri 13 March: after the first due date, but within the one the paused days moved
        assert on_time_verdict(d) == "early"  # done before its due day
        instances = s.scalars(select(ProcessInstance).order_by(ProcessInstance.id)).all()
        assert [i.status for i in instances] == ["completed", "completed"]
        assert "(cấp mới)" in instances[0].state
        units = {u.id: u.code for u in s.scalars(select(Unit))}
        items = s.scalars(select(WorkItem).where(WorkItem.dossier_id == d.id).order_by(WorkItem.id)).all()
        assert {(i.bpmn_id, units[i.unit_id], i.role_key) for i in items if i.bpmn_id in TAX_TASKS} == {
            ("ut_xac_dinh_nghia_vu", TAX_UNIT, "thue"), ("ut_xac_nhan_nop_tien", TAX_UNIT, "thue")}
        assert all(i.state == "completed" for i in items)

        events = dossier_events(s, d.id)
        hops = [(e.action, e.detail["message"], units.get(e.detail.get("from_unit_id")),
                 units.get(e.detail.get("to_unit_id"))) for e in events if e.action.startswith("message_")]
        assert hops == [
            ("message_sent", "chuyen_thong_tin_thue", LAND_UNIT, None),
            ("message_delivered", "chuyen_thong_tin_thue", LAND_UNIT, TAX_UNIT),
            ("message_sent", "thong_bao_thue", TAX_UNIT, None),
            ("message_delivered", "thong_bao_thue", TAX_UNIT, LAND_UNIT),
            ("message_sent", "xac_nhan_nop_thue", TAX_UNIT, None),
            ("message_delivered", "xac_nhan_nop_thue", TAX_UNIT, LAND_UNIT),
        ]
        changes = [(e.action, e.status_before, e.status_after, e.at) for e in events
                   if e.action in ("status_changed", "clock_stopped", "clock_restarted")]
        assert changes == [("status_changed", 2, 4, now), ("clock_stopped", 4, 6, at(5, 9)),
                           ("clock_restarted", 6, 4, at(10, 9)), ("status_changed", 4, 9, at(13, 14)),
                           ("status_changed", 9, 10, at(16, 9))]
        restarted = next(e for e in events if e.action == "clock_restarted")
        assert datetime.fromisoformat(restarted.detail["due_before"]) == at(12, 17)
        assert datetime.fromisoformat(restarted.detail["due_after"]) == at(17, 17)


def test_citizen_who_never_pays_leaves_the_dossier_waiting_without_timers_firing(factory, people, now):
    receipt = to_payment_notice(factory, people, now)
    with unit_of_work(factory) as s:
        land = s.scalars(select(ProcessInstance).order_by(ProcessInstance.id)).first()
        assert land.next_timer_at == at(11, 7, 30)  # the apology reminder stays armed, at its old time
    # the worker skips paused dossiers: neither the reminder time, the due date nor a month later fires it
    for moment in (at(11, 7, 31), at(12, 17, 1), datetime(2026, 4, 13, 9, 0, tzinfo=VN_TZ)):
        assert fire_due_timers(factory, moment) == 0
    assert deliver_pending_messages(factory, datetime(2026, 4, 13, 9, 0, tzinfo=VN_TZ)) == 0
    d = dossier(factory, receipt.code)
    assert d.status == 6 and d.paused_at == at(5, 9) and d.due_at == at(12, 17) and d.extended_due_at is None
    assert "ut_lap_xin_loi" not in inbox(factory, people["chuyenvien.vpdk"])
    assert inbox(factory, people["thue.coso"]) == ["ut_xac_nhan_nop_tien"]  # still waiting for the payment
    for username in LAND_OFFICERS:
        assert inbox(factory, people[username]) == [], username
    with unit_of_work(factory) as s:
        events = dossier_events(s, d.id)
        # the timeline ends with the notice delivered and the clock stopped in status 6; nothing since
        assert [(e.action, e.status_after) for e in events[-2:]] == [("clock_stopped", 6), ("message_delivered", None)]
        assert events[-1].detail["message"] == "thong_bao_thue"
        assert not [e for e in events if e.action in ("clock_restarted", "due_extended", "instance_failed")]


def test_dossier_refused_after_appraisal_never_reaches_the_tax_agency(factory, people, now):
    receipt = receive(factory, people, now)
    do(factory, people, "motcua.tinh", "ut_tiep_nhan",
       {"da_kiem_tra_thanh_phan": True, "loai_bien_dong": "tang_cho"}, now)
    refusal = {**PARCEL, "ket_qua_tham_dinh": "Thửa đất đang bị kê biên để bảo đảm thi hành án",
               "de_xuat": "khong_du_dieu_kien"}
    with pytest.raises(ValidationFailed) as caught:  # a refusal needs its reason
        do(factory, people, "chuyenvien.vpdk", "ut_tham_dinh", refusal, at(2, 14))
    assert "ly_do_tu_choi" in caught.value.errors
    refusal["ly_do_tu_choi"] = "Quyền sử dụng đất đang bị kê biên để bảo đảm thi hành án"
    do(factory, people, "chuyenvien.vpdk", "ut_tham_dinh", refusal, at(2, 14))
    do(factory, people, "lanhdaophong.vpdk", "ut_trinh", {"y_kien_phong": "Thống nhất từ chối"}, at(3, 9))
    # the leader first sends it back, then agrees with the refusal
    do(factory, people, "lanhdao.vpdk", "ut_phe_duyet",
       {"quyet_dinh_phe_duyet": "tra_lai", "y_kien_phe_duyet": "Ghi rõ số quyết định kê biên"}, at(3, 14))
    refusal["ly_do_tu_choi"] = "Quyền sử dụng đất đang bị kê biên theo Quyết định số 12/QĐ-CCTHADS"
    do(factory, people, "chuyenvien.vpdk", "ut_tham_dinh", refusal, at(4, 9))
    do(factory, people, "lanhdaophong.vpdk", "ut_trinh", {"y_kien_phong": "Thống nhất từ chối"}, at(4, 10))
    do(factory, people, "lanhdao.vpdk", "ut_phe_duyet", {"quyet_dinh_phe_duyet": "dong_y"}, at(4, 14))
    assert inbox(factory, people["chuyenvien.vpdk"]) == []  # no transfer of information to the tax agency
    do(factory, people, "vanthu.vpdk", "ut_chuyen_tra", {"so_vao_so": "45/TB-CNVPĐK"}, at(5, 9))
    assert dossier(factory, receipt.code).status == 9
    assert deliver_pending_messages(factory, at(5, 9)) == 0
    do(factory, people, "motcua.tinh", "ut_tra_kq_chung",
       {"hinh_thuc_tra": "tai_quay", "nguoi_nhan": "Phan Thị Hồng"}, at(5, 14))

    with unit_of_work(factory) as s:
        d = get_dossier(s, receipt.code)
        assert d.status == 10 and d.due_at == at(12, 17) and on_time_verdict(d) == "early"  # done before its due day
        assert s.scalars(select(Message)).all() == []
        [instance] = s.scalars(select(ProcessInstance)).all()
        assert instance.status == "completed"
        assert "Văn bản từ chối đăng ký biến động: Quyền sử dụng đất đang bị kê biên theo Quyết định số 12" \
            in instance.state
        events = dossier_events(s, d.id)
        assert not [e for e in events if e.action.startswith(("message_", "clock_"))]
        assert [(e.status_before, e.status_after) for e in events if e.action == "status_changed"] == [
            (2, 4), (4, 9), (9, 10)]
    assert inbox(factory, people["thue.coso"]) == []
