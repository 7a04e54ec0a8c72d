"""Timer expressions: bare ISO 8601 accepted as written, checked at load against a probe dossier, and the
timer a waiting task carries (its own, or the one an event-based gateway waits for)."""
from __future__ import annotations

import re
from datetime import datetime

from SpiffWorkflow.bpmn.specs.event_definitions.multiple import MultipleEventDefinition
from SpiffWorkflow.bpmn.specs.event_definitions.timer import (
    CycleTimerEventDefinition,
    DurationTimerEventDefinition,
    TimeDateEventDefinition,
    TimerEventDefinition,
)

from .sandbox import RestrictedEnvironment, SandboxCompileError

_NUMBER = r"\d+(?:[.,]\d+)?"
_DURATION = rf"P(?!$)(?:{_NUMBER}Y)?(?:{_NUMBER}M)?(?:{_NUMBER}W)?(?:{_NUMBER}D)?" \
            rf"(?:T(?=\d)(?:{_NUMBER}H)?(?:{_NUMBER}M)?(?:{_NUMBER}S)?)?"
_INSTANT = r"\d{4}-\d{2}-\d{2}(?:T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?"
# What Camunda's and SpiffArena's modelers write unquoted: a duration, an instant, or a repetition.
BARE_ISO = re.compile(rf"(?:{_DURATION}|{_INSTANT}|R\d*/(?:{_DURATION}|{_INSTANT})(?:/(?:{_DURATION}|{_INSTANT}))?)",
                      re.IGNORECASE)


_LOOKS_ISO = re.compile(r"\s*(?:R\d*/|P\d|PT\d)", re.IGNORECASE)


def timer_definitions(ts) -> list:
    """The timers a task spec waits for: its own, or those of an event-based gateway."""
    ed = getattr(ts, "event_definition", None)
    if isinstance(ed, TimerEventDefinition):
        return [ed]
    if isinstance(ed, MultipleEventDefinition):
        return [d for d in ed.event_definitions if isinstance(d, TimerEventDefinition)]
    return []


def timer_definition(ts):
    """The one timer a waiting task's due time belongs to (None for tasks that wait for no timer)."""
    found = timer_definitions(ts)
    return found[0] if found else None


def accept_bare_iso(proc) -> None:
    """Quote timer texts written as bare ISO 8601 (`PT1H`, `R3/PT1H`, `2026-03-02T08:00:00+07:00`): the engine
    evaluates timer text as an expression, where such text would be a missing name or a syntax error."""
    for ts in proc.task_specs.values():
        for ed in timer_definitions(ts):
            text = (ed.expression or "").strip()
            if BARE_ISO.fullmatch(text):
                ed.expression = repr(text.upper() if text.upper().startswith(("P", "R")) else text)


def timer_problems(parsed, helpers: dict) -> list[tuple[str, str]]:
    """(BPMN id, problem) for every timer whose expression yields no usable date, duration or cycle.

    Expressions that read process data cannot be judged before the data exists; they are checked when
    the timer is armed instead (and by the trial start when reception arms them).
    """
    env = RestrictedEnvironment(helpers)
    problems = []
    for proc in [parsed.spec, *parsed.subprocess_specs.values()]:
        for ts in proc.task_specs.values():
            for ed in timer_definitions(ts):
                if not (ed.expression or "").strip():
                    problems.append((ts.bpmn_id, "hẹn giờ không có biểu thức thời điểm, thời lượng hay chu kỳ"))
                    continue
                try:
                    value = env.evaluate(ed.expression, {})
                except NameError:
                    if _LOOKS_ISO.match(ed.expression):  # meant as ISO 8601, but not valid: `PT1X`, `R3/P1`
                        problems.append((ts.bpmn_id, f"giá trị hẹn giờ '{ed.expression.strip()}' không phải ISO 8601 "
                                                     "hợp lệ (ví dụ PT4H, P2D, R3/PT1H, 2026-03-02T08:00:00+07:00)"))
                    continue
                except SandboxCompileError as exc:
                    problems.append((ts.bpmn_id, f"biểu thức hẹn giờ '{ed.expression.strip()}' không phải ISO 8601 "
                                                 f"hay biểu thức hợp lệ: {exc}"))
                    continue
                except Exception as exc:  # noqa: BLE001 - any failure of the expression is the designer's to fix
                    problems.append((ts.bpmn_id, f"biểu thức hẹn giờ lỗi: {exc}"))
                    continue
                problem = check_timer_value(ed, value)
                if problem:
                    problems.append((ts.bpmn_id, problem))
    return problems


def check_timer_value(ed, value) -> str | None:
    if not isinstance(value, str):
        return f"biểu thức hẹn giờ phải cho một chuỗi ISO 8601, không phải {type(value).__name__}"
    try:
        if isinstance(ed, TimeDateEventDefinition):
            parsed = datetime.fromisoformat(value)
            if parsed.tzinfo is None:
                return f"thời điểm '{value}' thiếu múi giờ (cần dạng ...+07:00)"
        elif isinstance(ed, DurationTimerEventDefinition):
            TimerEventDefinition.parse_iso_duration(value)
            if not value.strip().upper().startswith("P"):
                return f"thời lượng '{value}' phải có dạng ISO 8601 (ví dụ PT4H, P2D)"
        elif isinstance(ed, CycleTimerEventDefinition):
            cycles, start, _ = TimerEventDefinition.parse_iso_recurring_interval(value)
            if start.tzinfo is None:
                return f"chu kỳ '{value}' có thời điểm bắt đầu thiếu múi giờ (cần dạng ...+07:00)"
    except Exception as exc:  # noqa: BLE001 - SpiffWorkflow raises a bare Exception for a bad duration
        return f"giá trị hẹn giờ '{value}' không hợp lệ: {exc}"
    return None
