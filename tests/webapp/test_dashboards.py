"""The leaders' dashboard and the dossiers behind its figures, after dossiers went through the reception desk."""
from __future__ import annotations

import html as markup
import io
import json
import re
from datetime import datetime

from sqlalchemy import select

from engine import REPORT_MEASURES
from engine.infra.clock import VN_TZ
from engine.infra.db import unit_of_work
from engine.models import Unit
from engine.views import report_details
from webapp.dashboards import MEASURE_LABELS
from webpages import csrf_token, form_token, login, post_form

RECEPTION = "/reception/dinh-chinh-gcn"
COMPONENTS = ["Đơn đăng ký biến động đất đai, tài sản gắn liền với đất theo Mẫu số 11/ĐK",
              "Bản gốc Giấy chứng nhận đã cấp"]
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
APPLICANTS = [{"applicant_name": "Vũ Thị Thu Trang", "applicant_id_number": "036190004567",
               "applicant_phone": "0987654321", "applicant_address": "Thôn Đông, xã Yên Lạc"},
              {"applicant_name": "Hoàng Văn Dũng", "applicant_id_number": "001085012345",
               "applicant_phone": "0912345678", "applicant_address": "Số 12 phố Hàng Bạc"}]
BRANCH = "000.21.01.H99"  # the land registry branch: it decides land-certificate corrections


def receive_at_desk(client, applicant: dict) -> str:
    """One dossier received through the desk's form, as the one-stop officer does; its code."""
    login(client, "motcua.tinh")
    page = client.get(RECEPTION).get_data(as_text=True)
    response = client.post(RECEPTION, content_type="multipart/form-data", data={
        "csrf_token": csrf_token(page), "form_token": form_token(page), "action": "receive", "channel": "direct",
        "return_method": "desk", **applicant, "components": COMPONENTS, "file_1": (io.BytesIO(PDF), "gcn.pdf")})
    assert response.status_code == 302, response.get_data(as_text=True)
    return response.headers["Location"].rsplit("/", 1)[1]


def unit_id(factory, code: str) -> int:
    with unit_of_work(factory) as s:
        return s.scalar(select(Unit.id).where(Unit.code == code))


def table(html: str, table_id: str) -> list[list[str]]:
    """The text of each body row of a table, cell by cell, tags stripped."""
    body = re.search(rf'<table[^>]*id="{table_id}".*?<tbody>(.*?)</tbody>', html, re.S).group(1)
    return [[markup.unescape(re.sub(r"<[^>]+>|\s+", " ", cell)).strip()
             for cell in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, re.S)]
            for row in re.findall(r"<tr>(.*?)</tr>", body, re.S)]


def link_of(html: str, table_id: str, measure: str, text: str) -> str:
    """The address a number of the table links to, found by its measure and its text."""
    body = re.search(rf'<table[^>]*id="{table_id}".*?</table>', html, re.S).group(0)
    for href, shown in re.findall(r'<a href="([^"]+)"[^>]*>([^<]*)</a>', body):
        href = markup.unescape(href)
        if f"measure={measure}&" in href + "&" and shown == text:
            return href
    raise AssertionError(f"no link {text} to {measure} in {table_id}")


def codes(html: str) -> list[str]:
    return re.findall(r'<td class="code"><a href="/dossiers/([^"]+)">', html)


def test_every_figure_of_the_report_has_a_vietnamese_heading():
    assert set(MEASURE_LABELS) == set(REPORT_MEASURES) | {"received_new", "received_total", "in_progress",
                                                          "judged_on_time"}


def test_leader_sees_the_dashboard_with_the_desks_dossiers(client, factory, org, fixed_clock):
    first, second = (receive_at_desk(client, applicant) for applicant in APPLICANTS)
    fixed_clock.advance(minutes=5)  # the lists count up to the instant they are read, excluded
    login(client, "lanhdao.vpdk")
    page = client.get("/dashboard")
    html = page.get_data(as_text=True)
    assert page.status_code == 200, html
    assert 'value="2026-01-01"' in html and 'value="2026-03-02"' in html  # from 1 January to today
    assert table(html, "trend-table") == [["Tháng 1/2026", "0", "0", "0"], ["Tháng 2/2026", "0", "0", "0"],
                                          ["Tháng 3/2026", "2", "0", "0"]]
    branch = "Chi nhánh Văn phòng Đăng ký đất đai khu vực Trung tâm"
    assert table(html, "units-table") == [[branch, "2", "0", "0", "0", "100,0 %"]]  # open, not yet due
    assert "Trong kỳ không có hồ sơ nào giải quyết quá hạn" in html
    data = json.loads(re.search(r'<script type="application/json" id="dashboard-data">(.*?)</script>',
                                html, re.S).group(1))
    assert data["trend"]["labels"] == ["Tháng 1/2026", "Tháng 2/2026", "Tháng 3/2026"]
    assert [d["values"] for d in data["trend"]["datasets"]] == [[0, 0, 2], [0, 0, 0], [0, 0, 0]]
    assert data["units"]["datasets"][-1]["values"] == [100.0]
    assert "build/dashboard.js" in html and "<script>" not in html  # no inline script (Content-Security-Policy)
    march = link_of(html, "trend-table", "received_new", "2")
    assert "from=2026-03-01" in march and "to=2026-03-02" in march
    listed = client.get(march).get_data(as_text=True)
    assert "Hồ sơ mới tiếp nhận trong kỳ" in listed and set(codes(listed)) == {first, second}
    assert "Về bảng điều khiển" in listed and "Vũ Thị Thu Trang" in listed


