"""The only door to SpiffWorkflow: parsing, the sandboxed script engine, running and persistence."""
from .parsing import (
    BpmnError,
    FlowNode,
    ParsedVersion,
    UserTaskInfo,
    parse_version,
    parse_xml,
    start_node,
    step_properties,
)
from .documents import Problem
from .inspection import Inspection, inspect_version
from .messages import deliver, start_message_names, waiting_message_names
from .migration import Blocker, migrate, migration_blockers
from .timers import timer_problems
from .sandbox import SandboxCompileError, compile_expression, compile_script, make_script_engine
from .workflow import (
    EngineStepError,
    ReadyTask,
    advance,
    complete_user_task,
    drain_events,
    dump,
    fire_timers,
    is_completed,
    load,
    new_workflow,
    next_timer_due,
    reached_properties,
    ready_user_tasks,
    shift_timers,
    task_is_ready,
    workflow_data,
)

__all__ = [
    "Inspection", "Problem", "inspect_version",
    "Blocker", "migrate", "migration_blockers",
    "deliver", "start_message_names", "waiting_message_names",
    "BpmnError", "EngineStepError", "FlowNode", "ParsedVersion", "ReadyTask", "SandboxCompileError", "UserTaskInfo",
    "advance", "compile_expression", "compile_script", "complete_user_task", "drain_events", "dump",
    "fire_timers", "is_completed", "start_node", "step_properties", "load", "make_script_engine", "new_workflow", "next_timer_due",
    "parse_version", "parse_xml", "reached_properties", "ready_user_tasks", "shift_timers", "task_is_ready", "timer_problems", "workflow_data",
]
