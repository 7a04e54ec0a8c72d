"""The dossier's records read as labels, never raw values: the steps table, the printed Phiếu kiểm soát (Mẫu 06)
and the history, which follows the reader's language."""
from __future__ import annotations

import re

from sqlalchemy import select

from engine import get_dossier
from engine.infra.db import unit_of_work
from engine.models import Unit
from engine.views.task_context import labelled_notes

from tests.driving import do
from tests.webapp.webpages import inbox_items, login, post_form, receive

RECEPTION = {"da_kiem_tra_thanh_phan": True, "ghi_chu_tiep_nhan": "Đã đối chiếu bản chính"}
APPRAISAL = {"noi_dung_sai_sot": "Sai năm sinh", "nguyen_nhan": "Lỗi nhập liệu", "de_xuat": "dinh_chinh"}


def two_steps_done(factory, org, now) -> str:
    code = receive(factory, org, now).code
    do(factory, org, "motcua.tinh", "ut_tiep_nhan", RECEPTION, now)
    do(factory, org, "chuyenvien.vpdk", "ut_tham_dinh", APPRAISAL, now)
    return code


def test_the_steps_table_and_mau_06_show_titles_and_labels_not_stored_values(client, factory, org, now):
    code = two_steps_done(factory, org, now)
    login(client, "motcua.tinh")
    for url in (f"/dossiers/{code}", f"/dossiers/{code}/mau-06"):
        html = client.get(url).get_data(as_text=True)
        assert "Đề xuất: Đính chính Giấy chứng nhận" in html, url
        assert "Đã kiểm tra đủ thành phần hồ sơ: Có" in html, url
        assert "dinh_chinh" not in html and "da_kiem_tra_thanh_phan" not in html, url


def test_a_note_typed_as_a_sentence_is_followed_by_the_next_without_a_stray_semicolon(client, factory, org, now):
    code = receive(factory, org, now).code
    do(factory, org, "motcua.tinh", "ut_tiep_nhan", RECEPTION, now)
    do(factory, org, "chuyenvien.vpdk", "ut_tham_dinh", {**APPRAISAL, "noi_dung_sai_sot": "Ghi sai họ tên; đúng là "
                                                        "“Trần Thị Hồng Nhung” theo CCCD."}, now)
    login(client, "motcua.tinh")
    for url in (f"/dossiers/{code}", f"/dossiers/{code}/mau-06"):
        html = client.get(url).get_data(as_text=True)
        assert "theo CCCD. Nguyên nhân sai sót: Lỗi nhập liệu; Đề xuất:" in html, url
        assert "CCCD.;" not in html, url


def test_values_are_shown_as_an_official_reads_them():
    schema = {"type": "object", "properties": {
        "ngay": {"type": "string", "format": "date", "title": "Ngày cấp"},
        "luc": {"type": "string", "format": "date-time", "title": "Thời điểm"},
        "so_tien": {"type": "integer", "title": "Số tiền"},
        "dien_tich": {"type": "number", "title": "Diện tích"},
        "loai": {"type": "string", "title": "Loại", "oneOf": [{"const": "a", "title": "Loại A"}]},
        "giay_to": {"type": "array", "title": "Giấy tờ", "items": {"enum": ["cccd", "so_do"]}},
        "dong_y": {"type": "boolean", "title": "Đồng ý"},
        "trong": {"type": "string", "title": "Để trống"},
    }}
    ui = {"giay_to": {"ui:enumNames": ["Căn cước", "Sổ đỏ"]}}
    data = {"ngay": "2026-03-09", "luc": "2026-03-09T02:05:00+00:00", "so_tien": 1500000, "dien_tich": 1234.5,
            "loai": "a", "giay_to": ["cccd", "so_do"], "dong_y": False, "trong": ""}
    shown = {note.title: note.value for note in labelled_notes((schema, ui), data)}
    assert shown == {"Ngày cấp": "09/03/2026", "Thời điểm": "09/03/2026 09:05", "Số tiền": "1.500.000",
                     "Diện tích": "1.234,5", "Loại": "Loại A", "Giấy tờ": "Căn cước; Sổ đỏ", "Đồng ý": "Không"}


def test_the_history_reads_in_english_when_the_reader_chose_english(client, factory, org, now):
    code = two_steps_done(factory, org, now)
    login(client, "motcua.tinh")
    vietnamese = client.get(f"/dossiers/{code}").get_data(as_text=True)
    assert "Hoàn thành bước: Tiếp nhận, kiểm tra và chuyển hồ sơ" in vietnamese
    client.get(f"/dossiers/{code}?lang=en")
    english = client.get(f"/dossiers/{code}").get_data(as_text=True)
    assert "Hoàn thành bước:" not in english and "Chuyển trạng thái:" not in english
    assert "Step completed: Tiếp nhận, kiểm tra và chuyển hồ sơ" in english  # step names are data: as written



def test_printed_forms_head_with_the_units_place_name_and_mau_04_goes_to_the_desk(client, factory, org, now):
    code = receive(factory, org, now).code
    login(client, "motcua.tinh")
    receipt = client.get(f"/reception/receipts/{code}").get_data(as_text=True)
    assert "……, ngày 02 tháng 03 năm 2026" in receipt  # no place name set: a blank to fill by hand
    assert "tại: Tại" not in receipt and "Nơi nhận kết quả: Tại Bộ phận Một cửa" in receipt
    with unit_of_work(factory) as s:
        for unit in s.scalars(select(Unit)):
            unit.place_name = "Hòa Bình"
    receipt = client.get(f"/reception/receipts/{code}").get_data(as_text=True)
    assert "Hòa Bình, ngày 02 tháng 03 năm 2026" in receipt and "……, ngày" not in receipt

    page = f"/dossiers/{code}"
    login(client, "lanhdao.vpdk")
    post_form(client, f"{page}/extend", {"new_day": "2026-03-18", "reason": "Chờ xác minh"}, page)
    apology = client.get(f"{page}/mau-04").get_data(as_text=True)
    assert "Hòa Bình, ngày" in apology
    assert "Trung tâm Phục vụ hành chính công tỉnh (Bộ phận Một cửa, để trả kết quả cho người nộp)" in apology


def test_the_handover_starts_with_the_return_method_and_recipient_registered_at_reception(client, factory, org, now):
    code = two_steps_done(factory, org, now)
    do(factory, org, "lanhdao.vpdk", "ut_phe_duyet", {"quyet_dinh": "dong_y"}, now)
    do(factory, org, "vanthu.vpdk", "ut_chuyen_tra", {"so_van_ban": "125/CNVPĐK"}, now)
    [(item_id, _, _)] = [i for i in inbox_items(factory, org["motcua.tinh"]) if i[1] == "ut_tra_kq_chung"]
    login(client, "motcua.tinh")
    html = client.get(f"/tasks/{item_id}").get_data(as_text=True)
    assert re.search(r'value="tai_quay"[^>]*checked', html), "the desk return registered at reception is not ticked"
    assert re.search(r'name="nguoi_nhan"[^>]*value="Hoàng Văn Dũng"', html)
    # the official may still change it: what they post wins
    done = post_form(client, f"/tasks/{item_id}", {"hinh_thuc_tra": "tai_quay", "nguoi_nhan": "Lê Thị Nhận Thay"})
    assert done.status_code == 302
    with unit_of_work(factory) as s:
        assert get_dossier(s, code).status == 10
