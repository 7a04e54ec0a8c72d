"""Run and persist SpiffWorkflow instances: create, load without the spec, advance, inspect, dump."""
from __future__ import annotations

from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.bpmn.specs.event_definitions import timer as timer_module
from SpiffWorkflow.bpmn.specs.event_definitions.message import MessageEventDefinition
from SpiffWorkflow.bpmn.specs.event_definitions.timer import (
    DurationTimerEventDefinition,
    TimeDateEventDefinition,
    TimerEventDefinition,
)
from SpiffWorkflow.exceptions import SpiffWorkflowException, WorkflowException
from SpiffWorkflow.util.task import TaskState

from .parsing import ParsedVersion
from .state import REGISTRY, dump, load  # noqa: F401 - states are dumped and loaded there; re-exported
from .timers import timer_definition


_NOW: ContextVar[datetime | None] = ContextVar("motcua_engine_now", default=None)


class _EngineDatetime(datetime):
    """SpiffWorkflow's timers read `datetime.now`; inside a unit of work that is the engine's clock."""

    @classmethod
    def now(cls, tz=None):
        value = _NOW.get()
        if value is None:
            return datetime.now(tz)
        return value.astimezone(tz) if tz is not None else value.astimezone().replace(tzinfo=None)


timer_module.datetime = _EngineDatetime


@contextmanager
def engine_time(now: datetime):
    """Arm and fire timers against `now` (tests move it; production passes the wall clock)."""
    token = _NOW.set(now)
    try:
        yield
    finally:
        _NOW.reset(token)


class EngineStepError(Exception):
    """A script, expression or event failed while advancing; carries the BPMN element."""

    def __init__(self, message: str, element: str | None = None):
        super().__init__(message)
        self.message, self.element = message, element


@dataclass(frozen=True)
class ReadyTask:
    task_id: str
    bpmn_id: str
    name: str
    lane: str | None
    properties: dict


def new_workflow(parsed: ParsedVersion, script_engine) -> BpmnWorkflow:
    workflow = BpmnWorkflow(parsed.spec, parsed.subprocess_specs, script_engine=script_engine)
    return workflow


def advance(workflow: BpmnWorkflow, now: datetime) -> None:
    """Run engine steps (scripts, gateways, events) until only people or time can move the instance."""
    try:
        with engine_time(now):
            workflow.do_engine_steps()
    except SpiffWorkflowException as exc:
        raise EngineStepError(_describe(exc), _element(exc)) from exc


def all_tasks(workflow: BpmnWorkflow):
    """Every task of the instance and its sub-processes; a plain walk, far cheaper than get_tasks()."""
    yield from workflow.tasks.values()
    for subprocess in workflow.subprocesses.values():
        yield from subprocess.tasks.values()


def ready_user_tasks(workflow: BpmnWorkflow) -> list[ReadyTask]:
    out = []
    for task in all_tasks(workflow):
        ts = task.task_spec
        if task.state != TaskState.READY or not ts.manual:
            continue
        out.append(ReadyTask(
            task_id=str(task.id), bpmn_id=ts.bpmn_id, name=ts.bpmn_name or ts.bpmn_id,
            lane=effective_lane(task), properties=dict(ts.extensions.get("properties", {})),
        ))
    return out


def effective_lane(task) -> str | None:
    """The task's lane, or the lane of the call activity that contains it."""
    while task is not None:
        if task.task_spec.lane is not None:
            return task.task_spec.lane
        parent_id = task.workflow.parent_task_id
        task = task.workflow.top_workflow.get_task_from_id(parent_id) if parent_id is not None else None
    return None


def task_is_ready(workflow: BpmnWorkflow, task_id: str) -> bool:
    task = workflow.get_task_from_id(UUID(task_id))
    return task is not None and task.state == TaskState.READY


