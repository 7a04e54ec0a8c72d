"""The task page: the dossier, a form rendered from the task's JSON Schema, and completing the step."""
from __future__ import annotations

import io
import re
from datetime import timedelta
from pathlib import Path

from engine import create_user, get_dossier, grant_role
from engine.infra.db import unit_of_work
from engine.onestop.delegations import create_delegation
from engine.models import Attachment, Event, WorkItem
from sqlalchemy import func, select
from tests.driving import do

from webpages import APPRAISAL, RECEPTION, csrf_token, inbox_items, login, post_form, receive


def reception_item(factory, org, now):
    receipt = receive(factory, org, now)
    return receipt, inbox_items(factory, org["motcua.tinh"])[0][0]


def complete_reception(client, factory, org, now):
    receipt, item_id = reception_item(factory, org, now)
    login(client, "motcua.tinh")
    response = post_form(client, f"/tasks/{item_id}", {"da_kiem_tra_thanh_phan": "true", "ghi_chu_tiep_nhan": ""})
    assert response.status_code == 302, response.get_data(as_text=True)
    return receipt


def test_task_page_shows_the_dossier_and_the_form(client, factory, org, now):
    receipt, item_id = reception_item(factory, org, now)
    login(client, "motcua.tinh")
    html = client.get(f"/tasks/{item_id}").get_data(as_text=True)
    for text in (receipt.code, "Đính chính Giấy chứng nhận đã cấp", "Hoàng Văn Dũng", RECEPTION,
                 "Đã kiểm tra đủ thành phần hồ sơ", "Ghi chú khi tiếp nhận", "Đánh dấu khi đã đối chiếu đủ"):
        assert text in html, text
    assert re.search(r'<input type="checkbox" id="f-da_kiem_tra_thanh_phan" name="da_kiem_tra_thanh_phan"', html)
    assert re.search(r'<textarea id="f-ghi_chu_tiep_nhan" name="ghi_chu_tiep_nhan" rows="4" maxlength="2000"', html)
    assert html.index("da_kiem_tra_thanh_phan") < html.index("ghi_chu_tiep_nhan")  # ui:order
    assert 'class="required"' in html


def test_completing_reception_moves_the_dossier_to_the_specialist(client, factory, org, now):
    receipt = complete_reception(client, factory, org, now)
    assert "Đã hoàn thành: " + RECEPTION in client.get("/").get_data(as_text=True)
    assert [i[1] for i in inbox_items(factory, org["motcua.tinh"])] == []
    assert [(i[1], i[2]) for i in inbox_items(factory, org["chuyenvien.vpdk"])] == [("ut_tham_dinh", receipt.code)]
    with unit_of_work(factory) as session:
        assert get_dossier(session, receipt.code).status == 4
        item = session.scalar(select(WorkItem).where(WorkItem.bpmn_id == "ut_tiep_nhan"))
        assert item.state == "completed" and item.completed_by_id == org["motcua.tinh"]


def test_enum_fields_show_their_vietnamese_labels(client, factory, org, now):
    complete_reception(client, factory, org, now)
    item_id = inbox_items(factory, org["chuyenvien.vpdk"])[0][0]
    login(client, "chuyenvien.vpdk")
    html = client.get(f"/tasks/{item_id}").get_data(as_text=True)
    assert APPRAISAL in html
    assert re.search(r'<input type="radio" name="de_xuat" value="dinh_chinh"[^>]*>\s*Đính chính Giấy chứng nhận', html)
    assert re.search(r'value="tu_choi"[^>]*>\s*Từ chối đính chính', html)


def test_missing_required_field_gives_422_with_the_field_error_and_saves_nothing(client, factory, org, now):
    receipt = complete_reception(client, factory, org, now)
    item_id = inbox_items(factory, org["chuyenvien.vpdk"])[0][0]
    with unit_of_work(factory) as session:
        events_before = session.scalar(select(func.count(Event.id)))
    login(client, "chuyenvien.vpdk")
    response = post_form(client, f"/tasks/{item_id}", {"nguyen_nhan": "Lỗi nhập liệu", "de_xuat": "dinh_chinh"})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "Dữ liệu biểu mẫu chưa hợp lệ." in html
    field = re.search(r'<div class="field has-error">.*?</div>', html, re.S).group(0)
    assert 'name="noi_dung_sai_sot"' in field and "Bắt buộc nhập." in field
    assert "Lỗi nhập liệu" in html  # what the user typed is kept
    with unit_of_work(factory) as session:
        assert session.scalar(select(WorkItem.state).where(WorkItem.id == item_id)) == "ready"
        assert get_dossier(session, receipt.code).status == 4
        assert session.scalar(select(func.count(Event.id))) == events_before


