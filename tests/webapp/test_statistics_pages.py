"""The periodic report (screen, A4 print, Excel, PDF) and the QĐ 766 indicators, for leaders only."""
from __future__ import annotations

import re
from io import BytesIO

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from engine import report_pdf
from engine.infra.db import unit_of_work
from engine.models import Procedure, Unit
from engine.views.report_files import COLUMNS, EXCEL_HEADER_ROW, HEADER_DEPTH, header_rows
from engine.views.reports import Figures, Report, ReportLine
from webpages import login, receive

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
VPDK = "000.21.01.H99"  # decides the land-certificate correction the desk of the province's centre receives
PAGES = ("/reports", "/reports/print", "/reports.xlsx", "/reports.pdf", "/reports/indicators")


@pytest.fixture
def app(app):
    """The drill-down and the dashboard live in the dashboards blueprint; where it does not have them yet, a
    stand-in endpoint lets url_for build the links these pages carry."""
    for name in ("dossiers", "index"):
        if f"dashboards.{name}" not in app.view_functions:
            app.add_url_rule(f"/stand-in/dashboards/{name}", f"dashboards.{name}", lambda: "")
    return app


def ids(factory):
    with unit_of_work(factory) as s:
        unit = s.scalar(select(Unit.id).where(Unit.code == VPDK))
        procedure = s.scalar(select(Procedure).where(Procedure.slug == "dinh-chinh-gcn"))
        return unit, procedure.id, procedure.name, procedure.field


def test_leader_reads_the_report_of_dossiers_received_at_the_desk(client, factory, org, now):
    receive(factory, org, now)
    receive(factory, org, now)
    unit, procedure_id, procedure_name, field = ids(factory)
    login(client, "lanhdao.vpdk")
    page = client.get("/reports")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "Số hồ sơ nhận giải quyết" in html and "Bưu chính công ích" in html and "Tỷ lệ đúng hạn (%)" in html
    assert 'value="2026-01-01"' in html and 'value="2026-03-02"' in html  # this year so far, Vietnam time
    assert procedure_name in html and f"<strong>{field}</strong>" in html and "Tổng cộng" in html
    assert "100,0 %" in html
    links = re.findall(r'href="([^"]*measure=[^"]*)"', html)
    direct = [link for link in links if "measure=received_direct" in link]
    assert any(f"procedure={procedure_id}" in link for link in direct)  # the procedure's line
    assert any("field=" in link for link in direct)  # the field's line
    assert all(f"unit={unit}" in link and "from=2026-01-01" in link and "to=2026-03-02" in link for link in links)
    assert not any("measure=resolved_late" in link for link in links)  # a zero is not a link
    for text in ("In (A4)", "Tải Excel", "Tải PDF", "Chỉ số 766", "Bảng điều khiển"):
        assert text in html
    assert '/reports.xlsx?' in html and '/reports.pdf?' in html and '/reports/indicators?' in html
    assert ">Báo cáo</a>" in html  # the menu leads leaders here


def test_the_report_cells_count_the_dossiers(client, factory, org, now):
    receive(factory, org, now)
    receive(factory, org, now)
    login(client, "lanhdao.vpdk")
    html = client.get("/reports").get_data(as_text=True)
    total = html[html.index("report-total"):]
    cells = re.findall(r"<td[^>]*>(.*?)</td>", total, re.S)
    values = [re.sub(r"<[^>]+>", "", cell).strip() for cell in cells[2:2 + len(COLUMNS)]]
    by_measure = dict(zip([c.measure for c in COLUMNS], values))
    assert by_measure["received_total"] == "2" and by_measure["received_direct"] == "2"
    assert by_measure["carried_over"] == "0" and by_measure["in_progress_not_due"] == "2"
    assert by_measure["on_time_rate"] == "100,0 %"


