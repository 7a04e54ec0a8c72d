"""Receiving once, as officials and systems meet it: a desk form sent twice (Back and resend, a double click)
makes one dossier and shows the first receipt; a likely duplicate asks the officer to confirm; the API honours
an Idempotency-Key; online submissions are checked at the desk; Mẫu 01 and Mẫu 07 print one number."""
from __future__ import annotations

import io
import re
from time import time as wall_time

from itsdangerous import TimestampSigner, URLSafeTimedSerializer
from sqlalchemy import func, select

from engine import get_dossier
from engine.infra.db import unit_of_work
from engine.models import Dossier, IntakeSlip

from apicalls import call, token_for
from webpages import csrf_token, form_token, login

URL = "/reception/dinh-chinh-gcn"
FORM = "Đơn đăng ký biến động đất đai, tài sản gắn liền với đất theo Mẫu số 11/ĐK"
CERTIFICATE = "Bản gốc Giấy chứng nhận đã cấp"
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
FIELDS = {"action": "receive", "channel": "direct", "return_method": "desk", "applicant_name": "Vũ Thị Thu Trang",
          "applicant_id_number": "036190004567", "applicant_phone": "0987654321",
          "components": [FORM, CERTIFICATE]}
ONLINE = {"procedure_code": "1.004227", "channel": "online", "components": [FORM],
          "applicant": {"name": "Đặng Thị Hồng", "id_number": "001190012345", "email": "hong.dang@example.vn"}}


def count(factory, model) -> int:
    with unit_of_work(factory) as s:
        return s.scalar(select(func.count()).select_from(model))


def open_form(client) -> dict:
    """The desk form as a browser shows it: its CSRF and one-time tokens."""
    page = client.get(URL).get_data(as_text=True)
    return {"csrf_token": csrf_token(page), "form_token": form_token(page)}


def post(client, tokens: dict, **fields):
    data = {**tokens, **FIELDS, **fields, "file_1": (io.BytesIO(PDF), "gcn-quet.pdf")}
    return client.post(URL, data=data, content_type="multipart/form-data")


def test_the_same_form_sent_twice_makes_one_dossier_and_shows_the_first_receipt(client, factory, org):
    login(client, "motcua.tinh")
    tokens = open_form(client)
    first = post(client, tokens)
    assert first.status_code == 302, first.get_data(as_text=True)
    code = first.headers["Location"].rsplit("/", 1)[1]
    again = post(client, tokens)  # Back, then the same form sent again (the browser kept its tokens)
    assert again.status_code == 302 and again.headers["Location"] == f"/reception/receipts/{code}?repeated=1"
    receipt = client.get(again.headers["Location"]).get_data(as_text=True)
    assert "đây là kết quả của lần gửi đầu" in receipt and code in receipt
    assert count(factory, Dossier) == 1
    assert post(client, open_form(client)).status_code == 409  # a new form of the same person: asks first


def test_a_form_refused_once_then_corrected_is_received_once(client, factory, org):
    login(client, "motcua.tinh")
    tokens = open_form(client)
    refused = post(client, tokens, components=[FORM])  # a required component not ticked
    html = refused.get_data(as_text=True)
    assert refused.status_code == 422 and form_token(html) == tokens["form_token"]  # the same form goes on
    fixed = post(client, tokens)
    resent = post(client, tokens)
    assert fixed.status_code == resent.status_code == 302
    assert resent.headers["Location"].startswith(fixed.headers["Location"])
    assert count(factory, Dossier) == 1


def test_a_form_without_a_valid_token_is_shown_again_with_a_new_one_and_nothing_received(client, factory, org):
    login(client, "motcua.tinh")
    tokens = open_form(client)
    for forged in ("", "khong-phai-ma", tokens["form_token"][:-2] + "xx"):
        response = post(client, {**tokens, "form_token": forged})
        html = response.get_data(as_text=True)
        assert response.status_code == 422 and "Biểu mẫu không hợp lệ hoặc đã cũ" in html
        assert form_token(html) not in (forged, tokens["form_token"])
        assert 'value="Vũ Thị Thu Trang"' in html  # what the officer typed is kept
    assert count(factory, Dossier) == 0
    login(client, "motcua.hoabinh")  # a token issued to another official
    other = client.get("/reception/dinh-chinh-gcn").get_data(as_text=True)
    response = client.post(URL, data={**FIELDS, "csrf_token": csrf_token(other), "form_token": tokens["form_token"]},
                           content_type="multipart/form-data")
    assert response.status_code == 422 and "tài khoản khác" in response.get_data(as_text=True)
    assert count(factory, Dossier) == 0