def test_a_dossier_stopped_after_its_due_date_is_listed_as_resolved_late(client, factory, org, fixed_clock):
    late, running = (receive_at_desk(client, applicant) for applicant in APPLICANTS)
    fixed_clock.set(datetime(2026, 3, 20, 9, 0, tzinfo=VN_TZ))  # after the due date, 12 March
    login(client, "lanhdao.vpdk")
    assert post_form(client, f"/dossiers/{late}/stop", {"reason": "Người nộp xin rút hồ sơ"},
                     f"/dossiers/{late}").status_code == 302
    fixed_clock.advance(minutes=5)
    branch = unit_id(factory, BRANCH)
    html = client.get("/dashboard").get_data(as_text=True)
    assert table(html, "trend-table")[-1] == ["Tháng 3/2026", "2", "1", "1"]
    assert table(html, "late-table")[0][2:] == ["2", "1", "1", "0,0 %"]  # both late: one ended, one open
    listed = client.get(link_of(html, "trend-table", "resolved_late", "1")).get_data(as_text=True)
    assert "Hồ sơ giải quyết quá hạn" in listed and codes(listed) == [late]
    assert "Dừng xử lý" in listed and "Quá hạn" in listed
    query = f"unit={branch}&from=2026-03-01&to=2026-03-31"
    overdue = client.get(f"/reports/dossiers?{query}&measure=in_progress_overdue").get_data(as_text=True)
    assert "Hồ sơ đang giải quyết quá hạn" in overdue and codes(overdue) == [running]
    new = client.get(f"/reports/dossiers?{query}&measure=received_new").get_data(as_text=True)
    assert sorted(codes(new)) == sorted([late, running])
    assert "Về báo cáo" in new  # without `back`, the way back is the periodic report


def test_the_list_is_paged(client, factory, org, fixed_clock, monkeypatch):
    first, second = (receive_at_desk(client, applicant) for applicant in APPLICANTS)
    fixed_clock.advance(minutes=5)
    monkeypatch.setattr(report_details, "PER_PAGE", 1)
    login(client, "lanhdao.vpdk")
    html = client.get("/reports/dossiers?measure=received_new&back=dashboard").get_data(as_text=True)
    assert codes(html) == [second] and "Trang 1/2" in html  # newest first
    following = markup.unescape(re.search(r'<a class="button secondary small" href="([^"]+)" rel="next">',
                                          html).group(1))
    assert "page=2" in following and "back=dashboard" in following
    assert codes(client.get(following).get_data(as_text=True)) == [first]


def test_an_officer_and_another_units_leader_are_refused(client, factory, org):
    receive_at_desk(client, APPLICANTS[0])
    login(client, "motcua.tinh")
    assert client.get("/dashboard").status_code == 403
    assert client.get("/reports/dossiers?measure=resolved").status_code == 403
    login(client, "lanhdao.hoabinh")
    branch = unit_id(factory, BRANCH)
    assert client.get("/dashboard").status_code == 200  # their own ward's
    assert client.get(f"/dashboard?unit={branch}").status_code == 403
    assert client.get(f"/reports/dossiers?unit={branch}&measure=received_new").status_code == 403


def test_a_bad_measure_or_period_is_refused_with_its_reason(client, org):
    login(client, "lanhdao.vpdk")
    for url, message in (("/reports/dossiers?measure=khong-co", "Chỉ tiêu không hợp lệ."),
                         ("/reports/dossiers", "Chỉ tiêu không hợp lệ."),
                         ("/reports/dossiers?measure=work_centidays", "Chỉ tiêu không hợp lệ."),
                         ("/reports/dossiers?measure=resolved&from=2026-03-10&to=2026-03-01",
                          "Từ ngày phải trước hoặc bằng đến ngày."),
                         ("/dashboard?from=2026-03-10&to=2026-03-01", "Từ ngày phải trước hoặc bằng đến ngày."),
                         ("/dashboard?from=2020-01-01&to=2026-03-01", "Mỗi báo cáo tối đa 5 năm."),
                         ("/dashboard?from=01/03/2026", "Ngày không hợp lệ"),
                         ("/dashboard?unit=abc", "Đơn vị không hợp lệ."),
                         ("/reports/dossiers?measure=resolved&page=0", "Số trang là số nguyên dương.")):
        page = client.get(url)
        assert page.status_code == 400, url
        assert message in page.get_data(as_text=True), url


def test_the_dashboard_needs_sign_in(client):
    assert client.get("/dashboard").status_code == 302
    assert client.get("/reports/dossiers?measure=resolved").status_code == 302


def test_a_leader_above_the_units_reads_the_list_but_opens_only_dossiers_they_may_view(client, factory, org,
                                                                                       fixed_clock):
    code = receive_at_desk(client, APPLICANTS[0])
    fixed_clock.advance(minutes=5)
    login(client, "lanhdao.tinh")  # the province's leader: figures of every unit, no role at the desk or branch
    listed = client.get("/reports/dossiers?measure=received_new").get_data(as_text=True)
    assert code in listed and codes(listed) == []  # listed, not linked
    assert client.get(f"/dossiers/{code}").status_code in (403, 404)
    login(client, "lanhdao.vpdk")
    assert codes(client.get("/reports/dossiers?measure=received_new").get_data(as_text=True)) == [code]