def test_conditional_requirement_is_reported_next_to_its_field(client, factory, org, now):
    complete_reception(client, factory, org, now)
    item_id = inbox_items(factory, org["chuyenvien.vpdk"])[0][0]
    login(client, "chuyenvien.vpdk")
    response = post_form(client, f"/tasks/{item_id}", {"noi_dung_sai_sot": "Sai năm sinh", "nguyen_nhan": "Nhập sai",
                                                       "de_xuat": "tu_choi"})
    assert response.status_code == 422
    field = re.search(r'<div class="field has-error">.*?</div>', response.get_data(as_text=True), re.S).group(0)
    assert 'name="ly_do_tu_choi"' in field and "Bắt buộc nhập." in field


def test_completing_a_task_twice_is_a_409_conflict(client, factory, org, now):
    _, item_id = reception_item(factory, org, now)
    login(client, "motcua.tinh")
    token = csrf_token(client.get(f"/tasks/{item_id}").get_data(as_text=True))
    data = {"csrf_token": token, "da_kiem_tra_thanh_phan": "true"}
    assert client.post(f"/tasks/{item_id}", data=data).status_code == 302
    response = client.post(f"/tasks/{item_id}", data=data)
    assert response.status_code == 409
    assert "không còn chờ xử lý" in response.get_data(as_text=True)
    assert "Công việc này đã được hoàn thành" in client.get(f"/tasks/{item_id}").get_data(as_text=True)


def test_task_post_without_csrf_token_is_refused_and_saves_nothing(client, factory, org, now):
    receipt, item_id = reception_item(factory, org, now)
    login(client, "motcua.tinh")
    response = client.post(f"/tasks/{item_id}", data={"da_kiem_tra_thanh_phan": "true"})
    assert response.status_code == 400
    with unit_of_work(factory) as session:
        assert get_dossier(session, receipt.code).status == 2


def test_head_request_on_a_task_changes_nothing(client, factory, org, now):
    receipt, item_id = reception_item(factory, org, now)
    login(client, "motcua.tinh")
    assert client.head(f"/tasks/{item_id}").status_code == 200
    assert client.head("/login").status_code == 302
    with unit_of_work(factory) as session:
        assert get_dossier(session, receipt.code).status == 2
        assert session.get(WorkItem, item_id).state == "ready"


def test_claim_and_unclaim(client, factory, org, now):
    _, item_id = reception_item(factory, org, now)
    login(client, "motcua.tinh")
    response = post_form(client, f"/tasks/{item_id}/claim", {}, page_url=f"/tasks/{item_id}")
    assert response.status_code == 302 and response.headers["Location"] == f"/tasks/{item_id}"
    html = client.get(f"/tasks/{item_id}").get_data(as_text=True)
    assert "Bạn đã nhận xử lý công việc này." in html and "Trả lại công việc" in html
    with unit_of_work(factory) as session:
        assert session.get(WorkItem, item_id).assignee_id == org["motcua.tinh"]
    response = post_form(client, f"/tasks/{item_id}/unclaim", {}, page_url=f"/tasks/{item_id}")
    assert response.status_code == 302 and response.headers["Location"] == "/"
    with unit_of_work(factory) as session:
        assert session.get(WorkItem, item_id).assignee_id is None


def test_unclaiming_a_task_nobody_claimed_is_a_409(client, factory, org, now):
    _, item_id = reception_item(factory, org, now)
    login(client, "motcua.tinh")
    response = post_form(client, f"/tasks/{item_id}/unclaim", {}, page_url=f"/tasks/{item_id}")
    assert response.status_code == 409
    assert "Chỉ người đang nhận công việc mới trả lại được." in response.get_data(as_text=True)


PDF = b"%PDF-1.4\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n"
APPRAISAL_DATA = {"noi_dung_sai_sot": "Sai năm sinh", "nguyen_nhan": "Lỗi nhập liệu", "de_xuat": "dinh_chinh"}


