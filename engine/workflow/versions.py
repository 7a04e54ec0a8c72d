"""The version lifecycle of a procedure's internal process: draft → submitted → approved | rejected → active
→ retired; the approver is an administrator of the procedure's level and never the author; every step audited."""
from __future__ import annotations

import logging
from datetime import date, datetime
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from engine.infra.audit import record_event
from engine.infra.sweep import Job, sweep
from engine.infra.errors import Conflict, InvalidProcess, NotFound, ValidationFailed
from engine.models import Procedure, ProcessVersion
from engine.org import access
from engine.workflow.catalog import check_version, get_procedure, make_active, remember_bundle
from engine.workflow.findings import as_fields
from engine.workflow.packages import common_parts, read_package, write_package
from engine.workflow.validation import validate_package

log = logging.getLogger(__name__)
STATE_LABELS = {
    "draft": "Bản nháp",
    "submitted": "Chờ phê duyệt",
    "approved": "Đã phê duyệt",
    "rejected": "Bị từ chối",
    "active": "Đang áp dụng",
    "retired": "Ngừng áp dụng",
}
MAX_DECISION_CHARS = 60
MAX_SIGNER_CHARS = 255
MAX_NOTE_CHARS = 2000
SUBMIT_ERRORS_LISTED = 10  # in the refusal's message; all of them are in its errors


def list_versions(session: Session, code: str) -> list[ProcessVersion]:
    """Every version of the procedure, newest first."""
    procedure = get_procedure(session, code)
    return list(session.scalars(select(ProcessVersion).where(ProcessVersion.procedure_id == procedure.id)
                                .order_by(ProcessVersion.number.desc())))


def get_version(session: Session, code: str, number: int) -> ProcessVersion:
    procedure = get_procedure(session, code)
    version = session.scalar(select(ProcessVersion).where(ProcessVersion.procedure_id == procedure.id,
                                                          ProcessVersion.number == number))
    if version is None:
        raise NotFound(f"Thủ tục {procedure.code} không có phiên bản {number}.")
    return version


def create_draft(session: Session, code: str, data: bytes, bpmn_path: Path, actor_id: int, now: datetime,
                 max_bytes: int = 2_000_000) -> ProcessVersion:
    """A designer's upload of the procedure folder (zip) as a new draft, validated like a bundled folder: what
    fails validation is refused with its findings and nothing is stored."""
    access.check_design(access.grants_of(session, actor_id))
    procedure = get_procedure(session, code)
    package = read_package(data, *common_parts(bpmn_path))
    if str(package.meta.get("code", "")) != procedure.code:
        raise ValidationFailed("procedure.toml không thuộc thủ tục này.", {"package": [
            f"Mã thủ tục trong procedure.toml ({package.meta.get('code', '—')}) phải là {procedure.code}."]})
    try:
        parsed, used, digest = check_version(session, procedure.slug, package.meta, package.files, package.forms,
                                             max_bytes)
    except InvalidProcess as exc:  # every finding, under its file and element as the field it is reported under
        raise ValidationFailed("Phiên bản không hợp lệ; chưa lưu gì.", as_fields(exc.findings),
                               findings=[finding.as_dict() for finding in exc.findings]) from exc
    number = (session.scalar(select(func.max(ProcessVersion.number))
                             .where(ProcessVersion.procedure_id == procedure.id)) or 0) + 1
    version = ProcessVersion(procedure_id=procedure.id, number=number, process_id=package.meta["process_id"],
                             files=used, forms=package.forms, meta=package.meta, checksum=digest, status="draft",
                             author_id=actor_id, created_at=now, note="Tải lên bởi người thiết kế")
    session.add(version)
    session.flush()
    remember_bundle(digest, parsed, package.forms, package.meta)
    _audit(session, version, "version_drafted", actor_id, now)
    return version


def may_draft(session: Session, user_id: int) -> bool:
    """Whether the user may upload drafts (the page offers the form only then)."""
    return bool(access.grants_of(session, user_id).units_with({access.DESIGNER_ROLE}))


def export_version(session: Session, code: str, number: int, user_id: int) -> tuple[str, bytes]:
    """The version as a zip of its procedure folder (the layout of bpmn/<slug>/), with a file name."""
    access.check_catalogue(access.grants_of(session, user_id))
    version = get_version(session, code, number)
    slug = version.procedure.slug
    return f"{slug}-v{version.number}.zip", write_package(version, slug)


def versions_for(session: Session, code: str, user_id: int) -> list[ProcessVersion]:
    """list_versions for a designer or administrator."""
    access.check_catalogue(access.grants_of(session, user_id))
    return list_versions(session, code)


