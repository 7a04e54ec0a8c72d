"""Online submissions wait at status 1 until the desk receives (2, clock from then) or refuses them (3, Mẫu 03);
stopped and refused dossiers get an end time; the dossier verdict is early, on time or late like its steps'."""
from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlalchemy import func, select

from engine import get_dossier
from engine.infra.clock import VN_TZ
from engine.infra.db import unit_of_work
from engine.infra.errors import Conflict, Forbidden, ValidationFailed
from engine.models import Dossier, Event, IntakeSlip, Notification, ProcessInstance, WorkItem
from engine.onestop.lifecycle import request_withdrawal, stop_dossier
from engine.onestop.online import receive_submission, refuse_submission, waiting_submissions
from engine.onestop.reception import receive_for_integration
from engine.onestop.statuses import on_time_verdict

from tests.driving import open_items

APPLICANT = {"name": "Đặng Thị Hồng", "id_number": "001190012345", "phone": "0912000111",
             "email": "hong.dang@example.vn", "address": "Số 3 phố Lò Sũ"}
FORM = "Đơn đăng ký biến động đất đai, tài sản gắn liền với đất theo Mẫu số 11/ĐK"
CERTIFICATE = "Bản gốc Giấy chứng nhận đã cấp"
CENTRE = "000.00.01.H99"


def submit(factory, org, submitted_at, **changes):
    """The national portal hands over an online submission (the API's reception with channel=online)."""
    arguments = dict(actor_id=org["motcua.tinh"], procedure_code="dinh-chinh-gcn", applicant=APPLICANT,
                     channel="online", received_at=submitted_at, now=submitted_at, components=[FORM])
    with unit_of_work(factory) as s:
        return receive_for_integration(s, **{**arguments, **changes})


def rows(factory, model, **where):
    with unit_of_work(factory) as s:
        query = select(func.count()).select_from(model)
        for name, value in where.items():
            query = query.where(getattr(model, name) == value)
        return s.scalar(query)


def test_an_online_submission_waits_at_status_1_without_due_date_number_or_process(factory, org, now):
    receipt = submit(factory, org, now)  # only the form sent: completeness is the desk's check
    assert (receipt.status, receipt.due_at) == (1, None) and receipt.secret
    with unit_of_work(factory) as s:
        dossier = get_dossier(s, receipt.code)
        assert (dossier.submitted_at, dossier.received_at, dossier.register_number) == (now, now, None)
        assert [e.action for e in s.scalars(select(Event).where(Event.dossier_id == dossier.id))] == [
            "dossier_submitted"]
        assert [d.code for d in waiting_submissions(s, org["motcua.tinh"])] == [receipt.code]
        assert waiting_submissions(s, org["motcua.hoabinh"]) == []  # another centre's desk
        assert waiting_submissions(s, org["chuyenvien.vpdk"]) == []  # no desk at all
    assert rows(factory, ProcessInstance) == 0 and rows(factory, WorkItem) == 0


def test_the_desk_receives_it_the_clock_starts_then_and_the_process_runs(factory, org, now):
    receipt = submit(factory, org, now - timedelta(days=3))  # submitted on Friday, checked on Monday
    with unit_of_work(factory) as s:
        received = receive_submission(s, receipt.code, components=[FORM, CERTIFICATE], return_method="desk",
                                      return_address="", actor_id=org["motcua.tinh"], now=now)
    assert received.status == 2
    with unit_of_work(factory) as s:
        dossier = get_dossier(s, receipt.code)
        assert dossier.received_at == now and dossier.submitted_at == now - timedelta(days=3)
        assert dossier.due_at == dossier.promised_due_at == datetime(2026, 3, 12, 17, 0, tzinfo=VN_TZ)  # 8 days
        assert (dossier.register_year, dossier.register_number) == (2026, 1)
        assert [c["name"] for c in dossier.components] == [FORM, CERTIFICATE]
        event = s.scalar(select(Event).where(Event.dossier_id == dossier.id, Event.action == "dossier_received"))
        assert (event.status_before, event.status_after, event.actor_id) == (1, 2, org["motcua.tinh"])
        assert waiting_submissions(s, org["motcua.tinh"]) == []
        assert [i.dossier.code for i in open_items(s, org["motcua.tinh"], now=now)] == [receipt.code]
    assert rows(factory, Notification, kind="receipt") == 2  # e-mail and SMS: Mẫu 01 reaches an online applicant
    with pytest.raises(Conflict, match="Được tiếp nhận"):  # a second click, a colleague's check
        with unit_of_work(factory) as s:
            receive_submission(s, receipt.code, components=[FORM, CERTIFICATE], return_method="desk",
                               return_address="", actor_id=org["motcua.tinh"], now=now)
    with pytest.raises(Conflict):
        with unit_of_work(factory) as s:
            refuse_submission(s, receipt.code, reason="Sai thẩm quyền", actor_id=org["motcua.tinh"], now=now)


