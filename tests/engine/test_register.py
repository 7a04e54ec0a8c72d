"""Mẫu 07: the unit's register lists the dossiers it received or decided in a period, also as an Excel file."""
from __future__ import annotations

from datetime import date, datetime, timedelta
from io import BytesIO

import pytest
from openpyxl import load_workbook

from engine import complete_task

from tests.driving import open_items
from engine.org.accounts import get_unit
from engine.infra.clock import VN_TZ
from engine.infra.db import unit_of_work
from engine.onestop.reception import receive_dossier
from engine.infra.errors import Forbidden, ValidationFailed
from engine.views.register import COLUMNS, HEADER_ROW, register_rows, register_units, register_workbook
from .test_dinh_chinh_gcn import APPLICANT

CENTRE, WARD = "000.00.01.H99", "000.00.11.H99"


def receive_at(factory, org, when, unit=CENTRE, officer="motcua.tinh", name=APPLICANT["name"]):
    with unit_of_work(factory) as s:
        return receive_dossier(s, procedure_code="dinh-chinh-gcn", applicant={**APPLICANT, "name": name},
                               channel="direct", received_at=when, receiving_unit_code=unit,
                               actor_id=org[officer], now=when)


def send_to_agency(factory, org, code, when):
    """The desk completes its reception step of one dossier (others may wait in the same inbox)."""
    with unit_of_work(factory) as s:
        item = next(i for i in open_items(s, org["motcua.tinh"]) if i.dossier.code == code)
        complete_task(s, item.id, {"da_kiem_tra_thanh_phan": True}, org["motcua.tinh"], when)


def centre_rows(factory, org, start, end, username="motcua.tinh", now=None):
    with unit_of_work(factory) as s:
        return register_rows(s, get_unit(s, CENTRE).id, start, end, org[username], now=now)


def test_register_lists_the_centres_dossiers_of_the_period_in_order(factory, org, now):
    second = receive_at(factory, org, now + timedelta(days=1), name="Trần Thị Bình")
    first = receive_at(factory, org, now, name="Lê Văn An")
    send_to_agency(factory, org, first.code, now + timedelta(hours=2))
    late_evening = datetime(2026, 3, 3, 23, 30, tzinfo=VN_TZ)  # still 3 March in Vietnam, 4 March nowhere
    third = receive_at(factory, org, late_evening, name="Phạm Văn Cường")
    receive_at(factory, org, datetime(2026, 3, 4, 8, 0, tzinfo=VN_TZ), name="Ngoài kỳ")
    receive_at(factory, org, now, unit=WARD, officer="motcua.hoabinh", name="Người ở phường")

    rows = centre_rows(factory, org, date(2026, 3, 1), date(2026, 3, 3))

    assert [r.code for r in rows] == [first.code, second.code, third.code]
    assert [r.number for r in rows] == [2, 1, 3]  # the desk's register numbers, given in the order it received them
    assert [r.applicant_name for r in rows] == ["Lê Văn An", "Trần Thị Bình", "Phạm Văn Cường"]
    assert rows[0].received_at == now and rows[0].due_at == first.due_at and rows[0].quantity == 1
    assert rows[0].address_phone == "Số 12 phố Hàng Bạc, 0912345678"
    assert rows[0].deciding_unit_name and rows[0].status_label == "Đang xử lý"
    assert rows[0].transferred_at == now + timedelta(hours=2)  # the desk's step done: sent to the agency
    assert rows[1].transferred_at is None and rows[1].status_label == "Được tiếp nhận"


def test_open_dossier_past_its_due_date_is_noted_as_overdue(factory, org, now):
    receipt = receive_at(factory, org, now)
    rows = centre_rows(factory, org, date(2026, 3, 2), date(2026, 3, 2), now=receipt.due_at + timedelta(days=1))
    assert "Quá hạn" in rows[0].note
    assert "Quá hạn" not in centre_rows(factory, org, date(2026, 3, 2), date(2026, 3, 2), now=now)[0].note


def test_officer_of_another_unit_cannot_open_the_centres_register(factory, org, now):
    receive_at(factory, org, now)
    with pytest.raises(Forbidden):
        centre_rows(factory, org, date(2026, 3, 1), date(2026, 3, 31), username="motcua.hoabinh")
    with unit_of_work(factory) as s:
        assert [u.code for u in register_units(s, org["motcua.hoabinh"])] == [WARD]


def test_period_ending_before_it_starts_is_refused(factory, org):
    with pytest.raises(ValidationFailed):
        centre_rows(factory, org, date(2026, 3, 5), date(2026, 3, 1))


def test_excel_register_has_the_header_and_one_row_per_dossier_with_real_dates(factory, org, now):
    first = receive_at(factory, org, now)
    second = receive_at(factory, org, now + timedelta(hours=3))
    rows = centre_rows(factory, org, date(2026, 3, 1), date(2026, 3, 31))

    sheet = load_workbook(BytesIO(register_workbook(rows, "Trung tâm", date(2026, 3, 1), date(2026, 3, 31)))).active

    assert sheet["A1"].value == "SỔ THEO DÕI HỒ SƠ"
    assert [c.value for c in sheet[HEADER_ROW]] == [heading for heading, _f, _w in COLUMNS]
    data = list(sheet.iter_rows(min_row=HEADER_ROW + 1, values_only=True))
    assert [line[1] for line in data] == [first.code, second.code]
    received = sheet.cell(row=HEADER_ROW + 1, column=8)
    assert received.is_date and received.value == datetime(2026, 3, 2, 9, 0)  # Vietnam wall-clock time
    assert received.number_format.startswith("dd/mm/yyyy")
    assert sheet.freeze_panes == f"A{HEADER_ROW + 1}"


def test_an_applicant_name_that_looks_like_a_formula_stays_text_in_the_excel_register(factory, org, now):
    name = '=HYPERLINK("http://evil.example","x")'
    with unit_of_work(factory) as s:
        receive_dossier(s, procedure_code="dinh-chinh-gcn", channel="direct", received_at=now,
                        applicant={"name": name, "address": "@SUM(1+1)", "phone": "+84 912345678"},
                        receiving_unit_code=CENTRE, actor_id=org["motcua.tinh"], now=now)
    rows = centre_rows(factory, org, date(2026, 3, 2), date(2026, 3, 2))

    sheet = load_workbook(BytesIO(register_workbook(rows, "=Trung tâm", date(2026, 3, 2), date(2026, 3, 2)))).active

    fields = [field for _heading, field, _width in COLUMNS]
    applicant = sheet.cell(row=HEADER_ROW + 1, column=fields.index("applicant_name") + 1)
    contact = sheet.cell(row=HEADER_ROW + 1, column=fields.index("address_phone") + 1)
    assert (applicant.data_type, applicant.value, applicant.quotePrefix) == ("s", name, True)
    assert (contact.data_type, contact.value) == ("s", "@SUM(1+1), +84 912345678")
    assert (sheet["A2"].data_type, sheet["A2"].value) == ("s", "=Trung tâm")
    assert not [c.coordinate for row in sheet.iter_rows() for c in row if c.data_type == "f"]
