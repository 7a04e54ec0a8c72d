"""The script engine every BPMN expression runs in: RestrictedPython-compiled, guarded, no imports."""
from __future__ import annotations

import ast
import copy
from functools import lru_cache

from RestrictedPython import compile_restricted_eval, compile_restricted_exec, limited_builtins, safe_builtins
from RestrictedPython.Eval import default_guarded_getitem, default_guarded_getiter
from RestrictedPython.Guards import (
    full_write_guard,
    guarded_iter_unpack_sequence,
    guarded_unpack_sequence,
    safer_getattr,
)
from SpiffWorkflow.bpmn.script_engine import PythonScriptEngine, TaskDataEnvironment

_EXTRA_BUILTINS = {
    name: __builtins__[name] if isinstance(__builtins__, dict) else getattr(__builtins__, name)
    for name in (
        "all", "any", "dict", "enumerate", "filter", "frozenset", "list", "map", "max", "min",
        "reversed", "set", "sorted", "sum", "zip",
    )
}
BUILTINS = {**safe_builtins, **limited_builtins, **_EXTRA_BUILTINS}


def _inplacevar(op: str, x, y):
    ops = {"+=": lambda: x + y, "-=": lambda: x - y, "*=": lambda: x * y, "/=": lambda: x / y,
           "//=": lambda: x // y, "%=": lambda: x % y}
    if op not in ops:
        raise SyntaxError(f"operator {op} is not allowed in BPMN scripts")
    return ops[op]()


GUARDS = {
    "__builtins__": BUILTINS,
    "_getattr_": safer_getattr,
    "_getitem_": default_guarded_getitem,
    "_getiter_": default_guarded_getiter,
    "_iter_unpack_sequence_": guarded_iter_unpack_sequence,
    "_unpack_sequence_": guarded_unpack_sequence,
    "_write_": full_write_guard,
    "_inplacevar_": _inplacevar,
}


class SandboxCompileError(SyntaxError):
    """Source that RestrictedPython refuses; `errors` lists its reasons."""

    def __init__(self, source: str, errors: tuple[str, ...]):
        super().__init__("; ".join(errors))
        self.source = source
        self.errors = errors


# Names that do not exist in the sandbox anyway; refusing them at load gives the designer a clear message.
FORBIDDEN_NAMES = frozenset({
    "open", "eval", "exec", "compile", "globals", "locals", "vars", "getattr", "setattr", "delattr",
    "input", "breakpoint", "help", "memoryview", "type", "object", "super", "dir", "exit", "quit",
})


@lru_cache(maxsize=4096)
def compile_expression(source: str):
    source = source.strip()
    result = compile_restricted_eval(source, "<bpmn expression>")
    if result.errors:
        raise SandboxCompileError(source, tuple(result.errors))
    _refuse_forbidden_names(source, "eval")
    return result.code


@lru_cache(maxsize=4096)
def compile_script(source: str):
    result = compile_restricted_exec(source, "<bpmn script>")
    if result.errors:
        raise SandboxCompileError(source, tuple(result.errors))
    _refuse_forbidden_names(source, "exec")
    return result.code


FORBIDDEN_ATTRIBUTES = frozenset({"format", "format_map", "mro"})


def _refuse_forbidden_names(source: str, mode: str) -> None:
    """Refuse at load what would only fail at run time: imports, missing builtins, str.format."""
    problems = []
    for node in ast.walk(ast.parse(source, mode=mode)):
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            problems.append("import is not allowed in BPMN scripts")
        elif isinstance(node, ast.Name) and node.id in FORBIDDEN_NAMES:
            problems.append(f"'{node.id}' is not allowed in BPMN scripts")
        elif isinstance(node, ast.Attribute) and node.attr in FORBIDDEN_ATTRIBUTES:
            problems.append(f"'.{node.attr}' is not allowed in BPMN scripts")
    if problems:
        raise SandboxCompileError(source, tuple(dict.fromkeys(problems)))


class RestrictedEnvironment(TaskDataEnvironment):
    """Evaluates and executes only RestrictedPython-compiled code; guards are applied last."""

    def __init__(self, helpers: dict | None = None):
        super().__init__(dict(helpers or {}))

    def evaluate(self, expression, context, external_context=None):
        code = compile_expression(expression)
        scope = dict(self.globals)
        scope.update(external_context or {})
        scope.update(context)
        scope.update(GUARDS)
        return eval(code, scope)  # noqa: S307 - compiled by RestrictedPython with guards

    def execute(self, script, context, external_context=None):
        code = compile_script(script)
        self.check_for_overwrite(context, external_context or {})
        scope = copy.copy(self.globals)
        scope.update(external_context or {})
        scope.update(GUARDS)
        context.update(scope)
        try:
            exec(code, context)  # noqa: S102 - compiled by RestrictedPython with guards
        finally:
            for key in list(context):
                if key in GUARDS or key in self.globals or callable(context[key]) or key.startswith("_"):
                    context.pop(key)
        return True


def make_script_engine(helpers: dict | None = None) -> PythonScriptEngine:
    return PythonScriptEngine(environment=RestrictedEnvironment(helpers))
