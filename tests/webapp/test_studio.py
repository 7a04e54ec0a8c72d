"""The designer's studio pages: who may open and save, CSRF on every write, the optimistic lock (409), unreadable
files refused with nothing written, saves with errors kept with their findings, submission blocked by errors,
a new draft from version n, the zip round trip and the form preview rendered as officials see it."""
from __future__ import annotations

import io
import json
import re
import zipfile

import pytest
from apicalls import call
from webpages import csrf_token, login

from engine import get_version
from engine.infra.db import unit_of_work
from engine.models import Event

CODE = "2.000815"  # chứng thực bản sao, bundled and active as version 1
EDITOR = f"/thiet-ke/{CODE}/2"


def page_data(html: str) -> dict:
    match = re.search(r'<script type="application/json" id="studio-data">(.*?)</script>', html, re.S)
    assert match, "the editor carries its draft"
    return json.loads(match.group(1))


def token_of(client, url: str = "/thiet-ke") -> str:
    html = client.get(url).get_data(as_text=True)
    match = re.search(r'<meta name="csrf-token" content="([^"]+)"', html)
    return match.group(1) if match else csrf_token(html)


@pytest.fixture
def draft(client, org):
    """Version 2 of the procedure: a designer's draft made from version 1 on the studio's list."""
    login(client, "thietke.tinh")
    response = client.post(f"/thiet-ke/{CODE}/1/ban-nhap", data={"csrf_token": token_of(client)})
    assert response.status_code == 302 and response.headers["Location"] == EDITOR
    return page_data(client.get(EDITOR).get_data(as_text=True))


def save(client, data: dict, base: str | None = None, token: str | None = None, **changes):
    headers = {"X-CSRFToken": token or token_of(client, EDITOR)}
    return client.post(f"{EDITOR}/luu", json={"base": base or data["checksum"], **changes}, headers=headers)


def stored(factory):
    with unit_of_work(factory) as session:
        version = get_version(session, CODE, 2)
        return version.checksum, dict(version.files), dict(version.forms), version.status


def test_a_designer_lists_procedures_and_makes_a_draft_from_a_version(client, org, factory):
    login(client, "thietke.tinh")
    html = client.get("/thiet-ke").get_data(as_text=True)
    assert "Xưởng thiết kế quy trình" in html and "Tạo bản nháp từ phiên bản 1" in html
    assert re.search(r'<a href="/thiet-ke"[^>]*>Thiết kế</a>', html)  # the designer's menu entry
    response = client.post(f"/thiet-ke/{CODE}/1/ban-nhap", data={"csrf_token": token_of(client)})
    assert response.headers["Location"] == EDITOR
    data = page_data(client.get(EDITOR).get_data(as_text=True))
    assert data["editable"] is True and data["main"] == "process.bpmn"
    assert {"mot_cua", "chuyen_vien", "lanh_dao"} <= {role["key"] for role in data["roles"]}
    assert "thiet_ke" not in {role["key"] for role in data["roles"]}  # no lane is the designers'
    assert "tiep_nhan_ban_chinh.json" in data["forms"] and data["findings"] == []
    assert "working_days_before_due" in data["helpers"] and len(data["statuses"]) == 10
    with unit_of_work(factory) as session:
        assert get_version(session, CODE, 2).author_id == org["thietke.tinh"]


def test_every_dossier_action_and_the_ui_schema_are_offered_in_vietnamese(client, draft):
    actions = {action["key"]: action["name"] for action in draft["actions"]}
    assert {"assess_fee", "record_fee", "extend_due", "notify"} <= set(actions)
    untranslated = {key for key, name in actions.items() if name == key or name.isascii()}
    assert untranslated == set()
    assert actions["assess_fee"].startswith("Xác định phí, lệ phí phải thu")
    assert actions["record_fee"].startswith("Ghi nhận thu phí, lệ phí")
    html = client.get(EDITOR).get_data(as_text=True)
    assert re.search(r'<label class="code-label" for="form-ui">Giao diện biểu mẫu \(UI schema\)', html)


def test_an_official_is_refused_and_an_administrator_only_reads(client, org, draft, factory):
    login(client, "motcua.tinh")
    for url in ("/thiet-ke", EDITOR):
        assert client.get(url).status_code == 403
    login(client, "quantri.tinh")
    assert client.get("/thiet-ke").status_code == 200
    html = client.get(EDITOR).get_data(as_text=True)
    assert page_data(html)["editable"] is False and 'id="studio-save"' not in html
    assert "Chỉ xem" in html
    before = stored(factory)
    response = save(client, draft, files={"process.bpmn": draft["files"]["process.bpmn"]})
    assert response.status_code == 403 and stored(factory) == before
    response = client.post(f"/thiet-ke/{CODE}/1/ban-nhap", data={"csrf_token": token_of(client)})
    assert response.status_code == 403
    with unit_of_work(factory) as session:
        assert session.query(Event).filter(Event.action == "access_refused").count() >= 3


