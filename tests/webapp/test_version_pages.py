"""The version pages: designers and administrators land on them, an administrator approves a waiting version
with its decision (errors beside the fields, nothing half-written, a second click harmless), rejects with a
reason, activates and retires; the diagram viewer gets each BPMN file as inline XML."""
from __future__ import annotations

from datetime import timedelta

import pytest
from lxml import html as lxml_html
from versionpages import CODE, RENAMED, SLUG, second_version
from webpages import csrf_token, login

from sqlalchemy import select

from engine import get_version, list_versions
from engine.infra.db import unit_of_work
from engine.models import Event

PAGE = f"/versions/{CODE}/2"
DECISION = {"decision_number": "125/QĐ-UBND", "decision_date": "2026-03-01", "decision_signer": "Nguyễn Văn An"}


@pytest.fixture
def waiting(factory, org, now, tmp_path):
    return second_version(factory, now, tmp_path)


def post(client, action: str, data: dict | None = None, page: str = PAGE):
    token = csrf_token(client.get(page).get_data(as_text=True))
    return client.post(f"{page}/{action}", data={"csrf_token": token, **(data or {})})


def status_of(factory, number: int) -> str:
    with unit_of_work(factory) as session:
        return get_version(session, SLUG, number).status


def test_an_administrator_lands_on_operations_and_finds_the_waiting_versions(client, waiting):
    response = login(client, "quantri.tinh")
    assert response.headers["Location"] == "/operations"
    assert 'href="/versions">Chờ phê duyệt: 1</a>' in client.get("/operations").get_data(as_text=True)
    html = client.get("/versions").get_data(as_text=True)
    assert "Chờ phê duyệt: 1" in html and f'href="{PAGE}"' in html
    assert "Quy trình nội bộ" in html  # the menu entry


def test_a_designer_lands_on_the_versions_and_an_officer_on_the_inbox(client, org):
    assert login(client, "thietke.tinh").headers["Location"] == "/versions"
    assert login(client, "motcua.tinh").headers["Location"] == "/"
    assert login(client, "thietke.tinh").headers["Location"] == "/versions"
    client.post("/logout", data={"csrf_token": csrf_token(client.get("/versions").get_data(as_text=True))})
    token = csrf_token(client.get("/login?next=/procedures").get_data(as_text=True))
    response = client.post("/login?next=/procedures", data={"csrf_token": token, "username": "thietke.tinh",
                                                            "password": "mat-khau-thu-nghiem"})
    assert response.headers["Location"] == "/procedures"  # an asked-for page still wins


def test_the_version_page_shows_both_diagrams_the_differences_and_the_reviewers_actions(client, waiting):
    login(client, "quantri.tinh")
    response = client.get(PAGE)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert f'data-diagram-url="/versions/{CODE}/1/files/process.bpmn"' in html
    assert f'data-diagram-url="/versions/{CODE}/2/files/process.bpmn"' in html
    assert RENAMED in html and "ut_phe_duyet" in html and "5d" in html
    assert ">Phê duyệt</button>" in html and ">Từ chối</button>" in html and "Gửi phê duyệt</button>" not in html
    assert "build/version_diff.js" in html and "build/version_diff.css" in html
    assert response.headers["Content-Security-Policy"].startswith("default-src 'self';")  # the viewer needs no more
    assert "'unsafe-inline'" not in response.headers["Content-Security-Policy"]
    procedure = client.get(f"/versions/{CODE}").get_data(as_text=True)
    assert "Chờ phê duyệt" in procedure and "Đang áp dụng" in procedure


def test_the_viewer_gets_the_bpmn_as_inline_xml(client, waiting):
    login(client, "thietke.tinh")
    response = client.get(f"/versions/{CODE}/2/files/process.bpmn")
    assert response.status_code == 200 and response.mimetype == "application/xml"
    assert response.headers["Content-Disposition"] == "inline"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert RENAMED in response.get_data(as_text=True)
    assert client.get(f"/versions/{CODE}/2/files/common/thu_phi.bpmn").status_code in (200, 404)
    assert client.get(f"/versions/{CODE}/2/files/khong-co.bpmn").status_code == 404


def test_an_incomplete_decision_is_shown_beside_its_fields_and_nothing_is_written(client, factory, waiting):
    login(client, "quantri.tinh")
    response = post(client, "approve", {"decision_number": " ", "decision_date": "", "decision_signer": ""})
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert html.count('class="field-error"') == 3 and "Bắt buộc nhập số quyết định" in html
    assert status_of(factory, 2) == "submitted"
    past = post(client, "approve", {**DECISION, "when": "at", "activate_at": "2020-01-01T08:00"})
    assert past.status_code == 422 and "Thời điểm áp dụng phải ở tương lai" in past.get_data(as_text=True)
    assert status_of(factory, 2) == "submitted"


