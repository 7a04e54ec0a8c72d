"""Drafts in the studio: a new draft from a version, saves of work in progress (findings returned, unreadable input
refused with nothing written), the optimistic lock, who may edit, and the submission gate."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from engine import (
    Conflict,
    DraftChanges,
    Forbidden,
    ValidationFailed,
    check_draft,
    create_user,
    draft_from_version,
    export_version,
    grant_role,
    import_into_draft,
    save_draft,
    submit_version,
    version_page,
)
from engine.infra.db import unit_of_work
from engine.models import Event
from engine.workflow.versions import get_version
from tests.conftest import BPMN

CODE = "2.000815"  # chứng thực bản sao (bundled, active as version 1)
TASK = '<spiffworkflow:property name="step_budget" value="2h" />'


def new_draft(factory, org, now, who="thietke.tinh") -> int:
    with unit_of_work(factory) as s:
        return draft_from_version(s, CODE, 1, org[who], now).number


def state(factory, number):
    with unit_of_work(factory) as s:
        v = get_version(s, CODE, number)
        return v.checksum, dict(v.files), dict(v.forms), dict(v.meta), v.status


def save(factory, org, now, number, changes, who="thietke.tinh", base=None):
    with unit_of_work(factory) as s:
        base = base if base is not None else get_version(s, CODE, number).checksum
        saved = save_draft(s, CODE, number, org[who], now, base, changes, BPMN)
        return saved.version.checksum, saved.report


def events(factory, action):
    with unit_of_work(factory) as s:
        return s.scalar(select(func.count(Event.id)).where(Event.action == action))


def test_a_draft_from_a_version_copies_its_folder_and_belongs_to_the_designer(factory, org, now):
    number = new_draft(factory, org, now)
    assert number == 2
    with unit_of_work(factory) as s:
        source, draft = get_version(s, CODE, 1), get_version(s, CODE, 2)
        assert (draft.files, draft.forms, draft.meta) == (source.files, source.forms, source.meta)
        assert (draft.status, draft.author_id, draft.note) == ("draft", org["thietke.tinh"], "Tạo từ phiên bản 1")
    assert events(factory, "version_drafted") == 1
    with pytest.raises(Forbidden):
        new_draft(factory, org, now, who="quantri.tinh")


def test_a_save_with_errors_keeps_the_draft_and_returns_its_findings(factory, org, now):
    number = new_draft(factory, org, now)
    before, files, *_ = state(factory, number)
    broken = files["process.bpmn"].replace(TASK, TASK + '<spiffworkflow:property name="formJsonSchemaFilename" '
                                                      'value="khong_co.json" />', 1)
    checksum, report = save(factory, org, now, number, DraftChanges(files={"process.bpmn": broken}))
    assert not report.ok and any("khong_co.json" in f.message for f in report.errors)
    assert checksum != before
    assert state(factory, number)[1]["process.bpmn"] == broken
    assert events(factory, "draft_saved") == 1
    with unit_of_work(factory) as s:  # the versions page of a draft that does not validate still opens
        assert version_page(s, CODE, number, org["quantri.tinh"]).version.number == number


def test_unreadable_xml_is_refused_and_nothing_is_written(factory, org, now):
    number = new_draft(factory, org, now)
    before = state(factory, number)
    for xml, said in (("<bpmn:definitions", "không phải XML hợp lệ"),
                      ('<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "b">]><x>&a;</x>', "DOCTYPE"),
                      ("<x>" + "a" * 2_000_001 + "</x>", "giới hạn")):
        with pytest.raises(ValidationFailed) as caught:
            save(factory, org, now, number, DraftChanges(files={"process.bpmn": xml},
                                                         forms={"moi.json": '{"type": "object"}'}))
        assert any(said in m for m in caught.value.errors["process.bpmn"])
    assert state(factory, number) == before
    assert events(factory, "draft_saved") == 0


def test_a_form_that_is_not_json_is_refused_with_its_line_and_column(factory, org, now):
    number = new_draft(factory, org, now)
    with pytest.raises(ValidationFailed) as caught:
        save(factory, org, now, number, DraftChanges(forms={"moi.json": '{\n  "type": "object",\n}'}))
    assert caught.value.errors["moi.json"] == ["Không phải JSON hợp lệ: tên trường phải đặt trong ngoặc kép "
                                               "(dòng 3, cột 1)."]
    with pytest.raises(ValidationFailed) as caught:
        save(factory, org, now, number, DraftChanges(forms={"sau.json": "[" * 100_000 + "]" * 100_000}))
    assert "sau.json" in caught.value.errors
    with pytest.raises(ValidationFailed) as caught:
        save(factory, org, now, number, DraftChanges(forms={"../x.json": "{}"}))
    assert "../x.json" in caught.value.errors


def test_procedure_toml_is_saved_but_keeps_the_procedure_code(factory, org, now):
    number = new_draft(factory, org, now)
    toml = state(factory, number)[3]
    with pytest.raises(ValidationFailed) as caught:
        save(factory, org, now, number, DraftChanges(toml='code = "1.000001"\nname = "Khác"\n'))
    assert "1.000001" in caught.value.errors["procedure.toml"][0]
    with pytest.raises(ValidationFailed) as caught:
        save(factory, org, now, number, DraftChanges(toml='code = "2.000815"\nname = \n'))
    assert "TOML" in caught.value.errors["procedure.toml"][0]
    import tomli_w
    _, report = save(factory, org, now, number, DraftChanges(toml=tomli_w.dumps({**toml, "cutoff_hour": "16:00"})))
    assert report.ok, report.findings
    assert state(factory, number)[3]["cutoff_hour"] == "16:00"


def test_a_stale_save_is_refused(factory, org, now):
    number = new_draft(factory, org, now)
    opened, files, *_ = state(factory, number)
    changed = files["process.bpmn"].replace('value="2h"', 'value="1h"', 1)
    save(factory, org, now, number, DraftChanges(files={"process.bpmn": changed}), base=opened)
    after = state(factory, number)
    with pytest.raises(Conflict) as caught:
        save(factory, org, now, number, DraftChanges(files={"process.bpmn": files["process.bpmn"]}), base=opened)
    assert caught.value.message.startswith("Bản nháp đã được lưu ở nơi khác")
    assert state(factory, number) == after


def test_only_the_author_edits_a_draft_and_only_drafts_are_edited(factory, org, now):
    number = new_draft(factory, org, now)
    with unit_of_work(factory) as s:
        other = create_user(s, "thietke.xa", "Đỗ Văn Hùng", "mat-khau-dai-du", now)
        grant_role(s, other, "thiet_ke", "000.00.11.H99")
        s.flush()
        org = {**org, "thietke.xa": other.id}
    for who in ("thietke.xa", "quantri.tinh", "motcua.tinh"):
        with pytest.raises(Forbidden):
            save(factory, org, now, number, DraftChanges(), who=who)
    assert new_draft(factory, org, now, who="thietke.xa") == number + 1  # the colleague starts their own
    with pytest.raises(Conflict) as caught:
        save(factory, org, now, 1, DraftChanges(), who="thietke.tinh")  # the active version
    assert "tạo bản nháp mới" in caught.value.message


def test_submission_is_blocked_by_errors_not_by_warnings(factory, org, now):
    number = new_draft(factory, org, now)
    checksum, files, *_ = state(factory, number)
    outside = files["process.bpmn"].replace("<bpmn:flowNodeRef>ut_tham_dinh</bpmn:flowNodeRef>", "", 1)
    _, report = save(factory, org, now, number, DraftChanges(files={"process.bpmn": outside}))
    assert any(f.element == "ut_tham_dinh" for f in report.errors)
    with pytest.raises(ValidationFailed) as caught:
        with unit_of_work(factory) as s:
            submit_version(s, CODE, number, org["thietke.tinh"], now)
    assert caught.value.message.startswith("Phiên bản còn 1 lỗi, chưa gửi phê duyệt được: 1) ")
    assert "ut_tham_dinh" in caught.value.message
    assert [key.split("#")[-1] for key in caught.value.errors] == ["ut_tham_dinh"]
    assert state(factory, number)[4] == "draft"
    save(factory, org, now, number, DraftChanges(files={"process.bpmn": files["process.bpmn"]}))
    assert state(factory, number)[0] == checksum  # fixed: the same content validates under the same checksum
    with unit_of_work(factory) as s:
        assert submit_version(s, CODE, number, org["thietke.tinh"], now).status == "submitted"


def test_checking_unsaved_changes_writes_nothing(factory, org, now):
    number = new_draft(factory, org, now)
    before = state(factory, number)
    _, files, *_ = before
    outside = files["process.bpmn"].replace("<bpmn:flowNodeRef>ut_tham_dinh</bpmn:flowNodeRef>", "", 1)
    with unit_of_work(factory) as s:
        report = check_draft(s, CODE, number, org["quantri.tinh"], BPMN,
                             changes=DraftChanges(files={"process.bpmn": outside}))
        assert [f.element for f in report.errors] == ["ut_tham_dinh"]
        assert check_draft(s, CODE, number, org["quantri.tinh"], BPMN).ok
    assert state(factory, number) == before
    with pytest.raises(Forbidden):
        with unit_of_work(factory) as s:
            check_draft(s, CODE, number, org["motcua.tinh"], BPMN)


def test_a_zip_of_the_folder_round_trips_into_a_draft(factory, org, now):
    number = new_draft(factory, org, now)
    opened, files, forms, meta, _ = state(factory, number)
    with unit_of_work(factory) as s:
        _, data = export_version(s, CODE, 1, org["thietke.tinh"])
    changed = files["process.bpmn"].replace('value="2h"', 'value="1h"', 1)
    save(factory, org, now, number, DraftChanges(files={"process.bpmn": changed}, removed_forms=("ky_chung_thuc.json",)))
    with unit_of_work(factory) as s:
        current = get_version(s, CODE, number).checksum
        saved = import_into_draft(s, CODE, number, org["thietke.tinh"], now, current, data, BPMN)
        assert saved.report.ok, saved.report.findings
    assert state(factory, number) == (opened, files, forms, meta, "draft")
    with pytest.raises(ValidationFailed):
        with unit_of_work(factory) as s:
            import_into_draft(s, CODE, number, org["thietke.tinh"], now, opened, b"PK not a zip", BPMN)


def test_a_draft_whose_bpmn_does_not_parse_is_saved_and_its_pages_still_open(factory, org, now):
    number = new_draft(factory, org, now)
    files = state(factory, number)[1]
    unknown = files["process.bpmn"].replace("<bpmn:exclusiveGateway ", "<bpmn:strangeGateway ", 1).replace(
        "</bpmn:exclusiveGateway>", "</bpmn:strangeGateway>", 1)
    _, report = save(factory, org, now, number, DraftChanges(files={"process.bpmn": unknown}))
    assert not report.ok
    with unit_of_work(factory) as s:
        page = version_page(s, CODE, number, org["quantri.tinh"])
        assert page.version.number == number