def version_for(session: Session, code: str, number: int, user_id: int) -> ProcessVersion:
    """get_version for a designer or administrator."""
    access.check_catalogue(access.grants_of(session, user_id))
    return get_version(session, code, number)


def submit_version(session: Session, code: str, number: int, actor_id: int, now: datetime,
                   max_bytes: int = 2_000_000) -> ProcessVersion:
    """A designer sends a draft (theirs, or one loaded from the install's folders) for approval; a draft the
    validation finds errors in is refused with them (warnings do not block)."""
    version = _locked(session, code, number)
    access.check_design(access.grants_of(session, actor_id))
    _expect(version, {"draft", "rejected"}, "gửi phê duyệt")
    _check_submittable(session, version, max_bytes)
    version.status, version.submitted_at = "submitted", now
    if version.author_id is None:
        version.author_id = actor_id
    _audit(session, version, "version_submitted", actor_id, now)
    return version


def approve_version(session: Session, code: str, number: int, actor_id: int, now: datetime, *,
                    decision_number: str, decision_date: date, signer: str,
                    activate_at: datetime | None = None, scheduled: bool = False) -> ProcessVersion:
    """An administrator of the procedure's level approves a submitted version, recording the decision that
    adopts the internal process; with `activate_at` its activation waits for that instant (the worker fires it).
    `scheduled` says the approver chose a later activation (the page's "Áp dụng từ"): its instant is then
    required and in the future. Every error of the decision and the instant is reported at once."""
    version = _locked(session, code, number)
    access.check_approve(session, access.grants_of(session, actor_id), version)
    _expect(version, {"submitted"}, "phê duyệt")
    errors = _decision_errors(decision_number, decision_date, signer)
    errors |= _activation_errors(activate_at, scheduled, now)
    if errors:
        raise ValidationFailed("Thông tin quyết định phê duyệt chưa hợp lệ.", errors)
    version.status, version.approver_id, version.approved_at, version.reviewed_at = "approved", actor_id, now, now
    version.decision_number, version.decision_date = decision_number.strip(), decision_date
    version.decision_signer = signer.strip()
    version.activate_at = activate_at if activate_at is not None and activate_at > now else None
    _audit(session, version, "version_approved", actor_id, now, decision_number=version.decision_number,
           decision_date=decision_date.isoformat(), signer=version.decision_signer,
           activate_at=version.activate_at.isoformat() if version.activate_at else None)
    return version


def reject_version(session: Session, code: str, number: int, actor_id: int, now: datetime,
                   note: str) -> ProcessVersion:
    """An administrator sends a submitted version back with the reason; the designer may submit it again."""
    version = _locked(session, code, number)
    access.check_approve(session, access.grants_of(session, actor_id), version)
    _expect(version, {"submitted"}, "từ chối")
    note = (note or "").strip()
    if not note or len(note) > MAX_NOTE_CHARS:
        raise ValidationFailed("Cần nêu lý do từ chối.", {"note": [
            "Bắt buộc nêu lý do." if not note else f"Tối đa {MAX_NOTE_CHARS} ký tự."]})
    version.status, version.review_note, version.reviewed_at = "rejected", note, now
    _audit(session, version, "version_rejected", actor_id, now, note=note)
    return version


def activate_version(session: Session, code: str, number: int, actor_id: int | None,
                     now: datetime) -> ProcessVersion:
    """An approved version goes live now: new dossiers take it, running ones stay on theirs; the version it
    replaces is retired, so exactly one is active."""
    version = _locked(session, code, number)
    if actor_id is not None:
        access.check_approve(session, access.grants_of(session, actor_id), version, author_may=True)
    _expect(version, {"approved"}, "áp dụng")
    _activate(session, version, actor_id, now)
    return version


def activate_due_versions(factory: sessionmaker[Session], now: datetime, limit: int = 50) -> int:
    """The worker's sweep of scheduled activations: approved versions whose instant (the decision's effective
    date) has come go live, one unit of work each; a failure is recorded and the schedule cleared, so an
    administrator sees it and activates by hand."""
    due = (select(ProcessVersion.id).where(ProcessVersion.status == "approved", ProcessVersion.activate_at <= now)
           .order_by(ProcessVersion.activate_at, ProcessVersion.id))

    def work(session: Session, version_id: int) -> None:
        _activate(session, session.get(ProcessVersion, version_id), None, now)

    def fail(session: Session, version_id: int, exc: Exception) -> None:
        version = session.get(ProcessVersion, version_id)
        version.activate_at = None
        _audit(session, version, "version_activation_failed", None, now,
               error=getattr(exc, "message", None) or repr(exc))

    return sweep(factory, Job("scheduled activation of version", due, ProcessVersion.id, work, fail), limit)


