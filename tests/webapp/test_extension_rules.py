"""Mẫu 04 as the rules say: before the due date only, once (a second extension states its legal ground), a
date further than twice the legal limit confirmed, and a letter whose words fit the case."""
from __future__ import annotations

from datetime import date, timedelta

import pytest

from engine import get_dossier
from engine.infra.db import unit_of_work
from engine.infra.errors import ValidationFailed
from engine.models import DossierLetter
from engine.onestop.lifecycle import issue_extension

from tests.webapp.webpages import login, post_form, receive


def test_a_second_extension_states_its_legal_ground_which_is_recorded_and_printed(client, factory, org, now):
    code = receive(factory, org, now).code  # due Thursday 12 March 17:00 (8 working days)
    page = f"/dossiers/{code}"
    login(client, "lanhdao.vpdk")
    assert post_form(client, f"{page}/extend", {"new_day": "2026-03-16", "reason": "Chờ xác minh"}, page).status_code == 302
    form = client.get(page).get_data(as_text=True)
    assert 'name="legal_ground"' in form  # the page asks for the ground before the second extension
    refused = post_form(client, f"{page}/extend", {"new_day": "2026-03-18", "reason": "Chờ ý kiến"}, page)
    assert refused.status_code == 422 and "căn cứ pháp lý" in refused.get_data(as_text=True)
    with unit_of_work(factory) as s:
        assert get_dossier(s, code).extension_count == 1  # nothing written by the refusal
    ground = "Văn bản số 12/UBND ngày 13/3/2026 chấp thuận gia hạn"
    assert post_form(client, f"{page}/extend", {"new_day": "2026-03-18", "reason": "Chờ ý kiến",
                                                "legal_ground": ground}, page).status_code == 302
    with unit_of_work(factory) as s:
        assert get_dossier(s, code).extension_count == 2
    assert ground in client.get(f"{page}/mau-04").get_data(as_text=True)


def test_a_date_past_twice_the_legal_limit_is_confirmed_first(client, factory, org, now):
    code = receive(factory, org, now).code  # 8 working days: twice is 16, to Tuesday 24 March
    page = f"/dossiers/{code}"
    login(client, "lanhdao.vpdk")
    asked = post_form(client, f"{page}/extend", {"new_day": "2026-03-25", "reason": "Chờ xác minh"}, page)
    html = asked.get_data(as_text=True)
    assert asked.status_code == 422 and 'name="confirm_long"' in html and "hai lần thời hạn" in html
    done = post_form(client, f"{page}/extend", {"new_day": "2026-03-25", "reason": "Chờ xác minh",
                                                "confirm_long": "yes"}, page)
    assert done.status_code == 302
    with unit_of_work(factory) as s:
        assert get_dossier(s, code).extended_due_at.date() == date(2026, 3, 25)


def test_the_letter_does_not_call_a_dossier_late_before_its_due_date(client, factory, org, now):
    code = receive(factory, org, now).code
    page = f"/dossiers/{code}"
    login(client, "lanhdao.vpdk")
    post_form(client, f"{page}/extend", {"new_day": "2026-03-16", "reason": "Chờ xác minh"}, page)
    letter = client.get(f"{page}/mau-04").get_data(as_text=True)
    assert "không thể trả kết quả giải quyết hồ sơ của Ông/Bà đúng ngày đã hẹn" in letter
    assert "chưa trả kết quả giải quyết hồ sơ đúng hạn" not in letter and "sự chậm trễ này" not in letter


def test_no_extension_once_the_due_date_has_passed(factory, org, now):
    receipt = receive(factory, org, now)
    late = receipt.due_at + timedelta(minutes=1)
    with pytest.raises(ValidationFailed) as caught, unit_of_work(factory) as s:
        issue_extension(s, receipt.code, date(2026, 3, 16), "Chậm", org["lanhdao.vpdk"], late)
    assert "trước hạn" in caught.value.message and list(caught.value.errors) == ["new_day"]
    with unit_of_work(factory) as s:
        assert s.query(DossierLetter).count() == 0
