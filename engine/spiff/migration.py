"""Moving a running instance onto another version of its process: SpiffWorkflow's diff and migrate, refused
when a changed or removed part has already run (the strict rule of SpiffWorkflow's own documentation)."""
from __future__ import annotations

from dataclasses import dataclass

from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.bpmn.util.diff import diff_workflow, migrate_workflow
from SpiffWorkflow.util.task import TaskState

from .parsing import ParsedVersion
from .workflow import REGISTRY

_RAN = TaskState.COMPLETED | TaskState.STARTED | TaskState.ERROR


@dataclass(frozen=True)
class Blocker:
    """A part of the running instance that the new version changed or removed although it has already run."""

    bpmn_id: str
    name: str
    change: str  # "changed" | "removed"


def migration_blockers(workflow: BpmnWorkflow, new: ParsedVersion) -> list[Blocker]:
    """What stops the instance from moving to `new` (nothing: it can move). The workflow is not changed."""
    top, subprocesses = diff_workflow(REGISTRY, workflow, new.spec, new.subprocess_specs)
    blockers = _ran(top)
    for sp_id, sp_diff in subprocesses.items():
        sub = workflow.subprocesses[sp_id]
        if sp_diff is None:  # the called process is gone from the new version
            if any(task.state & ~TaskState.FINISHED_MASK for task in sub.tasks.values()):
                blockers.append(Blocker(sub.spec.name, sub.spec.name, "removed"))
        else:
            blockers += _ran(sp_diff)
    return blockers


def migrate(workflow: BpmnWorkflow, new: ParsedVersion) -> None:
    """Point the instance at `new`: tasks aligned by BPMN id, waiting and ready branches predicted again.
    Call only when migration_blockers found nothing."""
    top, subprocesses = diff_workflow(REGISTRY, workflow, new.spec, new.subprocess_specs)
    migrate_workflow(top, workflow, new.spec)
    for sp_id, sub in list(workflow.subprocesses.items()):
        sp_diff = subprocesses.get(sp_id)
        if sp_diff is not None:
            migrate_workflow(sp_diff, sub, new.subprocess_specs[sub.spec.name])
    workflow.subprocess_specs = new.subprocess_specs


def _ran(diff) -> list[Blocker]:
    found = []
    for change, tasks in (("changed", diff.changed), ("removed", diff.removed)):
        for task in tasks:
            if task.state & _RAN:
                spec = task.task_spec
                found.append(Blocker(spec.name, getattr(spec, "bpmn_name", None) or spec.name, change))
    return found
