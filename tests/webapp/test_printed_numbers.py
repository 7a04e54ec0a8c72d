"""Mẫu 02, 04 and 05 head their number as Nghị định 30/2020 lays it out ("Số: …/TB-VPĐKĐĐ": the văn thư's
number by hand, the document type and the issuing unit's abbreviation printed) and sign with the title of the
issuing unit's head in capitals (GIÁM ĐỐC; a deputy KT. GIÁM ĐỐC over PHÓ GIÁM ĐỐC); an administrator sets both
on the unit."""
from __future__ import annotations

import re

from sqlalchemy import select

from engine import get_dossier
from engine.infra.db import unit_of_work
from engine.models import DossierLetter, Event, Unit
from engine.onestop.intake_slips import issue_intake_slip
from tests.webapp.webpages import login, post_form, receive

DESK, BRANCH = "000.00.01.H99", "000.21.01.H99"  # the provincial centre receives, the land branch decides


def letterhead(factory, code, abbreviation, head_title):
    with unit_of_work(factory) as s:
        unit = s.scalar(select(Unit).where(Unit.code == code))
        unit.abbreviation, unit.head_title = abbreviation, head_title


def number_line(html: str) -> str:
    return " ".join(re.search(r'<p class="number">(.*?)</p>', html, re.S).group(1).split())


def signer_titles(html: str) -> list[str]:
    return re.findall(r'<p class="role signer-title">(.*?)</p>', html)


def test_letters_print_the_type_and_the_units_abbreviation_the_number_left_to_the_registry(client, factory, org, now):
    letterhead(factory, DESK, "TTPVHCC", "Giám đốc")
    letterhead(factory, BRANCH, "CNVPĐKĐĐ", "Giám đốc")
    code = receive(factory, org, now).code
    page = f"/dossiers/{code}"
    login(client, "chuyenvien.vpdk")
    post_form(client, f"{page}/request-supplement", {"missing": "Trích lục bản đồ", "reason": "Thiếu giấy tờ"}, page)
    supplement = client.get(f"{page}/mau-02").get_data(as_text=True)
    assert number_line(supplement) == "Số: ……/HDHS-TTPVHCC"  # issued to the citizen by the one-stop desk
    assert '<p class="role">Người hướng dẫn</p>' in supplement  # the form's signer, not a head of unit
    code = receive(factory, org, now).code  # another dossier, still running, for the leader's letters
    page = f"/dossiers/{code}"
    login(client, "lanhdao.vpdk")
    assert post_form(client, f"{page}/extend", {"new_day": "2026-03-18", "reason": "Chờ xác minh"},
                     page).status_code == 302
    apology = client.get(f"{page}/mau-04").get_data(as_text=True)
    # a công văn: no type abbreviation, the drafting division's left to the registry, its subject under the number
    assert number_line(apology) == ("Số: ……/CNVPĐKĐĐ-……<br><span class=\"excerpt\">V/v xin lỗi và đề nghị gia hạn "
                                    "thời gian giải quyết hồ sơ</span>")
    assert signer_titles(apology) == ["GIÁM ĐỐC"] and "Lê Hoàng Nam" in apology
    assert f"{code}/PXL" not in apology  # the dossier's code is not the letter's number
    assert post_form(client, f"{page}/stop", {"reason": "Người nộp xin rút hồ sơ"}, page).status_code == 302
    stop = client.get(f"{page}/mau-05").get_data(as_text=True)
    assert number_line(stop) == "Số: ……/TB-CNVPĐKĐĐ"  # a thông báo (Phụ lục III: TB)
    assert signer_titles(stop) == ["GIÁM ĐỐC"]