@pytest.mark.parametrize("changes, field", [
    ({"components": [FORM]}, "components"),
    ({"return_method": "postal", "return_address": " "}, "return_address"),
    ({"return_method": "fax"}, "return_method"),
], ids=["a required component missing", "postal without address", "unknown return method"])
def test_receiving_an_incomplete_submission_is_refused_beside_the_field_and_changes_nothing(
        factory, org, now, changes, field):
    receipt = submit(factory, org, now)
    arguments = dict(components=[FORM, CERTIFICATE], return_method="desk", return_address="",
                     actor_id=org["motcua.tinh"], now=now)
    with pytest.raises(ValidationFailed) as caught:
        with unit_of_work(factory) as s:
            receive_submission(s, receipt.code, **{**arguments, **changes})
    assert field in caught.value.errors
    with unit_of_work(factory) as s:
        dossier = get_dossier(s, receipt.code)
        assert (dossier.status, dossier.register_number, dossier.due_at) == (1, None, None)
    assert rows(factory, ProcessInstance) == 0 and rows(factory, Event, action="dossier_received") == 0


def test_the_desk_refuses_it_with_mau_03_an_end_time_and_no_verdict(factory, org, now):
    receipt = submit(factory, org, now - timedelta(hours=2))
    with unit_of_work(factory) as s:
        slip = refuse_submission(s, receipt.code, reason="Thủ tục không thuộc thẩm quyền của tỉnh",
                                 actor_id=org["motcua.tinh"], now=now)
        assert (slip.kind, slip.number, slip.applicant) == ("refusal", f"{CENTRE}-TCTN-260302-0001", APPLICANT)
    with unit_of_work(factory) as s:
        dossier = get_dossier(s, receipt.code)
        assert (dossier.status, dossier.finished_at, dossier.register_number) == (3, now, None)
        assert on_time_verdict(dossier) is None  # never received: no legal clock ran
        assert s.scalar(select(IntakeSlip.dossier_id)) == dossier.id
        event = s.scalar(select(Event).where(Event.dossier_id == dossier.id, Event.action == "dossier_refused"))
        assert (event.status_before, event.status_after) == (1, 3)
        assert event.detail["reason"] == "Thủ tục không thuộc thẩm quyền của tỉnh"
    with unit_of_work(factory) as s:
        [notice] = s.scalars(select(Notification).where(Notification.kind == "refusal",
                                                        Notification.channel == "email"))
        assert "không được tiếp nhận" in notice.body and "không thuộc thẩm quyền" in notice.body


@pytest.mark.parametrize("reason", ["", "   ", "x" * 2001])
def test_a_refusal_without_a_reason_or_with_an_endless_one_writes_nothing(factory, org, now, reason):
    receipt = submit(factory, org, now)
    with pytest.raises(ValidationFailed) as caught:
        with unit_of_work(factory) as s:
            refuse_submission(s, receipt.code, reason=reason, actor_id=org["motcua.tinh"], now=now)
    assert list(caught.value.errors) == ["reason"]
    with unit_of_work(factory) as s:
        assert get_dossier(s, receipt.code).status == 1
    assert rows(factory, IntakeSlip) == 0 and rows(factory, Notification) == 0


@pytest.mark.parametrize("username", ["motcua.hoabinh", "chuyenvien.vpdk"])
def test_only_the_receiving_units_desk_checks_a_submission(factory, org, now, username):
    receipt = submit(factory, org, now)
    with pytest.raises(Forbidden):
        with unit_of_work(factory) as s:
            receive_submission(s, receipt.code, components=[FORM, CERTIFICATE], return_method="desk",
                               return_address="", actor_id=org[username], now=now)
    with pytest.raises(Forbidden):
        with unit_of_work(factory) as s:
            refuse_submission(s, receipt.code, reason="Không", actor_id=org[username], now=now)


def test_a_postal_dossier_from_another_system_is_received_at_once(factory, org, now):
    receipt = submit(factory, org, now, channel="postal", components=[FORM, CERTIFICATE])
    assert receipt.status == 2 and receipt.due_at is not None


def test_a_withdrawn_and_stopped_dossier_ends_with_a_verdict(factory, org, now):
    receipt = submit(factory, org, now, channel="direct", components=[FORM, CERTIFICATE])
    leader = org["lanhdao.vpdk"]
    with unit_of_work(factory) as s:
        request_withdrawal(s, receipt.code, org["motcua.tinh"], now + timedelta(hours=2), reason="Xin rút")
    stopped_at = now + timedelta(days=1)
    with unit_of_work(factory) as s:
        stop_dossier(s, receipt.code, "Người nộp xin rút hồ sơ", leader, stopped_at)
    with unit_of_work(factory) as s:
        dossier = get_dossier(s, receipt.code)
        assert (dossier.status, dossier.finished_at) == (8, stopped_at)
        assert on_time_verdict(dossier) == "early"  # stopped a week before its due day


def verdict_of(due_at, finished_at, supplements=0):
    return on_time_verdict(Dossier(due_at=due_at, finished_at=finished_at, supplement_count=supplements))


def test_the_dossier_verdict_reads_like_the_steps_early_on_time_late():
    due = datetime(2026, 3, 12, 17, 0, tzinfo=VN_TZ)
    assert verdict_of(due, datetime(2026, 3, 11, 16, 59, tzinfo=VN_TZ)) == "early"  # a day before the due day
    assert verdict_of(due, datetime(2026, 3, 12, 8, 0, tzinfo=VN_TZ)) == "on_time"  # on the due day
    assert verdict_of(due, due) == "on_time"
    assert verdict_of(due, due + timedelta(minutes=1)) == "late"
    assert verdict_of(due, datetime(2026, 3, 2, 9, 0, tzinfo=VN_TZ), supplements=2) == "late"  # asked twice
    assert verdict_of(None, due) is None and verdict_of(due, None) is None
