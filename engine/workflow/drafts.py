"""Drafts in the designer's studio: a new draft from a version, and saving its BPMN, forms and procedure.toml as
work in progress (findings returned, never blocking a save; only unreadable input is refused).

Who edits a draft: its author, a designer (access.check_design with the draft); a version loaded from the
install's folders has no author yet, and the first designer who saves it becomes its author. A colleague starts a
draft of their own from it instead, so a version's author, who never approves it, is one person."""
from __future__ import annotations

import copy
import json
import logging
import re
import tomllib
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from engine import spiff
from engine.infra.audit import record_event
from engine.infra.errors import Conflict, ValidationFailed
from engine.models import Procedure, ProcessVersion
from engine.org import access
from engine.workflow.catalog import COMMON_FOLDER, checksum, remember_bundle
from engine.workflow.findings import ERROR, Finding
from engine.workflow.packages import MAX_FILES, common_parts, read_package
from engine.workflow.validation import Report, validate_package
from engine.workflow.versions import STATE_LABELS, get_version

log = logging.getLogger(__name__)
EDITABLE_STATES = frozenset({"draft", "rejected"})
STALE_MESSAGE = ("Bản nháp đã được lưu ở nơi khác sau khi bạn mở nó (ở một thẻ hoặc máy khác). "
                 "Tải lại trang để lấy bản mới nhất; thay đổi của bạn chưa được lưu.")
REFUSED_MESSAGE = "Chưa lưu gì: có tệp không đọc được."
_BPMN_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,99}\.bpmn")
_FORM_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,99}\.json")
_PROCESS_ID_CHARS = 120  # process_version.process_id


@dataclass(frozen=True)
class DraftChanges:
    """What the editor sends: changed BPMN files and forms as text, forms removed, procedure.toml as text."""

    files: dict[str, str] = field(default_factory=dict)
    forms: dict[str, str] = field(default_factory=dict)
    removed_forms: tuple[str, ...] = ()
    toml: str | None = None


@dataclass(frozen=True)
class Saved:
    version: ProcessVersion
    report: Report


def draft_from_version(session: Session, code: str, number: int, actor_id: int, now: datetime) -> ProcessVersion:
    """A new draft whose files, forms and procedure.toml are a copy of version `number`; the designer is its
    author."""
    access.check_design(access.grants_of(session, actor_id))
    source = get_version(session, code, number)
    version = ProcessVersion(
        procedure_id=source.procedure_id, number=_next_number(session, source.procedure_id),
        process_id=source.process_id, files=dict(source.files), forms=copy.deepcopy(source.forms),
        meta=copy.deepcopy(source.meta), checksum=source.checksum, status="draft", author_id=actor_id,
        created_at=now, note=f"Tạo từ phiên bản {source.number}")
    session.add(version)
    session.flush()
    _audit(session, version, "version_drafted", actor_id, now, from_version=source.number)
    return version


def save_draft(session: Session, code: str, number: int, actor_id: int, now: datetime, base: str,
               changes: DraftChanges, bpmn_path: Path, max_bytes: int = 2_000_000) -> Saved:
    """Write the changes into the draft the editor opened at checksum `base`, then validate it. A stale `base`
    is a Conflict and unreadable input a ValidationFailed; in both cases nothing is written."""
    version = _editable(session, code, number, actor_id, base)
    meta, own, forms = apply_changes(version, changes, max_bytes)
    version.author_id = actor_id  # a version loaded from the install's folders becomes the designer's
    report = _store(session, version, meta, own, forms, bpmn_path, max_bytes)
    _audit(session, version, "draft_saved", actor_id, now, files=sorted(changes.files),
           forms=sorted([*changes.forms, *changes.removed_forms]), toml=changes.toml is not None,
           errors=len(report.errors), warnings=len(report.warnings))
    return Saved(version, report)


def import_into_draft(session: Session, code: str, number: int, actor_id: int, now: datetime, base: str,
                      data: bytes, bpmn_path: Path, max_bytes: int = 2_000_000) -> Saved:
    """Replace the draft's whole folder with a zip of it (the export's layout); the zip is read as an upload is."""
    version = _editable(session, code, number, actor_id, base)
    version.author_id = actor_id
    package = read_package(data, *common_parts(bpmn_path))
    own = {name: xml for name, xml in package.files.items() if not name.startswith(f"{COMMON_FOLDER}/")}
    _check_meta(package.meta, version.procedure.code)
    report = _store(session, version, package.meta, own, package.forms, bpmn_path, max_bytes)
    _audit(session, version, "draft_saved", actor_id, now, imported=True, errors=len(report.errors),
           warnings=len(report.warnings))
    return Saved(version, report)


