"""Fields described from a JSON Schema and UI schema, and posted strings turned into JSON values."""
from __future__ import annotations

import json

from flask import render_template_string
from werkzeug.datastructures import MultiDict

from engine.infra.settings import ROOT
from webapp.taskform import errors_by_field, field_order, form_fields, parse_form

BPMN = ROOT / "bpmn"

SCHEMA = {
    "type": "object",
    "required": ["so_ban", "ly_do"],
    "properties": {
        "ly_do": {"type": "string", "title": "Lý do"},
        "so_ban": {"type": "integer", "title": "Số bản", "minimum": 1},
        "phi": {"type": "number", "title": "Phí"},
        "dong_y": {"type": "boolean", "title": "Đồng ý"},
        "hinh_thuc": {"type": "string", "title": "Hình thức", "enum": ["a", "b"]},
        "ghi_chu": {"type": "string"},
    },
}
UI = {"ui:order": ["so_ban", "*", "ghi_chu"], "ly_do": {"ui:widget": "textarea", "ui:help": "Ghi rõ lý do."},
      "hinh_thuc": {"ui:enumNames": ["Trực tiếp"]}}


def test_fields_follow_ui_order_with_the_rest_at_the_star():
    assert [f.name for f in form_fields(SCHEMA, UI)] == ["so_ban", "ly_do", "phi", "dong_y", "hinh_thuc", "ghi_chu"]
    assert field_order(["a", "b", "c"], ["c"]) == ["c", "a", "b"]
    assert field_order(["a", "b"], None) == ["a", "b"]


def test_fields_take_kind_label_help_and_required_from_the_schemas():
    fields = {f.name: f for f in form_fields(SCHEMA, UI)}
    assert (fields["ly_do"].kind, fields["ly_do"].title, fields["ly_do"].help) == ("textarea", "Lý do", "Ghi rõ lý do.")
    assert fields["ly_do"].required and not fields["phi"].required
    assert (fields["so_ban"].kind, fields["so_ban"].step, fields["so_ban"].minimum) == ("number", "1", 1)
    assert fields["phi"].step == "any"
    assert fields["dong_y"].kind == "checkbox"
    assert fields["hinh_thuc"].kind == "select"
    assert fields["hinh_thuc"].options == (("a", "Trực tiếp"), ("b", "b"))  # a missing label falls back to the value
    assert fields["ghi_chu"].title == "ghi_chu"


def test_posted_values_become_json_types():
    form = MultiDict({"ly_do": "Sai tên", "so_ban": "2", "phi": "12,5", "dong_y": "true", "hinh_thuc": "a",
                      "ghi_chu": "   ", "la": "bo qua", "csrf_token": "x"})
    assert parse_form(SCHEMA, form) == {"ly_do": "Sai tên", "so_ban": 2, "phi": 12.5, "dong_y": True,
                                        "hinh_thuc": "a"}


def test_absent_checkbox_is_false_and_blank_values_are_left_out():
    assert parse_form(SCHEMA, MultiDict({"ly_do": "", "so_ban": ""})) == {"dong_y": False}


def test_unparsable_numbers_are_passed_on_for_the_schema_to_report():
    assert parse_form(SCHEMA, MultiDict({"so_ban": "hai", "phi": "nan"})) == {"so_ban": "hai", "phi": "nan",
                                                                             "dong_y": False}


ARRAYS = {
    "type": "object",
    "properties": {
        "ngay_hen": {"type": "string", "format": "date", "title": "Ngày hẹn"},
        "giay_to": {"type": "array", "title": "Giấy tờ", "items": {"type": "string", "enum": ["cccd", "so_do"]}},
        "so_thua": {"type": "array", "title": "Số thửa", "items": {"type": "string", "maxLength": 300}},
    },
}
ARRAYS_UI = {"giay_to": {"ui:enumNames": ["Căn cước", "Sổ đỏ"]}, "so_thua": {"ui:placeholder": "Mỗi thửa một dòng"}}


def test_dates_enum_arrays_and_string_arrays_get_their_own_inputs():
    fields = {f.name: f for f in form_fields(ARRAYS, ARRAYS_UI)}
    assert fields["ngay_hen"].kind == "date"
    assert (fields["giay_to"].kind, fields["giay_to"].options) == ("checkboxes", (("cccd", "Căn cước"), ("so_do", "Sổ đỏ")))
    assert (fields["so_thua"].kind, fields["so_thua"].placeholder) == ("lines", "Mỗi thửa một dòng")


def test_ticked_boxes_and_lines_become_lists():
    form = MultiDict([("ngay_hen", "2026-03-05"), ("giay_to", "cccd"), ("giay_to", "so_do"),
                      ("so_thua", "Thửa 12\r\n\r\n  Thửa 13  \n")])
    assert parse_form(ARRAYS, form) == {"ngay_hen": "2026-03-05", "giay_to": ["cccd", "so_do"],
                                        "so_thua": ["Thửa 12", "Thửa 13"]}
    assert parse_form(ARRAYS, MultiDict({"so_thua": " \n "})) == {}


def test_an_error_inside_a_list_is_shown_with_its_field():
    fields = form_fields(ARRAYS, ARRAYS_UI)
    assert errors_by_field({"so_thua.1": ["Tối đa 300 ký tự."], "khac": ["x"]}, fields) == {
        "so_thua": ["Tối đa 300 ký tự."], "khac": ["x"]}


def bundled_forms():
    for path in sorted(BPMN.glob("*/forms/*.json")):
        if not path.name.endswith(".uischema.json"):
            ui_path = path.with_name(path.stem + ".uischema.json")
            yield path, json.loads(path.read_text("utf-8")), json.loads(ui_path.read_text("utf-8")) if ui_path.exists() else {}


def test_every_bundled_form_renders_without_unsupported_fields(app):
    forms = list(bundled_forms())
    assert len(forms) > 20
    template = '{% from "fields.html" import render_field %}{% for f in fields %}{{ render_field(f, "", []) }}{% endfor %}'
    with app.test_request_context():
        for path, schema, ui in forms:
            fields = form_fields(schema, ui)
            assert [f.name for f in fields if f.kind == "unsupported"] == [], path
            assert len(fields) == len(schema.get("properties", {})), path
            html = render_template_string(template, fields=fields)
            assert "chưa nhập được" not in html, path
            for field in fields:
                assert f'name="{field.name}"' in html, (path, field.name)
                assert field.title in html, (path, field.name)
