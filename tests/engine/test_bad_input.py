"""Bad input gets a typed error with a clear message, and nothing is half-written."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from engine import complete_task, receive_dossier

from tests.driving import open_items
from engine.workflow.catalog import load_procedure
from engine.infra.db import unit_of_work
from engine.infra.errors import Conflict, InvalidProcess, NotFound, ValidationFailed
from engine.models import Dossier, Event, ProcessInstance, Procedure, WorkItem

from ..bpmn_builder import procedure_folder, sequence, user_task
from .test_dinh_chinh_gcn import APPLICANT, receive


def count(factory, model):
    with unit_of_work(factory) as s:
        return s.scalar(select(func.count()).select_from(model))


def load(factory, folder, now):
    with unit_of_work(factory) as s:
        load_procedure(s, folder, None, now)


@pytest.mark.parametrize("xml, fragment", [
    ("<bpmn:definitions", "không phải XML hợp lệ"),
    ('<?xml version="1.0"?><!DOCTYPE d [<!ENTITY x SYSTEM "file:///etc/passwd">]><d>&x;</d>', "DOCTYPE"),
    ('<?xml version="1.0"?><definitions xmlns="http://www.omg.org/spec/BPMN/20100524/MODEL"><process id="p">'
     '<bogus/></process></definitions>', "không hợp lệ"),
], ids=["truncated", "xxe", "schema"])
def test_malformed_or_unsafe_bpmn_is_refused(tmp_path, factory, now, xml, fragment):
    folder = procedure_folder(tmp_path, "bad", xml, "p")
    with pytest.raises(InvalidProcess) as caught:
        load(factory, folder, now)
    assert fragment in caught.value.message
    assert caught.value.file == "process.bpmn"
    assert count(factory, Procedure) == 0


def test_user_task_outside_any_lane_is_refused_naming_it(tmp_path, factory, now):
    xml = sequence("tthc_nolane", [("ut_a", user_task("ut_a", "Có làn")), ("ut_b", user_task("ut_b", "Không làn"))],
                   {"chuyen_vien": ["ut_a"]})
    with pytest.raises(InvalidProcess) as caught:
        load(factory, procedure_folder(tmp_path, "nolane", xml, "tthc_nolane"), now)
    assert caught.value.element == "ut_b"
    assert "ngoài mọi làn" in caught.value.message


@pytest.mark.parametrize("props, fragment", [
    ({"step_budget": "ba ngày"}, "không đúng dạng"),
    ({"dossier_status": "42"}, "dossier_status"),
    ({"formJsonSchemaFilename": "khong_co.json"}, "khong_co.json"),
])
def test_bad_task_properties_are_refused_at_load(tmp_path, factory, now, props, fragment):
    xml = sequence("tthc_props", [("ut_a", user_task("ut_a", "Bước", props))], {"chuyen_vien": ["ut_a"]})
    with pytest.raises(InvalidProcess) as caught:
        load(factory, procedure_folder(tmp_path, "props", xml, "tthc_props"), now)
    assert caught.value.element == "ut_a" and fragment in caught.value.message


def test_unknown_procedure_is_not_found_and_nothing_is_written(factory, org, now):
    with pytest.raises(NotFound) as caught:
        with unit_of_work(factory) as s:
            receive_dossier(s, procedure_code="9.999999", applicant=APPLICANT, channel="direct", received_at=now,
                            receiving_unit_code="000.00.01.H99", actor_id=org["motcua.tinh"], now=now)
    assert "9.999999" in caught.value.message
    assert count(factory, Dossier) == 0


def test_applicant_of_the_wrong_shape_is_refused_field_by_field(factory, org, now):
    with pytest.raises(ValidationFailed) as caught:
        with unit_of_work(factory) as s:
            receive_dossier(s, procedure_code="dinh-chinh-gcn", applicant={"name": "", "phone": "abc", "x": 1},
                            channel="fax", received_at=now, receiving_unit_code="000.00.01.H99",
                            actor_id=org["motcua.tinh"], now=now)
    errors = caught.value.errors
    assert set(errors) == {"applicant.name", "applicant.phone", "applicant.x", "channel"}
    assert count(factory, Dossier) == 0 and count(factory, Event) == 0


@pytest.mark.parametrize("data, field", [
    ({"da_kiem_tra_thanh_phan": "có"}, "da_kiem_tra_thanh_phan"),
    ({"da_kiem_tra_thanh_phan": True, "is_admin": True}, "is_admin"),
    ({}, "da_kiem_tra_thanh_phan"),
], ids=["wrong type", "unknown key", "missing"])
def test_form_data_of_the_wrong_shape_is_refused_and_nothing_saved(factory, org, now, data, field):
    receive(factory, org, now)
    with unit_of_work(factory) as s:
        item = open_items(s, org["motcua.tinh"])[0]
        state_before = s.scalar(select(ProcessInstance.state))
    events_before = count(factory, Event)
    with pytest.raises(ValidationFailed) as caught:
        with unit_of_work(factory) as s:
            complete_task(s, item.id, data, org["motcua.tinh"], now)
    assert list(caught.value.errors) == [field]
    with unit_of_work(factory) as s:
        assert s.scalar(select(ProcessInstance.state)) == state_before
        assert s.get(WorkItem, item.id).state == "ready"
    assert count(factory, Event) == events_before


def test_task_already_completed_by_someone_else_is_a_conflict(factory, org, now):
    receive(factory, org, now)
    with unit_of_work(factory) as s:
        item_id = open_items(s, org["motcua.tinh"])[0].id
    with unit_of_work(factory) as s:
        complete_task(s, item_id, {"da_kiem_tra_thanh_phan": True}, org["motcua.tinh"], now)
    with pytest.raises(Conflict) as caught:
        with unit_of_work(factory) as s:
            complete_task(s, item_id, {"da_kiem_tra_thanh_phan": True}, org["motcua.tinh"], now)
    assert "Nguyễn Thị Lan" in caught.value.message


def test_a_required_yes_no_field_that_accepts_no_is_reported_when_loading():
    from engine.workflow.forms import form_warnings

    confirm = {"type": "object", "required": ["da_kiem_tra"], "properties": {"da_kiem_tra": {"type": "boolean"}}}
    pinned = {**confirm, "properties": {"da_kiem_tra": {"type": "boolean", "const": True}}}
    conditional = {**confirm, "allOf": [{"if": {"properties": {"de_xuat": {"const": "cap"}}},
                                         "then": {"properties": {"da_kiem_tra": {"const": True}}}}]}
    assert ["da_kiem_tra" in w and "const" in w for w in form_warnings({"a.json": confirm})] == [True]
    answered = {**confirm, "properties": {"da_kiem_tra": {"type": "boolean", "default": False}}}
    assert form_warnings({"b.json": pinned, "c.json": conditional, "d.json": answered, "c.uischema.json": {}}) == []


def test_every_bundled_procedure_loads_without_warnings(factory, org, now):
    from engine.infra.settings import ROOT
    from engine.workflow.catalog import load_procedures

    with unit_of_work(factory) as s:
        results = load_procedures(s, ROOT / "bpmn", now)
    assert [(r.slug, r.findings) for r in results if r.refused] == []
    assert [(r.slug, r.warnings) for r in results if r.warnings] == []
