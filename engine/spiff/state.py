"""An instance's stored state: SpiffWorkflow's JSON without the specs, dumped and loaded a little faster.

The layout is the library's own (serializer version VERSION); only the specs are left out, as the instance's
process version has them. The tasks of the top workflow, the bulk of a state, are converted by a loop of this
module instead of a registry call per task (`_tasks_to_dict`, `_tasks_from_dict`), with the same result:
per task the library's converter costs more in its dispatch than in the conversion. Call activities'
sub-workflows go through the library's converters.
"""
from __future__ import annotations

import json
from functools import lru_cache
from uuid import UUID

import orjson

from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.bpmn.serializer import BpmnWorkflowSerializer
from SpiffWorkflow.bpmn.serializer.default import workflow as task_converters
from SpiffWorkflow.bpmn.serializer.default.workflow import BpmnWorkflowConverter, TaskConverter
from SpiffWorkflow.bpmn.serializer.helpers import DefaultRegistry
from SpiffWorkflow.bpmn.serializer.helpers.encoder import create_encoder
from SpiffWorkflow.bpmn.serializer.workflow import VERSION
from SpiffWorkflow.bpmn.specs.mixins.events.event_types import CatchingEvent
from SpiffWorkflow.spiff.serializer.config import SPIFF_CONFIG
from SpiffWorkflow.task import Task
from SpiffWorkflow.util.deep_merge import DeepMerge
from SpiffWorkflow.util.task import TaskState

from .parsing import ParsedVersion

# Task ids parsed once: each load parses the same ids again (about four per task, a third of a load's time);
# a UUID never changes, so instances share them. The library's task converters parse ids by the name UUID.
_task_uuid = task_converters.UUID = lru_cache(maxsize=16384)(UUID)
_uuid_text = lru_cache(maxsize=16384)(str)  # and written once: str(UUID) formats its 128 bits every time

_updated_keys, _deleted_keys, _merge = DeepMerge.get_updated_keys, DeepMerge.get_deleted_keys, DeepMerge.merge
_WAITING = TaskState.WAITING


class SpecFreeWorkflowConverter(BpmnWorkflowConverter):
    """Leaves the specs out of the stored state; they come from the version's parsed, cached XML."""

    def to_dict(self, workflow):
        # BpmnWorkflowConverter.to_dict without its first two additions, the specs (converting them only to drop
        # them cost a fifth of every dump); WorkflowConverter.to_dict with the tasks converted by _tasks_to_dict.
        registry = self.registry
        return {
            "data": registry.convert(registry.clean(workflow.data)),
            "correlations": workflow.correlations,
            "last_task": str(workflow.last_task.id) if workflow.last_task is not None else None,
            "success": workflow.success,
            "completed": workflow.completed,
            "tasks": _tasks_to_dict(registry, workflow.tasks),
            "root": str(workflow.task_tree.id),
            "subprocesses": self.mapping_to_dict(workflow.subprocesses),
            "bpmn_events": registry.convert(workflow.bpmn_events),
        }

    def from_dict(self, dct):
        parsed: ParsedVersion = dct.pop("_parsed")
        dct["spec"] = None
        workflow = BpmnWorkflow(parsed.spec, parsed.subprocess_specs, deserializing=True)
        _tasks_from_dict(self.registry, dct["tasks"], workflow)
        workflow.task_tree = workflow.tasks.get(_task_uuid(dct["root"]))
        self.set_default_attributes(workflow, dct)
        self.subprocesses_from_dict(dct["subprocesses"], workflow)
        workflow.bpmn_events = self.registry.restore(dct.pop("bpmn_events", []))
        return workflow


def _tasks_to_dict(registry, tasks: dict) -> dict:
    """What the registry gives for each task (TaskConverter.to_dict with its typename), keyed by task id."""
    out, convert = {}, registry.convert
    for key, task in tasks.items():
        if type(task) is not Task:
            out[str(key)] = convert(task)
            continue
        parent_id = task._parent
        parent = tasks.get(parent_id) if parent_id is not None else None
        if parent is None:
            data, delta = task.data, {}
        else:  # the task's data as changes to its parent's
            data = {}
            delta = {"updates": _updated_keys(parent.data, task.data), "deletions": _deleted_keys(parent.data, task.data)}
        text = _uuid_text(key)
        out[text] = {
            "id": text, "parent": _uuid_text(parent_id) if parent is not None else None,
            "children": [_uuid_text(child) for child in task._children],
            "last_state_change": task.last_state_change, "state": task.state, "task_spec": task.task_spec.name,
            "triggered": task.triggered, "internal_data": convert(task.internal_data), "data": data, "delta": delta,
            "typename": "Task",
        }
    return out


