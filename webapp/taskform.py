"""A task's form: find its JSON Schema and UI schema, describe its fields, turn posted values into JSON."""
from __future__ import annotations

import math
import re
from dataclasses import dataclass

from sqlalchemy.orm import Session

from engine import group_thousands, task_form

EMPTY_SCHEMA = {"type": "object", "properties": {}}
TRUE_VALUES = {"on", "true", "1", "yes"}
GROUPED = re.compile(r"[0-9]{1,3}(?:([. ])[0-9]{3})(?:\1[0-9]{3})*")


@dataclass(frozen=True)
class FormField:
    name: str
    kind: str  # text, textarea, date, select, radio, checkbox, checkboxes, lines, number, unsupported
    title: str
    required: bool
    help: str = ""
    options: tuple[tuple[str, str], ...] = ()
    step: str = "any"
    max_length: int | None = None
    minimum: float | None = None
    maximum: float | None = None
    placeholder: str = ""


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
    common = {"name": name, "title": spec.get("title") or name, "required": required, "help": ui.get("ui:help", ""),
              "placeholder": ui.get("ui:placeholder", "")}
    if "enum" in spec:
        return FormField(kind="radio" if ui.get("ui:widget") == "radio" else "select",
                         options=_options(spec["enum"], ui), **common)
    if kind == "array":
        items = spec.get("items") or {}
        if "enum" in items:
            return FormField(kind="checkboxes", options=_options(items["enum"], ui), **common)
        if json_type(items) == "string" and "enum" not in items:
            return FormField(kind="lines", max_length=items.get("maxLength"), **common)
        return FormField(kind="unsupported", **common)
    if kind == "boolean":
        return FormField(kind="checkbox", **common)
    if kind == "integer" and ui.get("ui:widget") == "amount":  # đồng, shown grouped: 10.000
        return FormField(kind="amount", minimum=spec.get("minimum"), maximum=spec.get("maximum"), **common)
    if kind in {"integer", "number"}:
        return FormField(kind="number", step="1" if kind == "integer" else "any",
                         minimum=spec.get("minimum"), maximum=spec.get("maximum"), **common)
    if kind == "string":
        widget = "textarea" if ui.get("ui:widget") == "textarea" else "text"
        if spec.get("format") == "date" or ui.get("ui:widget") == "date":
            widget = "date"
        return FormField(kind=widget, max_length=spec.get("maxLength"), **common)
    return FormField(kind="unsupported", **common)


def _options(values: list, ui: dict) -> tuple[tuple[str, str], ...]:
    labels = list(ui.get("ui:enumNames", []))
    return tuple((str(value), str(labels[i]) if i < len(labels) else str(value)) for i, value in enumerate(values))


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
        if kind == "array":
            values = _array_values(spec, form, name)
            if values:
                data[name] = values
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


def _array_values(spec: dict, form, name: str) -> list:
    """Ticked boxes of an enum array; otherwise one string per non-blank line of a textarea."""
    if "enum" in (spec.get("items") or {}):
        return [value for value in form.getlist(name) if value]
    return [line.strip() for line in form.get(name, "").splitlines() if line.strip()]


def form_values(fields: list[FormField], schema: dict, form=None, prefill: dict | None = None) -> dict:
    """What each input shows: the posted values on a re-render; at first what the dossier gives (`prefill`),
    else the schema defaults.

    A checkbox group gets the list of ticked values; a lines field gets its text, one item per line."""
    if form is None:
        defaults = {f.name: schema.get("properties", {}).get(f.name, {}).get("default", "") for f in fields}
        defaults.update({name: value for name, value in (prefill or {}).items() if name in defaults})
        return {f.name: _initial(f, defaults[f.name]) for f in fields}
    return {f.name: _posted(f, form) for f in fields}


def _initial(field: FormField, default):
    if field.kind == "checkboxes":
        return [str(v) for v in default] if isinstance(default, list) else []
    if field.kind == "lines":
        return "\n".join(str(v) for v in default) if isinstance(default, list) else ""
    if field.kind == "amount" and isinstance(default, int) and not isinstance(default, bool):
        return group_thousands(default)
    return default


def _posted(field: FormField, form):
    if field.kind == "checkbox":
        return form.get(field.name, "").strip().lower() in TRUE_VALUES
    if field.kind == "checkboxes":
        return form.getlist(field.name)
    return form.get(field.name, "")


def errors_by_field(errors: dict[str, list[str]], fields: list[FormField]) -> dict[str, list[str]]:
    """Errors keyed by top-level field ('so_thua.0' goes with 'so_thua'); others under their own path."""
    names = {f.name for f in fields}
    grouped: dict[str, list[str]] = {}
    for path, messages in errors.items():
        head = path.split(".", 1)[0]
        grouped.setdefault(head if head in names else path, []).extend(messages)
    return grouped


def _number(raw: str, kind: type):
    text = raw.strip().removesuffix("đồng").strip()
    if kind is int and GROUPED.fullmatch(text):  # 10.000 or 10 000: Vietnamese thousands separators
        text = text.replace(".", "").replace(" ", "")
    text = text.replace(",", ".")  # a Vietnamese decimal comma
    try:
        value = int(text) if kind is int else float(text)
    except ValueError:
        return raw
    if isinstance(value, float) and not math.isfinite(value):
        return raw
    return int(value) if isinstance(value, float) and value.is_integer() else value