def field_errors(page: str, form_action: str) -> dict[str, list[str]]:
    """The errors the form shows, under the id of the field (or group's input) they sit beside."""
    form = lxml_html.fromstring(page).xpath(f'//form[contains(@action, "{form_action}")]')[0]
    shown = {}
    for box in form.xpath('.//*[contains(@class, "field") and .//p[@class="field-error"]]'):
        assert "has-error" in box.get("class").split()
        name = box.xpath('.//input[@id and @type!="radio"] | .//textarea[@id]')[-1].get("id")
        shown[name] = [p.text_content() for p in box.xpath('.//p[@class="field-error"]')]
    return shown


def test_a_missing_signer_and_a_scheduled_start_without_a_date_are_both_shown_and_nothing_is_written(
        client, factory, waiting):
    login(client, "quantri.tinh")
    typed = {**DECISION, "decision_signer": "  ", "when": "at", "activate_at": ""}
    response = post(client, "approve", typed)
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert field_errors(page, "/approve") == {"decision-signer": ["Bắt buộc nhập người ký quyết định."],
                                              "activate-at": ["Chọn ngày giờ bắt đầu áp dụng."]}
    form = lxml_html.fromstring(page)
    assert form.get_element_by_id("decision-number").get("value") == "125/QĐ-UBND"  # what was typed stays
    assert form.xpath('//input[@name="when" and @value="at"]')[0].get("checked") is not None
    everything = post(client, "approve", {"decision_number": "", "decision_date": "", "decision_signer": "",
                                          "when": "at", "activate_at": "2020-01-01T08:00"})
    assert set(field_errors(everything.get_data(as_text=True), "/approve")) == {
        "decision-number", "decision-date", "decision-signer", "activate-at"}
    with unit_of_work(factory) as session:
        version = get_version(session, SLUG, 2)
        assert (version.status, version.approver_id, version.activate_at) == ("submitted", None, None)
        assert session.scalar(select(Event).where(Event.action == "version_approved")) is None


def test_an_empty_reason_is_shown_beside_the_reasons_field(client, factory, waiting):
    login(client, "quantri.tinh")
    response = post(client, "reject", {"note": " "})
    assert response.status_code == 422
    assert field_errors(response.get_data(as_text=True), "/reject") == {"reject-note": ["Bắt buộc nêu lý do."]}
    assert field_errors(response.get_data(as_text=True), "/approve") == {}  # the other form is left alone
    assert status_of(factory, 2) == "submitted"


def test_approving_now_activates_and_a_second_click_is_a_clear_conflict(client, factory, waiting):
    login(client, "quantri.tinh")
    response = post(client, "approve", {**DECISION, "when": "now"})
    assert response.status_code == 302 and response.headers["Location"] == PAGE
    page = client.get(PAGE).get_data(as_text=True)
    assert "Đã phê duyệt phiên bản 2." in page and "125/QĐ-UBND" in page and ">Ngừng áp dụng</button>" in page
    with unit_of_work(factory) as session:
        assert [(v.number, v.status) for v in list_versions(session, SLUG)] == [(2, "active"), (1, "retired")]
    again = post(client, "approve", {**DECISION, "when": "now"})
    assert again.status_code == 409
    assert "không thể phê duyệt" in again.get_data(as_text=True)


def test_approving_from_a_date_schedules_the_activation(client, factory, waiting, fixed_clock):
    login(client, "quantri.tinh")
    later = (fixed_clock.now() + timedelta(days=10)).strftime("%Y-%m-%dT%H:%M")
    assert post(client, "approve", {**DECISION, "when": "at", "activate_at": later}).status_code == 302
    with unit_of_work(factory) as session:
        version = get_version(session, SLUG, 2)
        assert version.status == "approved" and version.activate_at is not None
    html = client.get(PAGE).get_data(as_text=True)
    assert "dự kiến từ" in html and ">Áp dụng</button>" in html
    assert post(client, "activate").status_code == 302
    assert status_of(factory, 2) == "active"
    assert post(client, "retire").status_code == 302
    assert status_of(factory, 2) == "retired"


def test_a_rejection_needs_a_reason_and_the_designer_sends_the_version_again(app, client, factory, waiting):
    login(client, "quantri.tinh")
    empty = post(client, "reject", {"note": "  "})
    assert empty.status_code == 422 and "Bắt buộc nêu lý do." in empty.get_data(as_text=True)
    assert post(client, "reject", {"note": "Thiếu bước trình ký"}).status_code == 302
    assert status_of(factory, 2) == "rejected"
    designer = app.test_client()
    login(designer, "thietke.tinh")
    html = designer.get(PAGE).get_data(as_text=True)
    assert "Thiếu bước trình ký" in html and ">Gửi phê duyệt</button>" in html
    assert post(designer, "submit").status_code == 302
    assert status_of(factory, 2) == "submitted"
    assert post(designer, "submit").status_code == 409
