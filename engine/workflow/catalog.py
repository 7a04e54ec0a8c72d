"""The procedure catalogue: load bpmn/<procedure>/ folders into procedure and process_version rows."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine import spiff
from engine.infra.errors import InvalidProcess, NotFound
from engine.models import Procedure, ProcessVersion, Unit
from engine.org import access
from engine.workflow.bundles import VersionBundle, remember_bundle, version_bundle
from engine.workflow.findings import ERROR, Finding
from engine.workflow.form_checks import field_names, form_findings, ui_schema_names
from engine.workflow.helpers import probe_helpers
from engine.workflow.sources import COMMON_FOLDER, SourceError, decode, load_json, load_toml
from engine.workflow.step_checks import to_finding
from engine.workflow.validation import Report, checksum, used_files, validate_package

__all__ = ["COMMON_FOLDER", "LoadResult", "VersionBundle", "check_version", "checksum", "load_procedure",
           "load_procedures", "read_folder", "remember_bundle", "validate_version", "version_bundle"]
REFUSED = "refused"  # the status of a folder load_procedures could not load


@dataclass(frozen=True)
class LoadResult:
    slug: str
    version: int | None  # None when the folder was refused
    created: bool
    status: str = "active"
    warnings: tuple[str, ...] = ()  # loads, but the designer should fix it
    findings: tuple[Finding, ...] = ()  # every finding, errors first when refused

    @property
    def refused(self) -> bool:
        return self.status == REFUSED


def read_folder(folder: Path, common: Path | None) -> tuple[dict, dict[str, str], dict[str, dict]]:
    """procedure.toml, the BPMN files (the folder's and the shared ones) and the forms of one procedure; every
    file that cannot be read is a finding, all of them in one InvalidProcess."""
    found, meta, files, forms = [], {}, {}, {}

    def read(path: Path, name: str, parse=None):
        try:
            text = decode(path.read_bytes(), name)
            return parse(text, name) if parse else text
        except SourceError as exc:
            found.append(Finding(ERROR, str(exc).removeprefix(f"{name}: "), name))
        except OSError as exc:
            found.append(Finding(ERROR, f"{name}: không đọc được ({exc.strerror})", name))
        return None

    meta = read(folder / "procedure.toml", "procedure.toml", load_toml) or {}
    for path in sorted(folder.glob("*.bpmn")):
        files[path.name] = read(path, path.name)
    if common is not None and common.is_dir():
        for path in sorted(common.glob("*.bpmn")):
            files.setdefault(f"{COMMON_FOLDER}/{path.name}", read(path, f"{COMMON_FOLDER}/{path.name}"))
    form_paths = sorted((folder / "forms").glob("*.json"))
    if common is not None and common.is_dir():
        own = {p.name for p in form_paths}
        form_paths += [p for p in sorted((common / "forms").glob("*.json")) if p.name not in own]
    for path in form_paths:
        forms[path.name] = read(path, path.name, load_json)
    if found:
        raise InvalidProcess(found[0].message, file=found[0].file, findings=found)
    return meta, files, forms


def validate_version(meta: dict, files: dict[str, str], forms: dict[str, dict],
                     max_bytes: int = 2_000_000) -> tuple[spiff.ParsedVersion, dict[str, str]]:
    """The checks that need no database (BPMN and forms, no roles, units or other procedures): the parsed specs
    and the files the version uses, or InvalidProcess with every error found."""
    inspection = spiff.inspect_version(files, str(meta.get("process_id", "")), max_bytes, probe_helpers(),
                                       field_names(forms, ui_schema_names(forms, [])))
    findings = [to_finding(problem) for problem in inspection.problems]
    tasks = [i.properties for i in inspection.parsed.user_tasks.values()] if inspection.parsed is not None else []
    findings += form_findings(forms, ui_schema_names(forms, tasks))
    raise_errors(Report(findings))
    return inspection.parsed, used_files(files, inspection.parsed)


def raise_errors(report: Report) -> None:
    """InvalidProcess carrying every finding, when any is an error (its message, element and file the first's)."""
    if not report.ok:
        first = report.errors[0]
        raise InvalidProcess(first.message, element=first.element, file=first.file,
                             findings=report.errors + report.warnings)


def check_version(session: Session, slug: str, meta: dict, files: dict[str, str], forms: dict[str, dict],
                  max_bytes: int = 2_000_000) -> tuple[spiff.ParsedVersion, dict[str, str], str]:
    """The one validation (validate_package) for callers that store a version: the parsed specs, the files it
    uses and its checksum, or InvalidProcess with every finding."""
    report = validate_package(session, slug, meta, files, forms, max_bytes)
    raise_errors(report)
    return report.parsed, report.used, report.digest


def load_procedure(session: Session, folder: Path, common: Path | None, now: datetime,
                   actor_id: int | None = None, max_bytes: int = 2_000_000, *,
                   activate: bool = False) -> LoadResult:
    """Store one procedure folder as a version. The first version of a procedure goes live at once (a fresh
    install needs a working catalogue); a changed folder becomes a version submitted for approval, or, with
    `activate`, one approved and activated by `actor_id`, who must be an administrator.
    An unchanged folder stores nothing; a folder with errors raises InvalidProcess with every finding."""
    if activate:
        access.check_admin(access.grants_of(session, actor_id) if actor_id is not None else access.NOBODY)
    meta, files, forms = read_folder(folder, common)
    report = validate_package(session, folder.name, meta, files, forms, max_bytes, now)
    raise_errors(report)
    warnings = tuple(f.message for f in report.warnings)
    procedure = session.scalar(select(Procedure).where(Procedure.slug == folder.name))
    first = procedure is None
    if first:
        procedure = Procedure(slug=folder.name, code=meta["code"], name=meta["name"],
                              time_limit=Decimal(str(meta["time_limit"])))
        session.add(procedure)
        apply_meta(session, procedure, meta)
        session.flush()
    latest = session.scalar(select(ProcessVersion).where(ProcessVersion.procedure_id == procedure.id)
                            .order_by(ProcessVersion.number.desc()).limit(1))
    if latest is not None and latest.checksum == report.digest:
        return LoadResult(folder.name, latest.number, False, latest.status, warnings, tuple(report.findings))
    number = (latest.number if latest is not None else 0) + 1
    live = first or activate
    version = ProcessVersion(
        procedure_id=procedure.id, number=number, process_id=meta["process_id"], files=report.used, forms=forms,
        meta=meta, checksum=report.digest, status="active" if live else "submitted", author_id=None,
        approver_id=actor_id if live else None, created_at=now, submitted_at=now,
        reviewed_at=now if live else None, approved_at=now if live else None, activated_at=now if live else None,
        note="Nạp từ thư mục bpmn/ của bản cài đặt",
    )
    session.add(version)
    session.flush()
    if live:
        make_active(session, procedure, version, now)
    remember_bundle(report.digest, report.parsed, forms, meta)
    return LoadResult(folder.name, number, True, version.status, warnings, tuple(report.findings))


def load_procedures(session: Session, bpmn_path: Path, now: datetime, actor_id: int | None = None,
                    max_bytes: int = 2_000_000, *, activate: bool = False) -> list[LoadResult]:
    """Load every bpmn/<procedure>/ folder that has a procedure.toml, each on its own: a refused folder is a
    result with its findings, rolled back to its savepoint, and the others still load."""
    if activate:
        access.check_admin(access.grants_of(session, actor_id) if actor_id is not None else access.NOBODY)
    common = bpmn_path / COMMON_FOLDER
    results = []
    for folder in sorted(p for p in bpmn_path.iterdir() if (p / "procedure.toml").is_file()):
        try:
            with session.begin_nested():
                results.append(load_procedure(session, folder, common, now, actor_id, max_bytes, activate=activate))
        except InvalidProcess as exc:
            findings = tuple(exc.findings) or (Finding(ERROR, exc.message, exc.file, exc.element),)
            results.append(LoadResult(folder.name, None, False, REFUSED, (), findings))
    return results


def make_active(session: Session, procedure: Procedure, version: ProcessVersion,
                now: datetime) -> ProcessVersion | None:
    """The one switch of the active version (first load, activation); returns the version it retired."""
    previous = session.get(ProcessVersion, procedure.active_version_id) if procedure.active_version_id else None
    previous = previous if previous is not None and previous.id != version.id else None
    if previous is not None:
        previous.status, previous.retired_at = "retired", now
    version.status, version.activated_at, version.activate_at = "active", now, None
    procedure.active_version_id = version.id
    apply_meta(session, procedure, version.meta)
    session.flush()
    return previous


def apply_meta(session: Session, procedure: Procedure, meta: dict) -> None:
    """The procedure's catalogue fields as the active version's procedure.toml gives them."""
    procedure.code = meta["code"]
    procedure.name = meta["name"]
    procedure.field = meta.get("field", "")
    procedure.level = meta.get("level", "tinh")
    procedure.variant = meta.get("variant", "one_stop")
    procedure.time_limit = Decimal(str(meta["time_limit"]))
    procedure.time_limit_unit = meta.get("time_limit_unit", "working_days")
    procedure.cutoff_hour = meta.get("cutoff_hour", "15:00")
    procedure.supplement_policy = meta.get("supplement_policy", "pause")
    procedure.fees = meta.get("fees", [])
    procedure.documents = meta.get("documents", [])
    procedure.unverified = meta.get("unverified", [])
    deciding = meta.get("deciding_unit")
    if deciding:
        procedure.deciding_unit_id = session.scalar(select(Unit.id).where(Unit.code == deciding))


def get_procedure(session: Session, code: str) -> Procedure:
    procedure = session.scalar(select(Procedure).where((Procedure.code == code) | (Procedure.slug == code)))
    if procedure is None:
        raise NotFound(f"Không có thủ tục mã {code}.")
    return procedure


def list_procedures(session: Session) -> list[Procedure]:
    return list(session.scalars(select(Procedure).order_by(Procedure.name)))