def retire_version(session: Session, code: str, number: int, actor_id: int, now: datetime) -> ProcessVersion:
    """Take the active version out of use without a successor: the procedure receives no new dossiers."""
    version = _locked(session, code, number)
    access.check_approve(session, access.grants_of(session, actor_id), version, author_may=True)
    _expect(version, {"active"}, "ngừng áp dụng")
    version.status, version.retired_at = "retired", now
    version.procedure.active_version_id = None
    _audit(session, version, "version_retired", actor_id, now)
    return version


def _activate(session: Session, version: ProcessVersion, actor_id: int | None, now: datetime) -> None:
    procedure = session.scalar(select(Procedure).where(Procedure.id == version.procedure_id).with_for_update())
    previous = make_active(session, procedure, version, now)
    if previous is not None:
        _audit(session, previous, "version_retired", actor_id, now, replaced_by=version.number)
    _audit(session, version, "version_activated", actor_id, now,
           replaces=previous.number if previous is not None else None)


def _locked(session: Session, code: str, number: int) -> ProcessVersion:
    """The version row locked for the rest of the unit of work, so two reviewers cannot both act on it."""
    version = get_version(session, code, number)
    return session.scalar(select(ProcessVersion).where(ProcessVersion.id == version.id).with_for_update()
                          .execution_options(populate_existing=True))


def _expect(version: ProcessVersion, states: set[str], what: str) -> None:
    if version.status not in states:
        log.warning("refused to %s version %s of procedure #%s: it is %s", what, version.number,
                    version.procedure_id, version.status)
        raise Conflict(f"Phiên bản {version.number} đang ở trạng thái \"{STATE_LABELS[version.status]}\", "
                       f"không thể {what}.")


def _check_submittable(session: Session, version: ProcessVersion, max_bytes: int) -> None:
    report = validate_package(session, version.procedure.slug, version.meta, version.files, version.forms, max_bytes)
    if report.ok:
        return
    errors: dict[str, list[str]] = {}
    for finding in report.errors:
        errors.setdefault("#".join(p for p in (finding.file or "package", finding.element) if p), []).append(
            finding.message)
    shown = [f"{i}) {f.message}" for i, f in enumerate(report.errors[:SUBMIT_ERRORS_LISTED], 1)]
    more = len(report.errors) - len(shown)
    raise ValidationFailed(f"Phiên bản còn {len(report.errors)} lỗi, chưa gửi phê duyệt được: " + "; ".join(shown)
                           + (f"; và {more} lỗi khác." if more else "."), errors,
                           findings=[finding.as_dict() for finding in report.findings])


def _decision_errors(number: str, day: date | None, signer: str) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    number, signer = (number or "").strip(), (signer or "").strip()
    if not number:
        errors["decision_number"] = ["Bắt buộc nhập số quyết định phê duyệt quy trình nội bộ."]
    elif len(number) > MAX_DECISION_CHARS:
        errors["decision_number"] = [f"Tối đa {MAX_DECISION_CHARS} ký tự."]
    if day is None:
        errors["decision_date"] = ["Bắt buộc nhập ngày ký quyết định."]
    if not signer:
        errors["decision_signer"] = ["Bắt buộc nhập người ký quyết định."]
    elif len(signer) > MAX_SIGNER_CHARS:
        errors["decision_signer"] = [f"Tối đa {MAX_SIGNER_CHARS} ký tự."]
    return errors


def _activation_errors(at: datetime | None, scheduled: bool, now: datetime) -> dict[str, list[str]]:
    if at is not None and at.tzinfo is None:
        return {"activate_at": ["Thời điểm áp dụng phải có múi giờ."]}
    if scheduled and at is None:
        return {"activate_at": ["Chọn ngày giờ bắt đầu áp dụng."]}
    if scheduled and at <= now:
        return {"activate_at": ["Thời điểm áp dụng phải ở tương lai; để áp dụng ngay, chọn \"Áp dụng ngay\"."]}
    return {}


def _audit(session: Session, version: ProcessVersion, action: str, actor_id: int | None, now: datetime,
           **detail) -> None:
    record_event(session, action=action, at=now, actor_id=actor_id,
                 detail={"procedure_id": version.procedure_id, "version": version.number, **detail})
    session.flush()
