"""Dossier-page actions: Mẫu 04 extension by the deciding unit's leader, the fee, and who may do what now."""
from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import select

from engine import dossier_events
from engine.infra.db import unit_of_work
from engine.onestop.dossiers import get_dossier
from engine.infra.errors import Conflict, Forbidden, ValidationFailed
from engine.onestop.lifecycle import dossier_actions, handover_item, issue_extension
from engine.onestop.fees import record_fee
from engine.models import Notification
from ..driving import do
from ..webapp.webpages import receive


def actions_of(factory, org, code, username, now):
    with unit_of_work(factory) as s:
        return dossier_actions(s, get_dossier(s, code), org[username], now)


def test_leader_extends_the_due_date_and_the_original_stays(factory, org, now):
    receipt = receive(factory, org, now)
    with unit_of_work(factory) as s:
        dossier = issue_extension(s, receipt.code, date(2026, 3, 18), "Chờ xác minh thực địa",
                                  org["lanhdao.vpdk"], now)
        assert dossier.due_at == receipt.due_at
        assert dossier.extended_due_at.date() == date(2026, 3, 18) and dossier.extended_due_at > receipt.due_at
        assert dossier.extension_count == 1
        [event] = [e for e in dossier_events(s, dossier.id) if e.action == "due_extended"]
        assert event.detail["reason"] == "Chờ xác minh thực địa"
        assert datetime.fromisoformat(event.detail["due_at"]) == receipt.due_at
        assert s.scalars(select(Notification).where(Notification.kind == "apology")).all()


def test_extension_needs_the_leader_and_a_later_date(factory, org, now):
    receipt = receive(factory, org, now)
    with pytest.raises(Forbidden), unit_of_work(factory) as s:
        issue_extension(s, receipt.code, date(2026, 3, 18), "Chậm", org["chuyenvien.vpdk"], now)
    with pytest.raises(ValidationFailed) as caught, unit_of_work(factory) as s:
        issue_extension(s, receipt.code, receipt.due_at.date(), "Chậm", org["lanhdao.vpdk"], now)
    assert "new_day" in caught.value.errors
    with pytest.raises(ValidationFailed) as caught, unit_of_work(factory) as s:
        issue_extension(s, receipt.code, date(2026, 3, 18), " ", org["lanhdao.vpdk"], now)
    assert "reason" in caught.value.errors


def test_fee_is_recorded_once_by_the_desk(factory, org, now):
    receipt = receive(factory, org, now)
    with pytest.raises(Forbidden), unit_of_work(factory) as s:
        record_fee(s, receipt.code, 50000, "BL-001", org["chuyenvien.vpdk"], now)
    with pytest.raises(ValidationFailed) as caught, unit_of_work(factory) as s:
        record_fee(s, receipt.code, -1, "", org["motcua.tinh"], now)
    assert set(caught.value.errors) == {"amount", "receipt_no"}
    with unit_of_work(factory) as s:
        dossier = record_fee(s, receipt.code, 50000, "BL-001", org["motcua.tinh"], now)
        assert (dossier.fee_paid_amount, dossier.fee_receipt_no, dossier.fee_paid_at) == (50000, "BL-001", now)
    with pytest.raises(Conflict), unit_of_work(factory) as s:
        record_fee(s, receipt.code, 50000, "BL-002", org["motcua.tinh"], now)
    assert "record_fee" not in actions_of(factory, org, receipt.code, "motcua.tinh", now)


def test_a_land_levy_beyond_two_billion_dong_is_recorded_exactly(factory, org, now):
    receipt = receive(factory, org, now)
    levy = 12_500_000_000  # tiền sử dụng đất: more than a 32-bit column holds
    with unit_of_work(factory) as s:
        record_fee(s, receipt.code, levy, "BL-0042", org["motcua.tinh"], now)
    with unit_of_work(factory) as s:
        assert get_dossier(s, receipt.code).fee_paid_amount == levy


@pytest.mark.parametrize("amount", [10**13 + 1, -5, 1.5, True])
def test_an_implausible_fee_amount_is_refused_with_a_field_message(factory, org, now, amount):
    receipt = receive(factory, org, now)
    with pytest.raises(ValidationFailed) as caught, unit_of_work(factory) as s:
        record_fee(s, receipt.code, amount, "BL-001", org["motcua.tinh"], now)
    assert list(caught.value.errors) == ["amount"] and "đồng" in caught.value.errors["amount"][0]


def test_each_role_is_offered_only_its_own_actions(factory, org, now):
    receipt = receive(factory, org, now)
    desk = actions_of(factory, org, receipt.code, "motcua.tinh", now)
    leader = actions_of(factory, org, receipt.code, "lanhdao.vpdk", now)
    specialist = actions_of(factory, org, receipt.code, "chuyenvien.vpdk", now)
    assert "record_fee" in desk and not {"extend", "stop"} & desk
    assert {"extend", "stop"} <= leader and "record_fee" not in leader
    assert "request_supplement" in specialist and not {"extend", "stop", "record_fee"} & specialist
    assert actions_of(factory, org, receipt.code, "motcua.hoabinh", now) == set()


def test_handover_is_offered_to_the_desk_once_the_result_is_ready(factory, org, now):
    receipt = receive(factory, org, now)
    do(factory, org, "motcua.tinh", "ut_tiep_nhan", {"da_kiem_tra_thanh_phan": True}, now)
    assert "handover" not in actions_of(factory, org, receipt.code, "motcua.tinh", now)
    later = now + timedelta(days=1)
    do(factory, org, "chuyenvien.vpdk", "ut_tham_dinh",
       {"noi_dung_sai_sot": "Sai tên", "nguyen_nhan": "Nhập liệu", "de_xuat": "dinh_chinh"}, later)
    do(factory, org, "lanhdao.vpdk", "ut_phe_duyet", {"quyet_dinh": "dong_y"}, later)
    do(factory, org, "vanthu.vpdk", "ut_chuyen_tra", {"so_van_ban": "125/CNVPĐK"}, later)
    assert "handover" in actions_of(factory, org, receipt.code, "motcua.tinh", later)
    assert "handover" not in actions_of(factory, org, receipt.code, "lanhdao.vpdk", later)
    with unit_of_work(factory) as s:
        dossier = get_dossier(s, receipt.code)
        assert handover_item(s, dossier.id, org["motcua.tinh"], later).bpmn_id == "ut_tra_kq_chung"
