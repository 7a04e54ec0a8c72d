"""Attached files of a dossier: type judged by content, bytes stored by SHA-256 outside the database."""
from __future__ import annotations

import hashlib
import os
import re
import tempfile
import unicodedata
from datetime import datetime
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.org import access
from engine.infra.audit import record_event
from engine.infra.errors import NotFound, ValidationFailed
from engine.models import Attachment, Dossier
from engine.onestop import tallies
from engine.onestop.dossiers import lock_dossier

# Magic bytes → (content type, extension): only what a scanner or a camera produces.
FILE_TYPES = (
    (b"%PDF-", "application/pdf", ".pdf"),
    (b"\xff\xd8\xff", "image/jpeg", ".jpg"),
    (b"\x89PNG\r\n\x1a\n", "image/png", ".png"),
)
KINDS = ("component", "result", "task")
_EXTENSIONS = {".pdf": ".pdf", ".jpg": ".jpg", ".jpeg": ".jpg", ".png": ".png"}
_UNSAFE = re.compile(r'[\x00-\x1f\x7f<>:"/\\|?*]+')
DEFAULT_NAME = "tep-dinh-kem"


def sniff_type(data: bytes) -> tuple[str, str] | None:
    """(content type, extension) from the first bytes, whatever the file is called; None if not accepted."""
    for magic, content_type, extension in FILE_TYPES:
        if data.startswith(magic):
            return content_type, extension
    return None


def check_upload(filename: str, data: bytes, max_bytes: int) -> tuple[str, str]:
    """The safe file name and content type of an upload, or ValidationFailed with the reason in Vietnamese."""
    if not data:
        raise ValidationFailed("Tệp đính kèm trống.", {"file": [f"Tệp {filename or ''} không có nội dung."]})
    if len(data) > max_bytes:
        raise ValidationFailed("Tệp đính kèm quá lớn.", {"file": [
            f"Tệp {filename} dung lượng {_megabytes(len(data))} MB, vượt mức tối đa {_megabytes(max_bytes)} MB."]})
    sniffed = sniff_type(data)
    if sniffed is None:
        raise ValidationFailed("Loại tệp không được chấp nhận.", {"file": [
            f"Tệp {filename} không phải PDF, JPEG hoặc PNG; chỉ nhận bản quét ở ba định dạng này."]})
    content_type, extension = sniffed
    return safe_filename(filename, extension), content_type


def safe_filename(filename: str, extension: str) -> str:
    """The last path part without control or reserved characters, with the extension of its real type."""
    name = unicodedata.normalize("NFC", filename or "").replace("\\", "/").rsplit("/", 1)[-1]
    name = _UNSAFE.sub("_", name).strip().lstrip(".").strip()
    stem, dot, ext = name.rpartition(".")
    if dot and _EXTENSIONS.get("." + ext.lower()):
        name = stem  # a known extension is replaced by the one its bytes show; any other stays in the stem
    name = (name.strip(" ._") or DEFAULT_NAME)[: 255 - len(extension)]
    return name + extension


def store_attachment(
    session: Session, *, storage_dir: Path, dossier_id: int, filename: str, data: bytes, actor_id: int | None,
    now: datetime, component: str = "", kind: str = "component", work_item_id: int | None = None, max_bytes: int,
) -> Attachment:
    """Check and keep one file of a dossier; the same bytes are stored once, whoever uploads them. The dossier is
    locked: a first scan or result file changes its report counters (engine.onestop.tallies), booked here."""
    dossier = lock_dossier(session, dossier_id)
    if kind not in KINDS:
        raise ValidationFailed("Loại tệp đính kèm không hợp lệ.", {"kind": [f"Chỉ nhận: {', '.join(KINDS)}."]})
    name, content_type = check_upload(filename, data, max_bytes)
    booking = tallies.attachment_observer(session, dossier, kind)
    digest = hashlib.sha256(data).hexdigest()
    _write_blob(Path(storage_dir), digest, data)
    attachment = Attachment(
        dossier_id=dossier_id, work_item_id=work_item_id, kind=kind, component=component[:500], filename=name,
        content_type=content_type, size=len(data), sha256=digest, uploaded_by_id=actor_id, uploaded_at=now,
    )
    session.add(attachment)
    session.flush()
    if booking is not None:
        booking(now)
    record_event(session, action="attachment_added", at=now, actor_id=actor_id, dossier_id=dossier_id,
                 work_item_id=work_item_id, detail={"attachment_id": attachment.id, "filename": name,
                                                    "component": component, "kind": kind, "sha256": digest})
    return attachment


def list_attachments(session: Session, dossier_id: int) -> list[Attachment]:
    return list(session.scalars(select(Attachment).where(Attachment.dossier_id == dossier_id)
                                .order_by(Attachment.id)))


def read_attachment(session: Session, storage_dir: Path, attachment_id: int, user_id: int,
                    now: datetime) -> tuple[Attachment, bytes]:
    """The file and its bytes, for an official who may see its dossier."""
    attachment = session.get(Attachment, attachment_id)
    if attachment is None:
        raise NotFound(f"Không có tệp đính kèm #{attachment_id}.")
    dossier = session.get(Dossier, attachment.dossier_id)
    access.check_view_dossier(session, access.grants_of(session, user_id), dossier, now,
                              "tệp đính kèm của hồ sơ này")
    try:
        data = blob_path(Path(storage_dir), attachment.sha256).read_bytes()
    except FileNotFoundError as exc:
        raise NotFound(f"Nội dung tệp {attachment.filename} không còn trên máy chủ.") from exc
    return attachment, data


def blob_path(storage_dir: Path, digest: str) -> Path:
    return storage_dir / digest[:2] / digest


def _write_blob(storage_dir: Path, digest: str, data: bytes) -> None:
    """Write to a temporary file then rename, so a reader never sees half a file. A file left behind by a
    rolled-back request is harmless: it is named by its content and reused by the next identical upload.
    Several hosts share the directory (settings.storage_dir): two storing the same scan at once each rename
    their own complete copy onto the one name."""
    target = blob_path(storage_dir, digest)
    if target.exists():
        return
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, draft = tempfile.mkstemp(dir=target.parent, prefix=".upload-")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(draft, target)
    except BaseException:
        Path(draft).unlink(missing_ok=True)
        raise
    _sync_directory(target.parent)


def _sync_directory(directory: Path) -> None:
    """Make the new name durable before the row naming it commits (a power cut would otherwise lose it)."""
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass  # some network file systems refuse fsync on a directory; their server orders the rename itself
    finally:
        os.close(fd)


def _megabytes(size: int) -> str:
    return f"{size / 1_000_000:.1f}".replace(".", ",")