def _tasks_from_dict(registry, mapping: dict, workflow) -> None:
    """The workflow's tasks (into workflow.tasks, in stored order: parents first) as TaskConverter.from_dict
    restores them."""
    specs, restore, tasks = workflow.spec.task_specs, registry.restore, workflow.tasks
    for dct in mapping.values():
        if dct.get("typename") != "Task":
            registry.restore(dct, workflow=workflow)  # a task class of another kind adds itself too
            continue
        task_spec = specs.get(dct["task_spec"])
        task = Task(workflow, task_spec, state=dct["state"], id=_task_uuid(dct["id"]))  # adds itself to tasks
        parent_id = task._parent = _task_uuid(dct["parent"]) if dct["parent"] is not None else None
        task._children = [_task_uuid(child) for child in dct["children"]]
        task.last_state_change = dct["last_state_change"]
        task.triggered = dct["triggered"]
        task.internal_data = restore(dct["internal_data"])
        if isinstance(task_spec, CatchingEvent) and task.state & _WAITING:
            workflow.top_workflow.event_manager.add_task(task)
        delta = dct.get("delta")
        parent = tasks.get(parent_id) if parent_id is not None else None
        if delta and parent is not None:
            data = _merge({}, parent.data)
            data.update(restore(delta.get("updates", {})))
            for key in delta.get("deletions", {}):
                data.pop(key, None)
        else:
            data = restore(dct["data"])
        task.data = data


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
assert _config[Task] is TaskConverter  # _tasks_to_dict and _tasks_from_dict stand for it
REGISTRY = BpmnWorkflowSerializer.configure(_config)  # restores states and messages; converts messages fully
_ENCODING = BpmnWorkflowSerializer.configure(_config, EncodingRegistry())  # dumps states
_ENCODER = create_encoder(_ENCODING)
_VERSION_KEY = BpmnWorkflowSerializer.VERSION_KEY


_ORJSON_DEFAULT = _ENCODER().default  # what the library's encoder does with objects JSON has no form for
_ORJSON_OPTIONS = orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_PASSTHROUGH_DATACLASS  # those go to it too


def dump(workflow: BpmnWorkflow) -> str:
    """The instance state as compact JSON, without any spec; safe to call from several threads at once.

    orjson writes it (a tenth of the standard library's time for a 6 KB state), handing datetimes and other
    objects to the library's converters as its encoder would. What orjson cannot write (an integer beyond 64
    bits, a key that is not text) is written by the standard library, as before. Unlike it, orjson writes a
    NaN or an infinity as null: step forms refuse them (workflow.forms), and no converter of the library
    keeps a UUID object, which orjson would write as plain text."""
    dct = _ENCODING.convert(workflow)
    dct[_VERSION_KEY] = VERSION
    try:
        return orjson.dumps(dct, default=_ORJSON_DEFAULT, option=_ORJSON_OPTIONS).decode()
    except orjson.JSONEncodeError:
        return json.dumps(dct, cls=_ENCODER, separators=(",", ":"), ensure_ascii=False)


def load(state: str, parsed: ParsedVersion, script_engine) -> BpmnWorkflow:
    """Rebuild a workflow from stored state and re-attach the sandboxed script engine (orjson reads it; what
    only the standard library reads, NaN and infinities an older release wrote, is read by it)."""
    try:
        dct = orjson.loads(state)
    except orjson.JSONDecodeError:
        dct = json.loads(state)
    if dct.get(_VERSION_KEY) != VERSION:
        raise ValueError(f"stored state has serializer version {dct.get(_VERSION_KEY)}, expected {VERSION}")
    dct.pop(_VERSION_KEY)
    dct["_parsed"] = parsed
    workflow = REGISTRY.restore(dct)
    workflow.script_engine = script_engine  # never serialized: without this the default, unsafe engine runs
    return workflow
