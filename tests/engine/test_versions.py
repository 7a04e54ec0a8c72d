"""The version lifecycle: a changed procedure waits for an administrator's approval and explicit activation;
running dossiers keep their version; the author never approves; every step is audited."""
from __future__ import annotations

import logging
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from engine import (
    Conflict,
    Forbidden,
    ValidationFailed,
    activate_due_versions,
    activate_version,
    approve_version,
    complete_task,
    create_user,
    grant_role,
    list_versions,
    receive_dossier,
    reject_version,
    submit_version,
)
from engine.infra.db import unit_of_work
from engine.models import Dossier, Event, Procedure
from engine.workflow.catalog import load_procedure
from tests.bpmn_builder import linear_user_tasks, procedure_folder
from tests.driving import open_items

DECISION = dict(decision_number="125/QĐ-UBND", decision_date=date(2026, 3, 1), signer="Nguyễn Văn An")


def folder(tmp_path, steps):
    return procedure_folder(tmp_path, "thu-nghiem", linear_user_tasks("tthc_thu_nghiem", steps), "tthc_thu_nghiem",
                            time_limit=5)


def load(factory, path, now, **kwargs):
    with unit_of_work(factory) as s:
        return load_procedure(s, path, None, now, **kwargs)


def receive(factory, org, now):
    with unit_of_work(factory) as s:
        return receive_dossier(s, procedure_code="thu-nghiem", applicant={"name": "Lê Thị Hoa"}, channel="direct",
                               received_at=now, receiving_unit_code="000.00.01.H99", actor_id=org["motcua.tinh"],
                               now=now)


def version_of(factory, code):
    with unit_of_work(factory) as s:
        return s.scalar(select(Dossier).where(Dossier.code == code)).process_version_id


def test_first_load_is_live_and_a_change_waits_for_approval(factory, org, now, tmp_path):
    assert load(factory, folder(tmp_path, 2), now).status == "active"
    changed = load(factory, folder(tmp_path, 3), now)
    assert (changed.version, changed.status, changed.created) == (2, "submitted", True)
    assert load(factory, folder(tmp_path, 3), now).created is False  # unchanged: nothing new
    receipt = receive(factory, org, now)
    with unit_of_work(factory) as s:
        assert [v.number for v in list_versions(s, "thu-nghiem") if v.status == "active"] == [1]
        procedure = s.scalar(select(Procedure).where(Procedure.slug == "thu-nghiem"))
        assert version_of(factory, receipt.code) == procedure.active_version_id


def test_approval_needs_an_administrator_and_a_decision(factory, org, now, tmp_path):
    load(factory, folder(tmp_path, 2), now)
    load(factory, folder(tmp_path, 3), now)
    for who in ("thietke.tinh", "lanhdao.vpdk", "motcua.tinh"):
        with pytest.raises(Forbidden):
            with unit_of_work(factory) as s:
                approve_version(s, "thu-nghiem", 2, org[who], now, **DECISION)
    with pytest.raises(ValidationFailed) as caught:
        with unit_of_work(factory) as s:
            approve_version(s, "thu-nghiem", 2, org["quantri.tinh"], now, decision_number=" ", decision_date=None,
                            signer="")
    assert set(caught.value.errors) == {"decision_number", "decision_date", "decision_signer"}
    with unit_of_work(factory) as s:
        assert list_versions(s, "thu-nghiem")[0].status == "submitted"  # nothing half-written
        version = approve_version(s, "thu-nghiem", 2, org["quantri.tinh"], now, **DECISION)
        assert (version.status, version.decision_number, version.approver_id) == (
            "approved", "125/QĐ-UBND", org["quantri.tinh"])
    with pytest.raises(Conflict):  # approved once
        with unit_of_work(factory) as s:
            approve_version(s, "thu-nghiem", 2, org["quantri.tinh"], now, **DECISION)


def test_a_scheduled_approval_reports_the_missing_instant_with_the_decisions_errors(factory, org, now, tmp_path):
    load(factory, folder(tmp_path, 2), now)
    load(factory, folder(tmp_path, 3), now)
    admin = org["quantri.tinh"]
    cases = [  # (what the approver gave, the fields refused)
        (dict(DECISION, signer=" ", activate_at=None), {"decision_signer", "activate_at"}),
        (dict(DECISION, decision_number="", activate_at=now - timedelta(minutes=1)),
         {"decision_number", "activate_at"}),
        (dict(DECISION, activate_at=now), {"activate_at"}),
    ]
    for given, refused in cases:
        with pytest.raises(ValidationFailed) as caught:
            with unit_of_work(factory) as s:
                approve_version(s, "thu-nghiem", 2, admin, now, scheduled=True, **given)
        assert set(caught.value.errors) == refused
    assert caught.value.errors["activate_at"] == [
        "Thời điểm áp dụng phải ở tương lai; để áp dụng ngay, chọn \"Áp dụng ngay\"."]
    with unit_of_work(factory) as s:
        waiting = list_versions(s, "thu-nghiem")[0]
        assert (waiting.status, waiting.approver_id, waiting.activate_at) == ("submitted", None, None)
        assert s.scalar(select(Event).where(Event.action == "version_approved")) is None
        later = now + timedelta(days=1)
        version = approve_version(s, "thu-nghiem", 2, admin, now, scheduled=True, activate_at=later, **DECISION)
        assert (version.status, version.activate_at) == ("approved", later)


