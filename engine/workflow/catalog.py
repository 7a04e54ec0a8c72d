"""The procedure catalogue: load bpmn/<procedure>/ folders into procedure and process_version rows."""
from __future__ import annotations

import hashlib
import json
import re
import tomllib
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from pathlib import Path

from jsonschema import Draft202012Validator
from jsonschema.exceptions import SchemaError
from sqlalchemy import select
from sqlalchemy.orm import Session

from engine import spiff
from engine.workflow import actions
from engine.workflow.forms import form_warnings
from engine.workflow.helpers import probe_helpers
from engine.workflow.budgets import budget_report
from engine.org.calendar import parse_budget
from engine.infra.errors import InvalidProcess, NotFound
from engine.models import Procedure, ProcessVersion, Unit
from engine.org import access

COMMON_FOLDER = "common"
_IDENTIFIER = re.compile(r"^[A-Za-z][A-Za-z0-9_]*$")
_REQUIRED_META = ("code", "name", "process_id", "time_limit")
_BUNDLES: dict[str, "VersionBundle"] = {}  # checksum -> parsed specs and forms; versions never change


@dataclass(frozen=True)
class VersionBundle:
    parsed: spiff.ParsedVersion
    forms: dict[str, dict]
    meta: dict

    def lane_unit(self, lane: str | None) -> str:
        """Where a lane's tasks are worked: 'receiving', 'deciding' (default) or a unit code."""
        return self.meta.get("lanes", {}).get(lane or "", "deciding")


@dataclass(frozen=True)
class LoadResult:
    slug: str
    version: int
    created: bool
    status: str = "active"
    warnings: tuple[str, ...] = ()  # loads, but the designer should fix it (see forms.form_warnings)


