"""Deploying a procedure by script: upload the folder as a zip (a draft), submit, approve, activate, export."""
from __future__ import annotations

import io
import stat
import zipfile
from pathlib import Path

import pytest
from apicalls import call, refusals, token_for

from tests.engine.test_migration import two_running  # noqa: F401  the fixture: two dossiers on version 1

FOLDER = Path(__file__).resolve().parents[2] / "bpmn" / "dinh-chinh-gcn"
DECISION = {"decision_number": "125/QĐ-UBND", "decision_date": "2026-03-01", "decision_signer": "Nguyễn Văn An"}
URL = "/api/v1/procedures/1.004227/versions"


def folder_zip(change=None, extra=()) -> bytes:
    """The bundled dinh-chinh-gcn folder zipped as <slug>/…, with `change(name, text) -> text` applied."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(FOLDER.rglob("*")):
            if path.is_file():
                name = path.relative_to(FOLDER).as_posix()
                text = path.read_text(encoding="utf-8")
                archive.writestr(f"dinh-chinh-gcn/{name}", change(name, text) if change else text)
        for info, data in extra:
            archive.writestr(info, data)
    return buffer.getvalue()


def renamed(name, text):
    return text.replace('name="Thẩm định', 'name="Thẩm định, xác minh', 1) if name == "process.bpmn" else text


def upload(client, token, data, content_type="application/zip"):
    return call(client, "POST", URL, token=token, data=data, content_type=content_type)


def test_a_script_deploys_a_changed_folder_through_the_lifecycle(client, factory, org):
    designer, admin = token_for(client, "thietke.tinh"), token_for(client, "quantri.tinh")
    created = upload(client, designer, folder_zip(renamed))
    assert created.status_code == 201, created.get_json()
    body = created.get_json()
    assert (body["number"], body["status"]) == (2, "draft") and "process.bpmn" in body["files"]
    assert created.headers["Location"].endswith("/versions/2")
    assert call(client, "POST", f"{URL}/2/submit", token=designer).get_json()["status"] == "submitted"
    refused = call(client, "POST", f"{URL}/2/approve", token=designer, json=DECISION)
    assert refused.status_code == 403
    assert refusals(factory)[0][0] == org["thietke.tinh"]
    approved = call(client, "POST", f"{URL}/2/approve", token=admin, json=DECISION)
    assert approved.status_code == 200 and approved.get_json()["decision_number"] == "125/QĐ-UBND"
    assert call(client, "POST", f"{URL}/2/approve", token=admin, json=DECISION).status_code == 409
    assert call(client, "POST", f"{URL}/2/activate", token=admin).get_json()["status"] == "active"
    listed = call(client, "GET", URL, token=designer).get_json()["items"]
    assert [(v["number"], v["status"]) for v in listed] == [(2, "active"), (1, "retired")]
    exported = call(client, "GET", f"{URL}/2/export", token=designer)
    assert exported.status_code == 200 and exported.mimetype == "application/zip"
    names = zipfile.ZipFile(io.BytesIO(exported.data)).namelist()
    assert {"dinh-chinh-gcn/procedure.toml", "dinh-chinh-gcn/process.bpmn",
            "dinh-chinh-gcn/forms/tham_dinh.json"} <= set(names)
    assert not any("common/" in name for name in names)
    again = upload(client, designer, exported.data)  # the export reads back as a draft of the same content
    assert again.status_code == 201 and again.get_json()["number"] == 3


def symlink(name: str) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name)
    info.external_attr = (stat.S_IFLNK | 0o777) << 16
    return info


@pytest.mark.parametrize("data, expected", [
    (b"not a zip at all", "không phải tệp nén"),
    (folder_zip(extra=[("dinh-chinh-gcn/../../etc/x.bpmn", "<x/>")]), "đường dẫn không được phép"),
    (folder_zip(extra=[(symlink("dinh-chinh-gcn/link.bpmn"), "/etc/passwd")]), "symlink"),
    (folder_zip(extra=[(f"dinh-chinh-gcn/forms/f{i}.json", "{}") for i in range(200)]), "nhiều hơn giới hạn"),
    (folder_zip(extra=[("dinh-chinh-gcn/forms/big.json", " " * 21_000_000)]), "vượt quá 20 MB"),
    (folder_zip(extra=[("dinh-chinh-gcn/forms/latin1.json", "\"Th\xe9\"".encode("latin-1"))]), "UTF-8"),
    (folder_zip(lambda n, t: t.replace("1.004227", "9.999999") if n == "procedure.toml" else t), "không thuộc"),
    (folder_zip(lambda n, t: t.replace("if de_xuat == 'dinh_chinh':", "import os\nif de_xuat == 'dinh_chinh':")
                if n == "process.bpmn" else t), "st_ket_qua"),
], ids=["not-zip", "traversal", "symlink", "too-many", "too-big-unpacked", "latin1", "other-procedure",
        "unsafe-script"])
def test_a_bad_package_is_refused_with_findings_and_nothing_is_stored(client, org, data, expected):
    designer = token_for(client, "thietke.tinh")
    response = upload(client, designer, data)
    assert response.status_code == 422, response.get_json()
    error = response.get_json()["error"]
    assert expected in str(error["fields"]) + error["message"]
    assert [v["number"] for v in call(client, "GET", URL, token=designer).get_json()["items"]] == [1]


def test_every_finding_of_a_refused_version_comes_back_with_file_element_and_line(client, org):
    def broken(name, text):
        if name != "process.bpmn":
            return text
        return text.replace('name="van_thu"', 'name="thu_ky"').replace(
            '<bpmn:userTask id="ut_phe_duyet"', '<bpmn:serviceTask id="goi_dich_vu"/><bpmn:userTask id="ut_phe_duyet"')

    response = upload(client, token_for(client, "thietke.tinh"), folder_zip(broken))
    assert response.status_code == 422
    error = response.get_json()["error"]
    found = {(f["severity"], f["file"], f["element"]) for f in error["findings"]}
    assert {("error", "process.bpmn", "ut_chuyen_tra"), ("error", "process.bpmn", "goi_dich_vu")} <= found
    lane = next(f for f in error["findings"] if f["element"] == "ut_chuyen_tra")
    assert (lane["name"], lane["line"]) == ("Chuyển trả kết quả cho Trung tâm", 119) and "thu_ky" in lane["message"]
    assert "process.bpmn#ut_chuyen_tra" in error["fields"] and "process.bpmn#goi_dich_vu" in error["fields"]


def test_officials_see_no_versions_and_a_zip_is_the_only_body(client, org):
    assert call(client, "GET", URL, username="motcua.tinh").status_code == 403
    designer = token_for(client, "thietke.tinh")
    assert upload(client, designer, b"{}", content_type="application/json").status_code == 422


def test_a_script_runs_the_migration_dry_run_then_moves_a_dossier(client, factory, org, two_running):  # noqa: F811
    ahead, behind = two_running  # the engine tests' two dossiers on version 1 of a procedure now at version 2
    admin = token_for(client, "quantri.tinh")
    url = "/api/v1/procedures/chuyen-doi/migrations"
    assert call(client, "GET", url, username="thietke.tinh").status_code == 403
    plan = {item["dossier_code"]: item for item in call(client, "GET", url, token=admin).get_json()["items"]}
    assert (plan[ahead]["movable"], plan[behind]["movable"]) == (False, True)
    assert plan[behind]["steps_after"] == ["Bước 1 (đã sửa)"]
    moved = call(client, "POST", url, token=admin, json={"dossiers": [behind, ahead]}).get_json()["items"]
    assert [(m["dossier_code"], m["moved"]) for m in moved] == [(behind, True), (ahead, False)]
    assert call(client, "POST", url, token=admin, json={"dossiers": []}).status_code == 422
