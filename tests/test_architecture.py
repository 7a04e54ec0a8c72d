"""Dependency rules: the engine never imports the web layer; only engine.spiff imports SpiffWorkflow."""
from __future__ import annotations

import ast
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_import_linter_contracts_hold():
    lint = Path(sys.executable).with_name("lint-imports")
    result = subprocess.run([str(lint), str(ROOT / "setup.cfg")], cwd=ROOT, capture_output=True,
                            text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "6 kept, 0 broken" in result.stdout


def test_only_the_spiff_package_imports_spiffworkflow():
    offenders = []
    for path in sorted((ROOT / "engine").rglob("*.py")) + sorted((ROOT / "webapp").rglob("*.py")):
        if (ROOT / "engine" / "spiff") in path.parents:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else (
                [node.module or ""] if isinstance(node, ast.ImportFrom) else [])
            if any(n.split(".")[0] in {"SpiffWorkflow", "RestrictedPython"} for n in names):
                offenders.append(str(path.relative_to(ROOT)))
    assert offenders == []


def test_every_module_says_what_it_is_for():
    missing = [str(p.relative_to(ROOT)) for p in (ROOT / "engine").rglob("*.py")
               if ast.get_docstring(ast.parse(p.read_text(encoding="utf-8"))) is None]
    assert missing == []


def test_motcua_worker_runs_without_loading_flask(tmp_path):
    env = {**os.environ, "MOTCUA_DATABASE_URL": f"sqlite:///{tmp_path / 'worker.db'}",
           "MOTCUA_INSTANCE_PATH": str(tmp_path)}
    script = ("import sys; from webapp.cli import main; "
              "codes = (main(['db', 'upgrade']), main(['worker', '--once'])); "
              "print(codes, sorted(m for m in sys.modules if m.split('.')[0] in {'flask', 'werkzeug', 'flask_wtf'}))")
    result = subprocess.run([sys.executable, "-c", script], cwd=ROOT, env=env, capture_output=True, text=True,
                            timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == "(0, 0) []"


def test_engine_modules_stay_small():
    large = {str(p.relative_to(ROOT)): n for p in (ROOT / "engine").rglob("*.py")
             if (n := len(p.read_text(encoding="utf-8").splitlines())) > 300}
    assert large == {}


def test_spiffworkflow_objects_stay_behind_the_door():
    """Outside engine/spiff the engine never reaches into SpiffWorkflow's objects (specs, their extensions):
    the door hands out plain data. (The web app sees only the engine's facade.)"""
    raw = {"task_specs", "task_spec", "extensions", "subprocess_specs", "spec"}
    offenders = []
    for path in sorted((ROOT / "engine").rglob("*.py")):
        if (ROOT / "engine" / "spiff") in path.parents:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Attribute) and node.attr in raw:
                offenders.append(f"{path.relative_to(ROOT)}:{node.lineno} .{node.attr}")
    assert offenders == []
