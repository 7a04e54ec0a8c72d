"""Constructs motcua cannot run, found in the BPMN files themselves (every one, with its line), before and
whether or not SpiffWorkflow can build the specs."""
from __future__ import annotations

from .documents import BPMN, Documents, Problem

# Activities that need an implementation motcua does not register: refused instead of failing every dossier.
UNSUPPORTED = {
    "serviceTask": "tác vụ dịch vụ (serviceTask) cần một dịch vụ đã đăng ký, motcua không có; dùng scriptTask "
                   "hoặc thuộc tính dossier_action",
    "businessRuleTask": "tác vụ quy tắc nghiệp vụ (businessRuleTask) cần bảng quyết định DMN, motcua không nạp DMN; "
                        "dùng cổng rẽ nhánh hoặc scriptTask",
    "dataStoreReference": "kho dữ liệu (dataStore) cần một cài đặt lưu trữ đã đăng ký, motcua không có; dùng dữ liệu "
                          "của hồ sơ (biến quy trình)",
    "complexGateway": "cổng phức hợp (complexGateway) không được hỗ trợ; dùng cổng độc quyền, song song hoặc bao hàm",
}
_PYTHON = {"python", "python3", "text/python", "text/x-python", "application/x-python"}
_TIMER_PARTS = ("timeDate", "timeDuration", "timeCycle")
_GATEWAY_EVENTS = ("messageEventDefinition", "timerEventDefinition", "signalEventDefinition")


def construct_problems(documents: Documents, process_id: str) -> tuple[list[Problem], bool]:
    """Every construct that cannot run in the processes the version uses (its process and what it calls), and
    whether SpiffWorkflow can build the specs at all (not when a process is missing)."""
    processes = documents.processes()
    if process_id not in processes:
        known = ", ".join(sorted(processes)) or "không có"
        return [Problem(f"không có quy trình (bpmn:process) mã {process_id} trong các tệp; các quy trình có: {known}",
                        file="procedure.toml")], False
    used, problems, complete = _call_graph(documents, processes, process_id)
    for root in documents.roots.values():  # SpiffWorkflow refuses a file with any data store in it
        problems += [documents.problem(UNSUPPORTED["dataStoreReference"], node.get("id"))
                     for node in root.iter(f"{BPMN}dataStore")]
    for pid in used:
        _, process = processes[pid]
        flows = {node.get("id"): node for node in process.iter(f"{BPMN}sequenceFlow")}
        by_id = {node.get("id"): node for node in process.iter() if isinstance(node.tag, str) and node.get("id")}
        for node in process.iter():
            if not isinstance(node.tag, str) or not node.tag.startswith(BPMN):
                continue
            kind = node.tag[len(BPMN):]
            if kind in UNSUPPORTED:
                problems.append(documents.problem(UNSUPPORTED[kind], node.get("id")))
            elif kind == "scriptTask":
                problems += _script_problems(documents, node)
            elif kind == "timerEventDefinition":
                problems += _timer_problems(documents, node)
            elif kind == "eventBasedGateway":
                problems += _gateway_problems(documents, node, flows, by_id)
    return problems, complete


def _call_graph(documents: Documents, processes: dict, process_id: str) -> tuple[list[str], list[Problem], bool]:
    """The processes reachable through call activities, refusing calls to missing processes and call cycles
    (a process calling itself, directly or not, would start sub-processes without end); and whether every
    called process is there."""
    problems, order, state, missing = [], [], {}, []  # state: 1 visiting, 2 done

    def visit(pid: str) -> None:
        state[pid] = 1
        order.append(pid)
        for call in processes[pid][1].iter(f"{BPMN}callActivity"):
            target = call.get("calledElement")
            if not target or target not in processes:
                missing.append(target)
                problems.append(documents.problem(
                    f"hoạt động gọi {call.get('id')} gọi quy trình '{target or ''}' không có trong các tệp của phiên "
                    "bản", call.get("id")))
            elif state.get(target) == 1:
                problems.append(documents.problem(
                    f"hoạt động gọi {call.get('id')} gọi lại quy trình {target} đang chạy nó (gọi vòng), quy trình "
                    "sẽ không bao giờ kết thúc", call.get("id")))
            elif target not in state:
                visit(target)
        state[pid] = 2

    visit(process_id)
    return order, problems, not missing


def _owner(node):
    """The flow node an event definition belongs to."""
    parent = node.getparent()
    return parent if parent is not None else node


def _script_problems(documents: Documents, task) -> list[Problem]:
    """A script task runs Python written in the file; another language, or a script kept elsewhere, cannot run."""
    language = (task.get("scriptFormat") or "python").strip().lower()
    if language not in _PYTHON:
        return [documents.problem(f"tác vụ kịch bản viết bằng '{task.get('scriptFormat')}'; motcua chỉ chạy kịch bản "
                                  "Python (trong hộp cát)", task.get("id"))]
    script = task.find(f"{BPMN}script")
    if script is None or not (script.text or "").strip():
        return [documents.problem("tác vụ kịch bản không có kịch bản (bpmn:script trống)", task.get("id"))]
    return []


def _timer_problems(documents: Documents, definition) -> list[Problem]:
    owner = _owner(definition)
    texts = [(part, (child.text or "").strip()) for part in _TIMER_PARTS
             for child in definition.findall(f"{BPMN}{part}")]
    if not texts or not any(text for _, text in texts):
        return [documents.problem("hẹn giờ không có biểu thức thời điểm (timeDate), thời lượng (timeDuration) hay chu "
                                  "kỳ (timeCycle)", owner.get("id"))]
    return []


def _gateway_problems(documents: Documents, gateway, flows: dict, by_id: dict) -> list[Problem]:
    """An event-based gateway runs when each branch waits for a message, a signal or one timer: those are
    armed on the gateway and delivered by the bus; anything else would wait for ever."""
    problems, timers = [], 0
    outgoing = [flow for flow in flows.values() if flow.get("sourceRef") == gateway.get("id")]
    if len(outgoing) < 2:
        problems.append(documents.problem("cổng dựa trên sự kiện (eventBasedGateway) cần ít nhất hai nhánh",
                                          gateway.get("id")))
    for flow in outgoing:
        target = by_id.get(flow.get("targetRef"))
        if target is None:
            continue
        kind = target.tag[len(BPMN):] if target.tag.startswith(BPMN) else target.tag
        definitions = [child.tag[len(BPMN):] for child in target
                       if isinstance(child.tag, str) and child.tag.endswith("EventDefinition")]
        if kind == "receiveTask" or (kind == "intermediateCatchEvent" and len(definitions) == 1
                                     and definitions[0] in _GATEWAY_EVENTS):
            timers += definitions == ["timerEventDefinition"]
            continue
        problems.append(documents.problem(
            f"nhánh {target.get('id')} của cổng dựa trên sự kiện phải là sự kiện chờ thông điệp, tín hiệu hoặc hẹn giờ "
            "(intermediateCatchEvent) hoặc receiveTask", gateway.get("id")))
    if timers > 1:
        problems.append(documents.problem(
            "cổng dựa trên sự kiện chỉ được có một nhánh hẹn giờ (các hẹn giờ của cổng dùng chung một thời điểm đến "
            "hạn); gộp thành một hẹn giờ", gateway.get("id")))
    return problems