def appraisal_page(client, factory, org, now, note="Đã đối chiếu bản chính"):
    receipt, item_id = reception_item(factory, org, now)
    login(client, "motcua.tinh")
    response = post_form(client, f"/tasks/{item_id}", {"da_kiem_tra_thanh_phan": "true", "ghi_chu_tiep_nhan": note})
    assert response.status_code == 302
    item_id = inbox_items(factory, org["chuyenvien.vpdk"])[0][0]
    login(client, "chuyenvien.vpdk")
    return receipt, item_id


def test_task_page_shows_the_applicant_and_the_earlier_steps_notes(client, factory, org, now):
    receipt, item_id = appraisal_page(client, factory, org, now)
    html = client.get(f"/tasks/{item_id}").get_data(as_text=True)
    for text in ("Hoàng Văn Dũng", "001085012345", "0912345678", "Số 12 phố Hàng Bạc", "Các bước đã xử lý", RECEPTION,
                 "Nguyễn Thị Lan", "Ghi chú khi tiếp nhận", "Đã đối chiếu bản chính", "Đã kiểm tra đủ thành phần hồ sơ"):
        assert text in html, text
    steps = html[html.index("Các bước đã xử lý"):]
    assert "<dd>Có</dd>" in steps  # the ticked checkbox, in words


def test_completed_step_shows_what_was_submitted_instead_of_the_form(client, factory, org, now):
    receipt, item_id = appraisal_page(client, factory, org, now)
    assert post_form(client, f"/tasks/{item_id}", APPRAISAL_DATA).status_code == 302
    html = client.get(f"/tasks/{item_id}").get_data(as_text=True)
    assert "Kết quả xử lý bước" in html and "Trần Văn Minh" in html and "Sai năm sinh" in html
    assert "Đính chính Giấy chứng nhận" in html  # the enum value shown by its label
    assert 'name="noi_dung_sai_sot"' not in html and "Hoàn thành bước" not in html


def test_file_uploaded_with_the_completion_is_stored_with_the_step(client, factory, org, now, app):
    receipt, item_id = appraisal_page(client, factory, org, now)
    token = csrf_token(client.get(f"/tasks/{item_id}").get_data(as_text=True))
    response = client.post(f"/tasks/{item_id}", content_type="multipart/form-data", data={
        "csrf_token": token, **APPRAISAL_DATA, "tep_dinh_kem": (io.BytesIO(PDF), "bien-ban.pdf")})
    assert response.status_code == 302, response.get_data(as_text=True)
    with unit_of_work(factory) as session:
        [attachment] = session.scalars(select(Attachment)).all()
        assert (attachment.kind, attachment.work_item_id, attachment.filename) == ("task", item_id, "bien-ban.pdf")
        assert session.get(WorkItem, item_id).state == "completed"
    stored = Path(app.instance_path) / "attachments" / attachment.sha256[:2] / attachment.sha256
    assert stored.read_bytes() == PDF
    html = client.get(f"/tasks/{item_id}").get_data(as_text=True)
    assert "bien-ban.pdf" in html


def test_a_file_that_is_not_a_scan_is_refused_next_to_the_upload_and_nothing_advances(client, factory, org, now):
    receipt, item_id = appraisal_page(client, factory, org, now)
    token = csrf_token(client.get(f"/tasks/{item_id}").get_data(as_text=True))
    response = client.post(f"/tasks/{item_id}", content_type="multipart/form-data", data={
        "csrf_token": token, **APPRAISAL_DATA, "tep_dinh_kem": (io.BytesIO(b"MZ\x90\x00"), "virus.exe")})
    assert response.status_code == 422
    field = re.search(r'<div class="field has-error">.*?</div>', response.get_data(as_text=True), re.S).group(0)
    assert 'name="tep_dinh_kem"' in field and "không phải PDF, JPEG hoặc PNG" in field
    with unit_of_work(factory) as session:
        assert session.get(WorkItem, item_id).state == "ready"
        assert session.scalars(select(Attachment)).all() == []


