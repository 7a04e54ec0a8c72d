"""The one validation of a procedure version (studio, API upload, load-procedures): every finding at once."""
from __future__ import annotations

import hashlib
import json
import logging
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal, InvalidOperation

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine import spiff
from engine.infra import clock
from engine.models import Unit
from engine.workflow.findings import ERROR, WARNING, Finding
from engine.workflow.form_checks import field_names, form_findings, ui_schema_names
from engine.workflow.helpers import probe_helpers
from engine.workflow.sources import COMMON_FOLDER
from engine.workflow.step_checks import step_findings, to_finding

log = logging.getLogger(__name__)
REQUIRED_META = ("code", "name", "process_id", "time_limit")
TOML = "procedure.toml"
TRIAL_AT = datetime.fromisoformat(probe_helpers()["now"]())  # when the probe dossier of the trial start arrives


@dataclass
class Report:
    """What validation found; `parsed`, `used` (the files the version uses) and `digest` are set only when
    no finding is an error."""

    findings: list[Finding] = field(default_factory=list)
    parsed: spiff.ParsedVersion | None = None
    used: dict[str, str] = field(default_factory=dict)
    digest: str | None = None

    @property
    def ok(self) -> bool:
        return not any(f.is_error for f in self.findings)

    @property
    def errors(self) -> list[Finding]:
        return [f for f in self.findings if f.is_error]

    @property
    def warnings(self) -> list[Finding]:
        return [f for f in self.findings if not f.is_error]


def validate_package(session: Session, slug: str, meta: dict, files: dict[str, str], forms: dict[str, dict],
                     max_bytes: int = 2_000_000, now: datetime | None = None) -> Report:
    """Check a version's procedure.toml data, BPMN files and forms; never raises for a bad version.

    Errors block storing and submitting; warnings do not. Checks that need what earlier ones refused (a trial
    start needs a version without errors) run only when those pass."""
    try:
        return _validate(session, slug, meta, files, forms, max_bytes, now or clock.now())
    except Exception:  # noqa: BLE001 - a checker's own slip must reach the designer as a finding, not a 500
        log.exception("validation of a version of %s failed", slug)
        return Report([Finding(ERROR, "Không kiểm tra hết được phiên bản này (lỗi của trình kiểm tra, đã ghi nhật "
                                      "ký); hãy báo quản trị hệ thống.")])


def _validate(session: Session, slug: str, meta: dict, files: dict[str, str], forms: dict[str, dict],
              max_bytes: int, now: datetime) -> Report:
    report = Report(meta_findings(session, meta))
    process_id = meta.get("process_id")
    inspection = None
    if isinstance(process_id, str) and process_id:
        known = field_names(forms, ui_schema_names(forms, []))
        inspection = spiff.inspect_version(files, process_id, max_bytes, probe_helpers(), known)
        report.findings += [to_finding(problem) for problem in inspection.problems]
    parsed = inspection.parsed if inspection is not None else None
    tasks = [info.properties for info in parsed.user_tasks.values()] if parsed is not None else []
    ui_names = ui_schema_names(forms, tasks)
    report.findings += form_findings(forms, ui_names)
    if parsed is None:
        return report
    report.findings += step_findings(session, slug, meta, inspection, forms, ui_names, now)
    if report.ok:
        report.findings += [to_finding(problem) for problem in inspection.trial(probe_helpers(), TRIAL_AT)]
    if report.ok:
        report.findings += [_locate(inspection, finding) for finding in dry_run_gate(session, meta, parsed, forms)]
    if report.ok:
        report.parsed, report.used = parsed, used_files(files, parsed)
        report.digest = checksum(meta, report.used, forms)
    return report


def dry_run_gate(session: Session, meta: dict, parsed: spiff.ParsedVersion, forms: dict[str, dict]) -> list[Finding]:
    """The dry-run gate, the one place validation calls it: a version without other errors is accepted only when
    the generated run along each path (bounded) reaches an end without an engine error."""
    # Imported here: the dry run drives the runtime, which reads stored versions through the catalogue, which
    # validates with this module.
    from engine.workflow.dry_run import gate

    try:
        return gate(session, meta, parsed, forms)
    except Exception:  # noqa: BLE001 - the trial start passed; a slip of the simulation must not block the version
        log.exception("the dry-run gate failed on a version that passed every other check")
        return [Finding(WARNING, "Chạy thử theo từng nhánh không hoàn tất (lỗi của công cụ chạy thử, đã ghi nhật "
                                 "ký); các kiểm tra khác đều đạt.")]


