"""Parse a process version's BPMN files (hardened XML) into specs and the plain data the engine reads."""
from __future__ import annotations

from dataclasses import dataclass, field

from SpiffWorkflow.bpmn.parser.ValidationException import ValidationException
from SpiffWorkflow.bpmn.specs.mixins.subworkflow_task import SubWorkflowTask
from SpiffWorkflow.exceptions import SpiffWorkflowException, WorkflowException
from SpiffWorkflow.bpmn.parser.util import full_tag
from SpiffWorkflow.spiff.parser.process import VALIDATOR, SpiffBpmnParser
from SpiffWorkflow.spiff.parser.task_spec import SpiffTaskParser
from SpiffWorkflow.spiff.specs.spiff_task import SpiffBpmnTask

from .documents import BpmnError, Documents, Problem, parse_xml, read_documents
from .timers import accept_bare_iso

__all__ = ["BpmnError", "FlowNode", "ParsedVersion", "UserTaskInfo", "build", "parse_version", "parse_xml"]
MAX_SCHEMA_ERRORS = 20  # per file: past that the designer has the wrong file, not twenty small mistakes


@dataclass
class ParsedVersion:
    """A parsed version. The rest of the engine reads only the plain data (`process_id`, `called_process_ids`,
    `user_tasks`, `nodes`); `spec` and `subprocess_specs` are SpiffWorkflow's own objects, for this package."""

    spec: object
    subprocess_specs: dict
    user_tasks: dict[str, "UserTaskInfo"] = field(default_factory=dict)  # every task that makes human work
    nodes: tuple["FlowNode", ...] = ()  # every flow node of the top process and the processes it calls

    @property
    def process_id(self) -> str:
        return self.spec.name

    @property
    def called_process_ids(self) -> tuple[str, ...]:
        return tuple(self.subprocess_specs)


@dataclass(frozen=True)
class FlowNode:
    """One flow node as plain data: what catalogue checks and budget walks need, no SpiffWorkflow object."""

    name: str  # the spec's name: the BPMN id, or a generated one for start/end helpers
    bpmn_id: str | None
    process: str  # the id of the process it belongs to
    top: bool  # in the top process (not in a called one)
    properties: dict  # spiffworkflow:properties
    successors: tuple[str, ...]  # next nodes on the normal flow: boundary events (exception paths) left out


@dataclass(frozen=True)
class UserTaskInfo:
    """A task that becomes a work item (userTask, manualTask, plain task)."""

    bpmn_id: str
    name: str
    lane: str | None  # its own lane
    process: str
    properties: dict
    kind: str = "UserTask"  # the spec's class: UserTask, ManualTask or NoneTask
    lanes: tuple[str | None, ...] = ()  # the lanes it is worked in: its own, or those of the activities calling it


class _NoOpParser(SpiffTaskParser):
    @staticmethod
    def get_decision_ref(node):  # asked of business-rule task parsers while the files are added
        return None


class _LenientParser(SpiffBpmnParser):
    """Reads activities motcua refuses anyway (service and business-rule tasks) as tasks that do nothing, so a
    version refused for them still gets its other findings; its specs are never stored or run."""

    OVERRIDE_PARSER_CLASSES = {**SpiffBpmnParser.OVERRIDE_PARSER_CLASSES,
                               full_tag("serviceTask"): (_NoOpParser, SpiffBpmnTask),
                               full_tag("businessRuleTask"): (_NoOpParser, SpiffBpmnTask)}


def parse_version(files: dict[str, str], process_id: str, max_bytes: int = 2_000_000) -> ParsedVersion:
    """Parse every file of a version; raise BpmnError with the first problem (stored versions have none)."""
    documents, problems = read_documents(files, max_bytes)
    parsed, more = build(documents, process_id)
    first = next(iter(problems + more), None)
    if first is not None or parsed is None:
        raise BpmnError(first.message if first else f"không dựng được quy trình {process_id}",
                        element=first.element if first else process_id, file=first.file if first else None,
                        line=first.line if first else None)
    return parsed


