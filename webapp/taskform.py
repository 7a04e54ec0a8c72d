"""A task's form: find its JSON Schema and UI schema, describe its fields, turn posted values into JSON."""
from __future__ import annotations

import math
from dataclasses import dataclass

from sqlalchemy.orm import Session

from engine import task_form

EMPTY_SCHEMA = {"type": "object", "properties": {}}
TRUE_VALUES = {"on", "true", "1", "yes"}


@dataclass(frozen=True)
class FormField:
    name: str
    kind: str  # text, textarea, select, radio, checkbox, number, unsupported
    title: str
    required: bool
    help: str = ""
    options: tuple[tuple[str, str], ...] = ()
    step: str = "any"
    max_length: int | None = None
    minimum: float | None = None
    maximum: float | None = None


def work_item_form(session: Session, item) -> tuple[dict, dict]:
    """The JSON Schema and UI schema of a work item's task (empty ones when the task has no form)."""
    schema, ui = task_form(session, item)
    return schema or EMPTY_SCHEMA, ui or {}


def form_fields(schema: dict, ui: dict) -> list[FormField]:
    """The schema's top-level properties as fields, in the UI schema's `ui:order`."""
    properties = schema.get("properties", {})
    required = set(schema.get("required", []))
    return [_field(name, properties[name], ui.get(name, {}), name in required)
            for name in field_order(list(properties), ui.get("ui:order"))]


def field_order(names: list[str], order: list[str] | None) -> list[str]:
    """RJSF's rule: listed names first, `*` marks where the unlisted ones go (default: at the end)."""
    if not order:
        return names
    rest = [name for name in names if name not in order]
    ordered = []
    for name in order:
        if name == "*":
            ordered.extend(rest)
        elif name in names:
            ordered.append(name)
    return ordered if "*" in order else ordered + rest


def _field(name: str, spec: dict, ui: dict, required: bool) -> FormField:
    kind = json_type(spec)
    common = {"name": name, "title": spec.get("title") or name, "required": required, "help": ui.get("ui:help", "")}
    if "enum" in spec:
        labels = list(ui.get("ui:enumNames", []))
        options = tuple((str(value), str(labels[i]) if i < len(labels) else str(value))
                        for i, value in enumerate(spec["enum"]))
        return FormField(kind="radio" if ui.get("ui:widget") == "radio" else "select", options=options, **common)
    if kind == "boolean":
        return FormField(kind="checkbox", **common)
    if kind in {"integer", "number"}:
        return FormField(kind="number", step="1" if kind == "integer" else "any",
                         minimum=spec.get("minimum"), maximum=spec.get("maximum"), **common)
    if kind == "string":
        widget = "textarea" if ui.get("ui:widget") == "textarea" else "text"
        return FormField(kind=widget, max_length=spec.get("maxLength"), **common)
    return FormField(kind="unsupported", **common)


def json_type(spec: dict) -> str:
    kind = spec.get("type", "string")
    if isinstance(kind, list):  # e.g. ["string", "null"]
        kind = next((k for k in kind if k != "null"), "string")
    return kind


def parse_form(schema: dict, form) -> dict:
    """Posted strings to JSON values: absent checkbox is false, blank values are left out, numbers parsed.

    A value that does not parse is passed on as text, so the schema reports it next to its field.
    """
    data = {}
    for name, spec in schema.get("properties", {}).items():
        kind = json_type(spec)
        if kind == "boolean":
            data[name] = form.get(name, "").strip().lower() in TRUE_VALUES
            continue
        raw = form.get(name, "")
        if not raw.strip():
            continue
        if kind == "integer":
            data[name] = _number(raw, int)
        elif kind == "number":
            data[name] = _number(raw, float)
        else:
            data[name] = raw
    return data


def form_values(fields: list[FormField], schema: dict, form=None) -> dict:
    """What each input shows: the posted values on a re-render, the schema defaults at first."""
    if form is None:
        return {f.name: schema.get("properties", {}).get(f.name, {}).get("default", "") for f in fields}
    return {f.name: (form.get(f.name, "").strip().lower() in TRUE_VALUES) if f.kind == "checkbox"
            else form.get(f.name, "") for f in fields}


def _number(raw: str, kind: type):
    text = raw.strip().replace(",", ".")  # a Vietnamese decimal comma
    try:
        value = int(text) if kind is int else float(text)
    except ValueError:
        return raw
    if isinstance(value, float) and not math.isfinite(value):
        return raw
    return int(value) if isinstance(value, float) and value.is_integer() else value