def test_every_write_needs_the_csrf_token(client, draft, factory):
    before = stored(factory)
    changed = draft["files"]["process.bpmn"].replace('value="2h"', 'value="1h"', 1)
    response = client.post(f"{EDITOR}/luu", json={"base": draft["checksum"], "files": {"process.bpmn": changed}})
    assert response.status_code == 400 and stored(factory) == before
    assert client.post(f"/thiet-ke/{CODE}/1/ban-nhap").status_code == 400
    assert client.post(f"{EDITOR}/gui", json={}).status_code == 400
    assert stored(factory) == before


def test_a_save_returns_the_new_checksum_and_a_stale_one_is_refused_with_409(client, draft, factory):
    xml = draft["files"]["process.bpmn"]
    first = save(client, draft, files={"process.bpmn": xml.replace('value="2h"', 'value="1h"', 1)})
    assert first.status_code == 200 and first.json["ok"] is True
    assert first.json["checksum"] == stored(factory)[0] != draft["checksum"]
    after = stored(factory)
    stale = save(client, draft, files={"process.bpmn": xml})  # a second tab still on the first checksum
    assert stale.status_code == 409
    assert stale.json["message"].startswith("Bản nháp đã được lưu ở nơi khác")
    assert stored(factory) == after


def test_unreadable_xml_is_refused_and_nothing_is_written(client, draft, factory):
    before = stored(factory)
    response = save(client, draft, files={"process.bpmn": "<bpmn:definitions><bpmn:process>"},
                    forms={"moi.json": '{"type": "object"}'})
    assert response.status_code == 422
    assert response.json["message"] == "Chưa lưu gì: có tệp không đọc được."
    assert "không phải XML hợp lệ" in response.json["errors"]["process.bpmn"][0]
    hostile = '<?xml version="1.0"?><!DOCTYPE d [<!ENTITY e SYSTEM "file:///etc/passwd">]><d>&e;</d>'
    assert save(client, draft, files={"process.bpmn": hostile}).status_code == 422
    broken_form = save(client, draft, forms={"moi.json": '{"type": "object",}'})
    assert broken_form.status_code == 422 and "(dòng 1, cột 19)" in broken_form.json["errors"]["moi.json"][0]
    assert stored(factory) == before
    assert client.post(f"{EDITOR}/luu", data="[1]", content_type="application/json",
                       headers={"X-CSRFToken": token_of(client, EDITOR)}).status_code == 400


def test_a_save_with_errors_keeps_the_draft_and_returns_the_findings(client, draft, factory):
    xml = draft["files"]["process.bpmn"]
    outside = xml.replace("<bpmn:flowNodeRef>ut_tham_dinh</bpmn:flowNodeRef>", "", 1)
    response = save(client, draft, files={"process.bpmn": outside})
    assert response.status_code == 200 and response.json["ok"] is False
    errors = [f for f in response.json["findings"] if f["severity"] == "error"]
    assert [f["element"] for f in errors] == ["ut_tham_dinh"]
    assert stored(factory)[1]["process.bpmn"] == outside
    html = client.get(EDITOR).get_data(as_text=True)  # the editor opens again with the finding listed
    assert [f["element"] for f in page_data(html)["findings"]] == ["ut_tham_dinh"]
    assert client.get(f"/versions/{CODE}/2").status_code == 200  # the versions page too


def test_submission_is_blocked_while_the_draft_has_errors(client, draft, factory):
    xml = draft["files"]["process.bpmn"]
    save(client, draft, files={"process.bpmn": xml.replace("<bpmn:flowNodeRef>ut_tham_dinh</bpmn:flowNodeRef>",
                                                            "", 1)})
    token = token_of(client, EDITOR)
    blocked = client.post(f"{EDITOR}/gui", json={}, headers={"X-CSRFToken": token})
    assert blocked.status_code == 422 and "ut_tham_dinh" in blocked.json["message"]
    assert [f["element"] for f in blocked.json["findings"]] == ["ut_tham_dinh"]
    assert stored(factory)[3] == "draft"
    page = client.post(f"/versions/{CODE}/2/submit", data={"csrf_token": token})  # the versions page's button
    assert page.status_code == 422 and "chưa gửi phê duyệt được" in page.get_data(as_text=True)
    api = call(client, "POST", f"/api/v1/procedures/{CODE}/versions/2/submit", "thietke.tinh")  # and the API
    assert api.status_code == 422
    assert "ut_tham_dinh" in [f["element"] for f in api.get_json()["error"]["findings"] if f["severity"] == "error"]
    assert stored(factory)[3] == "draft"
    current = stored(factory)[0]
    assert save(client, draft, base=current, files={"process.bpmn": xml}).json["ok"] is True
    sent = client.post(f"{EDITOR}/gui", json={}, headers={"X-CSRFToken": token})
    assert sent.status_code == 200 and sent.json["redirect"] == f"/versions/{CODE}/2"
    assert stored(factory)[3] == "submitted"
    html = client.get(EDITOR).get_data(as_text=True)  # no longer editable
    assert page_data(html)["editable"] is False


