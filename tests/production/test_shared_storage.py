"""Attachments live in MOTCUA_STORAGE_DIR, shared by the web hosts: a scan received on one host downloads from
another, and nothing is kept in either host's instance folder."""
from __future__ import annotations

import hashlib
import io
import re

from tests.webapp.webpages import csrf_token, form_token, login

from engine.infra.settings import Settings
from webapp.app import create_app

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
CERTIFICATE = "Bản gốc Giấy chứng nhận đã cấp"
FORM = "Đơn đăng ký biến động đất đai, tài sản gắn liền với đất theo Mẫu số 11/ĐK"


def host(db_engine, tmp_path, name: str, shared):
    settings = Settings(instance_path=tmp_path / name, secret_key="k" * 40, embedded_worker=False,
                        storage_dir=str(shared))
    return create_app(settings, engine=db_engine).test_client()


def test_a_scan_received_on_one_host_downloads_from_another(db_engine, tmp_path, org):
    shared = tmp_path / "chia-se"
    shared.mkdir()
    first, second = host(db_engine, tmp_path, "may-1", shared), host(db_engine, tmp_path, "may-2", shared)
    login(first, "motcua.tinh")
    page = first.get("/reception/dinh-chinh-gcn").get_data(as_text=True)
    received = first.post("/reception/dinh-chinh-gcn", content_type="multipart/form-data", data={
        "csrf_token": csrf_token(page), "form_token": form_token(page), "action": "receive", "channel": "direct",
        "return_method": "desk", "applicant_name": "Vũ Thị Thu Trang", "applicant_phone": "0987654321",
        "components": [FORM, CERTIFICATE], "file_1": (io.BytesIO(PDF), "gcn-quet.pdf")})
    assert received.status_code == 302, received.get_data(as_text=True)[:500]
    code = received.headers["Location"].rsplit("/", 1)[1]
    login(second, "chuyenvien.vpdk")
    link = re.search(rf'href="(/dossiers/{re.escape(code)}/attachments/\d+)"',
                     second.get(f"/dossiers/{code}").get_data(as_text=True)).group(1)
    download = second.get(link)
    assert download.status_code == 200 and download.data == PDF
    digest = hashlib.sha256(PDF).hexdigest()
    assert (shared / digest[:2] / digest).read_bytes() == PDF
    for name in ("may-1", "may-2"):
        assert not (tmp_path / name / "attachments").exists()