def test_the_author_never_approves_their_own_version(factory, org, now, tmp_path):
    with unit_of_work(factory) as s:
        both = create_user(s, "thietke.quantri", "Hà Minh Châu", "mat-khau-dai-du", now)
        grant_role(s, both, "thiet_ke", "000.00.01.H99")
        grant_role(s, both, "quan_tri", "000.00.01.H99")
        author = both.id
    load(factory, folder(tmp_path, 2), now)
    load(factory, folder(tmp_path, 3), now)
    with unit_of_work(factory) as s:
        reject_version(s, "thu-nghiem", 2, org["quantri.tinh"], now, "Thiếu bước trình ký")
        submit_version(s, "thu-nghiem", 2, author, now)
    for act in (lambda s: approve_version(s, "thu-nghiem", 2, author, now, **DECISION),
                lambda s: reject_version(s, "thu-nghiem", 2, author, now, "Tự từ chối")):
        with pytest.raises(Forbidden, match="không được tự phê duyệt"):
            with unit_of_work(factory) as s:
                act(s)
    with unit_of_work(factory) as s:
        assert approve_version(s, "thu-nghiem", 2, org["quantri.tinh"], now, **DECISION).status == "approved"


def test_activation_switches_new_dossiers_while_running_ones_finish_on_their_version(factory, org, now, tmp_path,
                                                                                       caplog):
    load(factory, folder(tmp_path, 1), now)
    load(factory, folder(tmp_path, 2), now)
    running = receive(factory, org, now)
    with caplog.at_level(logging.WARNING, logger="engine.workflow.versions"), pytest.raises(Conflict):
        with unit_of_work(factory) as s:  # not approved yet: a typed error, and logged
            activate_version(s, "thu-nghiem", 2, org["quantri.tinh"], now)
    assert "refused to áp dụng version 2" in caplog.text
    with unit_of_work(factory) as s:
        approve_version(s, "thu-nghiem", 2, org["quantri.tinh"], now, **DECISION)
        activate_version(s, "thu-nghiem", 2, org["quantri.tinh"], now)
        assert [(v.number, v.status) for v in list_versions(s, "thu-nghiem")] == [(2, "active"), (1, "retired")]
    fresh = receive(factory, org, now)
    assert version_of(factory, fresh.code) != version_of(factory, running.code)
    specialist = org["chuyenvien.vpdk"]
    with unit_of_work(factory) as s:
        for item in open_items(s, specialist, now=now):
            complete_task(s, item.id, {}, specialist, now)
    with unit_of_work(factory) as s:  # the running dossier had one step and is done; the new one has a second
        assert [i.bpmn_id for i in open_items(s, specialist, now=now)] == ["ut_2"]
        actions = [e.action for e in s.scalars(select(Event).where(Event.action.like("version_%")).order_by(Event.id))]
    assert actions == ["version_approved", "version_retired", "version_activated"]


def test_a_scheduled_activation_waits_for_its_instant(factory, org, now, tmp_path):
    load(factory, folder(tmp_path, 1), now)
    load(factory, folder(tmp_path, 2), now)
    effective = now + timedelta(days=3)
    with unit_of_work(factory) as s:
        approve_version(s, "thu-nghiem", 2, org["quantri.tinh"], now, activate_at=effective, **DECISION)
    assert activate_due_versions(factory, now + timedelta(days=2)) == 0
    assert activate_due_versions(factory, effective) == 1
    with unit_of_work(factory) as s:
        assert [(v.number, v.status) for v in list_versions(s, "thu-nghiem")] == [(2, "active"), (1, "retired")]
    assert activate_due_versions(factory, effective + timedelta(days=1)) == 0


def test_loading_with_activation_takes_an_administrator(factory, org, now, tmp_path):
    load(factory, folder(tmp_path, 1), now)
    with pytest.raises(Forbidden):
        load(factory, folder(tmp_path, 2), now, actor_id=org["thietke.tinh"], activate=True)
    result = load(factory, folder(tmp_path, 2), now, actor_id=org["quantri.tinh"], activate=True)
    assert (result.version, result.status) == (2, "active")


def test_the_worker_fires_a_scheduled_activation(factory, org, now, tmp_path):
    from engine.worker import sweep

    load(factory, folder(tmp_path, 1), now)
    load(factory, folder(tmp_path, 2), now)
    with unit_of_work(factory) as s:  # effective three days after `now`, long past on the worker's own clock
        approve_version(s, "thu-nghiem", 2, org["quantri.tinh"], now, activate_at=now + timedelta(days=3),
                        **DECISION)
    sweep(factory)
    with unit_of_work(factory) as s:
        assert list_versions(s, "thu-nghiem")[0].status == "active"