def check_draft(session: Session, code: str, number: int, user_id: int, bpmn_path: Path,
                max_bytes: int = 2_000_000, changes: DraftChanges | None = None) -> Report:
    """The findings of a version as stored, or with the editor's unsaved `changes` applied; writes nothing."""
    access.check_catalogue(access.grants_of(session, user_id))
    version = get_version(session, code, number)
    if changes is None:
        meta, files, forms = version.meta, version.files, version.forms
    else:
        meta, files, forms = apply_changes(version, changes, max_bytes)
    return _validate(session, version, meta, files, forms, bpmn_path, max_bytes)


def own_files(version: ProcessVersion) -> dict[str, str]:
    """The procedure's own BPMN files (the install's shared ones under common/ are not edited in a draft)."""
    return {name: xml for name, xml in version.files.items() if not name.startswith(f"{COMMON_FOLDER}/")}


def read_json_text(name: str, text: str, max_bytes: int) -> dict:
    """A form file's text as a JSON object; ValidationFailed, keyed by the file name, with line and column."""
    problem = _json_problem(text, max_bytes)
    if isinstance(problem, str):
        raise ValidationFailed(REFUSED_MESSAGE, {name: [problem]})
    return problem


def apply_changes(version: ProcessVersion, changes: DraftChanges, max_bytes: int) -> tuple[dict, dict, dict]:
    """The version's procedure.toml data, own BPMN files and forms with the changes applied, every file read
    with the hardened parser; every unreadable file is reported at once."""
    problems: dict[str, list[str]] = {}
    own, forms, meta = own_files(version), copy.deepcopy(version.forms), version.meta
    for name, xml in changes.files.items():
        if name not in own and not _BPMN_NAME.fullmatch(name):
            problems.setdefault(name, []).append("Tên tệp BPMN chỉ gồm chữ không dấu, số, '_', '-', '.' và kết thúc "
                                                 "bằng .bpmn.")
            continue
        try:
            spiff.parse_xml(xml, name, max_bytes)
        except spiff.BpmnError as exc:
            problems.setdefault(name, []).append(exc.message)
            continue
        own[name] = xml
    for name, text in changes.forms.items():
        if name not in forms and not _FORM_NAME.fullmatch(name):
            problems.setdefault(name, []).append("Tên tệp biểu mẫu chỉ gồm chữ không dấu, số, '_', '-', '.' và kết "
                                                 "thúc bằng .json.")
            continue
        document = _json_problem(text, max_bytes)
        if isinstance(document, str):
            problems.setdefault(name, []).append(document)
        else:
            forms[name] = document
    for name in changes.removed_forms:
        forms.pop(name, None)
    if changes.toml is not None:
        meta = _toml(changes.toml, max_bytes, problems)
    if meta is not None and "procedure.toml" not in problems:
        problems.update(_meta_problems(meta, version.procedure.code))
    if len(own) + len(forms) > MAX_FILES:
        problems.setdefault("package", []).append(f"Thư mục thủ tục có nhiều hơn {MAX_FILES} tệp.")
    if not own:
        problems.setdefault("package", []).append("Bản nháp phải còn ít nhất một tệp .bpmn.")
    if problems:
        raise ValidationFailed(REFUSED_MESSAGE, problems)
    return meta, own, forms


def _editable(session: Session, code: str, number: int, actor_id: int, base: str) -> ProcessVersion:
    found = get_version(session, code, number)
    version = session.scalar(select(ProcessVersion).where(ProcessVersion.id == found.id).with_for_update()
                             .execution_options(populate_existing=True))
    access.check_design(access.grants_of(session, actor_id), draft=version)
    if version.status not in EDITABLE_STATES:
        raise Conflict(f"Phiên bản {version.number} đang ở trạng thái \"{STATE_LABELS[version.status]}\", không sửa "
                       "được; hãy tạo bản nháp mới từ phiên bản này.")
    if base != version.checksum:
        log.warning("stale save of draft %s of procedure #%s refused", version.number, version.procedure_id)
        raise Conflict(STALE_MESSAGE)
    return version