def test_checking_unsaved_changes_lists_their_findings_and_writes_nothing(client, draft, factory):
    before = stored(factory)
    outside = draft["files"]["process.bpmn"].replace("<bpmn:flowNodeRef>ut_tham_dinh</bpmn:flowNodeRef>", "", 1)
    response = client.post(f"{EDITOR}/kiem-tra", json={"files": {"process.bpmn": outside}},
                           headers={"X-CSRFToken": token_of(client, EDITOR)})
    assert response.status_code == 200 and [f["element"] for f in response.json["findings"]] == ["ut_tham_dinh"]
    assert stored(factory) == before


def test_the_zip_round_trips_through_export_and_import(client, draft, factory):
    exported = client.get(f"{EDITOR}/xuat")
    assert exported.status_code == 200 and exported.mimetype == "application/zip"
    names = zipfile.ZipFile(io.BytesIO(exported.data)).namelist()
    assert "chung-thuc-ban-sao/procedure.toml" in names and "chung-thuc-ban-sao/process.bpmn" in names
    original = stored(factory)
    xml = draft["files"]["process.bpmn"]
    changed = save(client, draft, files={"process.bpmn": xml.replace('value="2h"', 'value="1h"', 1)}).json
    response = client.post(f"{EDITOR}/nhap", data={"package": (io.BytesIO(exported.data), "v2.zip"),
                                                   "base": changed["checksum"], "csrf_token": token_of(client, EDITOR)},
                           content_type="multipart/form-data")
    assert response.status_code == 200 and response.json["ok"] is True
    assert stored(factory) == original
    refused = client.post(f"{EDITOR}/nhap", data={"package": (io.BytesIO(b"not a zip"), "x.zip"),
                                                  "base": original[0], "csrf_token": token_of(client, EDITOR)},
                          content_type="multipart/form-data")
    assert refused.status_code == 422 and stored(factory) == original


def test_a_new_draft_from_a_zip_on_the_list(client, draft, factory):
    exported = client.get(f"{EDITOR}/xuat").data
    response = client.post(f"/thiet-ke/{CODE}/tai-len", data={"package": (io.BytesIO(exported), "v.zip"),
                                                               "csrf_token": token_of(client)},
                           content_type="multipart/form-data")
    assert response.status_code == 302 and response.headers["Location"] == f"/thiet-ke/{CODE}/3"
    bad = client.post(f"/thiet-ke/{CODE}/tai-len", data={"package": (io.BytesIO(b"x"), "v.zip"),
                                                         "csrf_token": token_of(client)},
                      content_type="multipart/form-data")
    assert bad.status_code == 422 and "không phải tệp nén .zip hợp lệ" in bad.get_data(as_text=True)


def test_the_form_preview_is_the_task_page_renderer_with_its_messages(client, draft):
    schema = json.dumps({"type": "object", "required": ["so_ban"], "properties": {
        "so_ban": {"type": "integer", "title": "Số bản sao", "minimum": 1},
        "ghi_chu": {"type": "string", "title": "Ghi chú", "maxLength": 5}}})
    ui = json.dumps({"ghi_chu": {"ui:widget": "textarea"}})
    token = token_of(client, EDITOR)
    shown = client.post(f"{EDITOR}/xem-truoc", data={"_schema": schema, "_ui": ui, "csrf_token": token})
    assert shown.status_code == 200 and shown.json["problems"] == [] and shown.json["valid"] is None
    assert 'id="f-so_ban"' in shown.json["html"] and '<textarea id="f-ghi_chu"' in shown.json["html"]
    checked = client.post(f"{EDITOR}/xem-truoc", data={"_schema": schema, "_ui": ui, "_check": "1", "so_ban": "0",
                                                       "ghi_chu": "quá dài", "csrf_token": token})
    assert checked.json["valid"] is False
    assert "Giá trị phải ≥ 1." in checked.json["html"] and "Tối đa 5 ký tự." in checked.json["html"]
    ok = client.post(f"{EDITOR}/xem-truoc", data={"_schema": schema, "_ui": ui, "_check": "1", "so_ban": "2",
                                                  "csrf_token": token})
    assert ok.json["valid"] is True
    broken = client.post(f"{EDITOR}/xem-truoc", data={"_schema": '{"type": "object",\n "properties": }',
                                                      "_ui": "", "csrf_token": token})
    assert broken.json["problems"] == ["JSON Schema: Không phải JSON hợp lệ: thiếu giá trị (dòng 2, cột 16)."]
    remote = client.post(f"{EDITOR}/xem-truoc", data={"_schema": json.dumps({
        "type": "object", "properties": {"a": {"$ref": "http://example.com/s.json"}}}), "_ui": "", "csrf_token": token})
    assert "http://example.com/s.json" in remote.json["problems"][0]
    assert client.post(f"{EDITOR}/xem-truoc", data={"_schema": "{}"}).status_code == 400  # CSRF
