"""`make run` on a fresh machine: the commands of its recipe, in its order, succeed on an empty database."""
from __future__ import annotations

import re
import shlex

from engine.infra.settings import ROOT
from webapp.cli import main


def recipe(target: str) -> list[list[str]]:
    """The `motcua …` commands of a Makefile target, in order, without the server that never returns."""
    text = (ROOT / "Makefile").read_text(encoding="utf-8")
    body = re.search(rf"^{target}:.*\n((?:\t.*\n)+)", text, re.MULTILINE).group(1)
    commands = [shlex.split(line.strip()) for line in body.splitlines()]
    return [command[1:] for command in commands if command[0].endswith("/motcua") and command[1] != "run"]


def test_every_setup_command_of_make_run_succeeds_on_a_fresh_database(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("MOTCUA_DATABASE_URL", f"sqlite:///{tmp_path / 'fresh.db'}")
    monkeypatch.setenv("MOTCUA_INSTANCE_PATH", str(tmp_path / "instance"))
    commands = recipe("run")
    assert [c[0] for c in commands][:1] == ["db"] and ["demo"] in commands
    for command in commands:
        assert main(command) == 0, f"motcua {' '.join(command)} failed: {capsys.readouterr().err[-2000:]}"
    assert "không nạp được" not in capsys.readouterr().out  # every bundled procedure loaded