def _store(session: Session, version: ProcessVersion, meta: dict, own: dict[str, str], forms: dict[str, dict],
           bpmn_path: Path, max_bytes: int) -> Report:
    """Validate, then write: a valid draft keeps the files it uses under its validated checksum (and its parsed
    specs are cached), an invalid one its own files and the shared ones it had, under the checksum of that."""
    shared = {name: xml for name, xml in version.files.items() if name.startswith(f"{COMMON_FOLDER}/")}
    report = _validate(session, version, meta, {**shared, **own}, forms, bpmn_path, max_bytes)
    if report.ok and report.digest is not None:
        files, digest = report.used, report.digest
        remember_bundle(digest, report.parsed, forms, meta)
    else:
        files = {**shared, **own}
        digest = checksum(meta, files, forms)
    version.files, version.forms, version.meta, version.checksum = files, forms, meta, digest
    process_id = meta.get("process_id")
    if isinstance(process_id, str) and 0 < len(process_id) <= _PROCESS_ID_CHARS:
        version.process_id = process_id
    session.flush()
    return report


def _validate(session: Session, version: ProcessVersion, meta: dict, files: dict[str, str], forms: dict[str, dict],
              bpmn_path: Path, max_bytes: int) -> Report:
    common_files, common_forms = common_parts(bpmn_path)
    files = {**{f"{COMMON_FOLDER}/{name}": xml for name, xml in common_files.items()}, **files}
    forms = {**common_forms, **forms}
    try:
        return validate_package(session, version.procedure.slug, meta, files, forms, max_bytes)
    except Exception:  # a draft is work in progress: a check that breaks must not lose the designer's work
        log.exception("validation of draft %s of procedure #%s failed", version.number, version.procedure_id)
        return Report([Finding(ERROR, "Không kiểm tra hết được phiên bản do lỗi của hệ thống; lỗi đã được ghi "
                                      "lại, hãy báo quản trị hệ thống.")])


def _json_problem(text: str, max_bytes: int) -> dict | str:
    if len(text.encode("utf-8")) > max_bytes:
        return f"Tệp lớn hơn giới hạn {max_bytes} byte."
    try:
        document = json.loads(text)
    except json.JSONDecodeError as exc:
        return f"Không phải JSON hợp lệ: {_json_reason(exc.msg)} (dòng {exc.lineno}, cột {exc.colno})."
    except RecursionError:
        return "JSON lồng nhau quá sâu."
    if not isinstance(document, dict):
        return "Tệp biểu mẫu phải là một đối tượng JSON ({…})."
    return document


def _json_reason(message: str) -> str:
    return {"Expecting value": "thiếu giá trị", "Expecting ',' delimiter": "thiếu dấu phẩy",
            "Expecting ':' delimiter": "thiếu dấu hai chấm", "Extra data": "thừa dữ liệu sau đối tượng",
            "Expecting property name enclosed in double quotes": "tên trường phải đặt trong ngoặc kép",
            "Unterminated string starting at": "chuỗi chưa đóng ngoặc kép"}.get(message, message)


def _toml(text: str, max_bytes: int, problems: dict[str, list[str]]) -> dict | None:
    if len(text.encode("utf-8")) > max_bytes:
        problems["procedure.toml"] = [f"Tệp lớn hơn giới hạn {max_bytes} byte."]
        return None
    try:
        meta = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        problems["procedure.toml"] = [f"Không phải TOML hợp lệ: {exc}."]
        return None
    except RecursionError:
        problems["procedure.toml"] = ["TOML lồng nhau quá sâu."]
        return None
    try:  # stored as JSON: a TOML date or time has no JSON form
        return json.loads(json.dumps(meta, ensure_ascii=False))
    except (TypeError, ValueError, RecursionError):
        problems["procedure.toml"] = ["Ngày giờ viết trực tiếp trong TOML không được hỗ trợ; hãy viết trong ngoặc "
                                      "kép, ví dụ \"2026-01-01\"."]
        return None


def _meta_problems(meta: dict, code: str) -> dict[str, list[str]]:
    try:
        _check_meta(meta, code)
    except ValidationFailed as exc:
        return exc.errors
    return {}


def _check_meta(meta: dict, code: str) -> None:
    if str(meta.get("code", "")) != code:
        raise ValidationFailed("procedure.toml không thuộc thủ tục này.", {"procedure.toml": [
            f"Mã thủ tục trong procedure.toml ({meta.get('code', '—')}) phải là {code}."]})


def _next_number(session: Session, procedure_id: int) -> int:
    """The next version number, with the procedure row locked so two designers never take the same one."""
    session.scalar(select(Procedure.id).where(Procedure.id == procedure_id).with_for_update())
    return (session.scalar(select(func.max(ProcessVersion.number))
                           .where(ProcessVersion.procedure_id == procedure_id)) or 0) + 1


def _audit(session: Session, version: ProcessVersion, action: str, actor_id: int, now: datetime, **detail) -> None:
    record_event(session, action=action, at=now, actor_id=actor_id,
                 detail={"procedure_id": version.procedure_id, "version": version.number, **detail})
    session.flush()
