"""Checks of the built specs: human work outside any lane, scripts and expressions compiled in the sandbox,
names read that nothing sets, and timers evaluated against a probe dossier."""
from __future__ import annotations

import ast
from collections.abc import Iterator

from SpiffWorkflow.bpmn.specs.mixins.events.event_types import CatchingEvent, ThrowingEvent

from .documents import Documents, Problem
from .parsing import ParsedVersion
from .sandbox import BUILTINS, SandboxCompileError, compile_expression, compile_script
from .timers import timer_definitions, timer_problems

_KINDS = {"script": "kịch bản", "prescript": "kịch bản trước (preScript)", "postscript": "kịch bản sau (postScript)",
          "condition": "điều kiện", "cardinality": "số lần lặp", "gateway": "điều kiện rẽ nhánh",
          "event": "biểu thức sự kiện", "timer": "biểu thức hẹn giờ", "correlation": "biểu thức tương quan"}


def spec_problems(documents: Documents, parsed: ParsedVersion, helpers: dict, known: set[str]) -> list[Problem]:
    """Errors and warnings of the specs; `known` are names the version sets outside its BPMN (form fields)."""
    problems = lane_problems(documents, parsed)
    problems += expression_problems(documents, parsed, set(helpers) | known)
    problems += [documents.problem(f"phần tử {element}: {message}", element)
                 for element, message in timer_problems(parsed, helpers)]
    return problems


def lane_problems(documents: Documents, parsed: ParsedVersion) -> list[Problem]:
    """Every task that makes human work must be worked in a lane (its own or its caller's): the lane is the role
    of the officials who see it."""
    problems = []
    for info in parsed.user_tasks.values():
        if None not in info.lanes:
            continue
        where = "" if info.process == parsed.process_id else \
            f" (trong quy trình được gọi {info.process}, và hoạt động gọi nó cũng không thuộc làn nào)"
        problems.append(documents.problem(
            f"công việc {info.bpmn_id} ({info.name}) nằm ngoài mọi làn (lane){where}; mỗi công việc phải thuộc một "
            "làn mang mã vai trò", info.bpmn_id))
    return problems


def expressions(ts) -> Iterator[tuple[str, str, str]]:
    """(kind, source, mode) of every script and expression a task spec runs."""
    for attr in ("script", "prescript", "postscript"):
        source = getattr(ts, attr, None)
        if isinstance(source, str) and source.strip():
            yield attr, source, "exec"
    for cond, _target in getattr(ts, "cond_task_specs", None) or []:
        if cond is not None and getattr(cond, "args", None) and isinstance(cond.args[0], str):
            yield "gateway", cond.args[0], "eval"
    for attr in ("condition", "cardinality"):
        source = getattr(ts, attr, None)
        if isinstance(source, str) and source.strip():
            yield attr, source, "eval"
    for ed in timer_definitions(ts):
        if (ed.expression or "").strip():
            yield "timer", ed.expression, "eval"
    ed = getattr(ts, "event_definition", None)
    if ed is not None and isinstance(ts, (CatchingEvent, ThrowingEvent)) and not timer_definitions(ts):
        expression = getattr(ed, "expression", None)
        if isinstance(expression, str) and expression.strip():
            yield "event", expression, "eval"
        for prop in getattr(ed, "correlation_properties", None) or []:
            if prop.retrieval_expression:
                yield "correlation", prop.retrieval_expression, "eval"


def expression_problems(documents: Documents, parsed: ParsedVersion, known: set[str]) -> list[Problem]:
    """Compile each script and expression in the sandbox (an error each), then warn about names read that no
    form field, script, message, data object or helper sets."""
    problems, reads = [], []
    names = set(known) | set(BUILTINS) | {"True", "False", "None"}
    for proc in [parsed.spec, *parsed.subprocess_specs.values()]:
        names |= set(getattr(proc, "data_objects", {}) or {})
        io = getattr(proc, "io_specification", None)
        for item in (getattr(io, "data_inputs", None) or []) + (getattr(io, "data_outputs", None) or []):
            names.add(item.bpmn_id)
        for ts in proc.task_specs.values():
            names |= _set_by_spec(ts)
            element = getattr(ts, "bpmn_id", None) or ts.name
            for kind, source, mode in expressions(ts):
                try:
                    (compile_script if mode == "exec" else compile_expression)(source)
                except SandboxCompileError as exc:
                    if kind == "timer":  # timer_problems says what a timer should look like
                        continue
                    problems.append(documents.problem(
                        f"phần tử {element} ({proc.name}): {_KINDS[kind]} không được phép trong hộp cát: {exc}",
                        element))
                    continue
                read, written = _names(source, mode)
                names |= written
                if kind != "correlation":  # read from the message's payload, not from the process data
                    reads.append((element, kind, read))
    warned = set()
    for element, kind, read in reads:
        for name in sorted(read - names):
            if (element, name) not in warned:
                warned.add((element, name))
                problems.append(documents.problem(
                    f"phần tử {element}: {_KINDS[kind]} đọc biến '{name}' nhưng không biểu mẫu, kịch bản, thông điệp "
                    "hay đối tượng dữ liệu nào đặt biến này (sai chính tả?)", element, warning=True))
    return problems


def _set_by_spec(ts) -> set[str]:
    """Names a task spec puts in the data besides scripts: its form's variable, a caught message's variable,
    multi-instance items and its data outputs."""
    found = set()
    for attr in ("variable", "result_variable"):
        if isinstance(getattr(ts, attr, None), str):
            found.add(getattr(ts, attr))
    ed = getattr(ts, "event_definition", None)
    for definition in [ed, *(getattr(ed, "event_definitions", None) or [])]:
        if isinstance(getattr(definition, "message_var", None), str):
            found.add(definition.message_var)
    for attr in ("input_item", "output_item", "data_input", "data_output"):
        item = getattr(ts, attr, None)
        if getattr(item, "bpmn_id", None):
            found.add(item.bpmn_id)
    io = getattr(ts, "io_specification", None)
    for item in getattr(io, "data_outputs", None) or []:
        found.add(item.bpmn_id)
    return found


def _names(source: str, mode: str) -> tuple[set[str], set[str]]:
    """(names read, names set) by one script or expression."""
    tree = ast.parse(source.strip() if mode == "eval" else source, mode=mode)
    read, written = set(), set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Name):
            (read if isinstance(node.ctx, ast.Load) else written).add(node.id)
        elif isinstance(node, ast.arg):
            written.add(node.arg)
        elif isinstance(node, (ast.FunctionDef, ast.Lambda)) and hasattr(node, "name"):
            written.add(node.name)
    return read, written
