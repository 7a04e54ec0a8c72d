"""The studio's form preview: a form being edited, rendered by the task page's own renderer, and its messages."""
from __future__ import annotations

from flask import jsonify, render_template

from engine import preview_form, try_form

from .taskform import errors_by_field, form_fields, form_values, parse_form

SCHEMA_FIELD, UI_FIELD, CHECK_FIELD = "_schema", "_ui", "_check"  # form fields never start with "_"


def form_preview_response(form, max_bytes: int):
    """JSON {html, problems}: the fields as officials see them; with `_check`, the values typed into the preview
    are checked as a completion would check them and the messages shown beside their fields."""
    schema, ui, problems = preview_form(form.get(SCHEMA_FIELD, ""), form.get(UI_FIELD, ""), max_bytes)
    if problems:
        return jsonify(html="", problems=problems, valid=None)
    ui = {key: value for key, value in ui.items() if isinstance(value, dict) or key.startswith("ui:")}
    try:
        fields = form_fields(schema, ui)
    except (AttributeError, TypeError, ValueError):  # a property that is not an object (e.g. `true`)
        return jsonify(html="", problems=["JSON Schema: mỗi trường trong \"properties\" phải là một đối tượng."],
                       valid=None)
    checked = form.get(CHECK_FIELD) == "1"
    errors = errors_by_field(try_form(schema, parse_form(schema, form)), fields) if checked else {}
    values = form_values(fields, schema, form if checked else None)
    html = render_template("studio/_preview.html", fields=fields, values=values, errors=errors, checked=checked)
    return jsonify(html=html, problems=[], valid=(not errors) if checked else None)
