"""Parse a process version's BPMN files (hardened XML) into specs, and check them before storing."""
from __future__ import annotations

from dataclasses import dataclass, field

from lxml import etree
from SpiffWorkflow.bpmn.specs.mixins.events.event_types import CatchingEvent, ThrowingEvent
from SpiffWorkflow.bpmn.specs.mixins.user_task import UserTask
from SpiffWorkflow.exceptions import SpiffWorkflowException
from SpiffWorkflow.spiff.parser.process import VALIDATOR, SpiffBpmnParser

from .sandbox import SandboxCompileError, compile_expression, compile_script

_XML_PARSER = etree.XMLParser(
    resolve_entities=False, no_network=True, load_dtd=False, dtd_validation=False,
    huge_tree=False, remove_comments=True, remove_pis=True,
)


class BpmnError(Exception):
    """Raised for a version that cannot be used; carries the element and file concerned."""

    def __init__(self, message: str, element: str | None = None, file: str | None = None):
        super().__init__(message)
        self.message, self.element, self.file = message, element, file


@dataclass
class ParsedVersion:
    """A parsed version. The rest of the engine reads only the plain data (`process_id`, `called_process_ids`,
    `user_tasks`, `nodes`); `spec` and `subprocess_specs` are SpiffWorkflow's own objects, for this package."""

    spec: object
    subprocess_specs: dict
    user_tasks: dict[str, "UserTaskInfo"] = field(default_factory=dict)
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
    bpmn_id: str
    name: str
    lane: str | None
    process: str
    properties: dict


def parse_xml(data: bytes | str, filename: str, max_bytes: int):
    """Parse one BPMN document with entities, DTDs and network access disabled."""
    raw = data.encode("utf-8") if isinstance(data, str) else data
    if len(raw) > max_bytes:
        raise BpmnError(f"tệp {filename} lớn hơn giới hạn {max_bytes} byte", file=filename)
    if b"<!DOCTYPE" in raw.upper() or b"<!ENTITY" in raw.upper():
        raise BpmnError(f"tệp {filename} chứa DOCTYPE/ENTITY, không được phép", file=filename)
    try:
        return etree.fromstring(raw, _XML_PARSER)
    except etree.XMLSyntaxError as exc:
        raise BpmnError(f"tệp {filename} không phải XML hợp lệ: {exc}", file=filename) from exc


def parse_version(files: dict[str, str], process_id: str, max_bytes: int = 2_000_000) -> ParsedVersion:
    """Parse and validate every file of a version; return the top spec and the called specs."""
    parser = SpiffBpmnParser(validator=VALIDATOR)
    for filename, xml in files.items():
        tree = parse_xml(xml, filename, max_bytes)
        try:
            parser.add_bpmn_xml(tree, filename=filename)
        except SpiffWorkflowException as exc:
            raise BpmnError(f"tệp {filename} không hợp lệ: {exc}", file=filename) from exc
        except etree.DocumentInvalid as exc:
            raise BpmnError(f"tệp {filename} sai lược đồ BPMN: {exc}", file=filename) from exc
    try:
        spec = parser.get_spec(process_id)
        subprocess_specs = parser.get_subprocess_specs(process_id)
    except (SpiffWorkflowException, KeyError, ValueError) as exc:
        raise BpmnError(f"không dựng được quy trình {process_id}: {exc}", element=process_id) from exc
    parsed = ParsedVersion(spec, subprocess_specs)
    nodes = []
    for proc in [spec, *subprocess_specs.values()]:
        for ts in proc.task_specs.values():
            _check_expressions(ts, proc)
            properties = _properties(ts)
            nodes.append(FlowNode(
                name=ts.name, bpmn_id=getattr(ts, "bpmn_id", None), process=proc.name, top=proc is spec,
                properties=properties,
                successors=tuple(o.name for o in ts.outputs if type(o).__name__ != "BoundaryEvent"),
            ))
            if isinstance(ts, UserTask):
                parsed.user_tasks[ts.bpmn_id] = UserTaskInfo(
                    bpmn_id=ts.bpmn_id, name=ts.bpmn_name or ts.bpmn_id, lane=ts.lane,
                    process=proc.name, properties=properties,
                )
    parsed.nodes = tuple(nodes)
    return parsed


def _properties(ts) -> dict:
    return dict((getattr(ts, "extensions", None) or {}).get("properties", {}))


def _check_expressions(ts, proc) -> None:
    """Compile every script and expression of a task spec in the sandbox; refuse what does not."""
    checks: list[tuple[str, str, str]] = []  # (kind, source, mode)
    for attr in ("script", "prescript", "postscript"):
        source = getattr(ts, attr, None)
        if source:
            checks.append((attr, source, "exec"))
    for cond, _target in getattr(ts, "cond_task_specs", []) or []:
        if cond is not None and getattr(cond, "args", None):
            checks.append(("điều kiện rẽ nhánh", cond.args[0], "eval"))
    for attr in ("condition", "cardinality"):
        source = getattr(ts, attr, None)
        if isinstance(source, str) and source:
            checks.append((attr, source, "eval"))
    ed = getattr(ts, "event_definition", None)
    if ed is not None and isinstance(ts, (CatchingEvent, ThrowingEvent)):
        expression = getattr(ed, "expression", None)
        if isinstance(expression, str) and expression:
            checks.append(("biểu thức sự kiện", expression, "eval"))
        for prop in getattr(ed, "correlation_properties", []) or []:
            if prop.retrieval_expression:
                checks.append(("biểu thức tương quan", prop.retrieval_expression, "eval"))
    for kind, source, mode in checks:
        try:
            (compile_script if mode == "exec" else compile_expression)(source)
        except SandboxCompileError as exc:
            raise BpmnError(
                f"phần tử {ts.bpmn_id} ({proc.name}): {kind} không được phép trong hộp cát: {exc}",
                element=ts.bpmn_id,
            ) from exc


def step_properties(parsed: ParsedVersion) -> dict[str, dict]:
    """spiffworkflow:properties of every flow node of the top process, by BPMN id."""
    return {node.bpmn_id: dict(node.properties) for node in parsed.nodes
            if node.top and node.bpmn_id and node.properties}


def start_node(parsed: ParsedVersion) -> str:
    return parsed.spec.start.name
