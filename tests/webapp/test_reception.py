"""The reception desk in the browser: receiving with a scan and printing Mẫu 01; Mẫu 02, Mẫu 03; the catalogue."""
from __future__ import annotations

import io
import re
import xml.etree.ElementTree as ElementTree
from datetime import time
from pathlib import Path

import qrcode
import qrcode.image.svg
from sqlalchemy import func, select

from engine import get_dossier
from engine.onestop.attachments import list_attachments
from engine.org.calendar import legal_due
from engine.infra.db import unit_of_work
from engine.onestop.dossiers import hash_secret
from engine.models import Dossier, Event, IntakeSlip
from engine.org.calendar import unit_calendar
from webapp.reception import vn_spelled_time

from webpages import csrf_token, form_token, login, receive

URL = "/reception/dinh-chinh-gcn"
FORM = "Đơn đăng ký biến động đất đai, tài sản gắn liền với đất theo Mẫu số 11/ĐK"
CERTIFICATE = "Bản gốc Giấy chứng nhận đã cấp"
PROOF = "Giấy tờ chứng minh nội dung sai sót trên Giấy chứng nhận (nếu có)"
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
APPLICANT = {"applicant_name": "Vũ Thị Thu Trang", "applicant_id_number": "036190004567",
             "applicant_phone": "0987654321", "applicant_email": "trang.vu@example.vn",
             "applicant_address": "Thôn Đông, xã Yên Lạc"}


def submit(client, action="receive", **fields):
    page = client.get(URL).get_data(as_text=True)
    data = {"csrf_token": csrf_token(page), "form_token": form_token(page), "action": action, "channel": "direct",
            "return_method": "desk", **APPLICANT, **fields}
    return client.post(URL, data=data, content_type="multipart/form-data")


def count(factory, model):
    with unit_of_work(factory) as s:
        return s.scalar(select(func.count()).select_from(model))


def received(client, factory, org):
    login(client, "motcua.tinh")
    response = submit(client, components=[FORM, CERTIFICATE], file_1=(io.BytesIO(PDF), "gcn-quet.pdf"))
    assert response.status_code == 302, response.get_data(as_text=True)
    code = response.headers["Location"].rsplit("/", 1)[1]
    return code, client.get(response.headers["Location"]).get_data(as_text=True)


def test_officer_receives_with_a_scan_and_gets_the_receipt(client, factory, org, app, fixed_clock):
    code, html = received(client, factory, org)
    with unit_of_work(factory) as s:
        dossier = get_dossier(s, code)
        due = legal_due(unit_calendar(s, dossier.deciding_unit_id), fixed_clock.now(), dossier.procedure.time_limit,
                        time(15, 0))
        assert dossier.due_at == due and dossier.received_at == fixed_clock.now()
        secret = re.search(r'class="code-big receipt-secret">([A-Z0-9]+)<', html).group(1)
        assert hash_secret(secret) == dossier.secret_hash
        [scan] = list_attachments(s, dossier.id)
        assert (scan.component, scan.filename, scan.content_type) == (CERTIFICATE, "gcn-quet.pdf", "application/pdf")
        assert (Path(app.instance_path) / "attachments" / scan.sha256[:2] / scan.sha256).read_bytes() == PDF
    for text in ("GIẤY TIẾP NHẬN HỒ SƠ VÀ HẸN TRẢ KẾT QUẢ".lower(), code, "Vũ Thị Thu Trang", "Thôn Đông, xã Yên Lạc",
                 "Đính chính Giấy chứng nhận đã cấp", FORM, CERTIFICATE, "8 ngày làm việc",
                 "10 giờ 00 phút, ngày 02 tháng 03 năm 2026", vn_spelled_time(due), "Quyển số: 2026, Số thứ tự: 1",
                 "Nguyễn Thị Lan", "Mẫu số 01"):
        assert text in html or text in html.lower(), text
    assert PROOF not in html
    assert f'<img class="qr" src="/reception/receipts/{code}/qr.svg"' in html
    reprint = client.get(f"/reception/receipts/{code}").get_data(as_text=True)
    assert secret not in reprint and "Mã tra cứu: đã cấp khi tiếp nhận" in reprint  # shown once, then only reissued


def test_the_qr_code_links_to_the_public_lookup_without_the_secret(client, factory, org):
    code, html = received(client, factory, org)
    response = client.get(f"/reception/receipts/{code}/qr.svg")
    assert response.status_code == 200 and response.mimetype == "image/svg+xml"
    assert ElementTree.fromstring(response.data).tag.endswith("svg")
    expected = qrcode.make(f"http://localhost/tra-cuu?code={code}", image_factory=qrcode.image.svg.SvgPathImage,
                           border=2).to_string(encoding="unicode")
    assert response.get_data(as_text=True) == expected


def test_a_later_session_cannot_show_the_secret_but_can_reissue_it(client, factory, org):
    code, _ = received(client, factory, org)
    login(client, "motcua.tinh")  # a new browser session
    html = client.get(f"/reception/receipts/{code}").get_data(as_text=True)
    assert "Mã tra cứu: đã cấp khi tiếp nhận" in html and "receipt-secret" not in html
    response = client.post(f"/reception/receipts/{code}/secret", data={"csrf_token": csrf_token(html)})
    assert response.status_code == 302
    html = client.get(f"/reception/receipts/{code}").get_data(as_text=True)
    secret = re.search(r'class="code-big receipt-secret">([A-Z0-9]+)<', html).group(1)
    with unit_of_work(factory) as s:
        assert get_dossier(s, code).secret_hash == hash_secret(secret)


