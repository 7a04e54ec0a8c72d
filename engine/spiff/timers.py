"""Timer expressions: checked at load against a probe dossier, and refused at run time when naive."""
from __future__ import annotations

from datetime import datetime

from SpiffWorkflow.bpmn.specs.event_definitions.timer import (
    CycleTimerEventDefinition,
    DurationTimerEventDefinition,
    TimeDateEventDefinition,
    TimerEventDefinition,
)

from .parsing import ParsedVersion
from .sandbox import RestrictedEnvironment


def timer_problems(parsed: ParsedVersion, helpers: dict) -> list[tuple[str, str]]:
    """(BPMN id, problem) for every timer whose expression yields no usable date, duration or cycle.

    Expressions that read process data cannot be judged before the data exists; they are checked when
    the timer is armed instead.
    """
    env = RestrictedEnvironment(helpers)
    problems = []
    for proc in [parsed.spec, *parsed.subprocess_specs.values()]:
        for ts in proc.task_specs.values():
            ed = getattr(ts, "event_definition", None)
            if not isinstance(ed, TimerEventDefinition):
                continue
            try:
                value = env.evaluate(ed.expression, {})
            except NameError:
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
        elif isinstance(ed, CycleTimerEventDefinition):
            TimerEventDefinition.parse_iso_recurring_interval(value)
    except Exception as exc:  # noqa: BLE001 - SpiffWorkflow raises a bare Exception for a bad duration
        return f"giá trị hẹn giờ '{value}' không hợp lệ: {exc}"
    return None