def complete_user_task(workflow: BpmnWorkflow, now: datetime, task_id: str, data: dict) -> None:
    task = workflow.get_task_from_id(UUID(task_id))
    try:
        with engine_time(now):
            fill_form = getattr(task.task_spec, "add_data_from_form", None)  # a manualTask or plain task has none
            fill_form(task, data) if fill_form else task.set_data(**data)
            task.run()
    except SpiffWorkflowException as exc:
        raise EngineStepError(_describe(exc), _element(exc)) from exc
    advance(workflow, now)


def reached_properties(workflow: BpmnWorkflow, since: set[str]) -> tuple[set[str], list[tuple[dict, dict]]]:
    """(properties, data) of non-manual nodes completed since the given task ids; also the new id set."""
    done, reached = set(), []
    for task in all_tasks(workflow):
        if task.state != TaskState.COMPLETED:
            continue
        key = str(task.id)
        done.add(key)
        if key in since or task.task_spec.manual:
            continue
        extensions = getattr(task.task_spec, "extensions", None) or {}
        if extensions.get("properties"):
            reached.append((dict(extensions["properties"]), task.data))
    return done, reached


def pending_timers(workflow: BpmnWorkflow) -> list[datetime]:
    due = []
    for task in all_tasks(workflow):  # a plain walk: get_tasks(state=...) costs a tree iteration per save
        if task.state != TaskState.WAITING:
            continue
        ed = timer_definition(task.task_spec)  # its own, or the one an event-based gateway waits for
        if ed is None:
            continue
        value = ed.details(task).value
        if value is None:
            continue
        if isinstance(ed, TimeDateEventDefinition) and datetime.fromisoformat(value).tzinfo is None:
            raise EngineStepError(f"{task.task_spec.bpmn_id}: thời điểm hẹn giờ '{value}' thiếu múi giờ",
                                  task.task_spec.bpmn_id)
        if isinstance(ed, (TimeDateEventDefinition, DurationTimerEventDefinition)):
            due.append(TimerEventDefinition.get_datetime(value))
        else:  # a cycle; one whose repetitions have run out keeps its last instant until the next refresh ends it
            due.append(datetime.fromisoformat(value["next"] if isinstance(value, dict) else value))
    return due


def shift_timers(workflow: BpmnWorkflow, move) -> int:
    """Re-time every waiting date or duration timer with `move(due) -> new due` (e.g. after a pause)."""
    moved = 0
    for task in workflow.get_tasks(state=TaskState.WAITING):
        ed = timer_definition(task.task_spec)
        if isinstance(ed, (TimeDateEventDefinition, DurationTimerEventDefinition)) \
                and task.internal_data.get("event_value"):
            due = TimerEventDefinition.get_datetime(task.internal_data["event_value"])
            task.internal_data["event_value"] = move(due).isoformat()
            moved += 1
    return moved


def next_timer_due(workflow: BpmnWorkflow) -> datetime | None:
    return min(pending_timers(workflow), default=None)


def fire_timers(workflow: BpmnWorkflow, now: datetime) -> None:
    try:
        with engine_time(now):
            workflow.refresh_timers()
    except SpiffWorkflowException as exc:
        raise EngineStepError(_describe(exc), _element(exc)) from exc
    advance(workflow, now)


def drain_events(workflow: BpmnWorkflow) -> list[dict]:
    """Thrown messages nobody inside caught (the liên thông outbox), removed from the workflow so they are
    not stored twice; other leftover events (terminate, unhandled signals) end here too."""
    return [REGISTRY.convert(event) for event in workflow.get_events()
            if isinstance(event.event_definition, MessageEventDefinition)]


def is_completed(workflow: BpmnWorkflow) -> bool:
    return workflow.completed


def workflow_data(workflow: BpmnWorkflow) -> dict:
    return workflow.data


def _element(exc: Exception) -> str | None:
    task = getattr(exc, "task", None)
    spec = getattr(exc, "task_spec", None) or getattr(task, "task_spec", None)
    return getattr(spec, "bpmn_id", None) or getattr(spec, "name", None)


def _describe(exc: Exception) -> str:
    element = _element(exc)
    text = str(exc)
    return f"{element}: {text}" if element and element not in text else text


__all__ = ["EngineStepError", "ReadyTask", "WorkflowException"]
