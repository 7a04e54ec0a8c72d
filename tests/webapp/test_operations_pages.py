"""The administrator's operations pages: the morning overview, an instance in error retried (twice: a clear 409),
terminated with a reason, the audit trail filtered, paged and exported."""
from __future__ import annotations

from datetime import datetime, timedelta
from io import BytesIO

from openpyxl import load_workbook
from sqlalchemy import select, update
from webpages import csrf_token, login, post_form, receive

from engine import fire_due_timers, record_event
from engine.infra.db import unit_of_work
from engine.models import Event, ProcessInstance

ADMIN = "quantri.tinh"


def errored(factory, org, now) -> tuple[int, str]:
    """A received dossier whose instance the timer sweep marked in error (its stored state unreadable)."""
    receipt = receive(factory, org, now)
    with unit_of_work(factory) as session:
        instance = session.scalar(select(ProcessInstance))
        good = instance.state
        session.execute(update(ProcessInstance).values(state='{"serializer_version": "0.0"}', next_timer_at=now))
    fire_due_timers(factory, now + timedelta(minutes=1))
    with unit_of_work(factory) as session:
        assert session.scalar(select(ProcessInstance.status)) == "error"
        session.execute(update(ProcessInstance).values(state=good))  # the fix, before the administrator retries
    return instance.id, receipt.code


def test_the_administrator_lands_on_the_overview_with_the_counts(client, factory, org, now):
    errored(factory, org, now)
    response = login(client, ADMIN)
    assert response.headers["Location"] == "/operations"
    html = client.get("/operations").get_data(as_text=True)
    assert 'href="/operations/instances"' in html and "Tiến trình lỗi" in html
    assert 'class="operations-number">1</span>' in html
    assert "Chờ phê duyệt: 0" in html and 'href="/versions"' in html
    assert ">Vận hành</a>" in html  # the menu entry


def test_retrying_twice_gives_a_clear_conflict_and_terminating_needs_a_reason(client, factory, org, now):
    instance_id, code = errored(factory, org, now)
    login(client, ADMIN)
    page = client.get("/operations/instances").get_data(as_text=True)
    assert code in page and "serializer version 0.0" in page
    first = post_form(client, f"/operations/instances/{instance_id}/retry", {}, "/operations/instances")
    assert first.status_code == 302
    assert "đã chạy lại" in client.get(first.headers["Location"]).get_data(as_text=True)
    token = csrf_token(client.get("/operations/instances").get_data(as_text=True))
    second = client.post(f"/operations/instances/{instance_id}/retry", data={"csrf_token": token})
    assert second.status_code == 409
    assert "không chạy lại được" in second.get_data(as_text=True)
    refused = client.post(f"/operations/instances/{instance_id}/terminate", data={"csrf_token": token, "reason": " ",
                                                                               "next": f"/operations/dossiers/{code}"})
    assert refused.status_code == 422 and "Hãy nêu lý do chấm dứt tiến trình." in refused.get_data(as_text=True)
    done = client.post(f"/operations/instances/{instance_id}/terminate",
                       data={"csrf_token": token, "reason": "Hồ sơ nhập trùng", "next": f"/operations/dossiers/{code}"})
    assert done.headers["Location"] == f"/operations/dossiers/{code}"
    dossier = client.get(done.headers["Location"]).get_data(as_text=True)
    assert "Quản trị hệ thống chấm dứt quy trình: Hồ sơ nhập trùng" in dossier
    assert "Hoàng Văn Dũng" not in dossier  # the administrator's view of a dossier keeps the citizen's data out


def test_the_audit_trail_is_filtered_paged_and_exported(client, factory, org, now):
    receipt = receive(factory, org, now)
    with unit_of_work(factory) as session:
        for number in range(120):
            record_event(session, action="lookup_secret_reset", at=now + timedelta(minutes=number),
                         actor_id=org["motcua.tinh"], detail={"note": "=HYPERLINK(\"http://x\")"})
    login(client, ADMIN)
    html = client.get("/operations/audit?user=motcua.tinh&action=lookup_secret_reset").get_data(as_text=True)
    assert "120 sự kiện" in html and "Trang 1/3" in html
    last = client.get("/operations/audit?user=motcua.tinh&action=lookup_secret_reset&page=999999")
    assert last.status_code == 200 and "Trang 3/3" in last.get_data(as_text=True)
    assert client.get("/operations/audit?page=99999999999999999999").status_code == 200
    by_code = client.get(f"/operations/audit?code={receipt.code}").get_data(as_text=True)
    assert "Tiếp nhận hồ sơ" in by_code and "lookup_secret_reset" not in by_code.split("<tbody>")[1]
    day = (now + timedelta(days=1)).date().isoformat()
    assert "0 sự kiện" in client.get(f"/operations/audit?from={day}").get_data(as_text=True)
    bad = client.get("/operations/audit?user=khong-co&from=2026-13-01")
    assert bad.status_code == 422 and "Không có người dùng" in bad.get_data(as_text=True)
    excel = client.get("/operations/audit.xlsx?user=motcua.tinh&action=lookup_secret_reset")
    assert excel.status_code == 200 and excel.mimetype.endswith("spreadsheetml.sheet")
    sheet = load_workbook(BytesIO(excel.data)).active
    assert sheet.max_row == 121
    assert isinstance(sheet["A2"].value, datetime) and sheet["A2"].value == datetime(2026, 3, 2, 10, 59)
    assert sheet["G2"].data_type == "s" and sheet["G2"].value.startswith('{"note": "=HYPERLINK')


def test_the_unassignable_and_outbox_pages_render(client, factory, org, now):
    receive(factory, org, now)
    login(client, ADMIN)
    for page, text in (("/operations/unassignable", "Mọi bước đang chờ đều có người nhận được."),
                       ("/operations/messages", "Mọi thông điệp liên thông đã được chuyển."),
                       ("/operations/notifications", "Mọi thông báo đã được gửi.")):
        response = client.get(page)
        assert response.status_code == 200 and text in response.get_data(as_text=True), page
    with unit_of_work(factory) as session:
        assert session.scalar(select(Event.id).where(Event.action == "access_refused")) is None
