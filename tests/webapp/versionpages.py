"""A second version of a bundled procedure, waiting for approval, for the version pages' tests."""
from __future__ import annotations

import shutil

from engine.infra.db import unit_of_work
from engine.infra.settings import ROOT
from engine.workflow.catalog import load_procedure

SLUG, CODE = "dinh-chinh-gcn", "1.004227"
RENAMED = "Phê duyệt kết quả đính chính"


def second_version(factory, now, tmp_path) -> int:
    """Version 2 of dinh-chinh-gcn: the approval step renamed, the appraisal budget shortened; returns its number."""
    folder = tmp_path / SLUG
    shutil.copytree(ROOT / "bpmn" / SLUG, folder)
    bpmn = folder / "process.bpmn"
    xml = bpmn.read_text(encoding="utf-8")
    xml = xml.replace('name="Phê duyệt">', f'name="{RENAMED}">', 1).replace('value="6d"', 'value="5d"', 1)
    bpmn.write_text(xml, encoding="utf-8")
    with unit_of_work(factory) as session:
        return load_procedure(session, folder, ROOT / "bpmn" / "common", now).version