def test_an_expired_form_asks_to_check_and_send_again(client, factory, org, app):
    class Yesterday(TimestampSigner):
        def get_timestamp(self) -> int:
            return int(wall_time()) - 13 * 3600  # opened 13 hours ago

    login(client, "motcua.tinh")
    tokens = open_form(client)
    old = URLSafeTimedSerializer(app.secret_key, salt="motcua-reception-form", signer=Yesterday).dumps(
        [org["motcua.tinh"], "mot-bieu-mau-mo-tu-hom-qua-0001"])
    response = post(client, {**tokens, "form_token": old})
    assert response.status_code == 422 and "Biểu mẫu đã mở quá lâu" in response.get_data(as_text=True)
    assert count(factory, Dossier) == 0


def test_a_slip_sent_twice_is_issued_once(client, factory, org):
    login(client, "motcua.tinh")
    tokens = open_form(client)
    first = post(client, tokens, action="refusal", reason="Không thuộc thẩm quyền.")
    again = post(client, tokens, action="refusal", reason="Không thuộc thẩm quyền.")
    assert first.status_code == again.status_code == 302
    assert again.headers["Location"] == first.headers["Location"] + "?repeated=1"
    assert count(factory, IntakeSlip) == 1


def test_a_likely_duplicate_asks_the_officer_to_confirm_beside_the_button(client, factory, org):
    login(client, "motcua.tinh")
    first = post(client, open_form(client))
    code = first.headers["Location"].rsplit("/", 1)[1]
    response = post(client, open_form(client))
    html = response.get_data(as_text=True)
    assert response.status_code == 409
    assert f"đã có hồ sơ {code} cùng thủ tục và cùng số định danh 036190004567" in html
    assert 'name="confirm_duplicate" value="yes"' in html and "đây là một hồ sơ khác" in html
    assert count(factory, Dossier) == 1
    confirmed = post(client, {**open_form(client)}, confirm_duplicate="yes")
    assert confirmed.status_code == 302 and count(factory, Dossier) == 2


def test_the_api_replays_the_first_answer_to_the_same_key_and_body(client, factory, org):
    desk = token_for(client, "motcua.tinh")
    body = {**ONLINE, "channel": "postal", "components": [FORM, CERTIFICATE]}
    headers = {"Idempotency-Key": "3f1c2a9e-portal-0001"}
    first = call(client, "POST", "/api/v1/dossiers", token=desk, json=body, headers=headers)
    again = call(client, "POST", "/api/v1/dossiers", token=desk, json=body, headers=headers)
    assert first.status_code == again.status_code == 201
    assert again.get_json() == first.get_json() and again.headers["Location"] == first.headers["Location"]
    assert again.headers["Idempotent-Replayed"] == "true" and "Idempotent-Replayed" not in first.headers
    assert count(factory, Dossier) == 1
    other = call(client, "POST", "/api/v1/dossiers", token=desk, headers=headers,
                 json={**body, "applicant": {**body["applicant"], "name": "Người khác"}})
    assert other.status_code == 409 and "Idempotency-Key" in other.get_json()["error"]["fields"]
    assert count(factory, Dossier) == 1
    ward = token_for(client, "motcua.hoabinh")  # the same key of another token holder is theirs alone
    assert call(client, "POST", "/api/v1/dossiers", token=ward, json=body, headers=headers).status_code == 201
    assert count(factory, Dossier) == 2


def test_the_api_refuses_a_malformed_key_and_asks_to_confirm_a_duplicate(client, factory, org):
    desk = token_for(client, "motcua.tinh")
    body = {**ONLINE, "channel": "postal", "components": [FORM, CERTIFICATE]}
    for key in ("x" * 256, "có dấu", "a b"):
        refused = call(client, "POST", "/api/v1/dossiers", token=desk, json=body, headers={"Idempotency-Key": key})
        assert refused.status_code == 422 and "Idempotency-Key" in refused.get_json()["error"]["fields"]
    assert call(client, "POST", "/api/v1/dossiers", token=desk, json=body).status_code == 201
    duplicate = call(client, "POST", "/api/v1/dossiers", token=desk, json=body)
    assert duplicate.status_code == 409
    assert "cùng số định danh 001190012345" in duplicate.get_json()["error"]["fields"]["confirm_duplicate"][0]
    confirmed = call(client, "POST", "/api/v1/dossiers", token=desk, json={**body, "confirm_duplicate": True})
    assert confirmed.status_code == 201 and count(factory, Dossier) == 2


def submit_online(client) -> str:
    answer = call(client, "POST", "/api/v1/dossiers", "motcua.tinh", json=ONLINE)
    assert answer.status_code == 201, answer.get_json()
    assert (answer.get_json()["status"], answer.get_json()["due_at"]) == (1, None)
    return answer.get_json()["code"]