def test_a_deputy_signs_for_the_head_and_an_acting_head_as_such(client, factory, org, now):
    letterhead(factory, BRANCH, "CNVPĐKĐĐ", "Giám đốc")
    code = receive(factory, org, now).code
    page = f"/dossiers/{code}"
    login(client, "lanhdao.vpdk")
    assert post_form(client, f"{page}/stop", {"reason": "Người nộp xin rút hồ sơ"}, page).status_code == 302

    def signed(form):  # as a step completed under a delegation records the letter (engine.onestop.letters)
        with unit_of_work(factory) as s:
            letter = s.scalar(select(DossierLetter).where(DossierLetter.dossier_id == get_dossier(s, code).id))
            letter.issued_by_id, letter.on_behalf_of_id = org["lanhdaophong.vpdk"], org["lanhdao.vpdk"]
            letter.signature_form = form
        return client.get(f"{page}/mau-05").get_data(as_text=True)

    deputy = signed("KT.")
    assert signer_titles(deputy) == ["KT. GIÁM ĐỐC", "PHÓ GIÁM ĐỐC"] and "Hà Minh Tuấn" in deputy
    assert signer_titles(signed("Q.")) == ["Q. GIÁM ĐỐC"]
    assert signer_titles(signed("TUQ.")) == ["TUQ. GIÁM ĐỐC", "……"]  # the signer's own title, by hand


def test_a_unit_without_abbreviation_or_head_title_leaves_them_to_the_hand(client, factory, org, now):
    code = receive(factory, org, now).code
    page = f"/dossiers/{code}"
    login(client, "lanhdao.vpdk")
    post_form(client, f"{page}/stop", {"reason": "Người nộp xin rút hồ sơ"}, page)
    stop = client.get(f"{page}/mau-05").get_data(as_text=True)
    assert number_line(stop) == "Số: ……/TB-……" and signer_titles(stop) == ["THỦ TRƯỞNG ĐƠN VỊ"]


def test_the_desks_mau_02_keeps_its_reference_under_the_registry_number(client, factory, org, now):
    letterhead(factory, DESK, "TTPVHCC", "Giám đốc")
    with unit_of_work(factory) as s:
        slip = issue_intake_slip(s, kind="supplement", procedure_code="dinh-chinh-gcn",
                                 applicant={"name": "Trần Văn Bình"}, channel="direct",
                                 missing=["Bản gốc Giấy chứng nhận đã cấp"], reason="", unit_code=DESK,
                                 actor_id=org["motcua.tinh"], now=now)
        slip_id, reference = slip.id, slip.number
    login(client, "motcua.tinh")
    printed = client.get(f"/reception/slips/{slip_id}").get_data(as_text=True)
    assert number_line(printed) == f'Số: ……/HDHS-TTPVHCC<br><span class="slip-ref">Mã phiếu: {reference}</span>'
    assert '<p class="role">Người hướng dẫn</p>' in printed


def test_the_administrator_sets_the_abbreviation_and_the_head_title_checked_beside_each_field(app, factory, org):
    admin = app.test_client()
    login(admin, "quantri.tinh")
    with unit_of_work(factory) as s:
        unit_id = s.scalar(select(Unit.id).where(Unit.code == BRANCH))
    page = f"/admin/units/{unit_id}"
    fields = {"code": BRANCH, "name": "Chi nhánh Văn phòng Đăng ký đất đai khu vực Trung tâm", "level": "tinh",
              "parent_id": "", "place_name": "Hòa Bình", "office_hours": "07:30-11:30,13:30-17:00"}
    refused = post_form(admin, page, {**fields, "abbreviation": "VP ĐKĐĐ/1", "head_title": "KT. Giám đốc"})
    html = refused.get_data(as_text=True)
    assert refused.status_code == 422 and html.count('class="field-error"') == 2
    assert "Tên viết tắt chỉ gồm chữ và số" in html and "Chỉ nhập chức danh của người đứng đầu" in html
    assert 'value="VP ĐKĐĐ/1"' in html  # what was typed stays in the field
    with unit_of_work(factory) as s:
        unit = s.get(Unit, unit_id)
        assert (unit.abbreviation, unit.head_title, unit.place_name) == ("", "", "")  # nothing written
    saved = post_form(admin, page, {**fields, "abbreviation": " cnvpđkđđ ", "head_title": "  Giám   đốc "})
    assert saved.status_code == 302
    with unit_of_work(factory) as s:
        unit = s.get(Unit, unit_id)
        assert (unit.abbreviation, unit.head_title) == ("CNVPĐKĐĐ", "Giám đốc")  # capitals, as ND 30 writes it
        [change] = [e.detail for e in s.scalars(select(Event).where(Event.action == "unit_updated"))]
    assert change["after"]["abbreviation"] == "CNVPĐKĐĐ" and change["after"]["head_title"] == "Giám đốc"
    assert 'value="CNVPĐKĐĐ"' in admin.get(page).get_data(as_text=True)