def test_leader_reassigns_the_step_from_its_page(client, factory, org, now):
    receipt, item_id = appraisal_page(client, factory, org, now)
    with unit_of_work(factory) as session:
        second = create_user(session, "chuyenvien2.vpdk", "Nguyễn Văn Bình", "mat-khau-thu-nghiem", now)
        grant_role(session, second, "chuyen_vien", "000.21.01.H99")
        second_id = second.id
    login(client, "lanhdao.vpdk")
    html = client.get(f"/tasks/{item_id}").get_data(as_text=True)
    assert "Giao lại" in html and f'<option value="{second_id}">Nguyễn Văn Bình</option>' in html
    assert "Hoàn thành bước" not in html  # a leader who does not hold the role sees, but does not work, the step
    response = post_form(client, f"/tasks/{item_id}/assign", {"assignee_id": str(second_id)},
                         page_url=f"/tasks/{item_id}")
    assert response.status_code == 302
    assert "Đã giao lại công việc." in client.get(f"/tasks/{item_id}").get_data(as_text=True)
    with unit_of_work(factory) as session:
        assert session.get(WorkItem, item_id).assignee_id == second_id
    login(client, "chuyenvien.vpdk")
    assert "Giao lại" not in client.get(f"/tasks/{item_id}").get_data(as_text=True)
    response = post_form(client, f"/tasks/{item_id}/assign", {"assignee_id": ""}, page_url=f"/tasks/{item_id}")
    assert response.status_code == 403


def test_delegates_completion_shows_the_signature_form_and_prints_it(client, factory, org, now):
    receive(factory, org, now)
    do(factory, org, "motcua.tinh", "ut_tiep_nhan", {"da_kiem_tra_thanh_phan": True}, now)
    do(factory, org, "chuyenvien.vpdk", "ut_tham_dinh", APPRAISAL_DATA, now)
    with unit_of_work(factory) as session:
        create_delegation(session, from_user_id=org["lanhdao.vpdk"], to_user_id=org["chuyenvien.vpdk"],
                          role_key="lanh_dao", unit_code="000.21.01.H99", valid_from=now,
                          valid_to=now + timedelta(days=3), signature_form="TUQ.", actor_id=org["lanhdao.vpdk"],
                          now=now)
        item_id = session.scalar(select(WorkItem.id).where(WorkItem.bpmn_id == "ut_phe_duyet"))
    login(client, "chuyenvien.vpdk")
    response = post_form(client, f"/tasks/{item_id}", {"quyet_dinh": "dong_y"})
    assert response.status_code == 302 and response.headers["Location"] == f"/tasks/{item_id}"
    html = client.get(f"/tasks/{item_id}").get_data(as_text=True)
    assert "Ký theo hình thức TUQ. thay cho Lê Hoàng Nam" in html
    assert f'href="/tasks/{item_id}/signature"' in html
    sheet = client.get(f"/tasks/{item_id}/signature").get_data(as_text=True)
    assert "TUQ. LÃNH ĐẠO ĐƠN VỊ" in sheet and "Trần Văn Minh" in sheet and "Thừa ủy quyền" in sheet
    login(client, "motcua.hoabinh")
    assert client.get(f"/tasks/{item_id}/signature").status_code == 403
    login(client, "chuyenvien.vpdk")
    with unit_of_work(factory) as session:
        appraisal_id = session.scalar(select(WorkItem.id).where(WorkItem.bpmn_id == "ut_tham_dinh"))
    assert client.get(f"/tasks/{appraisal_id}/signature").status_code == 404  # completed by role, not delegation


def test_an_unticked_confirmation_is_refused_next_to_its_box_and_nothing_advances(client, factory, org, now):
    receive(factory, org, now)
    login(client, "motcua.tinh")
    item_id = inbox_items(factory, org["motcua.tinh"])[0][0]
    response = post_form(client, f"/tasks/{item_id}", {"ghi_chu_tiep_nhan": "Thiếu bản sao giấy tờ"})
    assert response.status_code == 422
    field = re.search(r'<div class="field[^"]*has-error[^"]*">.*?</div>', response.get_data(as_text=True), re.S).group(0)
    assert 'name="da_kiem_tra_thanh_phan"' in field and "Bắt buộc đánh dấu xác nhận." in field
    with unit_of_work(factory) as session:
        assert session.scalar(select(WorkItem.state).where(WorkItem.id == item_id)) == "ready"
