"""Receiving once: a likely duplicate asks for confirmation; a desk form's token and an API key claimed by
their first request answer a repeat (even a concurrent one) with what that request made."""
from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from engine.infra.db import unit_of_work
from engine.infra.errors import ValidationFailed
from engine.models import Dossier, FormSubmission, IdempotencyKey
from engine.onestop.online import refuse_submission
from engine.onestop.reception import receive_at_desk, receive_for_integration
from engine.onestop.repeats import (
    FieldConflict,
    LikelyDuplicate,
    claim_form_token,
    claim_idempotency_key,
    record_form_outcome,
    record_idempotent_answer,
)

APPLICANT = {"name": "Phan Văn Khải", "id_number": "001080099999", "phone": "0909123456"}
FORM = "Đơn đăng ký biến động đất đai, tài sản gắn liền với đất theo Mẫu số 11/ĐK"
CERTIFICATE = "Bản gốc Giấy chứng nhận đã cấp"
TOKEN = "mot-lan-duy-nhat-0123456789abcdef"


def at_desk(factory, org, when, officer="motcua.tinh", **changes):
    arguments = dict(storage_dir=None, max_bytes=1, procedure_code="dinh-chinh-gcn", applicant=APPLICANT,
                     channel="direct", unit_code=None, components=[FORM, CERTIFICATE], uploads=[],
                     actor_id=org[officer], now=when)
    with unit_of_work(factory) as s:
        return receive_at_desk(s, **{**arguments, **changes})


def dossiers(factory) -> int:
    with unit_of_work(factory) as s:
        return s.scalar(select(func.count()).select_from(Dossier))


def test_the_same_applicant_and_procedure_the_same_day_asks_for_confirmation(factory, org, now):
    first = at_desk(factory, org, now)
    with pytest.raises(LikelyDuplicate) as caught:
        at_desk(factory, org, now + timedelta(hours=3))
    [message] = caught.value.errors["confirm_duplicate"]
    assert first.code in message and "001080099999" in message and "02/03/2026" in message
    assert dossiers(factory) == 1  # nothing written by the refused attempt
    second = at_desk(factory, org, now + timedelta(hours=3), confirm_duplicate=True)
    assert second.code != first.code and dossiers(factory) == 2


def test_without_an_id_number_the_same_name_the_same_day_asks_for_confirmation(factory, org, now):
    """The desk form sent again after Back (the browser refills it, with a new form token): nothing else tells
    the two apart when the applicant gave no id number."""
    nameless = {"name": "Lê Văn Khánh", "phone": "0912000111"}
    first = at_desk(factory, org, now, applicant=nameless)
    with pytest.raises(LikelyDuplicate) as caught:
        at_desk(factory, org, now + timedelta(minutes=2), applicant=nameless)
    [message] = caught.value.errors["confirm_duplicate"]
    assert first.code in message and "Lê Văn Khánh" in message and dossiers(factory) == 1
    at_desk(factory, org, now + timedelta(minutes=3), applicant={"name": "Lê Văn Khánh Hòa"})  # another name
    at_desk(factory, org, now + timedelta(minutes=4), applicant=nameless, confirm_duplicate=True)
    assert dossiers(factory) == 3
    for _ in range(2):  # another system's repeats carry their Idempotency-Key: a name alone does not stop them
        with unit_of_work(factory) as s:
            receive_for_integration(s, actor_id=org["motcua.tinh"], procedure_code="dinh-chinh-gcn",
                                    applicant=nameless, channel="direct", received_at=now, now=now)
    assert dossiers(factory) == 5


@pytest.mark.parametrize("changes", [
    {"now_shift": timedelta(days=1)},
    {"applicant": {**APPLICANT, "id_number": "001080011111"}},
    {"applicant": {"name": APPLICANT["name"]}},
    {"officer": "motcua.hoabinh"},
], ids=["the next day", "another id number", "no id number", "another centre"])
def test_other_days_people_and_centres_are_no_duplicates(factory, org, now, changes):
    at_desk(factory, org, now)
    changes = dict(changes)  # the parameter is shared by both backends' runs
    shift = changes.pop("now_shift", timedelta(0))
    at_desk(factory, org, now + shift, **changes)
    assert dossiers(factory) == 2


def test_a_submission_refused_at_intake_is_no_duplicate_of_the_dossier_received_after(factory, org, now):
    desk = org["motcua.tinh"]
    with unit_of_work(factory) as s:
        online = receive_for_integration(s, actor_id=desk, procedure_code="dinh-chinh-gcn", applicant=APPLICANT,
                                         channel="online", received_at=now, now=now)
    with pytest.raises(LikelyDuplicate):  # the desk is told a submission of the same person waits
        at_desk(factory, org, now + timedelta(hours=1))
    with unit_of_work(factory) as s:
        refuse_submission(s, online.code, reason="Nộp nhầm thủ tục", actor_id=desk, now=now + timedelta(hours=1))
    at_desk(factory, org, now + timedelta(hours=2))
    assert dossiers(factory) == 2