def read_folder(folder: Path, common: Path | None) -> tuple[dict, dict[str, str], dict[str, dict]]:
    """procedure.toml, the BPMN files (the folder's and the shared ones) and the forms of one procedure."""
    toml_path = folder / "procedure.toml"
    try:
        meta = tomllib.loads(toml_path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise InvalidProcess(f"{toml_path.name} của {folder.name} không đọc được: {exc}", file=toml_path.name) from exc
    files = {p.name: p.read_text(encoding="utf-8") for p in sorted(folder.glob("*.bpmn"))}
    if common is not None and common.is_dir():
        for p in sorted(common.glob("*.bpmn")):
            files.setdefault(f"{COMMON_FOLDER}/{p.name}", p.read_text(encoding="utf-8"))
    forms = {}
    form_paths = sorted((folder / "forms").glob("*.json"))
    if common is not None and common.is_dir():
        own = {p.name for p in form_paths}
        form_paths += [p for p in sorted((common / "forms").glob("*.json")) if p.name not in own]
    for p in form_paths:
        try:
            forms[p.name] = json.loads(p.read_text(encoding="utf-8"))
        except json.JSONDecodeError as exc:
            raise InvalidProcess(f"biểu mẫu {p.name} không phải JSON hợp lệ: {exc}", file=p.name) from exc
    return meta, files, forms


def validate_version(meta: dict, files: dict[str, str], forms: dict[str, dict],
                     max_bytes: int = 2_000_000) -> tuple[spiff.ParsedVersion, dict[str, str]]:
    """Parse and check a version; return the parsed specs and only the files it uses."""
    missing = [key for key in _REQUIRED_META if key not in meta]
    if missing:
        raise InvalidProcess(f"procedure.toml thiếu khóa: {', '.join(missing)}", file="procedure.toml")
    try:
        parsed = spiff.parse_version(files, meta["process_id"], max_bytes)
    except spiff.BpmnError as exc:
        raise InvalidProcess(exc.message, element=exc.element, file=exc.file) from exc
    used = _used_files(files, parsed)
    for name, document in forms.items():
        if not name.endswith(".uischema.json"):
            _check_form_schema(name, document)
    for info in parsed.user_tasks.values():
        _check_user_task(info, forms)
    known = actions.action_names()
    for node in parsed.nodes:
        action = node.properties.get("dossier_action")
        if action and action not in known:
            raise InvalidProcess(f"phần tử {node.bpmn_id}: dossier_action '{action}' không có; dùng: "
                                 f"{', '.join(sorted(known))}", element=node.bpmn_id)
    for element, problem in spiff.timer_problems(parsed, probe_helpers()):
        raise InvalidProcess(f"phần tử {element}: {problem}", element=element)
    report = budget_report(parsed, Decimal(str(meta["time_limit"])))
    if not report.fits:
        raise InvalidProcess(
            f"tổng thời hạn các bước trên đường dài nhất ({' → '.join(report.worst_path)}) là "
            f"{report.worst_days} ngày làm việc, vượt thời hạn luật định {report.limit_days} ngày",
            element=report.worst_path[-1] if report.worst_path else None,
        )
    return parsed, used


def _used_files(files: dict[str, str], parsed: spiff.ParsedVersion) -> dict[str, str]:
    wanted = {parsed.process_id, *parsed.called_process_ids}
    return {name: xml for name, xml in files.items()
            if not name.startswith(f"{COMMON_FOLDER}/") or any(f'id="{pid}"' in xml for pid in wanted)}


def _check_form_schema(name: str, schema: dict) -> None:
    try:
        Draft202012Validator.check_schema(schema)
    except SchemaError as exc:
        raise InvalidProcess(f"biểu mẫu {name} không phải JSON Schema hợp lệ: {exc.message}", file=name) from exc
    if schema.get("type") != "object":
        raise InvalidProcess(f"biểu mẫu {name} phải có \"type\": \"object\"", file=name)
    for key in schema.get("properties", {}):
        if not _IDENTIFIER.match(key):
            raise InvalidProcess(f"biểu mẫu {name}: tên trường '{key}' phải là định danh không bắt đầu bằng _",
                                 file=name)


def _check_user_task(info: spiff.UserTaskInfo, forms: dict[str, dict]) -> None:
    where = f"công việc {info.bpmn_id} ({info.name})"
    if not info.lane:
        raise InvalidProcess(f"{where} nằm ngoài mọi làn (lane); mỗi công việc phải thuộc một vai trò",
                             element=info.bpmn_id)
    if not _IDENTIFIER.match(info.lane):
        raise InvalidProcess(f"{where}: tên làn '{info.lane}' phải là mã vai trò", element=info.bpmn_id)
    props = info.properties
    for key in ("formJsonSchemaFilename", "formUiSchemaFilename"):
        if props.get(key) and props[key] not in forms:
            raise InvalidProcess(f"{where}: không có tệp biểu mẫu {props[key]}", element=info.bpmn_id)
    if "step_budget" in props:
        try:
            parse_budget(props["step_budget"])
        except ValueError as exc:
            raise InvalidProcess(f"{where}: {exc}", element=info.bpmn_id) from exc
    if "dossier_status" in props and props["dossier_status"] not in {str(i) for i in range(1, 11)}:
        raise InvalidProcess(f"{where}: dossier_status phải là mã trạng thái 1–10", element=info.bpmn_id)


def _check_units(session: Session, meta: dict, parsed: spiff.ParsedVersion) -> None:
    """Every unit a lane or task names must exist, or its tasks would have no calendar and no officers."""
    for info in parsed.user_tasks.values():
        where = info.properties.get("unit") or meta.get("lanes", {}).get(info.lane or "", "deciding")
        if where in ("receiving", "deciding"):
            continue
        if session.scalar(select(Unit.id).where(Unit.code == where)) is None:
            raise InvalidProcess(f"công việc {info.bpmn_id}: đơn vị {where} (làn {info.lane}) không tồn tại, "
                                 "không có lịch làm việc", element=info.bpmn_id)


def _check_start_messages(session: Session, slug: str, parsed: spiff.ParsedVersion) -> None:
    """A message may start one procedure only, or the bus could not tell whose process to start."""
    mine = spiff.start_message_names(parsed)
    if not mine:
        return
    rows = session.execute(select(Procedure.slug, Procedure.active_version_id)
                           .where(Procedure.active_version_id.is_not(None), Procedure.slug != slug))
    for other, version_id in rows:
        shared = mine & spiff.start_message_names(version_bundle(session, version_id).parsed)
        if shared:
            raise InvalidProcess(f"thông điệp {', '.join(sorted(shared))} đã khởi động quy trình của thủ tục "
                                 f"{other}; mỗi thông điệp chỉ khởi động một quy trình")


def checksum(meta: dict, files: dict[str, str], forms: dict[str, dict]) -> str:
    blob = json.dumps({"meta": meta, "files": files, "forms": forms}, sort_keys=True, ensure_ascii=False,
                      default=str)
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()


def check_version(session: Session, slug: str, meta: dict, files: dict[str, str], forms: dict[str, dict],
                  max_bytes: int = 2_000_000) -> tuple[spiff.ParsedVersion, dict[str, str], str]:
    """Everything a version must pass before it is stored (the one check of folders, uploads and the studio):
    the parsed specs, the files it uses and its checksum."""
    parsed, used = validate_version(meta, files, forms, max_bytes)
    _check_units(session, meta, parsed)
    _check_start_messages(session, slug, parsed)
    return parsed, used, checksum(meta, used, forms)


def remember_bundle(digest: str, parsed: spiff.ParsedVersion, forms: dict[str, dict], meta: dict) -> None:
    _BUNDLES[digest] = VersionBundle(parsed, forms, meta)


def load_procedure(session: Session, folder: Path, common: Path | None, now: datetime,
                   actor_id: int | None = None, max_bytes: int = 2_000_000, *,
                   activate: bool = False) -> LoadResult:
    """Store one procedure folder as a version. The first version of a procedure goes live at once (a fresh
    install needs a working catalogue); a changed folder becomes a version submitted for approval, or, with
    `activate`, one approved and activated by `actor_id`, who must be an administrator.
    An unchanged folder stores nothing."""
    if activate:
        access.check_admin(access.grants_of(session, actor_id) if actor_id is not None else access.NOBODY)
    meta, files, forms = read_folder(folder, common)
    parsed, used, digest = check_version(session, folder.name, meta, files, forms, max_bytes)
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
    if latest is not None and latest.checksum == digest:
        return LoadResult(folder.name, latest.number, False, latest.status, tuple(form_warnings(forms)))
    number = (latest.number if latest is not None else 0) + 1
    live = first or activate
    version = ProcessVersion(
        procedure_id=procedure.id, number=number, process_id=meta["process_id"], files=used, forms=forms,
        meta=meta, checksum=digest, status="active" if live else "submitted", author_id=None,
        approver_id=actor_id if live else None, created_at=now, submitted_at=now,
        reviewed_at=now if live else None, approved_at=now if live else None, activated_at=now if live else None,
        note="Nạp từ thư mục bpmn/ của bản cài đặt",
    )
    session.add(version)
    session.flush()
    if live:
        make_active(session, procedure, version, now)
    _BUNDLES[digest] = VersionBundle(parsed, forms, meta)
    return LoadResult(folder.name, number, True, version.status, tuple(form_warnings(forms)))


def load_procedures(session: Session, bpmn_path: Path, now: datetime, actor_id: int | None = None,
                    max_bytes: int = 2_000_000, *, activate: bool = False) -> list[LoadResult]:
    """Load every bpmn/<procedure>/ folder that has a procedure.toml."""
    common = bpmn_path / COMMON_FOLDER
    folders = sorted(p for p in bpmn_path.iterdir() if (p / "procedure.toml").is_file())
    return [load_procedure(session, folder, common, now, actor_id, max_bytes, activate=activate)
            for folder in folders]


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


def version_bundle(session: Session, version_id: int, digest: str | None = None) -> VersionBundle:
    """A version's parsed specs and forms, parsed once per process and cached by content checksum."""
    if digest is None:
        digest = session.scalar(select(ProcessVersion.checksum).where(ProcessVersion.id == version_id))
    bundle = _BUNDLES.get(digest)
    if bundle is None:
        version = session.get(ProcessVersion, version_id)
        if version is None:
            raise NotFound(f"Không có phiên bản quy trình #{version_id}.")
        bundle = VersionBundle(spiff.parse_version(version.files, version.process_id), version.forms, version.meta)
        _BUNDLES[version.checksum] = bundle
    return bundle
