"""'Ghi nhận đã bổ sung' keeps the documents the citizen brought as the dossier's files; a file refused leaves
the dossier waiting for its supplement, nothing recorded."""
from __future__ import annotations

import io

from engine import get_dossier, list_attachments
from engine.infra.db import unit_of_work
from engine.onestop.lifecycle import request_supplement

from tests.webapp.webpages import csrf_token, login, receive

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def waiting_for_supplement(factory, org, now) -> str:
    code = receive(factory, org, now).code
    with unit_of_work(factory) as s:
        request_supplement(s, code, ["Bản sao CCCD"], "Bản sao không rõ", org["chuyenvien.vpdk"], now)
    return code


def post_supplement(client, code, files):
    token = csrf_token(client.get(f"/dossiers/{code}").get_data(as_text=True))
    data = {"csrf_token": token, "supplied": [(io.BytesIO(content), name) for name, content in files]}
    return client.post(f"/dossiers/{code}/record-supplement", data=data, content_type="multipart/form-data")


def test_the_supplied_documents_become_the_dossiers_files(client, factory, org, now):
    code = waiting_for_supplement(factory, org, now)
    login(client, "chuyenvien.vpdk")
    assert 'name="supplied"' in client.get(f"/dossiers/{code}").get_data(as_text=True)
    assert post_supplement(client, code, [("ban-sao-cccd.pdf", PDF)]).status_code == 302
    with unit_of_work(factory) as s:
        dossier = get_dossier(s, code)
        files = list_attachments(s, dossier.id)
        assert dossier.status == 4  # processing resumes
    assert [(f.filename, f.component) for f in files] == [("ban-sao-cccd.pdf", "Hồ sơ bổ sung")]


def test_a_refused_file_records_nothing(client, factory, org, now):
    code = waiting_for_supplement(factory, org, now)
    login(client, "chuyenvien.vpdk")
    page = post_supplement(client, code, [("ban-sao-cccd.pdf", PDF), ("chuong-trinh.exe", b"MZ\x90\x00")])
    assert page.status_code == 422 and "chưa ghi nhận gì" in page.get_data(as_text=True)
    with unit_of_work(factory) as s:
        dossier = get_dossier(s, code)
        assert dossier.status == 5 and list_attachments(s, dossier.id) == []
