"""Where an instance stands, read from its stored state without loading it, and which processes a version's files
hold and call: plain data for the dossier's process diagram."""
from __future__ import annotations

import json
from dataclasses import dataclass

from SpiffWorkflow.util.task import TaskState

from .elements import BPMN
from .parsing import parse_xml

_GENERATED_START = "Start"  # the start task SpiffWorkflow adds to every process; no BPMN element draws it
_STATES = {TaskState.COMPLETED: "done", TaskState.READY: "current", TaskState.ERROR: "current",
           TaskState.WAITING: "waiting", TaskState.STARTED: "waiting"}


@dataclass(frozen=True)
class ElementRun:
    """One run of a BPMN element in an instance (an element looped back to runs again)."""

    process: str  # the top process's id or a called process's id; embedded sub-processes count as their parent's
    element: str  # the BPMN id (or the name of a helper SpiffWorkflow added, which no diagram draws)
    state: str  # done / current (ready, or a sub-process with work begun) / waiting (an event, a join, armed)
    task_id: str
    after: str | None  # the element it was reached from (the nearest one above it in the task tree)


@dataclass(frozen=True)
class ProcessOutline:
    id: str
    name: str
    file: str
    calls: tuple[str, ...]  # the processes its call activities name, in document order


def element_runs(state: str, top_process: str, known: frozenset[str]) -> tuple[ElementRun, ...]:
    """The runs of the `known` elements (BPMN ids) that have been reached: done, current or waiting."""
    dct = json.loads(state)
    subprocesses: dict = dct.get("subprocesses") or {}
    where: dict[str, str | None] = {}  # task id -> the sub-process holding it (None: the top workflow)
    for task_id in dct.get("tasks") or {}:
        where[task_id] = None
    for sp_id, sp in subprocesses.items():
        for task_id in sp.get("tasks") or {}:
            where[task_id] = sp_id
    spec_of = {task_id: _tasks(dct, subprocesses, holder)[task_id]["task_spec"] for task_id, holder in where.items()}
    keys: dict[str, str] = {}

    def key_of(holder: str | None) -> str:
        """A called process keeps its id; an embedded (or event) sub-process is drawn inside its parent."""
        if holder is None:
            return top_process
        if holder not in keys:
            parent = key_of(where.get(holder))
            spec = subprocesses[holder].get("spec")
            keys[holder] = parent if spec in (None, spec_of.get(holder)) else spec
        return keys[holder]

    def after(task: dict, tasks: dict) -> str | None:
        """Up the tree past the helpers SpiffWorkflow adds (splits before boundary events, joins)."""
        for _ in range(len(tasks)):
            task = tasks.get(task.get("parent") or "")
            if task is None or task["task_spec"] in known:
                return None if task is None else task["task_spec"]
        return None

    runs = []
    for task_id, holder in where.items():
        tasks = _tasks(dct, subprocesses, holder)
        task = tasks[task_id]
        state_name = _STATES.get(task["state"])
        if state_name is None or task["task_spec"] not in known:
            continue
        if task_id in subprocesses and task["state"] == TaskState.STARTED and _begun(subprocesses[task_id]):
            state_name = "current"
        runs.append(ElementRun(key_of(holder), task["task_spec"], state_name, task_id, after(task, tasks)))
    return tuple(runs)


def _tasks(dct: dict, subprocesses: dict, holder: str | None) -> dict:
    return dct["tasks"] if holder is None else subprocesses[holder]["tasks"]


def _begun(subprocess: dict) -> bool:
    """Work has begun inside: an event sub-process merely armed has completed nothing but its generated start."""
    return any(task["state"] == TaskState.READY
               or (task["state"] == TaskState.COMPLETED and task["task_spec"] != _GENERATED_START)
               for task in (subprocess.get("tasks") or {}).values())


def process_outlines(files: dict[str, str], max_bytes: int = 2_000_000) -> dict[str, ProcessOutline]:
    """Every process of the files by id, with its name, file and the processes it calls."""
    found = {}
    for filename, xml in files.items():
        root = parse_xml(xml, filename, max_bytes)
        for process in root.iter(f"{BPMN}process"):
            calls = tuple(dict.fromkeys(
                call.get("calledElement") for call in process.iter(f"{BPMN}callActivity") if call.get("calledElement")))
            found[process.get("id")] = ProcessOutline(process.get("id"), process.get("name") or "", filename, calls)
    return found
