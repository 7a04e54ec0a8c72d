"""The register page (Mẫu 07): on screen for the user's units, as an Excel download and a print view."""
from __future__ import annotations

from io import BytesIO

from openpyxl import load_workbook
from sqlalchemy import select

from engine.infra.db import unit_of_work
from engine.models import Unit
from engine.views.register import HEADER_ROW
from webpages import login, receive

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def unit_id(factory, code):
    with unit_of_work(factory) as s:
        return s.scalar(select(Unit.id).where(Unit.code == code))


def test_register_shows_this_months_dossiers_of_the_users_unit(client, factory, org, now):
    receipt = receive(factory, org, now)
    login(client, "motcua.tinh")
    page = client.get("/register")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "Sổ theo dõi hồ sơ" in html and receipt.code in html and "Hoàng Văn Dũng" in html
    assert 'value="2026-03-01"' in html and 'value="2026-03-02"' in html  # this month so far
    assert "/register.xlsx?" in html and "Tải Excel" in html


def test_register_downloads_as_an_excel_file_with_one_row_per_dossier(client, factory, org, now):
    receipt = receive(factory, org, now)
    login(client, "motcua.tinh")
    centre = unit_id(factory, "000.00.01.H99")
    response = client.get(f"/register.xlsx?unit={centre}&from=2026-03-01&to=2026-03-31")
    assert response.status_code == 200 and response.mimetype == XLSX
    assert "attachment" in response.headers["Content-Disposition"]
    sheet = load_workbook(BytesIO(response.data)).active
    rows = list(sheet.iter_rows(min_row=HEADER_ROW + 1, values_only=True))
    assert [row[1] for row in rows] == [receipt.code]


def test_register_print_view_is_landscape_mau07(client, factory, org, now):
    receipt = receive(factory, org, now)
    login(client, "motcua.tinh")
    centre = unit_id(factory, "000.00.01.H99")
    html = client.get(f"/register/print?unit={centre}&from=2026-03-01&to=2026-03-31").get_data(as_text=True)
    assert "Mẫu số 07" in html and receipt.code in html and "mau07.css" in html
    assert "landscape" in client.get("/static/mau07.css").get_data(as_text=True)


def test_officer_of_another_unit_cannot_open_the_centres_register(client, factory, org, now):
    receive(factory, org, now)
    login(client, "motcua.hoabinh")
    centre = unit_id(factory, "000.00.01.H99")
    for url in ("/register", "/register.xlsx", "/register/print"):
        assert client.get(f"{url}?unit={centre}").status_code == 403


def test_invalid_period_is_refused_in_vietnamese(client, org):
    login(client, "motcua.tinh")
    for query, message in (("from=2026-03-10&to=2026-03-01", "Từ ngày phải trước hoặc bằng đến ngày."),
                           ("from=10/03/2026", "Ngày không hợp lệ"), ("to=ngay-mai", "Ngày không hợp lệ")):
        page = client.get(f"/register?{query}")
        assert page.status_code == 422
        assert message in page.get_data(as_text=True) and 'name="from"' in page.get_data(as_text=True)
    assert client.get("/register.xlsx?from=2026-03-10&to=2026-03-01").status_code == 422


def test_register_needs_sign_in(client):
    assert client.get("/register").status_code == 302