def _locate(inspection: spiff.Inspection, finding: Finding) -> Finding:
    """A finding from outside the BPMN checks, given the file and line of its element."""
    if finding.element is None or finding.line is not None:
        return finding
    problem = inspection.problem(finding.message, finding.element, finding.file, warning=not finding.is_error)
    return Finding(finding.severity, finding.message, problem.file, finding.element, finding.name or problem.name,
                   problem.line)


def meta_findings(session: Session, meta: dict) -> list[Finding]:
    """procedure.toml: the keys a version needs, of the types the catalogue reads."""
    found = []
    missing = [key for key in REQUIRED_META if key not in meta]
    if missing:
        found.append(Finding(ERROR, f"procedure.toml thiếu khóa: {', '.join(missing)}", TOML))
    for key in ("code", "name", "process_id"):
        if key in meta and (not isinstance(meta[key], str) or not meta[key].strip()):
            found.append(Finding(ERROR, f"procedure.toml: {key} phải là một chuỗi không rỗng", TOML))
    if "time_limit" in meta:
        try:
            if isinstance(meta["time_limit"], bool) or Decimal(str(meta["time_limit"])) < 0:
                raise InvalidOperation
        except (InvalidOperation, ValueError):
            found.append(Finding(ERROR, "procedure.toml: time_limit phải là một số không âm (số ngày hoặc giờ làm "
                                        "việc)", TOML))
    lanes = meta.get("lanes", {})
    if not isinstance(lanes, dict) or not all(isinstance(v, str) for v in lanes.values()):
        found.append(Finding(ERROR, "procedure.toml: [lanes] ánh xạ mỗi làn (vai trò) tới \"receiving\", \"deciding\" "
                                    "hoặc một mã đơn vị", TOML))
    found += _unverified_findings(meta)
    deciding = meta.get("deciding_unit")
    if deciding is not None and (not isinstance(deciding, str)
                                 or session.scalar(select(Unit.id).where(Unit.code == deciding)) is None):
        found.append(Finding(WARNING, f"procedure.toml: đơn vị quyết định {deciding} không có trong hệ thống; hồ sơ "
                                      "sẽ do đơn vị tiếp nhận giải quyết", TOML))
    return found


def _unverified_findings(meta: dict) -> list[Finding]:
    """`unverified` lists the keys still to check against the national procedure database, `[unverified_notes]`
    says why for some of them; the catalogue page shows both."""
    listed, notes = meta.get("unverified", []), meta.get("unverified_notes", {})
    if not isinstance(listed, list) or not all(isinstance(key, str) for key in listed):
        return [Finding(ERROR, "procedure.toml: unverified phải là danh sách tên khóa, ví dụ [\"code\", \"fees\"]", TOML)]
    if not isinstance(notes, dict) or not all(isinstance(text, str) for text in notes.values()):
        return [Finding(ERROR, "procedure.toml: [unverified_notes] ánh xạ mỗi khóa chưa xác minh tới một chuỗi ghi chú",
                        TOML)]
    stray = sorted(set(notes) - set(listed))
    return [Finding(WARNING, f"procedure.toml: [unverified_notes] ghi chú cho khóa không có trong unverified: "
                             f"{', '.join(stray)}", TOML)] if stray else []


def used_files(files: dict[str, str], parsed: spiff.ParsedVersion) -> dict[str, str]:
    """The version's own files, and the shared ones (bpmn/common) holding a process it calls."""
    wanted = {parsed.process_id, *parsed.called_process_ids}
    return {name: xml for name, xml in files.items()
            if not name.startswith(f"{COMMON_FOLDER}/") or any(f'id="{pid}"' in xml for pid in wanted)}


def checksum(meta: dict, files: dict[str, str], forms: dict[str, dict]) -> str:
    blob = json.dumps({"meta": meta, "files": files, "forms": forms}, sort_keys=True, ensure_ascii=False,
                      default=str)
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()
