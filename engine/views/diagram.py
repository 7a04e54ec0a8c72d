"""A dossier's process as its diagram shows it: the dossier's own process and its partner agencies' liên thông parts,
each with its BPMN files (the main one and the called sub-processes') and every element done, current or pending."""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session, aliased, defer

from engine.models import Procedure, ProcessInstance, ProcessVersion, Unit, User, WorkItem
from engine.onestop.dossiers import view_dossier
from engine.org.roles import role_names
from engine.views.inbox import work_item_timing
from engine.workflow.progress import VersionOutline, instance_runs, version_outline

HUMAN_KINDS = frozenset({"userTask", "manualTask", "task"})
# What the text list beside the diagram names: the steps, the sub-processes and the liên thông messages.
LISTED_KINDS = HUMAN_KINDS | {"callActivity", "subProcess", "sendTask", "receiveTask", "intermediateCatchEvent",
                              "intermediateThrowEvent"}
JOIN_KINDS = frozenset({"parallelGateway", "inclusiveGateway"})  # every incoming flow of a passed join was taken
_RANK = {"pending": 0, "done": 1, "waiting": 2, "current": 3}  # an element run again shows its latest standing
LIVE = frozenset({"running", "error", "suspended"})  # an instance ended (completed, stopped, terminated) waits on nothing


@dataclass(frozen=True)
class StepRun:
    """One work item of a human step: who did it and when, or where it stands against its step budget."""

    state: str  # ready / completed / cancelled
    ready_at: datetime
    due_at: datetime | None
    completed_at: datetime | None
    completed_by: str | None
    on_behalf_of: str | None
    signature_form: str | None
    assignee: str | None  # who claimed it, while open
    verdict: str | None  # early / on_time / late, once completed
    late: bool  # open past its due time
    remaining: timedelta | None  # office time left in its unit's calendar (negative once late), while open
    day_hours: float | None = None  # office hours of one working day of that unit


@dataclass(frozen=True)
class DiagramElement:
    id: str
    kind: str  # the BPMN tag: userTask, callActivity, sequenceFlow …
    name: str
    state: str  # done / current / waiting (an event, a join or an armed timer) / pending
    runs: tuple[StepRun, ...] = ()  # a human step's work items, oldest first

    @property
    def open_run(self) -> StepRun | None:
        return next((run for run in reversed(self.runs) if run.state == "ready"), None)

    @property
    def last_run(self) -> StepRun | None:
        return self.runs[-1] if self.runs else None

    @property
    def late(self) -> bool:
        run = self.open_run
        return run is not None and run.late

    @property
    def listed(self) -> bool:
        return self.kind in LISTED_KINDS or (self.kind == "endEvent" and self.state == "done")


@dataclass(frozen=True)
class Diagram:
    """One BPMN file of a process part: its top process or a called one, with every element's standing."""

    key: str  # unique on the page
    file: str
    name: str  # the name of the (first) process the file holds
    called: bool  # a called sub-process, not the part's top process
    elements: tuple[DiagramElement, ...]  # document order, sequence flows included
    xml: str | None  # only when asked for
    lane_roles: tuple[tuple[str, str], ...] = ()  # (lane name = role key, the role's name), with the xml only

    @property
    def steps(self) -> tuple[DiagramElement, ...]:
        return tuple(element for element in self.elements if element.listed)

    @property
    def touched(self) -> bool:
        return any(element.state != "pending" for element in self.elements)


@dataclass(frozen=True)
class ProcessPart:
    """One process instance of the dossier: the dossier's own, or a partner agency's liên thông part."""

    instance_id: int
    unit_name: str
    procedure_name: str
    version_number: int
    partner: bool
    status: str  # running / completed / error / suspended / terminated
    diagrams: tuple[Diagram, ...]  # the top process's file first


@dataclass(frozen=True)
class DossierDiagram:
    code: str
    parts: tuple[ProcessPart, ...]


def dossier_diagram(session: Session, code: str, user_id: int, now: datetime, *,
                    with_xml: bool = False) -> DossierDiagram:
    """The dossier's processes for a user who may see the dossier (the dossier page's rule, which shows every step
    of every process of the dossier, partners' included); the BPMN text, and the names of the roles its lanes
    stand for, only `with_xml`. A bounded number of queries, whatever the number of steps."""
    dossier = view_dossier(session, code, user_id, now)
    instances = session.execute(
        select(ProcessInstance.id, ProcessInstance.process_version_id, ProcessInstance.status, ProcessInstance.state,
               Unit.name)
        .join(Unit, Unit.id == ProcessInstance.unit_id)
        .where(ProcessInstance.dossier_id == dossier.id).order_by(ProcessInstance.id)).all()
    deferred = [defer(ProcessVersion.forms), defer(ProcessVersion.meta)]
    if not with_xml:
        deferred.append(defer(ProcessVersion.files))  # loaded only for a version whose outline is not cached
    versions = {version.id: (version, name) for version, name in session.execute(
        select(ProcessVersion, Procedure.name).join(Procedure, Procedure.id == ProcessVersion.procedure_id)
        .where(ProcessVersion.id.in_({row[1] for row in instances})).options(*deferred))}
    items = _work_items(session, dossier.id, now)
    outlines = {version_id: version_outline(version) for version_id, (version, _) in versions.items()}
    roles = _role_names(session, outlines.values()) if with_xml else {}  # the lanes are drawn from the XML
    parts = []
    for number, (instance_id, version_id, status, state, unit_name) in enumerate(instances):
        version, procedure_name = versions[version_id]
        outline = outlines[version_id]
        parts.append(ProcessPart(
            instance_id=instance_id, unit_name=unit_name, procedure_name=procedure_name,
            version_number=version.number, partner=number > 0, status=status,
            diagrams=_diagrams(instance_id, outline, instance_runs(state, outline), items.get(instance_id, []),
                               version.files if with_xml else None, status in LIVE, roles)))
    return DossierDiagram(dossier.code, tuple(parts))


