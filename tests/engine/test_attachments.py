"""Attached scans: judged by their bytes, size-limited, stored by SHA-256, readable only by who may see the dossier."""
from __future__ import annotations

import hashlib

import pytest
from sqlalchemy import func, select

from engine.onestop.attachments import blob_path, list_attachments, read_attachment, store_attachment
from engine.infra.db import unit_of_work
from engine.onestop.reception import receive_dossier
from engine.infra.errors import Forbidden, ValidationFailed
from engine.onestop.reception import Upload, receive_at_desk
from engine.models import Attachment, Dossier

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32
EXE = b"MZ\x90\x00" + b"\x00" * 32
APPLICANT = {"name": "Hoàng Văn Dũng", "phone": "0912345678"}
CERTIFICATE = "Bản gốc Giấy chứng nhận đã cấp"
FORM = "Đơn đăng ký biến động đất đai, tài sản gắn liền với đất theo Mẫu số 11/ĐK"


def dossier_id(factory, org, now):
    with unit_of_work(factory) as s:
        return receive_dossier(s, procedure_code="dinh-chinh-gcn", applicant=APPLICANT, channel="direct",
                               received_at=now, receiving_unit_code="000.00.01.H99", actor_id=org["motcua.tinh"],
                               now=now).dossier_id


def store(factory, org, now, storage, target, filename, data, max_bytes=1000):
    with unit_of_work(factory) as s:
        made = store_attachment(s, storage_dir=storage, dossier_id=target, filename=filename, data=data,
                                actor_id=org["motcua.tinh"], now=now, component=CERTIFICATE, max_bytes=max_bytes)
        return made.id, made.filename, made.content_type, made.sha256, made.size


def test_a_scan_is_stored_by_its_hash_and_read_back(factory, org, now, tmp_path):
    target = dossier_id(factory, org, now)
    attachment_id, name, content_type, digest, size = store(factory, org, now, tmp_path, target, "../../gcn.pdf", PDF)
    assert (name, content_type, size) == ("gcn.pdf", "application/pdf", len(PDF))
    assert digest == hashlib.sha256(PDF).hexdigest()
    assert (tmp_path / digest[:2] / digest).read_bytes() == PDF == blob_path(tmp_path, digest).read_bytes()
    with unit_of_work(factory) as s:
        assert [a.component for a in list_attachments(s, target)] == [CERTIFICATE]
        attachment, data = read_attachment(s, tmp_path, attachment_id, org["chuyenvien.vpdk"], now)  # deciding unit
        assert (attachment.filename, data) == ("gcn.pdf", PDF)


def test_the_type_is_judged_by_the_bytes_not_the_name(factory, org, now, tmp_path):
    target = dossier_id(factory, org, now)
    _, name, content_type, _, _ = store(factory, org, now, tmp_path, target, "scan.pdf", PNG)
    assert (name, content_type) == ("scan.png", "image/png")


@pytest.mark.parametrize("filename, data, max_bytes, fragment", [
    ("setup.exe", EXE, 1000, "PDF, JPEG hoặc PNG"),
    ("gcn.pdf", EXE, 1000, "PDF, JPEG hoặc PNG"),
    ("gcn.pdf", PDF, len(PDF) - 1, "vượt mức tối đa"),
    ("gcn.pdf", b"", 1000, "không có nội dung"),
], ids=["exe", "exe named pdf", "too big", "empty"])
def test_a_wrong_file_is_refused_in_vietnamese_and_not_kept(factory, org, now, tmp_path, filename, data, max_bytes,
                                                            fragment):
    target = dossier_id(factory, org, now)
    with pytest.raises(ValidationFailed) as caught:
        store(factory, org, now, tmp_path / "files", target, filename, data, max_bytes)
    assert fragment in " ".join(caught.value.errors["file"])
    assert not (tmp_path / "files").exists()
    with unit_of_work(factory) as s:
        assert s.scalar(select(func.count()).select_from(Attachment)) == 0


def test_an_official_of_another_unit_cannot_read_the_scan(factory, org, now, tmp_path):
    target = dossier_id(factory, org, now)
    attachment_id = store(factory, org, now, tmp_path, target, "gcn.pdf", PDF)[0]
    with unit_of_work(factory) as s:
        with pytest.raises(Forbidden):
            read_attachment(s, tmp_path, attachment_id, org["motcua.hoabinh"], now)


def test_a_bad_scan_at_the_desk_means_nothing_is_received(factory, org, now, tmp_path):
    uploads = [Upload(FORM, "don.pdf", PDF, "file_0"), Upload(CERTIFICATE, "gcn.exe", EXE, "file_1")]
    with pytest.raises(ValidationFailed) as caught:
        with unit_of_work(factory) as s:
            receive_at_desk(s, storage_dir=tmp_path, max_bytes=1000, procedure_code="dinh-chinh-gcn",
                            applicant=APPLICANT, channel="direct", unit_code=None, components=[FORM, CERTIFICATE],
                            uploads=uploads, actor_id=org["motcua.tinh"], now=now)
    assert list(caught.value.errors) == ["file_1"]
    with unit_of_work(factory) as s:
        assert s.scalar(select(func.count()).select_from(Dossier)) == 0


def test_only_desk_officers_receive_at_the_desk(factory, org, now, tmp_path):
    with pytest.raises(Forbidden):
        with unit_of_work(factory) as s:
            receive_at_desk(s, storage_dir=tmp_path, max_bytes=1000, procedure_code="dinh-chinh-gcn",
                            applicant=APPLICANT, channel="direct", unit_code=None, components=[FORM, CERTIFICATE],
                            uploads=[], actor_id=org["chuyenvien.vpdk"], now=now)
