"""Fields described from a JSON Schema and UI schema, and posted strings turned into JSON values."""
from __future__ import annotations

from werkzeug.datastructures import MultiDict

from webapp.taskform import field_order, form_fields, parse_form

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
