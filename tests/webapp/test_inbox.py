"""The inbox: tabs of open work by role and unit with counts, search, timing flags and claiming, in Vietnam time."""
from __future__ import annotations

import re
from datetime import timedelta

from engine import receive_dossier
from engine.infra.db import unit_of_work

from webpages import RECEPTION, csrf_token, inbox_items, login, receive


def test_received_dossier_appears_in_the_one_stop_officers_inbox(client, factory, org, now):
    receipt = receive(factory, org, now)
    login(client, "motcua.tinh")
    html = client.get("/").get_data(as_text=True)
    assert receipt.code in html and RECEPTION in html
    for heading in ("Mã hồ sơ", "Bước", "Nhận lúc", "Hạn bước"):
        assert f">{heading}</th>" in html
    assert "02/03/2026 09:00" in html  # ready_at 02:00 UTC shown in Asia/Ho_Chi_Minh time
    item_id = inbox_items(factory, org["motcua.tinh"])[0][0]
    assert f'href="/tasks/{item_id}"' in html


def test_received_dossier_is_not_in_another_units_inbox(client, factory, org, now):
    receipt = receive(factory, org, now)
    login(client, "motcua.hoabinh")
    html = client.get("/").get_data(as_text=True)
    assert receipt.code not in html
    assert "Hiện không có công việc nào đang chờ bạn xử lý." in html


def test_another_units_officer_gets_403_on_the_task_page(client, factory, org, now):
    receive(factory, org, now)
    item_id = inbox_items(factory, org["motcua.tinh"])[0][0]
    login(client, "motcua.hoabinh")
    response = client.get(f"/tasks/{item_id}")
    assert response.status_code == 403
    html = response.get_data(as_text=True)
    assert "Bạn không có vai trò xử lý công việc này tại đơn vị của nó." in html
    assert "Hoàng Văn Dũng" not in html


def test_unknown_task_is_404_in_vietnamese(client, org):
    login(client, "motcua.tinh")
    response = client.get("/tasks/999999")
    assert response.status_code == 404
    assert "Không có công việc #999999." in response.get_data(as_text=True)


def receive_for(factory, org, when, name):
    applicant = {"name": name, "id_number": "001085012345", "phone": "0912345678", "address": "Hà Nội"}
    with unit_of_work(factory) as session:
        return receive_dossier(session, procedure_code="dinh-chinh-gcn", applicant=applicant, channel="direct",
                               received_at=when, receiving_unit_code="000.00.01.H99",
                               actor_id=org["motcua.tinh"], now=when)


def row_of(html: str, code: str) -> str:
    return next(row for row in re.findall(r"<tr[^>]*>.*?</tr>", html, re.S) if code in row)


def test_tabs_show_each_views_count_and_the_unit_tab_lists_unclaimed_work(client, factory, org, now):
    first = receive_for(factory, org, now, "Hoàng Văn Dũng")
    second = receive_for(factory, org, now - timedelta(days=3), "Đỗ Thị Ánh")  # last Friday: late
    login(client, "motcua.tinh")
    html = client.get("/?view=unit").get_data(as_text=True)
    for label, count in (("Được giao cho tôi", 0), ("Chưa nhận của đơn vị", 2), ("Sắp đến hạn", 1), ("Quá hạn", 1)):
        assert f'{label} <span class="count">{count}</span>' in html, label
    assert first.code in html and second.code in html
    assert "Đính chính Giấy chứng nhận đã cấp" in html  # the procedure column
    assert html.index(second.code) < html.index(first.code)  # earliest step due first
    late = row_of(html, second.code)
    assert late.startswith('<tr class="late">') and "Quá hạn</span>" in late and "quá " in late
    soon = row_of(html, first.code)
    assert soon.startswith('<tr class="due-soon">') and "Sắp đến hạn</span>" in soon
    overdue = client.get("/?view=overdue").get_data(as_text=True)
    assert second.code in overdue and first.code not in overdue


