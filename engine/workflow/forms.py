"""Form data checks against a task's JSON Schema, reported field by field."""
from __future__ import annotations

import math
import re
from collections import OrderedDict
from threading import Lock

from jsonschema import Draft202012Validator
from referencing import Registry
from referencing.exceptions import NoSuchResource

from engine.infra.errors import ValidationFailed

_NO_FORM = {"type": "object", "properties": {}}
_VALIDATORS: OrderedDict[int, tuple[dict, Draft202012Validator]] = OrderedDict()  # id(schema) -> (schema, validator)
_VALIDATORS_MAX = 512
TEXT_MAX = 10_000  # any text of a step's form, whatever the form says: step data stays bounded and printable
_lock = Lock()
_UI_SCHEMA = re.compile(r".+[._-]ui_?schema\.json", re.IGNORECASE)  # x.uischema.json, SpiffArena's x-uischema.json


def _refuse_retrieval(uri: str):
    """A form is checked against itself only: a `$ref` to anything else is never fetched (loading refuses one)."""
    raise NoSuchResource(ref=uri)


_LOCAL_ONLY = Registry(retrieve=_refuse_retrieval)


def is_ui_schema(name: str) -> bool:
    """Whether a form file is a UI schema by its name: `x.uischema.json`, or SpiffArena's `x-uischema.json`."""
    return bool(_UI_SCHEMA.fullmatch(name))


def field_errors(validator: Draft202012Validator, data, prefix: str = "") -> dict[str, list[str]]:
    """Map each failing field path to Vietnamese messages; unknown keys are reported by name."""
    errors: dict[str, list[str]] = {}
    if not isinstance(data, dict):
        return {prefix or "_": ["Dữ liệu phải là một đối tượng (object)."]}
    for error in validator.iter_errors(data):
        if error.validator == "additionalProperties":
            allowed = set(error.schema.get("properties", {}))
            for key in sorted(set(error.instance) - allowed):
                errors.setdefault(_path(prefix, [*error.absolute_path, key]), []).append("Trường không được phép.")
            continue
        if error.validator == "required":
            missing = error.message.split("'")[1] if "'" in error.message else ""
            errors.setdefault(_path(prefix, [*error.absolute_path, missing]), []).append("Bắt buộc nhập.")
            continue
        errors.setdefault(_path(prefix, list(error.absolute_path)), []).append(_message(error))
    return errors


def validate_form(schema: dict | None, data: dict) -> dict:
    """Check task form data; unknown keys are refused even when the schema does not say so. Over-long texts and
    numbers JSON cannot hold (NaN, infinities: a JSON body may carry them) are refused first, before any
    pattern of the form runs on them."""
    errors = _unstorable(data) or field_errors(form_validator(_NO_FORM if schema is None else schema), data)
    if errors:
        raise ValidationFailed("Dữ liệu biểu mẫu chưa hợp lệ.", errors)
    return data


def form_validator(schema: dict) -> Draft202012Validator:
    """One validator per form document (a version's forms never change), refusing keys the form lacks."""
    with _lock:
        hit = _VALIDATORS.get(id(schema))
        if hit is not None and hit[0] is schema:
            _VALIDATORS.move_to_end(id(schema))
            return hit[1]
    strict = schema if "additionalProperties" in schema else {**schema, "additionalProperties": False}
    validator = Draft202012Validator(strict, registry=_LOCAL_ONLY)
    with _lock:  # the schema is kept with its validator, so its id cannot be reused while cached
        _VALIDATORS[id(schema)] = (schema, validator)
        if len(_VALIDATORS) > _VALIDATORS_MAX:
            _VALIDATORS.popitem(last=False)
    return validator


def form_warnings(forms: dict[str, dict]) -> list[str]:
    """What a designer should fix though it loads: a required yes/no field that accepts "no" is a confirmation
    the officer can leave unticked. It needs "const": true, unless a condition of the form constrains it or
    "default": false says that "no" is an answer (e.g. "all supplements received?")."""
    warnings = []
    for name, schema in sorted(forms.items()):
        if is_ui_schema(name) or not isinstance(schema, dict):
            continue
        constrained = _constrained(schema.get("allOf", [])) | _constrained([schema])
        for key in schema.get("required", []):
            field = schema.get("properties", {}).get(key, {})
            if (field.get("type") == "boolean" and field.get("const") is not True and "default" not in field
                    and key not in constrained):
                warnings.append(f"biểu mẫu {name}: trường bắt buộc '{key}' kiểu có/không: để trống ô đánh dấu vẫn "
                                f"hoàn thành được; thêm \"const\": true nếu là ô xác nhận, hoặc \"default\": false "
                                f"nếu \"không\" cũng là một câu trả lời")
    return warnings


def _constrained(branches: list) -> set[str]:
    """Fields a conditional part of the schema (if/then/else) pins to a value."""
    names = set()
    for branch in branches:
        for part in (branch.get("then"), branch.get("else")) if isinstance(branch, dict) else ():
            if isinstance(part, dict):
                names |= {k for k, v in part.get("properties", {}).items() if isinstance(v, dict) and "const" in v}
    return names


def _unstorable(value, path: str = "") -> dict[str, list[str]]:
    """Paths of texts longer than TEXT_MAX and of numbers that are not finite, at any depth of the data."""
    if isinstance(value, str):
        return {path or "_": [f"Tối đa {TEXT_MAX} ký tự."]} if len(value) > TEXT_MAX else {}
    if isinstance(value, float):
        return {} if math.isfinite(value) else {path or "_": ["Số không hợp lệ."]}
    items = value.items() if isinstance(value, dict) else enumerate(value) if isinstance(value, list) else ()
    found: dict[str, list[str]] = {}
    for key, item in items:
        found.update(_unstorable(item, f"{path}.{key}" if path else str(key)))
    return found


def _path(prefix: str, parts: list) -> str:
    return ".".join(str(p) for p in ([prefix] if prefix else []) + parts) or "_"


def _message(error) -> str:
    kind = error.validator
    if kind == "type":
        return f"Sai kiểu dữ liệu: cần {error.validator_value}."
    if kind == "enum":
        return "Giá trị không nằm trong danh sách cho phép."
    if kind == "minLength":
        return "Bắt buộc nhập." if error.validator_value == 1 else f"Tối thiểu {error.validator_value} ký tự."
    if kind == "maxLength":
        return f"Tối đa {error.validator_value} ký tự."
    if kind == "pattern":
        return "Không đúng định dạng."
    if kind in {"minimum", "maximum"}:
        return f"Giá trị phải {'≥' if kind == 'minimum' else '≤'} {error.validator_value}."
    if kind == "const":
        return "Bắt buộc đánh dấu xác nhận." if error.validator_value is True else "Giá trị không hợp lệ."
    return error.message
