"""What a dry run needs of SpiffWorkflow: gateway outcomes chosen from outside, timers, paths and sample replies."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from SpiffWorkflow.bpmn.script_engine import PythonScriptEngine
from SpiffWorkflow.bpmn.specs.event_definitions.message import MessageEventDefinition
from SpiffWorkflow.bpmn.specs.event_definitions.timer import (
    DurationTimerEventDefinition,
    TimeDateEventDefinition,
    TimerEventDefinition,
)
from SpiffWorkflow.bpmn.specs.mixins.exclusive_gateway import ExclusiveGateway
from SpiffWorkflow.bpmn.util import BpmnEvent
from SpiffWorkflow.exceptions import WorkflowException
from SpiffWorkflow.specs.MultiChoice import MultiChoice
from SpiffWorkflow.util.task import TaskState

from .parsing import ParsedVersion
from .sandbox import RestrictedEnvironment
from .timers import timer_definition
from .workflow import EngineStepError, advance, all_tasks, engine_time, pending_timers


@dataclass(frozen=True)
class Outlet:
    """One way out of a gateway: the element it leads to, its condition (None: default or unconditional)."""

    target: str
    target_name: str
    condition: str | None
    default: bool


@dataclass(frozen=True)
class Gateway:
    """An exclusive or inclusive gateway as plain data, with its ways out in the order the engine tries them."""

    bpmn_id: str
    name: str
    process: str
    kind: str  # "exclusive" | "inclusive"
    outlets: tuple[Outlet, ...]


# decide(gateway, natural) -> (targets taken, data patch); `natural(patch)` evaluates the conditions on the data
Decide = Callable[[Gateway, Callable[..., list[str]]], tuple[list[str], dict]]


def gateways(parsed: ParsedVersion) -> dict[str, Gateway]:
    """Every gateway whose outcome a condition decides, in the top process and the processes it calls."""
    found = {}
    for proc in [parsed.spec, *parsed.subprocess_specs.values()]:
        for ts in proc.task_specs.values():
            if isinstance(ts, MultiChoice) and ts.bpmn_id and len(ts.cond_task_specs) > 1:
                found[ts.bpmn_id] = _gateway(ts, proc)
    return found


def _gateway(ts, proc) -> Gateway:
    default = getattr(ts, "default_task_spec", None)
    outlets = []
    for condition, name in ts.cond_task_specs:
        target = proc.task_specs[name]
        outlets.append(Outlet(target=getattr(target, "bpmn_id", None) or name,
                              target_name=getattr(target, "bpmn_name", None) or name,
                              condition=condition.args[0] if condition is not None else None,
                              default=name == default or condition is None))
    kind = "exclusive" if isinstance(ts, ExclusiveGateway) else "inclusive"
    return Gateway(ts.bpmn_id, ts.bpmn_name or ts.bpmn_id, proc.name, kind, tuple(outlets))


def element_names(parsed: ParsedVersion) -> dict[str, str]:
    """BPMN id -> name of every flow element of the version's processes (the id when it has no name)."""
    return {ts.bpmn_id: ts.bpmn_name or ts.bpmn_id for proc in [parsed.spec, *parsed.subprocess_specs.values()]
            for ts in proc.task_specs.values() if getattr(ts, "bpmn_id", None)}


