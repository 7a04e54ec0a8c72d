"""Sample data for a step's form, made from its JSON Schema: valid, plain and the same on every run."""
from __future__ import annotations

import re
from datetime import date, datetime, timedelta

from engine.workflow.forms import field_errors, form_validator

_TEXT = "Nội dung chạy thử"
_MAX_DEPTH = 8


def sample_form(schema: dict | None, today: date, overrides: dict | None = None) -> dict:
    """A value for every field of the form (scripts and conditions may read any of them): the designer's
    default, else the const, the first choice, a date a month ahead for dates (a new appointment must lie
    after the due date), a number within bounds, a text fitting the pattern. A field an if/then/else or
    allOf part constrains further is made again under that part. `overrides` fixes some fields' values."""
    if not schema:
        return {}
    data = {**_object(schema, today, 0), **(overrides or {})}
    for part in _conditional_parts(schema, data):
        for key, sub in (part.get("properties") or {}).items():
            if isinstance(sub, dict) and key not in (overrides or {}):
                merged = {**(schema.get("properties") or {}).get(key, {}), **sub}
                data[key] = sample_value(merged, key, today, 1)
    return data


def field_choices(schema: dict | None, name: str) -> list:
    """The values a field of the form can take that may steer a gateway: its choices, or yes and no."""
    field = ((schema or {}).get("properties") or {}).get(name)
    if not isinstance(field, dict):
        return []
    if "const" in field:
        return [field["const"]]
    if field.get("enum"):
        return list(field["enum"])
    for key in ("oneOf", "anyOf"):
        if isinstance(field.get(key), list):
            return [o["const"] for o in field[key] if isinstance(o, dict) and "const" in o]
    return [True, False] if field.get("type") == "boolean" else []


def sample_errors(schema: dict | None, data: dict) -> dict[str, list[str]]:
    """Field errors of the data against the form as a completion would check it (empty: valid)."""
    return field_errors(form_validator(schema or {"type": "object", "properties": {}}), data)


def sample_value(schema: dict, name: str, today: date, depth: int):
    if depth > _MAX_DEPTH or not isinstance(schema, dict):
        return None
    if "default" in schema:
        return schema["default"]
    if "const" in schema:
        return schema["const"]
    if schema.get("enum"):
        return schema["enum"][0]
    for key in ("oneOf", "anyOf"):
        options = schema.get(key)
        if isinstance(options, list) and options and isinstance(options[0], dict):
            return sample_value({**{k: v for k, v in schema.items() if k != key}, **options[0]}, name, today,
                                depth + 1)
    kind = schema.get("type")
    if isinstance(kind, list):
        kind = next((k for k in kind if k != "null"), "null")
    if kind == "object" or "properties" in schema:
        return _object(schema, today, depth + 1)
    if kind == "array":
        item = sample_value(schema.get("items") or {"type": "string"}, name, today, depth + 1)
        return [item] * max(1, int(schema.get("minItems", 1)))
    if kind == "boolean":
        return True
    if kind in ("integer", "number"):
        return _number(schema, kind)
    if kind == "null":
        return None
    return _string(schema, name, today)


def _object(schema: dict, today: date, depth: int) -> dict:
    return {key: sample_value(sub, key, today, depth + 1)
            for key, sub in (schema.get("properties") or {}).items() if isinstance(sub, dict)}


def _conditional_parts(schema: dict, data: dict) -> list[dict]:
    """The then/else parts that apply to the data, and the allOf parts (with theirs)."""
    parts = []
    for branch in [schema, *(schema.get("allOf") or [])]:
        if not isinstance(branch, dict):
            continue
        if branch is not schema:
            parts.append(branch)
        condition = branch.get("if")
        if isinstance(condition, dict):
            chosen = branch.get("then") if _holds(condition, data) else branch.get("else")
            if isinstance(chosen, dict):
                parts.append(chosen)
    return parts


def _holds(condition: dict, data: dict) -> bool:
    return not field_errors(form_validator({"type": "object", **condition, "additionalProperties": True}), data)


def _number(schema: dict, kind: str):
    """1, or the nearest value within the bounds."""
    value = 1
    if "minimum" in schema and value < schema["minimum"]:
        value = schema["minimum"]
    if "exclusiveMinimum" in schema and value <= schema["exclusiveMinimum"]:
        value = schema["exclusiveMinimum"] + 1
    if "maximum" in schema and value > schema["maximum"]:
        value = schema["maximum"]
    if "exclusiveMaximum" in schema and value >= schema["exclusiveMaximum"]:
        value = schema["exclusiveMaximum"] - (1 if kind == "integer" else 0.5)
    return int(value) if kind == "integer" else float(value)


def _string(schema: dict, name: str, today: date) -> str:
    fmt = schema.get("format")
    if fmt == "date":
        candidates = [(today + timedelta(days=30)).isoformat()]
    elif fmt == "date-time":
        candidates = [datetime.combine(today + timedelta(days=30), datetime.min.time()).isoformat() + "+07:00"]
    elif fmt == "email":
        candidates = ["chay.thu@example.vn"]
    elif fmt in ("time",):
        candidates = ["08:00:00+07:00"]
    else:
        candidates = [f"{_TEXT}: {name}", _TEXT]
    candidates += ["0912345678", "123456789012", "001234567890", today.isoformat(), "A1", "1"]
    pattern = schema.get("pattern")
    digits = re.fullmatch(r"\^?\[0-9\]\{(\d+)(?:,(\d+))?\}\$?", pattern or "")
    if digits:
        candidates.insert(0, "1" * int(digits.group(1)))
    low, high = int(schema.get("minLength", 0)), schema.get("maxLength")
    for text in candidates:
        if high is not None:
            text = text[:int(high)]
        if len(text) < low:
            text = text + "x" * (low - len(text))
        if not pattern or _matches(pattern, text):
            return text
    return candidates[0]


def _matches(pattern: str, text: str) -> bool:
    try:
        return re.search(pattern, text) is not None
    except re.error:
        return True  # a pattern Python cannot read: the validator reports it, not the sample
