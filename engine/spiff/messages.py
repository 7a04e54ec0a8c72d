"""BPMN messages between instances: what an instance waits for, what starts a process, delivery."""
from __future__ import annotations

from datetime import datetime

from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.bpmn.specs.event_definitions.message import MessageEventDefinition
from SpiffWorkflow.bpmn.specs.mixins.events.start_event import StartEvent
from SpiffWorkflow.exceptions import WorkflowException

from .parsing import ParsedVersion
from .workflow import REGISTRY, EngineStepError, advance, engine_time


def waiting_message_names(workflow: BpmnWorkflow) -> list[str]:
    """Names of the messages the instance can catch now (receive tasks, catch events, boundaries, and the
    message branches of an event-based gateway)."""
    names = set()
    for task in workflow.event_manager.tasks.values():
        ed = task.task_spec.event_definition
        for definition in getattr(ed, "event_definitions", None) or [ed]:
            if isinstance(definition, MessageEventDefinition):
                names.add(definition.name)
    return sorted(names)


def start_message_names(parsed: ParsedVersion) -> set[str]:
    """Messages that start the top process (a partner agency's part of a liên thông dossier)."""
    return {ts.event_definition.name for ts in parsed.spec.task_specs.values()
            if isinstance(ts, StartEvent) and isinstance(getattr(ts, "event_definition", None),
                                                          MessageEventDefinition)}


def deliver(workflow: BpmnWorkflow, now: datetime, stored_event: dict) -> None:
    """Hand a stored message to the instance and run what it triggers; refuse it if nothing waits."""
    event = REGISTRY.restore(stored_event)
    try:
        with engine_time(now):
            workflow.send_event(event)
    except WorkflowException as exc:
        raise EngineStepError(f"quy trình không chờ thông điệp {event.event_definition.name}: {exc}") from exc
    advance(workflow, now)