def test_bad_input_is_shown_next_to_the_fields_and_nothing_is_received(client, factory, org):
    login(client, "motcua.tinh")
    response = submit(client, components=[FORM], applicant_name="", applicant_phone="abc",
                      file_0=(io.BytesIO(b"MZ\x90\x00virus"), "don.pdf"))
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Bắt buộc nhập." in html and "Không đúng định dạng." in html
    assert "Còn thiếu thành phần bắt buộc: " + CERTIFICATE in html
    assert "không phải PDF, JPEG hoặc PNG" in html
    assert 'value="abc"' in html and 'value="Thôn Đông, xã Yên Lạc"' in html  # the officer's input kept
    assert count(factory, Dossier) == 0


def test_an_incomplete_dossier_gets_mau_02_listing_every_missing_required_component(client, factory, org):
    login(client, "motcua.tinh")
    response = submit(client, "supplement", other_missing="Sơ đồ thửa đất\n")
    assert response.status_code == 302, response.get_data(as_text=True)
    html = client.get(response.headers["Location"]).get_data(as_text=True)
    for text in ("Phiếu yêu cầu bổ sung, hoàn thiện hồ sơ", "000.00.01.H99-HDHS-260302-0001", FORM, CERTIFICATE,
                 "Sơ đồ thửa đất", "Người hướng dẫn", "Mẫu số 02 — Thông tư 03/2025/TT-VPCP", "Vũ Thị Thu Trang"):
        assert text in html, text
    assert PROOF not in html and count(factory, Dossier) == 0


def test_a_refusal_gets_mau_03_with_its_reason_and_needs_one(client, factory, org):
    login(client, "motcua.tinh")
    response = submit(client, "refusal", reason="  ")
    assert response.status_code == 422 and "phải nêu rõ lý do" in response.get_data(as_text=True)
    assert count(factory, IntakeSlip) == 0
    response = submit(client, "refusal", reason="Thửa đất không thuộc địa bàn tỉnh.")
    html = client.get(response.headers["Location"]).get_data(as_text=True)
    for text in ("Phiếu từ chối tiếp nhận giải quyết hồ sơ", "thông báo không tiếp nhận, giải quyết hồ sơ này với lý do",
                 "Thửa đất không thuộc địa bàn tỉnh.", "Người nộp hồ sơ", "Mẫu số 03 — Thông tư 03/2025/TT-VPCP"):
        assert text in html, text


def test_officer_of_another_unit_cannot_open_the_receipt_and_the_refusal_is_kept(client, factory, org, now):
    receipt = receive(factory, org, now)
    login(client, "motcua.hoabinh")
    assert client.get(f"/reception/receipts/{receipt.code}").status_code == 404  # as for a code never issued
    assert client.get(f"/reception/receipts/{receipt.code}/qr.svg").status_code == 404
    with unit_of_work(factory) as s:
        refused = s.scalars(select(Event).where(Event.action == "access_refused")).all()
        assert [e.actor_id for e in refused] == [org["motcua.hoabinh"]] * 2
        assert refused[0].detail["what"] == f"GET /reception/receipts/{receipt.code}"


def test_only_desk_officers_open_the_reception(client, org):
    login(client, "chuyenvien.vpdk")
    assert client.get("/reception").status_code == 403
    assert client.get(URL).status_code == 403
    login(client, "motcua.tinh")
    html = client.get("/reception?q=dinh chinh").get_data(as_text=True)
    assert 'href="/reception/1.004227"' in html and "Đất đai" in html
    assert "Chứng thực bản sao" not in client.get("/reception?q=dinh chinh").get_data(as_text=True)


def test_the_catalogue_shows_a_procedure_to_any_official(client, org):
    login(client, "chuyenvien.vpdk")
    assert "Đính chính Giấy chứng nhận đã cấp" in client.get("/procedures?q=DINH CHINH").get_data(as_text=True)
    html = client.get("/procedures/1.004227").get_data(as_text=True)
    for text in ("Đính chính Giấy chứng nhận đã cấp", "Đất đai", "Cấp tỉnh", "Một cửa", "8 ngày làm việc", "15:00",
                 FORM, "Lệ phí cấp Giấy chứng nhận (đính chính)", "Phiên bản 1", "Thông tin chưa xác minh",
                 "Căn cứ pháp lý"):
        assert text in html, text


def test_a_scan_larger_than_the_app_wide_request_limit_is_received(client, factory, org, app):
    big = PDF + b"0" * (app.config["MAX_CONTENT_LENGTH"] + 1000)  # a many-page scan, within the attachment limit
    assert len(big) < app.config["MOTCUA_SETTINGS"].attachment_max_bytes
    login(client, "motcua.tinh")
    response = submit(client, components=[FORM, CERTIFICATE], file_0=(io.BytesIO(big), "don.pdf"))
    assert response.status_code == 302, response.status_code
    with unit_of_work(factory) as s:
        [dossier_id] = s.scalars(select(Dossier.id)).all()
        assert [a.size for a in list_attachments(s, dossier_id)] == [len(big)]


def test_only_the_receiving_desk_is_offered_a_new_lookup_secret(client, factory, org):
    """The specialist of the deciding unit sees the receipt but not the reissue button the server would refuse
    them; the desk official who received it does."""
    code, _ = received(client, factory, org)
    login(client, "chuyenvien.vpdk")
    page = client.get(f"/reception/receipts/{code}")
    assert page.status_code == 200 and "Mã tra cứu: đã cấp khi tiếp nhận" in page.get_data(as_text=True)
    assert "Cấp lại mã tra cứu" not in page.get_data(as_text=True)
    token = csrf_token(client.get("/").get_data(as_text=True))
    assert client.post(f"/reception/receipts/{code}/secret", data={"csrf_token": token}).status_code == 403
    login(client, "motcua.tinh")
    assert "Cấp lại mã tra cứu" in client.get(f"/reception/receipts/{code}").get_data(as_text=True)