def _role_names(session: Session, outlines) -> dict[str, str]:
    """The names the administration gives the roles the outlines' lanes are keyed by (a lane is a role's key)."""
    keys = {element["lane"] for outline in outlines for found in outline.elements.values() for element in found
            if element["lane"]}
    return role_names(session, keys) if keys else {}


def _work_items(session: Session, dossier_id: int, now: datetime) -> dict[int, list[tuple[WorkItem, StepRun]]]:
    """Every work item of the dossier with its people's names, by instance, oldest first: one query (and the
    calendars of the units with open steps, kept for the unit of work)."""
    completer, principal, assignee = aliased(User), aliased(User), aliased(User)
    rows = session.execute(
        select(WorkItem, completer.full_name, principal.full_name, assignee.full_name)
        .outerjoin(completer, completer.id == WorkItem.completed_by_id)
        .outerjoin(principal, principal.id == WorkItem.on_behalf_of_id)
        .outerjoin(assignee, assignee.id == WorkItem.assignee_id)
        .where(WorkItem.dossier_id == dossier_id).order_by(WorkItem.ready_at, WorkItem.id)).all()
    found: dict[int, list[tuple[WorkItem, StepRun]]] = defaultdict(list)
    for item, by, behalf, holder in rows:
        timing = work_item_timing(session, item, now) if item.state == "ready" else None
        found[item.instance_id].append((item, StepRun(
            state=item.state, ready_at=item.ready_at, due_at=item.due_at, completed_at=item.completed_at,
            completed_by=by, on_behalf_of=behalf, signature_form=item.signature_form,
            assignee=holder if item.state == "ready" else None, verdict=item.verdict,
            late=bool(timing and timing.late), remaining=timing.remaining if timing else None,
            day_hours=timing.day_hours if timing else None)))
    return found


def _diagrams(instance_id: int, outline: VersionOutline, runs, items, files: dict | None,
              live: bool, roles: dict[str, str]) -> tuple[Diagram, ...]:
    """One diagram per file of the part's processes; each element's standing in the process drawing it."""
    process_of = {run.task_id: run.process for run in runs}
    reached: dict[tuple[str, str], list] = defaultdict(list)  # every run: a flow into a step was taken all the same
    by_element: dict[tuple[str, str], list] = defaultdict(list)  # the runs that still stand
    for run in runs:
        reached[(run.process, run.element)].append(run)
        if live or run.state == "done":
            by_element[(run.process, run.element)].append(run)
    top = outline.processes[0].id if outline.processes else ""
    steps: dict[tuple[str, str], list[StepRun]] = defaultdict(list)
    for item, step in items:
        steps[(process_of.get(item.task_id, top), item.bpmn_id)].append(step)
    diagrams, seen = [], set()
    for process in outline.processes:
        if process.file in seen:
            continue
        seen.add(process.file)
        elements = outline.elements.get(process.file, ())
        states = {element["id"]: _state(by_element.get((element["process"], element["id"]), ()),
                                        steps.get((element["process"], element["id"]), ()))
                  for element in elements if element["kind"] != "sequenceFlow"}
        kinds = {element["id"]: element["kind"] for element in elements}
        shown = []
        for element in elements:
            key = (element["process"], element["id"])
            if element["kind"] == "sequenceFlow":
                state = _flow_state(element, reached.get((element["process"], element["target"]), ()), states, kinds)
            else:
                state = states[element["id"]]
            shown.append(DiagramElement(element["id"], element["kind"], element["name"], state,
                                        tuple(steps.get(key, ()))))
        lanes = dict.fromkeys(element["lane"] for element in elements if element["lane"] in roles)
        diagrams.append(Diagram(key=f"p{instance_id}-{len(diagrams)}", file=process.file, name=process.name,
                                called=process.id != top, elements=tuple(shown),
                                xml=files.get(process.file) if files is not None else None,
                                lane_roles=tuple((lane, roles[lane]) for lane in lanes)))
    return tuple(diagrams)


def _state(runs, steps: list[StepRun] | tuple) -> str:
    """A human step stands where its work items say (cancelled ones leave it pending); any other element where
    the workflow's runs say."""
    if steps:
        return "current" if any(step.state == "ready" for step in steps) else (
            "done" if any(step.state == "completed" for step in steps) else "pending")
    return max((run.state for run in runs), key=_RANK.__getitem__, default="pending")


def _flow_state(flow: dict, target_runs, states: dict[str, str], kinds: dict[str, str]) -> str:
    """A flow was taken when its target was reached from its source, or when it leads a passed source into a join."""
    source, target = flow["source"], flow["target"]
    if any(run.after == source for run in target_runs):
        return "done"
    if kinds.get(target) in JOIN_KINDS and states.get(target) != "pending" and states.get(source) == "done":
        return "done"
    return "pending"
