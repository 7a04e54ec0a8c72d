"""The bundled procedures' catalogue data says what is still to be checked against the national procedure database:
a code not in its format, a fee left at 0, a key without a source are listed in `unverified`, each with its reason
in `[unverified_notes]`; no procedure sits at the district level the two-tier government no longer has."""
from __future__ import annotations

import re
import shutil
import tomllib

import pytest

from engine.infra.db import unit_of_work
from engine.infra.errors import InvalidProcess
from engine.workflow.catalog import load_procedure
from webapp.catalogue import FIELD_LABELS

from ..conftest import BPMN

FOLDERS = sorted(p for p in BPMN.iterdir() if (p / "procedure.toml").is_file())
NATIONAL_CODE = re.compile(r"\d\.\d{6}")  # mã TTHC, e.g. 2.000815 (a province's entry adds its own suffix)


def meta_of(folder):
    return tomllib.loads((folder / "procedure.toml").read_text(encoding="utf-8"))


@pytest.mark.parametrize("folder", FOLDERS, ids=lambda p: p.name)
def test_every_unverified_key_is_a_key_of_the_file_shown_by_its_label_with_its_reason(folder):
    meta = meta_of(folder)
    listed, notes = meta["unverified"], meta.get("unverified_notes", {})
    assert len(set(listed)) == len(listed)
    for key in listed:
        assert key in FIELD_LABELS, f"{key}: the catalogue page would show the raw key"
        assert key in meta or key == "fees", f"{key} is not a key of the file"
        assert notes.get(key, "").strip(), f"{key}: no reason in [unverified_notes]"
    assert set(notes) <= set(listed)


@pytest.mark.parametrize("folder", FOLDERS, ids=lambda p: p.name)
def test_a_placeholder_code_a_fee_not_configured_and_the_level_are_marked(folder):
    meta = meta_of(folder)
    if not NATIONAL_CODE.fullmatch(meta["code"]):
        assert "code" in meta["unverified"], meta["code"]
    if any(fee["amount"] == 0 for fee in meta.get("fees", [])):  # 0 stands for "not configured", not for "free"
        assert "fees" in meta["unverified"]
    for fee in meta.get("fees", []):
        assert isinstance(fee["amount"], int) and fee["amount"] >= 0 and fee["name"].strip()
    assert meta["level"] in ("tinh", "xa")  # tỉnh and xã: no district level since 1 July 2025


def test_the_fee_schedules_the_processes_compute_are_the_ones_published():
    """Chứng thực: the code and the fee checked against the national portal; the script charges that schedule."""
    meta = meta_of(BPMN / "chung-thuc-ban-sao")
    assert meta["code"] == "2.000815" and not {"code", "fees", "time_limit"} & set(meta["unverified"])
    assert [fee["amount"] for fee in meta["fees"]] == [2000, 1000]
    script = (BPMN / "chung-thuc-ban-sao" / "process.bpmn").read_text(encoding="utf-8")
    assert "min(200000, 2000 * min(so_trang, 2) + 1000 * max(so_trang - 2, 0))" in script
    copies = meta_of(BPMN / "cap-ban-sao-trich-luc-ho-tich")
    [fee] = copies["fees"]
    script = (BPMN / "cap-ban-sao-trich-luc-ho-tich" / "process.bpmn").read_text(encoding="utf-8")
    assert f"le_phi_phai_thu = {fee['amount']} * so_ban_sao" in script


@pytest.mark.parametrize("bad, message", [
    ('unverified = "code"', "unverified phải là danh sách"),
    ('unverified = ["code"]\n[unverified_notes]\ncode = 1', "[unverified_notes] ánh xạ"),
])
def test_a_procedure_file_with_a_malformed_unverified_list_is_refused(factory, org, now, tmp_path, bad, message):
    folder = tmp_path / "chung-thuc-thu"
    shutil.copytree(BPMN / "chung-thuc-ban-sao", folder)
    text = (folder / "procedure.toml").read_text(encoding="utf-8")
    head, tail = text.split('\nunverified = ["name", "legal_basis"]\n')
    tail = tail.split("[unverified_notes]")[0] + "[lanes]" + tail.split("[lanes]", 1)[1]  # the notes table removed
    (folder / "procedure.toml").write_text(
        head.replace('code = "2.000815"', 'code = "9.999999"') + "\n" + tail.replace("[lanes]", bad + "\n\n[lanes]", 1),
        encoding="utf-8")
    with pytest.raises(InvalidProcess) as refused, unit_of_work(factory) as s:
        load_procedure(s, folder, BPMN / "common", now)
    assert any(message in finding.message for finding in refused.value.findings)
