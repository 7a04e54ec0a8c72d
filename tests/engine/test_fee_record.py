"""Fees are one record: the fee step starts from the amount the process computed, another amount needs a reason,
and what the step records is the dossier's fee record (the desk's separate 'Thu phí' refuses)."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from engine import dossier_events, get_dossier, prefilled, task_form
from engine.infra.db import unit_of_work
from engine.infra.errors import Conflict, ValidationFailed
from engine.models import WorkItem
from engine.onestop.fees import fee_in_steps, format_amount, record_fee

from ..driving import open_items
from ..procedures.test_tai_cho import CHUNG_THUC, GIAY_TO, KY, TRA_TAI_QUAY, attempt, do, receive

THREE_PAGES_TWO_COPIES = {**GIAY_TO, "so_trang": 3, "so_ban_sao": 2}  # (2 × 2.000 + 1 × 1.000) × 2 = 10.000


def at_fee_step(factory, org, now) -> str:
    code = receive(factory, org, CHUNG_THUC, now).code
    do(factory, org, code, "motcua.hoabinh", "ut_tiep_nhan", THREE_PAGES_TWO_COPIES, now + timedelta(minutes=5))
    do(factory, org, code, "chuyenvien.hoabinh", "ut_tham_dinh", {"ket_luan_tham_dinh": "du_dieu_kien"},
       now + timedelta(minutes=10))
    do(factory, org, code, "lanhdao.hoabinh", "ut_ky_chung_thuc", KY, now + timedelta(minutes=15))
    do(factory, org, code, "vanthu.hoabinh", "ut_vao_so",
       {"so_chung_thuc": "125", "quyen_so_chung_thuc": "01/2026-SCT/BS"}, now + timedelta(minutes=20))
    return code


def test_the_fee_step_starts_from_the_amount_the_process_computed(factory, org, now):
    code = at_fee_step(factory, org, now)
    with unit_of_work(factory) as s:
        dossier = get_dossier(s, code)
        assert (dossier.fee_due_amount, dossier.fee_due_basis) == (10_000, "3 trang × 2 bản")
        assert dossier.fee_paid_amount is None
        [item] = [i for i in open_items(s, org["motcua.hoabinh"]) if i.dossier.code == code]
        assert item.bpmn_id == "ut_thu_phi"
        _schema, ui = task_form(s, item)
        assert prefilled(dossier, ui) == {"so_tien_phi": 10_000}
        assert format_amount(dossier.fee_due_amount) == "10.000 đồng"


def test_another_amount_needs_a_reason_and_nothing_is_recorded_without_it(factory, org, now):
    code = at_fee_step(factory, org, now)
    paid = {"so_tien_phi": 5_000, "so_bien_lai": "0000126", "hinh_thuc_thanh_toan": "tien_mat"}
    with pytest.raises(ValidationFailed) as refused:
        attempt(factory, org, code, "motcua.hoabinh", paid, now + timedelta(minutes=30))
    assert "10.000 đồng" in refused.value.errors["ly_do_khac_muc_phi"][0]
    with unit_of_work(factory) as s:
        assert get_dossier(s, code).fee_paid_amount is None
        assert s.scalar(select(WorkItem.state).where(WorkItem.bpmn_id == "ut_thu_phi")) == "ready"
    reason = "Miễn phí một bản theo quy định"
    do(factory, org, code, "motcua.hoabinh", "ut_thu_phi", {**paid, "ly_do_khac_muc_phi": reason},
       now + timedelta(minutes=30))
    with unit_of_work(factory) as s:
        dossier = get_dossier(s, code)
        assert (dossier.fee_paid_amount, dossier.fee_receipt_no) == (5_000, "0000126")
        [event] = [e for e in dossier_events(s, dossier.id) if e.action == "fee_recorded"]
        assert event.detail == {"amount": 5_000, "receipt_no": "0000126", "method": "tien_mat", "reason": reason,
                                "due": 10_000}


def test_the_step_is_the_dossiers_one_fee_record(factory, org, now):
    code = at_fee_step(factory, org, now)
    with unit_of_work(factory) as s, pytest.raises(Conflict, match="bước thu phí"):  # not a second record
        record_fee(s, code, 10_000, "0000999", org["motcua.hoabinh"], now + timedelta(minutes=25))
    do(factory, org, code, "motcua.hoabinh", "ut_thu_phi",
       {"so_tien_phi": 10_000, "so_bien_lai": "0000127", "hinh_thuc_thanh_toan": "chuyen_khoan"},
       now + timedelta(minutes=30))
    do(factory, org, code, "motcua.hoabinh", "ut_tra_kq_chung", TRA_TAI_QUAY, now + timedelta(minutes=35))
    with unit_of_work(factory) as s:
        dossier = get_dossier(s, code)
        assert (dossier.status, dossier.fee_paid_amount, dossier.fee_receipt_no) == (10, 10_000, "0000127")
        assert fee_in_steps(s, dossier)
        assert [e.detail["amount"] for e in dossier_events(s, dossier.id) if e.action == "fee_recorded"] == [10_000]


def test_a_process_without_a_fee_step_keeps_the_desks_record(factory, org, now):
    from .test_dinh_chinh_gcn import receive as receive_correction

    code = receive_correction(factory, org, now).code
    with unit_of_work(factory) as s:
        assert not fee_in_steps(s, get_dossier(s, code))
        record_fee(s, code, 50_000, "0000128", org["motcua.tinh"], now)
    with unit_of_work(factory) as s:
        assert get_dossier(s, code).fee_paid_amount == 50_000


def test_the_register_lists_the_fee_as_a_grouped_number_in_excel(factory, org, now):
    from io import BytesIO

    from openpyxl import load_workbook

    from engine.org.accounts import get_unit
    from engine.views.register import HEADER_ROW, register_rows, register_workbook
    from .test_dinh_chinh_gcn import receive as receive_correction

    code = receive_correction(factory, org, now).code
    with unit_of_work(factory) as s:
        record_fee(s, code, 1_500_000, "0000129", org["motcua.tinh"], now)
    with unit_of_work(factory) as s:
        unit = get_unit(s, "000.00.01.H99")
        rows = register_rows(s, unit.id, now.date(), now.date(), org["motcua.tinh"])
        assert [row.fee_paid for row in rows] == [1_500_000]
        sheet = load_workbook(BytesIO(register_workbook(rows, unit.name, now.date(), now.date()))).active
    headings = [cell.value for cell in sheet[HEADER_ROW]]
    cell = sheet.cell(row=HEADER_ROW + 1, column=headings.index("Phí, lệ phí đã thu (đồng)") + 1)
    assert (cell.value, cell.number_format) == (1_500_000, "#,##0")  # 1.500.000 in a Vietnamese spreadsheet