def test_officials_who_lead_nothing_are_refused(client, factory, org, now):
    receive(factory, org, now)
    for username in ("chuyenvien.vpdk", "motcua.tinh"):
        login(client, username)
        for url in PAGES:
            assert client.get(url).status_code == 403, (username, url)
    login(client, "chuyenvien.vpdk")
    assert ">Báo cáo</a>" not in client.get("/inbox").get_data(as_text=True)


def test_a_unit_the_leader_does_not_lead_is_refused(client, factory, org):
    with unit_of_work(factory) as s:
        centre = s.scalar(select(Unit.id).where(Unit.code == "000.00.01.H99"))
    login(client, "lanhdao.vpdk")
    for url in PAGES:
        assert client.get(f"{url}?unit={centre}").status_code == 403, url


def test_a_bad_period_is_a_bad_request_with_its_message(client, org):
    login(client, "lanhdao.vpdk")
    for query, message in (("from=2026-03-10&to=2026-03-01", "Từ ngày phải trước hoặc bằng đến ngày."),
                           ("from=2020-01-01&to=2026-03-01", "Mỗi báo cáo tối đa 5 năm."),
                           ("from=10/03/2026", "Ngày không hợp lệ")):
        for url in ("/reports", "/reports/indicators"):
            page = client.get(f"{url}?{query}")
            html = page.get_data(as_text=True)
            assert page.status_code == 400, (url, query)
            assert message in html and 'name="from"' in html  # the form is shown again
        for url in ("/reports/print", "/reports.xlsx", "/reports.pdf"):
            page = client.get(f"{url}?{query}")
            assert page.status_code == 400 and message in page.get_data(as_text=True), (url, query)
    html = client.get("/reports?from=2026-03-10&to=2026-03-01").get_data(as_text=True)
    assert 'value="2026-03-10"' in html and 'value="2026-03-01"' in html  # as typed


def test_the_report_downloads_as_an_excel_file_with_numbers(client, factory, org, now):
    receive(factory, org, now)
    receive(factory, org, now)
    unit, procedure_id, procedure_name, field = ids(factory)
    login(client, "lanhdao.vpdk")
    response = client.get(f"/reports.xlsx?unit={unit}&from=2026-03-01&to=2026-03-31")
    assert response.status_code == 200 and response.mimetype == XLSX
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith("attachment") and disposition.isascii() and ".xlsx" in disposition
    sheet = load_workbook(BytesIO(response.data)).active
    assert sheet["A1"].value == "BÁO CÁO TÌNH HÌNH, KẾT QUẢ GIẢI QUYẾT THỦ TỤC HÀNH CHÍNH"
    assert sheet["A3"].value == "Từ ngày 01/03/2026 đến ngày 31/03/2026"
    assert sheet.cell(row=EXCEL_HEADER_ROW, column=3).value == "Số hồ sơ nhận giải quyết"
    merged = {str(item) for item in sheet.merged_cells.ranges}
    assert "C5:G5" in merged and "E6:G6" in merged and "A5:A7" in merged
    first = EXCEL_HEADER_ROW + HEADER_DEPTH
    rows = list(sheet.iter_rows(min_row=first, values_only=True))
    assert [row[1] for row in rows] == [field, procedure_name, "Tổng cộng"]
    column = {c.measure: index for index, c in enumerate(COLUMNS, start=2)}
    total = rows[-1]
    assert total[column["received_total"]] == 2 and total[column["received_direct"]] == 2
    assert total[column["received_online"]] == 0 and total[column["in_progress"]] == 2
    assert total[column["on_time_rate"]] == 1.0
    assert sheet.cell(row=first + 2, column=column["on_time_rate"] + 1).number_format == "0.0%"
    assert sheet.freeze_panes == f"C{first}" and sheet.page_setup.orientation == "landscape"