def build(documents: Documents, process_id: str,
          lenient: bool = False) -> tuple[ParsedVersion | None, list[Problem]]:
    """The specs of the version (None when SpiffWorkflow cannot build them) and what stopped it: every
    schema error of every file, or SpiffWorkflow's first refusal, located on its element. `lenient` builds
    specs only to find more problems in a version already refused."""
    problems = []
    parser = (_LenientParser if lenient else SpiffBpmnParser)()  # validated below, error by error
    for filename, root in documents.roots.items():
        errors = _schema_errors(root)
        if errors:
            by_line: dict[int, str | None] = {}  # the element starting on a line, if only one does
            for element, place in documents.places.items():
                if place.file == filename:
                    by_line[place.line] = None if place.line in by_line else element
            for error in errors[:MAX_SCHEMA_ERRORS]:
                text = f"tệp {filename} không hợp lệ theo lược đồ BPMN (dòng {error.line}): {error.message}"
                element = by_line.get(error.line)
                problems.append(documents.problem(text, element, filename) if element
                                else Problem(text, file=filename, line=error.line or None))
            continue
        try:
            parser.add_bpmn_xml(root, filename=filename)
        except (SpiffWorkflowException, RecursionError) as exc:
            problems.append(_located(documents, exc, f"tệp {filename} không hợp lệ", filename))
    if problems:
        return None, problems
    try:
        spec = parser.get_spec(process_id)
        subprocess_specs = parser.get_subprocess_specs(process_id)
    except (SpiffWorkflowException, RecursionError) as exc:
        return None, [_located(documents, exc, f"không dựng được quy trình {process_id}", None, process_id)]
    except (KeyError, ValueError, TypeError, AttributeError) as exc:  # SpiffWorkflow's own slips on odd files
        return None, [documents.problem(f"không dựng được quy trình {process_id}: {exc!r}", process_id)]
    for proc in [spec, *subprocess_specs.values()]:
        accept_bare_iso(proc)
    return _plain(spec, subprocess_specs), []


def _schema_errors(root) -> list:
    VALIDATOR.preprocess(root)
    if VALIDATOR.validator.validate(root):
        return []
    return list(VALIDATOR.validator.error_log)


def _located(documents: Documents, exc: Exception, what: str, filename: str | None,
             fallback: str | None = None) -> Problem:
    """SpiffWorkflow's refusal with its element: a ValidationException names the node, a WorkflowException
    its task spec; the line comes from the documents when the exception has none."""
    if isinstance(exc, RecursionError):
        return documents.problem(f"{what}: quy trình lồng hoặc gọi nhau quá sâu (đệ quy)", fallback, filename)
    element, line = fallback, None
    text = exc.args[0] if exc.args else str(exc)
    if isinstance(exc, ValidationException):
        element = exc.id or fallback
        filename = exc.file_name or filename
        line = exc.line_number if isinstance(exc.line_number, int) and exc.line_number > 0 else None
    elif isinstance(exc, WorkflowException) and exc.task_spec is not None:
        element = getattr(exc.task_spec, "bpmn_id", None) or fallback
    problem = documents.problem(f"{what}: {str(text).rstrip('. ')}", element, filename)
    if line is not None and problem.line is None:
        problem = Problem(problem.message, problem.element, problem.file, problem.name, line)
    return problem


def _plain(spec, subprocess_specs: dict) -> ParsedVersion:
    """The plain data of the specs: flow nodes, and the tasks that make human work with the lanes they are
    worked in (a task without a lane of its own is worked in the lane of whatever calls its process)."""
    procs = [spec, *subprocess_specs.values()]
    callers: dict[str, list[tuple[object, object]]] = {}
    for proc in procs:
        for ts in proc.task_specs.values():
            if isinstance(ts, SubWorkflowTask):
                callers.setdefault(ts.spec, []).append((proc, ts))

    def lanes_of(proc, seen: frozenset) -> set:
        if proc is spec or proc.name in seen:
            return {None}
        found = set()
        for caller_proc, caller in callers.get(proc.name, ()):
            found |= {caller.lane} if caller.lane else lanes_of(caller_proc, seen | {proc.name})
        return found or {None}

    parsed = ParsedVersion(spec, subprocess_specs)
    nodes = []
    for proc in procs:
        for ts in proc.task_specs.values():
            properties = properties_of(ts)
            nodes.append(FlowNode(
                name=ts.name, bpmn_id=getattr(ts, "bpmn_id", None), process=proc.name, top=proc is spec,
                properties=properties,
                successors=tuple(o.name for o in ts.outputs if type(o).__name__ != "BoundaryEvent"),
            ))
            if getattr(ts, "manual", False) and ts.bpmn_id not in parsed.user_tasks:
                lanes = (ts.lane,) if ts.lane else tuple(sorted(lanes_of(proc, frozenset()), key=str))
                parsed.user_tasks[ts.bpmn_id] = UserTaskInfo(
                    bpmn_id=ts.bpmn_id, name=ts.bpmn_name or ts.bpmn_id, lane=ts.lane, process=proc.name,
                    properties=properties, kind=type(ts).__name__, lanes=lanes)
    parsed.nodes = tuple(nodes)
    return parsed


def properties_of(ts) -> dict:
    return dict((getattr(ts, "extensions", None) or {}).get("properties", {}))


def step_properties(parsed: ParsedVersion) -> dict[str, dict]:
    """spiffworkflow:properties of every flow node of the top process, by BPMN id."""
    return {node.bpmn_id: dict(node.properties) for node in parsed.nodes
            if node.top and node.bpmn_id and node.properties}


def start_node(parsed: ParsedVersion) -> str:
    return parsed.spec.start.name
