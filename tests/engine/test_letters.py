"""Mẫu 02, 04 and 05 live once, as letters of their own written with the change they announce; the audit
trail says who did what and is never read back to print them, and the upgrade that brought the letters
wrote one for each earlier letter event without touching the trail."""
from __future__ import annotations

from datetime import date, datetime, timedelta

from sqlalchemy import select

from engine import complete_task, fire_due_timers, get_dossier, lookup_dossier
from engine.infra import migrate
from engine.infra.audit import record_event
from engine.infra.clock import VN_TZ
from engine.infra.db import make_sessionmaker, unit_of_work
from engine.models import DossierLetter, Event
from engine.onestop.lifecycle import issue_extension, request_supplement, stop_dossier
from engine.views.timeline import latest_signed

from ..driving import do, open_items
from ..migrating import all_rows, database_at, event_rows, insert_rows
from .test_delegations import delegate
from .test_dinh_chinh_gcn import receive

BEFORE = "0007"  # the revision before the letters had a table
MISSING = ["Bản sao Giấy chứng nhận", "Trích lục bản đồ địa chính"]


def complete(factory, user_id, bpmn_id, data, when) -> None:
    with unit_of_work(factory) as s:
        [item] = [item for item in open_items(s, user_id, now=when) if item.bpmn_id == bpmn_id]
        complete_task(s, item.id, data, user_id, when)


def three_letters(factory, org, now) -> str:
    """A dossier that got all three: Mẫu 04 signed through the BPMN step by a delegate (TUQ. the leader),
    Mẫu 02 from the dossier page, then Mẫu 05 from the leader."""
    receipt = receive(factory, org, now)
    do(factory, org, "motcua.tinh", "ut_tiep_nhan", {"da_kiem_tra_thanh_phan": True}, now)
    reminder = receipt.due_at - timedelta(days=1)
    assert fire_due_timers(factory, reminder + timedelta(seconds=1)) == 1
    specialist, leader, later = org["chuyenvien.vpdk"], org["lanhdao.vpdk"], reminder + timedelta(minutes=5)
    apology = {"ly_do_cham": "Chờ xác minh thực địa", "ngay_hen_moi": "2026-03-18"}
    complete(factory, specialist, "ut_lap_xin_loi", apology, later)
    delegate(factory, org, later)  # the leader's signature, TUQ., to the specialist
    complete(factory, specialist, "ut_ky_xin_loi", {"quyet_dinh_xin_loi": "ky"}, later)
    with unit_of_work(factory) as s:
        request_supplement(s, receipt.code, MISSING, "Thiếu giấy tờ", specialist, later + timedelta(hours=1))
    with unit_of_work(factory) as s:
        stop_dossier(s, receipt.code, "Người nộp xin rút hồ sơ", leader, later + timedelta(hours=2))
    return receipt.code


def letters(session) -> list[tuple]:
    return [(letter.dossier_id, letter.kind, letter.issued_at, letter.issued_by_id, letter.on_behalf_of_id,
             letter.signature_form, letter.content)
            for letter in session.scalars(select(DossierLetter).order_by(DossierLetter.issued_at, DossierLetter.id))]


def test_each_letter_is_a_row_written_with_the_change_and_a_delegate_signature_is_kept(factory, org, now):
    code = three_letters(factory, org, now)
    specialist, leader = org["chuyenvien.vpdk"], org["lanhdao.vpdk"]
    with unit_of_work(factory) as s:
        dossier = get_dossier(s, code)
        apology, supplement, stop = s.scalars(select(DossierLetter).order_by(DossierLetter.issued_at)).all()
        printed = latest_signed(s, dossier.id, "apology")
    assert (apology.kind, apology.issued_by_id, apology.on_behalf_of_id, apology.signature_form) == (
        "apology", specialist, leader, "TUQ.")
    assert apology.content == {"reason": "Chờ xác minh thực địa", "due_at": dossier.due_at.isoformat(),
                               "extended_due_at": datetime(2026, 3, 18, 17, tzinfo=VN_TZ).isoformat()}
    assert (supplement.kind, supplement.issued_by_id, supplement.on_behalf_of_id, supplement.content) == (
        "supplement_request", specialist, None, {"missing": MISSING, "reason": "Thiếu giấy tờ"})
    assert (stop.kind, stop.issued_by_id, stop.signature_form, stop.content["reason"]) == (
        "stop", leader, None, "Người nộp xin rút hồ sơ")
    assert stop.content["stage"]  # the step reached, for Mẫu 05
    assert (printed.signer, printed.on_behalf_of, printed.signature_form) == ("Trần Văn Minh", "Lê Hoàng Nam", "TUQ.")


def test_the_citizen_and_the_printed_mau_02_read_the_letter_whatever_the_trail_says(factory, org, now):
    receipt = receive(factory, org, now)
    do(factory, org, "motcua.tinh", "ut_tiep_nhan", {"da_kiem_tra_thanh_phan": True}, now)
    with unit_of_work(factory) as s:
        request_supplement(s, receipt.code, MISSING, "Thiếu giấy tờ", org["chuyenvien.vpdk"], now)
    with unit_of_work(factory) as s:  # a later event of the same action carrying nothing: were the trail read,
        record_event(s, action="supplement_requested", at=now + timedelta(minutes=1),  # nothing would print
                     actor_id=org["chuyenvien.vpdk"], dossier_id=get_dossier(s, receipt.code).id, detail={})
    with unit_of_work(factory) as s:
        assert lookup_dossier(s, receipt.code, receipt.secret).missing == MISSING
        printed = latest_signed(s, get_dossier(s, receipt.code).id, "supplement_request")
    assert printed.content == {"missing": MISSING, "reason": "Thiếu giấy tờ"} and printed.at == now


def test_upgrade_writes_a_letter_for_each_earlier_letter_event_and_leaves_the_trail_alone(
        request, db_engine, factory, org, now):
    code = three_letters(factory, org, now)
    with unit_of_work(factory) as s:
        written = letters(s)
    rows = all_rows(db_engine)  # the letter events carry what the earlier revision printed from
    old = database_at(request, db_engine.dialect.name, BEFORE)
    with old.begin() as conn:
        insert_rows(conn, rows)  # every table of the revision; the letters had none
    events_before = event_rows(old)

    migrate.upgrade(old)

    with unit_of_work(make_sessionmaker(old)) as s:
        assert letters(s) == written
        dossier_id = get_dossier(s, code).id
        printed = {kind: latest_signed(s, dossier_id, kind) for kind in ("supplement_request", "apology", "stop")}
    assert printed["supplement_request"].content["missing"] == MISSING
    assert (printed["apology"].on_behalf_of, printed["apology"].signature_form) == ("Lê Hoàng Nam", "TUQ.")
    assert printed["stop"].content["reason"] == "Người nộp xin rút hồ sơ"
    assert event_rows(old) == events_before  # nothing added, edited or removed
    assert len(events_before) == len(rows["event"])


def test_extension_from_the_page_is_an_apology_letter_signed_by_the_leader_himself(factory, org, now):
    receipt = receive(factory, org, now)
    with unit_of_work(factory) as s:
        issue_extension(s, receipt.code, date(2026, 3, 18), "Chờ xác minh", org["lanhdao.vpdk"], now)
    with unit_of_work(factory) as s:
        [letter] = s.scalars(select(DossierLetter)).all()
        assert (letter.kind, letter.issued_by_id, letter.on_behalf_of_id, letter.signature_form) == (
            "apology", org["lanhdao.vpdk"], None, None)
        assert s.scalar(select(Event.detail).where(Event.action == "due_extended"))["reason"] == "Chờ xác minh"