def test_a_form_token_is_claimed_once_and_a_repeat_gets_the_first_dossier(factory, org, now):
    desk = org["motcua.tinh"]
    with unit_of_work(factory) as s:
        assert claim_form_token(s, TOKEN, desk, now) is None
        made = receive_at_desk(s, storage_dir=None, max_bytes=1, procedure_code="dinh-chinh-gcn",
                               applicant=APPLICANT, channel="direct", unit_code=None,
                               components=[FORM, CERTIFICATE], uploads=[], actor_id=desk, now=now)
        record_form_outcome(s, TOKEN, dossier_id=made.dossier_id)
    with unit_of_work(factory) as s:
        earlier = claim_form_token(s, TOKEN, desk, now + timedelta(seconds=2))
    assert (earlier.dossier_code, earlier.slip_id) == (made.code, None)
    with pytest.raises(ValidationFailed) as caught:  # someone else's token never shows its dossier
        with unit_of_work(factory) as s:
            claim_form_token(s, TOKEN, org["motcua.hoabinh"], now)
    assert "form_token" in caught.value.errors


@pytest.mark.parametrize("token", ["", "ngắn", "x" * 65, "có dấu cách 0123456789", None])
def test_a_malformed_form_token_is_refused(factory, org, now, token):
    with pytest.raises(ValidationFailed):
        with unit_of_work(factory) as s:
            claim_form_token(s, token, org["motcua.tinh"], now)


def test_a_failed_first_post_leaves_the_token_free(factory, org, now):
    desk = org["motcua.tinh"]
    with pytest.raises(ValidationFailed):
        with unit_of_work(factory) as s:
            assert claim_form_token(s, TOKEN, desk, now) is None
            receive_at_desk(s, storage_dir=None, max_bytes=1, procedure_code="dinh-chinh-gcn", applicant=APPLICANT,
                            channel="direct", unit_code=None, components=[FORM], uploads=[], actor_id=desk, now=now)
    with unit_of_work(factory) as s:
        assert s.scalar(select(func.count()).select_from(FormSubmission)) == 0
        assert claim_form_token(s, TOKEN, desk, now) is None  # the corrected form goes through


def test_a_concurrent_repeat_waits_for_the_first_post_and_shows_its_dossier(factory, org, now):
    """A double click: the second POST claims the token while the first is still receiving."""
    desk = org["motcua.tinh"]
    claimed, answers = threading.Event(), []

    def first():
        with unit_of_work(factory) as s:
            answers.append(("first", claim_form_token(s, TOKEN, desk, now)))
            claimed.set()
            made = receive_at_desk(s, storage_dir=None, max_bytes=1, procedure_code="dinh-chinh-gcn",
                                   applicant=APPLICANT, channel="direct", unit_code=None,
                                   components=[FORM, CERTIFICATE], uploads=[], actor_id=desk, now=now)
            record_form_outcome(s, TOKEN, dossier_id=made.dossier_id)
            answers.append(("made", made.code))

    def second():
        claimed.wait(10)
        with unit_of_work(factory) as s:
            answers.append(("second", claim_form_token(s, TOKEN, desk, now)))

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    made = dict(answers)["made"]
    assert dict(answers)["first"] is None and dict(answers)["second"].dossier_code == made
    assert dossiers(factory) == 1


BODY = {"procedure_code": "1.004227", "applicant": APPLICANT, "channel": "postal"}


def test_an_idempotency_key_replays_the_same_body_and_refuses_another(factory, org, now):
    desk = org["motcua.tinh"]
    with unit_of_work(factory) as s:
        assert claim_idempotency_key(s, desk, "k-1", BODY, now) is None
        record_idempotent_answer(s, desk, "k-1", {"code": "X-1", "status": 2}, dossier_id=None)
    reordered = {"channel": "postal", "applicant": dict(reversed(list(APPLICANT.items()))),
                 "procedure_code": "1.004227"}
    with unit_of_work(factory) as s:
        assert claim_idempotency_key(s, desk, "k-1", reordered, now) == {"code": "X-1", "status": 2}
    with pytest.raises(FieldConflict) as caught:
        with unit_of_work(factory) as s:
            claim_idempotency_key(s, desk, "k-1", {**BODY, "channel": "direct"}, now)
    assert "Idempotency-Key" in caught.value.errors
    with unit_of_work(factory) as s:  # keys are each token holder's own
        assert claim_idempotency_key(s, org["motcua.hoabinh"], "k-1", {**BODY, "channel": "direct"}, now) is None


def test_a_key_is_forgotten_after_24_hours(factory, org, now):
    desk = org["motcua.tinh"]
    with unit_of_work(factory) as s:
        claim_idempotency_key(s, desk, "k-2", BODY, now)
        record_idempotent_answer(s, desk, "k-2", {"code": "X-2"}, dossier_id=None)
    with unit_of_work(factory) as s:
        assert claim_idempotency_key(s, desk, "k-2", {**BODY, "channel": "direct"}, now + timedelta(hours=25)) is None
        assert s.scalar(select(func.count()).select_from(IdempotencyKey)) == 1


@pytest.mark.parametrize("key", ["", "có dấu", "a b", "x" * 256, "tab\there"])
def test_a_malformed_key_is_refused_beside_the_header(factory, org, now, key):
    with pytest.raises(ValidationFailed) as caught:
        with unit_of_work(factory) as s:
            claim_idempotency_key(s, org["motcua.tinh"], key, BODY, now)
    assert list(caught.value.errors) == ["Idempotency-Key"]
