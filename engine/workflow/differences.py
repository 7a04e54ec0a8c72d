"""What changed between two versions of a procedure's internal process, as plain rows for a reviewer's table:
steps, their roles and budgets, the worst path against the legal limit, form fields, scripts and conditions,
timers and messages."""
from __future__ import annotations

import difflib
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy.orm import Session

from engine.models import ProcessVersion
from engine.infra.errors import InvalidProcess
from engine.spiff import BpmnError
from engine.spiff.elements import describe_elements
from engine.workflow.budgets import budget_report
from engine.workflow.catalog import version_bundle
from engine.workflow.forms import is_ui_schema

STEP_KINDS = frozenset({"userTask", "manualTask"})


@dataclass(frozen=True)
class StepChange:
    """A user or manual task added, removed or changed: its name, lane (role) and step budget on each side."""

    element: str
    process: str
    change: str  # added | removed | changed
    aspects: tuple[str, ...]  # of a changed step: name, lane, budget, form
    before: dict | None  # {"name", "lane", "budget", "form"}
    after: dict | None


@dataclass(frozen=True)
class Budget:
    """One version's worst path (by step budgets) against the procedure's legal time limit."""

    number: int
    limit_days: Decimal
    worst_days: Decimal
    worst_path: tuple[str, ...]  # step names
    fits: bool


@dataclass(frozen=True)
class FieldChange:
    form: str
    field: str
    change: str  # added | removed | changed
    before: dict | None  # {"title", "type", "required"}
    after: dict | None


@dataclass(frozen=True)
class TextChange:
    """A script or a gateway condition whose text differs, as a unified diff."""

    element: str
    name: str
    kind: str  # script | condition
    diff: tuple[str, ...]


@dataclass(frozen=True)
class ValueChange:
    """A timer expression, or a message as (direction 'thrown' | 'caught', name), that differs."""

    element: str
    name: str
    before: str | tuple[str, str] | None
    after: str | tuple[str, str] | None


@dataclass(frozen=True)
class Differences:
    older: int
    newer: int
    steps: tuple[StepChange, ...]
    budgets: tuple[Budget, Budget]
    fields: tuple[FieldChange, ...]
    texts: tuple[TextChange, ...]
    timers: tuple[ValueChange, ...]
    messages: tuple[ValueChange, ...]

    @property
    def empty(self) -> bool:
        budgets_equal = self.budgets[0].worst_days == self.budgets[1].worst_days and \
            self.budgets[0].limit_days == self.budgets[1].limit_days
        return budgets_equal and not (self.steps or self.fields or self.texts or self.timers or self.messages)


def version_differences(session: Session, older: ProcessVersion, newer: ProcessVersion) -> Differences:
    """Compare two versions' parsed content, older first; ask the access policy before calling."""
    before, after = _elements(older), _elements(newer)
    return Differences(
        older=older.number, newer=newer.number,
        steps=tuple(_steps(before, after)),
        budgets=(_budget(session, older, before), _budget(session, newer, after)),
        fields=tuple(_fields(older.forms or {}, newer.forms or {})),
        texts=tuple(_texts(before, after, older.number, newer.number)),
        timers=tuple(_values(before, after, lambda e: e["timer"])),
        messages=tuple(_values(before, after, _message)),
    )


def _elements(version: ProcessVersion) -> dict[tuple[str, str], dict]:
    return {(e["process"], e["id"]): e for e in describe_elements(version.files)}


def _step(element: dict) -> dict:
    props = element["properties"]
    return {"name": element["name"] or element["id"], "lane": element["lane"] or "",
            "budget": props.get("step_budget", ""), "form": props.get("formJsonSchemaFilename", "")}


def _steps(before: dict, after: dict):
    for key in _keys(before, after):
        old, new = before.get(key), after.get(key)
        old = _step(old) if old is not None and old["kind"] in STEP_KINDS else None
        new = _step(new) if new is not None and new["kind"] in STEP_KINDS else None
        if old is None and new is None:
            continue
        if old is None or new is None:
            yield StepChange(key[1], key[0], "added" if old is None else "removed", (), old, new)
            continue
        aspects = tuple(aspect for aspect in ("name", "lane", "budget", "form") if old[aspect] != new[aspect])
        if aspects:
            yield StepChange(key[1], key[0], "changed", aspects, old, new)


def _budget(session: Session, version: ProcessVersion, elements: dict) -> Budget:
    try:
        parsed = version_bundle(session, version.id, version.checksum).parsed
    except BpmnError as exc:  # a draft saved with errors in the studio: no figures to compare
        raise InvalidProcess(exc.message, element=exc.element, file=exc.file) from exc
    report = budget_report(parsed, Decimal(str((version.meta or {}).get("time_limit", 0))))
    names = {key[1]: e["name"] or key[1] for key, e in elements.items() if key[0] == version.process_id}
    return Budget(version.number, report.limit_days, report.worst_days,
                  tuple(names.get(step, step) for step in report.worst_path), report.fits)


def _fields(before: dict[str, dict], after: dict[str, dict]):
    names = sorted({n for n in (*before, *after) if not is_ui_schema(n)})
    for name in names:
        old, new = _form_fields(before.get(name)), _form_fields(after.get(name))
        for field in sorted({*old, *new}):
            if field not in old:
                yield FieldChange(name, field, "added", None, new[field])
            elif field not in new:
                yield FieldChange(name, field, "removed", old[field], None)
            elif old[field] != new[field]:
                yield FieldChange(name, field, "changed", old[field], new[field])


def _form_fields(schema: dict | None) -> dict[str, dict]:
    if not isinstance(schema, dict):
        return {}
    required = set(schema.get("required") or [])
    return {key: {"title": str(spec.get("title", "")) if isinstance(spec, dict) else "",
                  "type": _type(spec.get("type") if isinstance(spec, dict) else None),
                  "required": key in required}
            for key, spec in (schema.get("properties") or {}).items()}


def _type(value) -> str:
    return ", ".join(map(str, value)) if isinstance(value, list) else str(value or "")


def _texts(before: dict, after: dict, older: int, newer: int):
    for key in _keys(before, after):
        old, new = before.get(key) or {}, after.get(key) or {}
        for kind in ("script", "condition"):
            a, b = old.get(kind), new.get(kind)
            if (a or b) and a != b:
                lines = difflib.unified_diff((a or "").splitlines(), (b or "").splitlines(),
                                             f"phiên bản {older}", f"phiên bản {newer}", lineterm="", n=2)
                yield TextChange(key[1], (new or old).get("name") or "", kind, tuple(lines))


def _message(element: dict) -> tuple[str, str] | None:
    return None if element["message"] is None else (element["message_direction"], element["message"])


def _values(before: dict, after: dict, value):
    for key in _keys(before, after):
        old, new = before.get(key), after.get(key)
        a, b = (value(old) if old else None), (value(new) if new else None)
        if a != b:
            yield ValueChange(key[1], (new or old)["name"], a, b)


def _keys(before: dict, after: dict) -> list[tuple[str, str]]:
    """Elements of the newer version in document order, then those only the older one has."""
    return [*after, *(key for key in before if key not in after)]
