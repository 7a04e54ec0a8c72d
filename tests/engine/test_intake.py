"""The reception desk in the engine: receiving with components, Mẫu 02/03 slips, who may use the desk, search."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from engine import get_dossier
from engine.infra.db import unit_of_work
from engine.onestop.dossiers import hash_secret, reset_lookup_secret
from engine.onestop.reception import receive_dossier
from engine.infra.errors import Forbidden, ValidationFailed
from engine.onestop.intake_slips import get_intake_slip, issue_intake_slip
from engine.onestop.reception import desk_units
from engine.views.search import search_procedures
from engine.models import Dossier, Event, IntakeSlip

APPLICANT = {"name": "Hoàng Văn Dũng", "id_number": "001085012345", "phone": "0912345678",
             "address": "Số 12 phố Hàng Bạc"}
FORM = "Đơn đăng ký biến động đất đai, tài sản gắn liền với đất theo Mẫu số 11/ĐK"
CERTIFICATE = "Bản gốc Giấy chứng nhận đã cấp"
PROOF = "Giấy tờ chứng minh nội dung sai sót trên Giấy chứng nhận (nếu có)"
DESK = "000.00.01.H99"


def count(factory, model):
    with unit_of_work(factory) as s:
        return s.scalar(select(func.count()).select_from(model))


def receive(factory, org, now, **changes):
    arguments = dict(procedure_code="dinh-chinh-gcn", applicant=APPLICANT, channel="direct", received_at=now,
                     receiving_unit_code=DESK, actor_id=org["motcua.tinh"], now=now, components=[FORM, CERTIFICATE])
    with unit_of_work(factory) as s:
        return receive_dossier(s, **{**arguments, **changes})


def slip(factory, org, now, **changes):
    arguments = dict(kind="supplement", procedure_code="dinh-chinh-gcn", applicant=APPLICANT, channel="direct",
                     missing=[CERTIFICATE], reason="", unit_code=DESK, actor_id=org["motcua.tinh"], now=now)
    with unit_of_work(factory) as s:
        made = issue_intake_slip(s, **{**arguments, **changes})
        return made.id, made.number, made.missing, made.reason


def test_receiving_keeps_the_ticked_components_with_their_copies_and_the_postal_return(factory, org, now):
    receipt = receive(factory, org, now, return_method="postal", return_address="Số 5 ngõ Huế, Hà Nội")
    with unit_of_work(factory) as s:
        dossier = get_dossier(s, receipt.code)
        assert dossier.components == [
            {"name": FORM, "original": 1, "certified_copy": 0, "photocopy": 0},
            {"name": CERTIFICATE, "original": 1, "certified_copy": 0, "photocopy": 0}]
        assert (dossier.return_method, dossier.return_address) == ("postal", "Số 5 ngõ Huế, Hà Nội")


@pytest.mark.parametrize("changes, field", [
    ({"components": [FORM]}, "components"),
    ({"components": [FORM, CERTIFICATE, "Giấy khai sinh"]}, "components"),
    ({"return_method": "postal", "return_address": "  "}, "return_address"),
], ids=["required one missing", "unknown component", "postal without address"])
def test_an_incomplete_reception_is_refused_and_nothing_stored(factory, org, now, changes, field):
    with pytest.raises(ValidationFailed) as caught:
        receive(factory, org, now, **changes)
    assert field in caught.value.errors
    assert count(factory, Dossier) == 0 and count(factory, Event) == 0


def test_missing_required_component_is_named_in_the_error(factory, org, now):
    with pytest.raises(ValidationFailed) as caught:
        receive(factory, org, now, components=[PROOF])
    message = " ".join(caught.value.errors["components"])
    assert FORM in message and CERTIFICATE in message and "Mẫu 02" in message


def test_supplement_slip_lists_every_missing_component_once_with_its_copies(factory, org, now):
    slip_id, number, missing, _ = slip(factory, org, now, missing=[FORM, CERTIFICATE, "Bản đồ thửa đất", FORM])
    assert [item["name"] for item in missing] == [FORM, CERTIFICATE, "Bản đồ thửa đất"]
    assert missing[0]["original"] == 1 and missing[2]["original"] is None  # free text has no counts
    assert number == f"{DESK}-HDHS-260302-0001"
    assert slip(factory, org, now)[1] == f"{DESK}-HDHS-260302-0002"
    assert slip(factory, org, now, kind="refusal", reason="Không thuộc thẩm quyền")[1] == f"{DESK}-TCTN-260302-0001"
    with unit_of_work(factory) as s:
        event = s.scalar(select(Event).where(Event.action == "intake_slip_issued").order_by(Event.id).limit(1))
        assert event.actor_id == org["motcua.tinh"] and event.detail["slip_id"] == slip_id


@pytest.mark.parametrize("changes, field", [
    ({"missing": []}, "missing"),
    ({"missing": ["  "]}, "missing"),
    ({"kind": "refusal", "missing": [], "reason": " "}, "reason"),
    ({"applicant": {"name": "", "phone": "abc"}}, "applicant.name"),
], ids=["supplement without missing", "blank missing", "refusal without reason", "bad applicant"])
def test_a_slip_without_its_content_is_refused(factory, org, now, changes, field):
    with pytest.raises(ValidationFailed) as caught:
        slip(factory, org, now, **changes)
    assert field in caught.value.errors
    assert count(factory, IntakeSlip) == 0


def test_only_desk_officers_of_the_unit_issue_slips_and_read_them(factory, org, now):
    with pytest.raises(Forbidden):
        slip(factory, org, now, actor_id=org["chuyenvien.vpdk"])
    with pytest.raises(Forbidden):
        slip(factory, org, now, actor_id=org["motcua.hoabinh"])  # mot_cua, but at another unit
    slip_id = slip(factory, org, now)[0]
    with unit_of_work(factory) as s:
        assert get_intake_slip(s, slip_id, org["motcua.tinh"]).kind == "supplement"
        with pytest.raises(Forbidden):
            get_intake_slip(s, slip_id, org["motcua.hoabinh"])
        assert [u.code for u in desk_units(s, org["motcua.tinh"])] == [DESK]
        assert desk_units(s, org["chuyenvien.vpdk"]) == []


def test_resetting_the_lookup_secret_replaces_the_hash_for_officials_of_the_receiving_unit(factory, org, now):
    receipt = receive(factory, org, now)
    with unit_of_work(factory) as s:
        with pytest.raises(Forbidden):
            reset_lookup_secret(s, receipt.code, org["motcua.hoabinh"], now)
    with unit_of_work(factory) as s:
        secret = reset_lookup_secret(s, receipt.code, org["motcua.tinh"], now)
    with unit_of_work(factory) as s:
        dossier = get_dossier(s, receipt.code)
        assert dossier.secret_hash == hash_secret(secret) != hash_secret(receipt.secret)
        assert s.scalar(select(Event.action).where(Event.dossier_id == dossier.id).order_by(Event.id.desc())
                        .limit(1)) == "lookup_secret_reset"


@pytest.mark.parametrize("query", ["dinh chinh", "ĐÍNH CHÍNH giấy", "1.004227", "dat dai dinh"])
def test_search_finds_a_procedure_by_name_code_or_field_without_diacritics(factory, org, query):
    with unit_of_work(factory) as s:
        assert "dinh-chinh-gcn" in [p.slug for p in search_procedures(s, query)]


def test_search_leaves_out_what_does_not_match(factory, org):
    with unit_of_work(factory) as s:
        everything = search_procedures(s, "")
        assert len(everything) > 1 and all(p.active_version_id for p in everything)
        assert "dinh-chinh-gcn" not in [p.slug for p in search_procedures(s, "khai sinh")]


def test_a_hostile_email_is_refused_at_once_and_plain_ones_pass():
    from engine.onestop.reception import applicant_errors

    hostile = {"name": "Nguyễn Văn A", "email": "a@" + "." * 40000 + "@"}
    assert "applicant.email" in applicant_errors(hostile)
    for good in ("trang.vu@example.vn", "x.y+z@mail.gov.vn"):
        assert applicant_errors({"name": "Nguyễn Văn A", "email": good}) == {}
    for bad in ("a@b", "a@b..vn", "a@b.vn.", "a b@c.vn"):
        assert "applicant.email" in applicant_errors({"name": "Nguyễn Văn A", "email": bad})
