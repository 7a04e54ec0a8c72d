"""Tiny BPMN documents for tests and benchmarks: one construct each, lanes as roles."""
from __future__ import annotations

import json
from pathlib import Path
from xml.sax.saxutils import escape, quoteattr

HEAD = ('<?xml version="1.0" encoding="UTF-8"?>\n'
        '<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" '
        'xmlns:spiffworkflow="http://spiffworkflow.org/bpmn/schema/1.0/core" '
        'id="defs_{pid}" targetNamespace="http://motcua.vn/bpmn/test">\n')


def properties(props: dict | None) -> str:
    if not props:
        return ""
    inner = "".join(f'<spiffworkflow:property name={quoteattr(k)} value={quoteattr(str(v))}/>' for k, v in props.items())
    return f"<bpmn:extensionElements><spiffworkflow:properties>{inner}</spiffworkflow:properties></bpmn:extensionElements>"


def user_task(task_id: str, name: str, props: dict | None = None) -> str:
    return f'<bpmn:userTask id="{task_id}" name={quoteattr(name)}>{properties(props)}</bpmn:userTask>'


def script_task(task_id: str, script: str) -> str:
    return f'<bpmn:scriptTask id="{task_id}"><bpmn:script>{escape(script)}</bpmn:script></bpmn:scriptTask>'


def sequence(process_id: str, nodes: list[tuple[str, str]], lanes: dict[str, list[str]] | None = None,
             extra: str = "", end_props: dict | None = None) -> str:
    """start -> nodes (id, xml) in order -> end, with lanes {lane: [node ids]}."""
    ids = ["start", *[nid for nid, _ in nodes], "end"]
    flows = "".join(f'<bpmn:sequenceFlow id="f{i}" sourceRef="{a}" targetRef="{b}"/>'
                    for i, (a, b) in enumerate(zip(ids, ids[1:])))
    lane_xml = ""
    if lanes:
        lane_xml = "<bpmn:laneSet id=\"ls\">" + "".join(
            f'<bpmn:lane id="lane_{name}" name="{name}">' + "".join(f"<bpmn:flowNodeRef>{n}</bpmn:flowNodeRef>" for n in refs)
            + "</bpmn:lane>" for name, refs in lanes.items()) + "</bpmn:laneSet>"
    body = "".join(xml for _, xml in nodes)
    end = f'<bpmn:endEvent id="end">{properties(end_props)}</bpmn:endEvent>'
    return (HEAD.format(pid=process_id) + f'<bpmn:process id="{process_id}" isExecutable="true">{lane_xml}'
            f'<bpmn:startEvent id="start"/>{body}{end}{flows}{extra}</bpmn:process></bpmn:definitions>\n')


def linear_user_tasks(process_id: str, count: int, lane: str = "chuyen_vien", form: str | None = None) -> str:
    tasks = []
    for i in range(1, count + 1):
        props = {"step_budget": "4h"}
        if form:
            props["formJsonSchemaFilename"] = form
        tasks.append((f"ut_{i}", user_task(f"ut_{i}", f"Bước {i}", props)))
    return sequence(process_id, tasks, {lane: [t for t, _ in tasks]})


def procedure_folder(root: Path, slug: str, process_xml: str, process_id: str, forms: dict | None = None,
                     **meta) -> Path:
    """Write bpmn/<slug>/ with procedure.toml, process.bpmn and forms/ as the catalogue expects."""
    folder = root / slug
    (folder / "forms").mkdir(parents=True, exist_ok=True)
    (folder / "process.bpmn").write_text(process_xml, encoding="utf-8")
    values = {"code": f"T.{slug}", "name": f"Thủ tục thử {slug}", "process_id": process_id, "time_limit": 3,
              "deciding_unit": "000.21.01.H99", **meta}
    lines = [f"{k} = {json.dumps(v, ensure_ascii=False)}" for k, v in values.items()]
    (folder / "procedure.toml").write_text("\n".join(lines) + "\n", encoding="utf-8")
    for name, document in (forms or {}).items():
        (folder / "forms" / name).write_text(json.dumps(document, ensure_ascii=False), encoding="utf-8")
    return folder
