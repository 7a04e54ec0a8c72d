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
    spec: object
    subprocess_specs: dict
    user_tasks: dict[str, "UserTaskInfo"] = field(default_factory=dict)


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
    for proc in [spec, *subprocess_specs.values()]:
        for ts in proc.task_specs.values():
            _check_expressions(ts, proc)
            if isinstance(ts, UserTask):
                parsed.user_tasks[ts.bpmn_id] = UserTaskInfo(
                    bpmn_id=ts.bpmn_id, name=ts.bpmn_name or ts.bpmn_id, lane=ts.lane,
                    process=proc.name, properties=dict(ts.extensions.get("properties", {})),
                )
    return parsed


def spec_properties(spec_or_parsed, bpmn_id: str) -> dict:
    """The spiffworkflow:properties of any flow node of the top process."""
    ts = spec_or_parsed.task_specs.get(bpmn_id)
    return dict(getattr(ts, "extensions", {}).get("properties", {})) if ts is not None else {}


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
    out = {}
    for ts in parsed.spec.task_specs.values():
        props = (getattr(ts, "extensions", None) or {}).get("properties")
        if props and getattr(ts, "bpmn_id", None):
            out[ts.bpmn_id] = dict(props)
    return out


def start_node(parsed: ParsedVersion) -> str:
    return parsed.spec.start.name


def normal_successors(parsed: ParsedVersion, name: str) -> list[str]:
    """Next nodes on the normal flow: boundary events (exception paths) are left out."""
    ts = parsed.spec.task_specs[name]
    return [o.name for o in ts.outputs if type(o).__name__ != "BoundaryEvent"]