def test_an_online_submission_is_checked_and_received_at_the_desk(client, factory, org, fixed_clock):
    code = submit_online(client)
    login(client, "motcua.tinh")
    dossier_page = client.get(f"/dossiers/{code}").get_data(as_text=True)
    assert "Mới đăng ký" in dossier_page and f'href="/reception/online/{code}"' in dossier_page
    assert "Nộp hồ sơ trực tuyến, chờ Bộ phận Một cửa kiểm tra" in dossier_page  # its history, in words
    listing = client.get("/reception").get_data(as_text=True)
    assert "Hồ sơ nộp trực tuyến chờ kiểm tra (1)" in listing and f"/reception/online/{code}" in listing
    page = client.get(f"/reception/online/{code}").get_data(as_text=True)
    assert "Đặng Thị Hồng" in page and re.search(rf'value="{re.escape(FORM)}" checked', page)
    assert not re.search(rf'value="{re.escape(CERTIFICATE)}" checked', page)  # not sent: the desk checks it
    assert client.get(f"/reception/receipts/{code}").headers["Location"] == f"/reception/online/{code}"
    incomplete = client.post(f"/reception/online/{code}", data={
        "csrf_token": csrf_token(page), "action": "receive", "components": [FORM], "return_method": "desk"})
    assert incomplete.status_code == 422 and "Còn thiếu thành phần bắt buộc" in incomplete.get_data(as_text=True)
    data = {"csrf_token": csrf_token(page), "action": "receive", "components": [FORM, CERTIFICATE],
            "return_method": "desk"}
    received = client.post(f"/reception/online/{code}", data=data)
    assert received.headers["Location"] == f"/reception/receipts/{code}"
    receipt = client.get(received.headers["Location"]).get_data(as_text=True)
    assert "Quyển số: 2026, Số thứ tự: 1" in receipt and "Mã tra cứu: đã cấp khi nộp trực tuyến" in receipt
    again = client.post(f"/reception/online/{code}", data=data)  # a double click
    assert again.headers["Location"] == f"/reception/receipts/{code}?repeated=1"
    with unit_of_work(factory) as s:
        dossier = get_dossier(s, code)
        assert (dossier.status, dossier.received_at) == (2, fixed_clock.now())
    assert "chờ kiểm tra" not in client.get("/reception").get_data(as_text=True)


def test_an_online_submission_refused_at_the_desk_gets_mau_03_with_its_code(client, factory, org):
    code = submit_online(client)
    login(client, "motcua.tinh")
    page = client.get(f"/reception/online/{code}").get_data(as_text=True)
    empty = client.post(f"/reception/online/{code}", data={"csrf_token": csrf_token(page), "action": "refusal",
                                                          "reason": " ", "return_method": "desk"})
    assert empty.status_code == 422 and "phải nêu rõ lý do" in empty.get_data(as_text=True)
    refused = client.post(f"/reception/online/{code}", data={
        "csrf_token": csrf_token(page), "action": "refusal", "reason": "Hồ sơ nộp nhầm thủ tục.",
        "return_method": "desk"})
    slip = client.get(refused.headers["Location"]).get_data(as_text=True)
    assert "Phiếu từ chối tiếp nhận giải quyết hồ sơ" in slip and code in slip and "nộp nhầm thủ tục" in slip
    assert client.get(f"/reception/online/{code}").headers["Location"] == refused.headers["Location"] + "?repeated=1"
    assert "Từ chối tiếp nhận (Mẫu 03): Hồ sơ nộp nhầm thủ tục." in client.get(f"/dossiers/{code}").get_data(
        as_text=True)
    answer = call(client, "GET", f"/api/v1/dossiers/{code}", "motcua.tinh").get_json()
    assert (answer["status"], answer["status_label"]) == (3, "Không được tiếp nhận") and answer["finished_at"]
    login(client, "motcua.hoabinh")  # another centre's desk neither sees nor checks it
    assert client.get(f"/reception/online/{code}").status_code == 404  # as for a code never issued


def test_the_receipt_and_the_register_print_the_same_number(client, factory, org, fixed_clock):
    login(client, "motcua.tinh")
    codes = []
    for name, id_number in (("Lê Văn An", "001001001001"), ("Trần Thị Bình", "001001001002")):
        response = post(client, open_form(client), applicant_name=name, applicant_id_number=id_number)
        codes.append(response.headers["Location"].rsplit("/", 1)[1])
    receipt = client.get(f"/reception/receipts/{codes[1]}").get_data(as_text=True)
    assert "Số thứ tự: 2<" in receipt
    day = fixed_clock.now().date()
    with unit_of_work(factory) as s:
        unit_id = get_dossier(s, codes[1]).receiving_unit_id
    printed = client.get(f"/register/print?unit={unit_id}&from={day}&to={day}").get_data(as_text=True)
    row = re.search(rf'<td class="num">(\d+)\*?</td>\s*<td>{re.escape(codes[1])}</td>', printed)
    assert row and row.group(1) == "2"
    login(client, "chuyenvien.vpdk")  # the deciding land office lists it with the centre's number, and says so
    with unit_of_work(factory) as s:
        office = get_dossier(s, codes[1]).deciding_unit_id
    printed = client.get(f"/register/print?unit={office}&from={day}&to={day}").get_data(as_text=True)
    assert re.search(rf'<td class="num">2\*</td>\s*<td>{re.escape(codes[1])}</td>', printed)
    assert "số thứ tự là số vào sổ của nơi tiếp nhận" in printed
