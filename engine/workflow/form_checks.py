"""Checks of a version's forms: each JSON Schema valid, an object whose fields are identifiers, its `$ref`s
local to itself (never a URL to fetch); UI schemas told apart by their name or by a task naming them."""
from __future__ import annotations

import re

from jsonschema import Draft202012Validator
from jsonschema.exceptions import SchemaError

from engine.workflow.findings import ERROR, WARNING, Finding
from engine.workflow.forms import form_warnings, is_ui_schema
from engine.workflow.sources import SourceError, check_depth

IDENTIFIER = re.compile(r"^[A-Za-z][A-Za-z0-9_]*$")
_REF_KEYS = ("$ref", "$dynamicRef", "$recursiveRef")


def ui_schema_names(forms: dict[str, dict], task_properties: list[dict]) -> set[str]:
    """Form files that are UI schemas: named so, or named by some task's formUiSchemaFilename."""
    named = {props.get("formUiSchemaFilename") for props in task_properties}
    return {name for name in forms if is_ui_schema(name) or name in named}


def field_names(forms: dict[str, dict], ui_names: set[str]) -> set[str]:
    """The top-level fields of every form: the names a completed step sets in the process data."""
    return {key for name, schema in forms.items() if name not in ui_names and isinstance(schema, dict)
            for key in (schema.get("properties") or {}) if isinstance(schema.get("properties"), dict)}


def form_findings(forms: dict[str, dict], ui_names: set[str]) -> list[Finding]:
    """Every problem of every form file, and the warnings of forms that load but should be fixed."""
    findings = []
    for name, document in sorted(forms.items()):
        if name in ui_names:
            if not isinstance(document, dict):
                findings.append(Finding(ERROR, f"biểu mẫu giao diện {name} phải là một đối tượng JSON", name))
            continue
        try:
            check_depth(document, name, "JSON")  # forms from the studio arrive parsed, not through load_json
        except SourceError as exc:
            findings.append(Finding(ERROR, f"biểu mẫu {exc}", name))
            continue
        findings += [Finding(ERROR, f"biểu mẫu {name}: {message}", name) for message in _schema_problems(document)]
    usable = {name: document for name, document in forms.items()
              if name not in ui_names and not any(f.file == name for f in findings)}
    findings += [Finding(WARNING, text, _form_of(text, usable)) for text in form_warnings(usable)]
    return findings


def _form_of(text: str, forms: dict) -> str | None:
    return next((name for name in forms if f"biểu mẫu {name}:" in text), None)


def _schema_problems(schema) -> list[str]:
    if not isinstance(schema, dict):
        return ["phải là một JSON Schema dạng đối tượng ({\"type\": \"object\", ...})"]
    try:
        Draft202012Validator.check_schema(schema)
    except SchemaError as exc:
        return [f"không phải JSON Schema hợp lệ: {exc.message}"]
    except RecursionError:
        return ["JSON Schema lồng nhau quá sâu"]
    problems = _reference_problems(schema)
    if schema.get("type") != "object":
        problems.append("phải có \"type\": \"object\"")
    for key in schema.get("properties") or {}:
        if not IDENTIFIER.match(key):
            problems.append(f"tên trường '{key}' phải là định danh (chữ không dấu, số, gạch dưới), không bắt đầu "
                            "bằng _ hay số")
    return problems


def _reference_problems(schema: dict) -> list[str]:
    """A `$ref` may only point inside the form (`#/$defs/...`, `#anchor`): the server must never fetch a
    URL or another file while checking an official's input."""
    problems, anchors, refs = [], set(), []
    stack = [schema]
    while stack:
        node = stack.pop()
        if isinstance(node, list):
            stack += node
            continue
        if not isinstance(node, dict):
            continue
        if isinstance(node.get("$anchor"), str):
            anchors.add(node["$anchor"])
        refs += [(key, node[key]) for key in _REF_KEYS if key in node]
        stack += list(node.values())
    for key, target in refs:
        if not isinstance(target, str) or not target.startswith("#"):
            problems.append(f"{key} '{target}' trỏ ra ngoài biểu mẫu (địa chỉ mạng hay tệp khác), không được phép; "
                            "chỉ dùng tham chiếu nội bộ như \"#/$defs/...\"")
        elif not _resolves(schema, target[1:], anchors):
            problems.append(f"{key} '{target}' không trỏ tới phần nào của biểu mẫu")
    return problems


def _resolves(schema: dict, fragment: str, anchors: set[str]) -> bool:
    if fragment and not fragment.startswith("/"):
        return fragment in anchors
    node = schema
    for part in fragment.split("/")[1:]:
        part = part.replace("~1", "/").replace("~0", "~")
        if isinstance(node, dict) and part in node:
            node = node[part]
        elif isinstance(node, list) and part.isdigit() and int(part) < len(node):
            node = node[int(part)]
        else:
            return False
    return True