def test_claiming_from_the_inbox_moves_the_row_to_my_tab(client, factory, org, now):
    receipt = receive(factory, org, now)
    item_id = inbox_items(factory, org["motcua.tinh"])[0][0]
    login(client, "motcua.tinh")
    html = client.get("/?view=unit").get_data(as_text=True)
    assert f'action="/tasks/{item_id}/claim"' in row_of(html, receipt.code)
    response = client.post(f"/tasks/{item_id}/claim", data={"csrf_token": csrf_token(html)})
    assert response.status_code == 302
    mine = client.get("/?view=mine").get_data(as_text=True)
    assert receipt.code in mine and "Đã nhận" in row_of(mine, receipt.code)
    assert 'Được giao cho tôi <span class="count">1</span>' in mine
    assert receipt.code not in client.get("/?view=unit").get_data(as_text=True)


def test_search_and_procedure_filter_narrow_the_list(client, factory, org, now):
    first = receive_for(factory, org, now, "Hoàng Văn Dũng")
    second = receive_for(factory, org, now, "Đỗ Thị Ánh")
    login(client, "motcua.tinh")
    html = client.get("/?view=unit&q=đỗ+thị").get_data(as_text=True)
    assert second.code in html and first.code not in html
    assert 'value="đỗ thị"' in html
    html = client.get("/?view=unit&procedure=1.004227").get_data(as_text=True)
    assert first.code in html and second.code in html
    html = client.get("/?view=unit&q=không-có-ai").get_data(as_text=True)
    assert "Không có công việc nào khớp với điều kiện tìm kiếm." in html


def test_an_unknown_tab_falls_back_to_my_work(client, org):
    login(client, "motcua.tinh")
    response = client.get("/?view=tat-ca")
    assert response.status_code == 200
    assert 'aria-current="page" class="inbox-tab">Được giao cho tôi' in response.get_data(as_text=True)


def test_a_step_late_by_days_is_told_in_working_days_not_hundreds_of_hours(client, factory, org, now):
    """Received Monday 23 February 2026 09:00 (the first working day after Tết), the half-day reception step was
    due at 14:45 that day. At the page's 10:00 on Monday 2 March it is late by 2 h 15 that afternoon, four whole
    working days of 7 h 30 and 2 h 30 this morning: 34 h 45 of office time, four working days and 4 h 45."""
    late = receive_for(factory, org, now - timedelta(days=7), "Đỗ Thị Ánh")
    login(client, "motcua.tinh")
    row = row_of(client.get("/?view=overdue").get_data(as_text=True), late.code)
    # a line may break only between the parts: non-breaking spaces inside them
    assert "quá 4\xa0ngày\xa0làm\xa0việc 4\xa0giờ\xa045\xa0phút" in row and "34\xa0giờ" not in row
    english = row_of(client.get("/?view=overdue&lang=en").get_data(as_text=True), late.code)
    assert "4 working days 4 h 45 min overdue" in english.replace("\xa0", " ")


def test_working_time_counts_whole_working_days_of_the_units_calendar(app):
    from webapp import display

    def working_time(*args) -> str:
        return display.working_time(*args).replace("\xa0", " ")

    with app.test_request_context("/"):
        assert working_time(None, 7.5) == "—"
        assert working_time(timedelta(hours=3, minutes=45), 7.5) == "3 giờ 45 phút"  # under a day: as before
        assert working_time(timedelta(minutes=20), 7.5) == "20 phút"
        assert working_time(timedelta(hours=7, minutes=30), 7.5) == "1 ngày làm việc"
        assert working_time(timedelta(hours=8), 7.5) == "1 ngày làm việc 30 phút"
        assert working_time(-timedelta(hours=1447, minutes=30), 8) == "quá 180 ngày làm việc 7 giờ 30 phút"
        assert working_time(-timedelta(hours=1447, minutes=30)) == "quá 1447 giờ 30 phút"  # no calendar known
    with app.test_request_context("/?lang=en"):
        assert working_time(-timedelta(hours=7, minutes=30), 7.5) == "1 working day overdue"
        assert working_time(timedelta(hours=9), 7.5) == "1 working day 1 h 30 min"
        assert working_time(timedelta(hours=15), 7.5) == "2 working days"
