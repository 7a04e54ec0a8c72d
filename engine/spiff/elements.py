"""The elements of a version's BPMN files as plain dicts, read with the hardened parser: what a reviewer compares."""
from __future__ import annotations

from .parsing import parse_xml

BPMN = "{http://www.omg.org/spec/BPMN/20100524/MODEL}"
SPIFF = "{http://spiffworkflow.org/bpmn/schema/1.0/core}"
_CONTAINERS = {"process", "subProcess", "transaction", "adHocSubProcess"}
_CATCHING = {"startEvent", "intermediateCatchEvent", "boundaryEvent", "receiveTask"}
_TIMER_PARTS = ("timeDate", "timeDuration", "timeCycle")


def describe_elements(files: dict[str, str], max_bytes: int = 2_000_000) -> list[dict]:
    """Every flow element (tasks, events, gateways, sequence flows) of every process in the files, one dict each:
    id, kind (the BPMN tag), name, file, process, lane, properties, script, condition, timer, message
    (name, or None), message_direction ('thrown' / 'caught'), source and target (sequence flows)."""
    found = []
    for filename, xml in files.items():
        root = parse_xml(xml, filename, max_bytes)
        messages = {m.get("id"): m.get("name") or m.get("id") for m in root.iter(f"{BPMN}message")}
        for process in root.iter(f"{BPMN}process"):
            lanes = {ref.text.strip(): lane.get("name") or lane.get("id")
                     for lane in process.iter(f"{BPMN}lane") for ref in lane.findall(f"{BPMN}flowNodeRef")
                     if ref.text}
            found += [_describe(node, filename, process.get("id"), lanes, messages)
                      for node in _flow_elements(process)]
    return found


def _flow_elements(container):
    for child in container:
        if not isinstance(child.tag, str) or not child.tag.startswith(BPMN) or child.get("id") is None:
            continue
        kind = child.tag[len(BPMN):]
        if kind in {"laneSet", "documentation", "extensionElements", "ioSpecification", "property"}:
            continue
        yield child
        if kind in _CONTAINERS:
            yield from _flow_elements(child)


def _describe(node, filename: str, process: str, lanes: dict, messages: dict) -> dict:
    kind = node.tag[len(BPMN):]
    message_ref = node.get("messageRef")
    definition = node.find(f"{BPMN}messageEventDefinition")
    if definition is not None:
        message_ref = definition.get("messageRef") or message_ref
    message = messages.get(message_ref, message_ref) if message_ref else None
    if definition is not None and message is None:
        message = _text(definition.find(f"{SPIFF}messageName")) or ""
    return {
        "id": node.get("id"), "kind": kind, "name": node.get("name") or "", "file": filename, "process": process,
        "lane": lanes.get(node.get("id")),
        "properties": {p.get("name"): p.get("value") or "" for p in node.iter(f"{SPIFF}property")},
        "script": _text(node.find(f"{BPMN}script")),
        "condition": _text(node.find(f"{BPMN}conditionExpression")),
        "timer": _timer(node.find(f"{BPMN}timerEventDefinition")),
        "message": message,
        "message_direction": None if message is None else ("caught" if kind in _CATCHING else "thrown"),
        "source": node.get("sourceRef"), "target": node.get("targetRef"),
    }


def _timer(definition) -> str | None:
    if definition is None:
        return None
    for part in _TIMER_PARTS:
        text = _text(definition.find(f"{BPMN}{part}"))
        if text is not None:
            return f"{part}: {text}"
    return ""


def _text(node) -> str | None:
    if node is None:
        return None
    return (node.text or "").strip()
