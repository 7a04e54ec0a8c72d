"""Run and persist SpiffWorkflow instances: create, load without the spec, advance, inspect, dump."""
from __future__ import annotations

import json
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from uuid import UUID

from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.bpmn.serializer import BpmnWorkflowSerializer
from SpiffWorkflow.bpmn.serializer.default import workflow as task_converters
from SpiffWorkflow.bpmn.serializer.default.workflow import BpmnWorkflowConverter, WorkflowConverter
from SpiffWorkflow.bpmn.serializer.helpers import DefaultRegistry
from SpiffWorkflow.bpmn.serializer.helpers.encoder import create_encoder
from SpiffWorkflow.bpmn.serializer.workflow import VERSION
from SpiffWorkflow.bpmn.specs.event_definitions import timer as timer_module
from SpiffWorkflow.bpmn.specs.event_definitions.message import MessageEventDefinition
from SpiffWorkflow.bpmn.specs.event_definitions.timer import (
    DurationTimerEventDefinition,
    TimeDateEventDefinition,
    TimerEventDefinition,
)
from SpiffWorkflow.exceptions import SpiffWorkflowException, WorkflowException
from SpiffWorkflow.spiff.serializer.config import SPIFF_CONFIG
from SpiffWorkflow.util.task import TaskState

from .parsing import ParsedVersion
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


# Task ids parsed once: each load parses the same ids again (about four per task, a third of a load's time);
# a UUID never changes, so instances share them. The library's task converters parse ids by the name UUID.
_task_uuid = task_converters.UUID = lru_cache(maxsize=16384)(UUID)


@contextmanager
def engine_time(now: datetime):
    """Arm and fire timers against `now` (tests move it; production passes the wall clock)."""
    token = _NOW.set(now)
    try:
        yield
    finally:
        _NOW.reset(token)


class SpecFreeWorkflowConverter(BpmnWorkflowConverter):
    """Leaves the specs out of the stored state; they come from the version's parsed, cached XML."""

    def to_dict(self, workflow):
        # BpmnWorkflowConverter.to_dict without its first two additions, the specs: converting them only to
        # drop them cost a fifth of every dump.
        dct = WorkflowConverter.to_dict(self, workflow)
        dct["subprocesses"] = self.mapping_to_dict(workflow.subprocesses)
        dct["bpmn_events"] = self.registry.convert(workflow.bpmn_events)
        return dct

    def from_dict(self, dct):
        parsed: ParsedVersion = dct.pop("_parsed")
        dct["spec"] = None
        workflow = BpmnWorkflow(parsed.spec, parsed.subprocess_specs, deserializing=True)
        workflow.tasks = self.mapping_from_dict(dct["tasks"], _task_uuid, workflow=workflow)
        workflow.task_tree = workflow.tasks.get(_task_uuid(dct["root"]))
        self.set_default_attributes(workflow, dct)
        self.subprocesses_from_dict(dct["subprocesses"], workflow)
        workflow.bpmn_events = self.registry.restore(dct.pop("bpmn_events", []))
        return workflow


class EncodingRegistry(DefaultRegistry):
    """Converts for the JSON encoder, always: known objects become dicts, data is left for the encoder.

    SpiffWorkflow's serializer gets this by flipping a flag on its one registry around every save, which
    two threads saving at once would flip under each other; this registry never changes after it is built.
    """

    def convert(self, obj):
        typename = self.typenames.get(obj.__class__)
        if typename in self.convert_to_dict:
            return self.convert_to_dict[typename](obj)
        if isinstance(obj, dict):
            return self.clean(obj)
        return obj


_config = dict(SPIFF_CONFIG)
_config[BpmnWorkflow] = SpecFreeWorkflowConverter
REGISTRY = BpmnWorkflowSerializer.configure(_config)  # restores states and messages; converts messages fully
_ENCODING = BpmnWorkflowSerializer.configure(_config, EncodingRegistry())  # dumps states
_ENCODER = create_encoder(_ENCODING)
_VERSION_KEY = BpmnWorkflowSerializer.VERSION_KEY


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


def dump(workflow: BpmnWorkflow) -> str:
    """The instance state as compact JSON, without any spec; safe to call from several threads at once."""
    dct = _ENCODING.convert(workflow)
    dct[_VERSION_KEY] = VERSION
    return json.dumps(dct, cls=_ENCODER, separators=(",", ":"), ensure_ascii=False)


def load(state: str, parsed: ParsedVersion, script_engine) -> BpmnWorkflow:
    """Rebuild a workflow from stored state and re-attach the sandboxed script engine."""
    dct = json.loads(state)
    if dct.get(_VERSION_KEY) != VERSION:
        raise ValueError(f"stored state has serializer version {dct.get(_VERSION_KEY)}, expected {VERSION}")
    dct.pop(_VERSION_KEY)
    dct["_parsed"] = parsed
    workflow = REGISTRY.restore(dct)
    workflow.script_engine = script_engine  # never serialized: without this the default, unsafe engine runs
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