class SimulationEngine(PythonScriptEngine):
    """The sandboxed engine, except that a gateway's conditions answer the outcome `decide` picks."""

    def __init__(self, helpers: dict, decide: Decide, decided: dict):
        super().__init__(environment=RestrictedEnvironment(helpers))
        self.decide, self.decided = decide, decided  # decided: gateway task id -> targets, shared by the run

    def evaluate(self, task, expression, external_context=None):
        spec = task.task_spec
        if isinstance(spec, MultiChoice) and spec.bpmn_id and len(spec.cond_task_specs) > 1:
            target = next((name for cond, name in spec.cond_task_specs
                           if cond is not None and cond.args[0] is expression), None)
            if target is None:
                target = next((name for cond, name in spec.cond_task_specs
                               if cond is not None and cond.args[0] == expression), None)
            if target is not None:
                return target in self._chosen(task, external_context)
        return super().evaluate(task, expression, external_context)

    def _chosen(self, task, external_context) -> list[str]:
        if task.id not in self.decided:
            spec = task.task_spec
            gateway = _gateway(spec, task.workflow.spec)

            def natural(patch: dict | None = None) -> list[str]:
                """The way(s) out the conditions give on the task data, or on it changed by `patch`."""
                saved = task.data
                task.data = {**saved, **patch} if patch else saved
                try:
                    true = [name for cond, name in spec.cond_task_specs if cond is not None
                            and super(SimulationEngine, self).evaluate(task, cond.args[0], external_context)]
                finally:
                    task.data = saved
                if gateway.kind == "exclusive":
                    true = true[:1]
                return true or [o.target for o in gateway.outlets if o.default]

            targets, patch = self.decide(gateway, natural)
            task.data.update(patch)  # what an officer would have entered to take this way: flows on from here
            self.decided[task.id] = list(targets)
        return self.decided[task.id]


def use_engine(workflow, engine: PythonScriptEngine) -> None:
    """Each simulated unit of work runs with its own helpers (its `now`, the dossier's status and due date);
    called processes use their top workflow's engine."""
    workflow.script_engine = engine


def timer_elements(workflow) -> list[tuple[str, str, datetime]]:
    """(BPMN id, name, due) of every armed timer, soonest first."""
    pending_timers(workflow)  # refuses a naive timeDate as the runtime does
    out = []
    for task in all_tasks(workflow):
        ed = timer_definition(task.task_spec)  # its own, or the one an event-based gateway waits for
        if task.state != TaskState.WAITING or ed is None:
            continue
        value = ed.details(task).value
        if value is None:
            continue
        dated = isinstance(ed, (TimeDateEventDefinition, DurationTimerEventDefinition))
        value = value["next"] if isinstance(value, dict) else value  # a cycle whose repetitions ran out
        due = TimerEventDefinition.get_datetime(value) if dated else datetime.fromisoformat(value)
        out.append((task.task_spec.bpmn_id, task.task_spec.bpmn_name or task.task_spec.bpmn_id, due))
    return sorted(out, key=lambda t: t[2])


def completed_elements(workflow, seen: set) -> list[tuple[str, str, str]]:
    """(BPMN id, name, kind) of the flow elements completed since `seen` (task ids, updated), in the order they
    completed; the engine's own start and end helpers are left out."""
    done = []
    for task in all_tasks(workflow):
        if task.state != TaskState.COMPLETED or task.id in seen:
            continue
        seen.add(task.id)
        spec = task.task_spec
        if getattr(spec, "bpmn_id", None):
            done.append((task.last_state_change, spec.bpmn_id, spec.bpmn_name or spec.bpmn_id, type(spec).__name__))
    return [(bpmn_id, name, kind) for _, bpmn_id, name, kind in sorted(done, key=lambda t: t[0])]


class SampleAnswer(dict):
    """A partner's reply made up for a dry run: any field the process reads has a sample value."""

    def __missing__(self, key):
        return f"(giá trị mẫu: {key})"


def deliver_sample(workflow, now: datetime, name: str, code: str) -> None:
    """Hand the workflow a made-up message `name` as if a partner agency had sent it for the dossier `code`."""
    payload = SampleAnswer(ma_ho_so=code)
    for values in workflow.correlations.values():
        payload.update(values)
    waiting = next((ed for t in all_tasks(workflow) if t.state == TaskState.WAITING  # an event-based gateway:
                    for ed in getattr(getattr(t.task_spec, "event_definition", None), "event_definitions", None)
                    or [getattr(t.task_spec, "event_definition", None)]  # its message definitions
                    if isinstance(ed, MessageEventDefinition) and ed.name == name), None)
    if waiting is None:
        raise EngineStepError(f"quy trình không chờ thông điệp {name}")
    event = BpmnEvent(waiting, payload=payload, correlations=dict(workflow.correlations))
    try:
        with engine_time(now):
            workflow.send_event(event)
    except WorkflowException as exc:
        raise EngineStepError(f"quy trình không chờ thông điệp {name}: {exc}") from exc
    advance(workflow, now)