def test_the_report_downloads_as_a_pdf_in_vietnamese(client, factory, org, now):
    receive(factory, org, now)
    _unit, _procedure_id, procedure_name, _field = ids(factory)
    login(client, "lanhdao.vpdk")
    response = client.get("/reports.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith("attachment") and disposition.isascii() and ".pdf" in disposition
    assert response.data.startswith(b"%PDF") and len(response.data) > 5000
    assert b"DejaVuSans" in response.data  # the fonts with Vietnamese diacritics are embedded
    pypdf = pytest.importorskip("pypdf")
    text = " ".join(" ".join(page.extract_text().split()) for page in pypdf.PdfReader(BytesIO(response.data)).pages)
    for words in ("BÁO CÁO TÌNH HÌNH, KẾT QUẢ GIẢI QUYẾT THỦ TỤC HÀNH CHÍNH", "Bưu chính công ích",
                  "Chi nhánh Văn phòng Đăng ký đất đai", "Tổng cộng", "100,0 %", "NGƯỜI LẬP BIỂU"):
        assert words in text, words


def test_the_pdf_repeats_the_header_on_every_page(client, factory, org, now):
    """Many lines: the table runs over pages and each page starts with the grouped header."""
    pypdf = pytest.importorskip("pypdf")
    with unit_of_work(factory) as s:
        unit = s.scalar(select(Unit).where(Unit.code == VPDK))
        report = Report(unit, now.date(), now.date(), now)
        for n in range(60):
            report.lines.append(ReportLine(f"Thủ tục số {n} về đất đai", Figures(received_direct=n), 1, "Đất đai"))
        data = report_pdf(report, client.application.static_folder + "/build/fonts", now)
    pages = pypdf.PdfReader(BytesIO(data)).pages
    assert len(pages) > 1
    assert all("Số hồ sơ đã giải quyết" in page.extract_text() for page in pages[:-1])


def test_print_view_is_the_a4_landscape_report(client, factory, org, now):
    receive(factory, org, now)
    unit, _procedure_id, procedure_name, _field = ids(factory)
    login(client, "lanhdao.vpdk")
    page = client.get(f"/reports/print?unit={unit}&from=2026-03-01&to=2026-03-02")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "Báo cáo tình hình, kết quả giải quyết thủ tục hành chính" in html and "mau07.css" in html
    assert "Từ ngày 01/03/2026 đến ngày 02/03/2026" in html and procedure_name in html
    assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in html and "Người lập biểu" in html
    assert 'colspan="5">Số hồ sơ nhận giải quyết' in html and 'rowspan="3">STT' in html


def test_indicators_page_shows_the_766_indicators_and_times(client, factory, org, now):
    receive(factory, org, now)
    _unit, procedure_id, procedure_name, _field = ids(factory)
    login(client, "lanhdao.vpdk")
    page = client.get("/reports/indicators")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    for text in ("2.1", "Tỷ lệ hồ sơ xử lý trước hạn, đúng hạn", "5.4", "điểm tối đa chưa xác minh", "Tổng điểm",
                 "Thời gian giải quyết trung bình theo thủ tục", procedure_name, "100,0 %"):
        assert text in html, text
    assert re.search(r'href="[^"]*measure=received_online', html) is None  # 0 online: no link
    assert re.search(r'href="[^"]*measure=judged_on_time', html)  # 1 judged on time (open, not due)


def test_header_rows_span_the_groups():
    top, middle, bottom = header_rows()
    assert [(c.text, c.rowspan, c.colspan) for c in top[:5]] == [
        ("STT", 3, 1), ("Lĩnh vực, thủ tục hành chính", 3, 1), ("Số hồ sơ nhận giải quyết", 1, 5),
        ("Số hồ sơ đã giải quyết", 1, 4), ("Số hồ sơ đang giải quyết", 1, 3)]
    assert [(c.text, c.colspan) for c in middle[:3]] == [("Tổng số", 1), ("Kỳ trước chuyển qua", 1),
                                                         ("Mới tiếp nhận", 3)]
    assert [c.text for c in bottom] == ["Trực tuyến", "Trực tiếp", "Bưu chính công ích"]
    assert sum(c.colspan for c in top) == 2 + len(COLUMNS)
