"""The dossier page: facts, steps (Mẫu 06), history and the actions each official may take; printed notices."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from engine import get_dossier
from engine.onestop.attachments import store_attachment
from engine.infra.audit import record_event
from engine.infra.db import unit_of_work
from engine.models import Event

from webpages import csrf_token, inbox_items, login, post_form, receive

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def received(factory, org, now):
    return receive(factory, org, now).code


def test_desk_officer_sees_the_timeline_and_desk_actions(client, factory, org, now):
    code = received(factory, org, now)
    login(client, "motcua.tinh")
    response = client.get(f"/dossiers/{code}")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    for text in (code, "Hoàng Văn Dũng", "001085012345", "Quá trình giải quyết", "Tiếp nhận, kiểm tra và chuyển hồ sơ",
                 "Tiếp nhận hồ sơ", "Yêu cầu bổ sung (Mẫu 02)", "Thu phí, lệ phí", "Công dân rút hồ sơ"):
        assert text in html, text
    assert "Dừng giải quyết (Mẫu 05)" not in html and "Xin lỗi và gia hạn (Mẫu 04)" not in html


def test_officer_of_another_unit_cannot_open_the_dossier(client, factory, org, now):
    code = received(factory, org, now)
    login(client, "motcua.hoabinh")
    assert client.get(f"/dossiers/{code}").status_code == 404  # as for a code never issued
    with unit_of_work(factory) as s:
        refusals = s.scalars(select(Event).where(Event.action == "access_refused")).all()
    assert [e.actor_id for e in refusals] == [org["motcua.hoabinh"]]


def test_search_finds_the_dossier_by_name_only_in_the_users_units(client, factory, org, now):
    code = received(factory, org, now)
    login(client, "motcua.tinh")
    assert code in client.get("/dossiers?q=Hoàng Văn").get_data(as_text=True)
    assert code not in client.get("/dossiers?q=Nguyễn Thị").get_data(as_text=True)
    login(client, "motcua.hoabinh")
    assert code not in client.get("/dossiers?q=Hoàng Văn").get_data(as_text=True)


def test_supplement_requested_from_the_page_prints_mau_02(client, factory, org, now):
    code = received(factory, org, now)
    login(client, "chuyenvien.vpdk")
    page = f"/dossiers/{code}"
    bad = post_form(client, f"{page}/request-supplement", {"missing": "", "reason": ""}, page)
    assert bad.status_code == 422 and "field-error" in bad.get_data(as_text=True)
    assert client.get(f"{page}/mau-02").status_code == 404
    done = post_form(client, f"{page}/request-supplement",
                     {"missing": "Bản sao Giấy chứng nhận\nTrích lục bản đồ", "reason": "Thiếu giấy tờ"}, page)
    assert done.status_code == 302
    with unit_of_work(factory) as s:
        assert get_dossier(s, code).status == 5
    printed = client.get(f"{page}/mau-02").get_data(as_text=True)
    for text in ("Mẫu số 02", "Bản sao Giấy chứng nhận", "Trích lục bản đồ", "Thiếu giấy tờ"):
        assert text in printed, text
    assert "Ghi nhận đã bổ sung" in client.get(page).get_data(as_text=True)


def test_mau_02_prints_from_its_letter_not_from_the_audit_trail(client, factory, org, now):
    code = received(factory, org, now)
    login(client, "chuyenvien.vpdk")
    page = f"/dossiers/{code}"
    post_form(client, f"{page}/request-supplement", {"missing": "Trích lục bản đồ", "reason": "Thiếu giấy tờ"}, page)
    with unit_of_work(factory) as s:  # a newer event of the action that says nothing: printing must not mind
        issued = s.scalar(select(Event.at).where(Event.action == "supplement_requested"))
        record_event(s, action="supplement_requested", at=issued + timedelta(minutes=1),
                     actor_id=org["chuyenvien.vpdk"], dossier_id=get_dossier(s, code).id, detail={})
    assert "In Phiếu yêu cầu bổ sung (Mẫu 02)" in client.get(page).get_data(as_text=True)
    printed = client.get(f"{page}/mau-02").get_data(as_text=True)
    assert "Trích lục bản đồ" in printed and "Thiếu giấy tờ" in printed and "Trần Văn Minh" in printed


def test_leader_stops_the_dossier_and_mau_05_prints_the_reason(client, factory, org, now):
    code = received(factory, org, now)
    page = f"/dossiers/{code}"
    login(client, "chuyenvien.vpdk")
    assert post_form(client, f"{page}/stop", {"reason": "Công dân rút"}, page).status_code == 403
    login(client, "lanhdao.vpdk")
    assert post_form(client, f"{page}/stop", {"reason": "Người nộp xin rút hồ sơ"}, page).status_code == 302
    with unit_of_work(factory) as s:
        assert get_dossier(s, code).status == 8
    printed = client.get(f"{page}/mau-05").get_data(as_text=True)
    for text in ("Mẫu số 05", "Thông báo dừng giải quyết hồ sơ",
                 "Người nộp xin rút hồ sơ", "Tiếp nhận, kiểm tra và chuyển hồ sơ"):
        assert text in printed, text


def test_extension_from_the_page_prints_mau_04(client, factory, org, now):
    code = received(factory, org, now)
    page = f"/dossiers/{code}"
    login(client, "lanhdao.vpdk")
    bad = post_form(client, f"{page}/extend", {"new_day": "2026-03-01", "reason": "Chờ xác minh"}, page)
    assert bad.status_code == 422 and "Ngày hẹn mới phải sau hạn hiện tại." in bad.get_data(as_text=True)
    assert post_form(client, f"{page}/extend", {"new_day": "2026-03-18", "reason": "Chờ xác minh"}, page).status_code == 302
    assert "(gia hạn lần 1)" in client.get(page).get_data(as_text=True)
    printed = client.get(f"{page}/mau-04").get_data(as_text=True)
    for text in ("Mẫu số 04", "Chờ xác minh", "18/03/2026", "12/03/2026", code):
        assert text in printed, text


def test_control_sheet_lists_every_step_with_its_verdict(client, factory, org, now):
    code = received(factory, org, now)
    login(client, "motcua.tinh")
    [(item_id, _, _)] = inbox_items(factory, org["motcua.tinh"])
    assert post_form(client, f"/tasks/{item_id}", {"da_kiem_tra_thanh_phan": "true",
                                                   "ghi_chu_tiep_nhan": "Đã đối chiếu bản chính"}).status_code == 302
    printed = client.get(f"/dossiers/{code}/mau-06").get_data(as_text=True)
    for text in ("Mẫu số 06", "Phiếu kiểm soát quá trình giải quyết hồ sơ", "Hoàng Văn Dũng",
                 "Tiếp nhận, kiểm tra và chuyển hồ sơ", "Thẩm định", "Trước hạn", "Đang xử lý",
                 "Đã đối chiếu bản chính"):  # the step's notes, kept on its work item
        assert text in printed, text


def test_attachment_downloads_for_the_dossiers_units_only(app, client, factory, org, now):
    code = received(factory, org, now)
    storage = app.config["MOTCUA_SETTINGS"].instance_path / "attachments"
    with unit_of_work(factory) as s:
        attachment = store_attachment(s, storage_dir=storage, dossier_id=get_dossier(s, code).id,
                                      filename="đơn đề nghị.pdf", data=PDF, actor_id=org["motcua.tinh"], now=now,
                                      max_bytes=10_000)
        url = f"/dossiers/{code}/attachments/{attachment.id}"
    login(client, "chuyenvien.vpdk")
    assert url in client.get(f"/dossiers/{code}").get_data(as_text=True)
    response = client.get(url)
    assert response.status_code == 200 and response.data == PDF
    assert response.headers["Content-Type"] == "application/pdf"
    assert response.headers["Content-Disposition"].startswith("attachment;")
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    login(client, "motcua.hoabinh")
    assert client.get(url).status_code == 404  # the dossier's code is not told to another unit
