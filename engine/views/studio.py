"""Read models of the designer's studio: the procedures and their versions, and one version as the editor opens it
(its own files, forms, procedure.toml, the choices its properties panel offers, and its findings)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import tomli_w
from jsonschema import Draft202012Validator
from jsonschema.exceptions import SchemaError
from referencing.exceptions import Unresolvable
from sqlalchemy import select
from sqlalchemy.orm import Session, defer

from engine.infra.errors import Forbidden, ValidationFailed
from engine.models import Procedure, ProcessVersion, Role, Unit, User
from engine.onestop.statuses import STATUS_LABELS
from engine.org import access
from engine.workflow.actions import action_names
from engine.workflow.drafts import EDITABLE_STATES, check_draft, own_files, read_json_text
from engine.workflow.forms import validate_form
from engine.workflow.helpers import probe_helpers
from engine.workflow.validation import Report
from engine.workflow.versions import get_version

SCHEMA_LABEL = "JSON Schema"
UI_LABEL = "UI schema"


@dataclass(frozen=True)
class StudioVersion:
    number: int
    status: str
    author: str | None
    created_at: datetime
    editable: bool  # by this user, now


@dataclass(frozen=True)
class StudioProcedure:
    code: str
    name: str
    level: str
    active: int | None
    versions: tuple[StudioVersion, ...]  # newest first


@dataclass(frozen=True)
class StudioDraft:
    procedure: Procedure
    version: ProcessVersion
    editable: bool  # this user may save it now
    may_design: bool  # this user may start drafts (and submit)
    author: str | None
    files: dict[str, str]  # the procedure's own BPMN files
    main: str  # the file holding the top process
    forms: dict[str, dict]
    toml: str
    roles: tuple[tuple[str, str], ...]  # (key, name): what a lane may be
    units: tuple[tuple[str, str], ...]  # (code, name): where a task may be worked besides receiving / deciding
    actions: tuple[str, ...]  # dossier_action names
    statuses: tuple[tuple[int, str], ...]
    helpers: tuple[str, ...]  # what timer expressions, conditions and scripts may call
    report: Report


def studio_overview(session: Session, user_id: int) -> tuple[bool, list[StudioProcedure]]:
    """Whether the user may draft, and every procedure with its versions (designers edit, administrators read)."""
    grants = access.grants_of(session, user_id)
    access.check_catalogue(grants)
    designer = _may(lambda: access.check_design(grants))
    versions = session.scalars(select(ProcessVersion).options(
        defer(ProcessVersion.files), defer(ProcessVersion.forms), defer(ProcessVersion.meta))
        .order_by(ProcessVersion.number.desc())).all()
    names = _names(session, {v.author_id for v in versions})
    by_procedure: dict[int, list[StudioVersion]] = {}
    for v in versions:
        editable = designer and v.status in EDITABLE_STATES and v.author_id in (None, user_id)
        by_procedure.setdefault(v.procedure_id, []).append(
            StudioVersion(v.number, v.status, names.get(v.author_id), v.created_at, editable))
    procedures = session.execute(select(Procedure.id, Procedure.code, Procedure.name, Procedure.level,
                                        Procedure.active_version_id).order_by(Procedure.name)).all()
    numbers = dict(session.execute(select(ProcessVersion.id, ProcessVersion.number)
                                   .where(ProcessVersion.id.in_([p.active_version_id for p in procedures
                                                                 if p.active_version_id]))).all())
    return designer, [StudioProcedure(code, name, level, numbers.get(active), tuple(by_procedure.get(pid, ())))
                      for pid, code, name, level, active in procedures]


def studio_draft(session: Session, code: str, number: int, user_id: int, bpmn_path: Path,
                 max_bytes: int = 2_000_000) -> StudioDraft:
    """A version as the editor opens it; read-only unless this user may save it now."""
    grants = access.grants_of(session, user_id)
    access.check_catalogue(grants)
    version = get_version(session, code, number)
    designer = _may(lambda: access.check_design(grants))
    editable = version.status in EDITABLE_STATES and _may(lambda: access.check_design(grants, draft=version))
    files = own_files(version)
    roles = tuple(session.execute(select(Role.key, Role.name).where(Role.key.not_in(access.NO_DOSSIER_ROLES))
                                  .order_by(Role.key)).all())
    units = tuple(session.execute(select(Unit.code, Unit.name).order_by(Unit.code)).all())
    return StudioDraft(
        procedure=version.procedure, version=version, editable=editable, may_design=designer,
        author=_names(session, {version.author_id}).get(version.author_id), files=files,
        main=main_file(version.process_id, files), forms=version.forms or {}, toml=tomli_w.dumps(version.meta or {}),
        roles=roles, units=units, actions=tuple(sorted(action_names())), statuses=tuple(STATUS_LABELS.items()),
        helpers=tuple(sorted(probe_helpers())),
        report=check_draft(session, code, number, user_id, bpmn_path, max_bytes))


def main_file(process_id: str, files: dict[str, str]) -> str:
    marker = f'id="{process_id}"'
    return next((name for name, xml in files.items() if marker in xml), next(iter(sorted(files)), ""))


def _names(session: Session, ids: set) -> dict[int, str]:
    ids = {i for i in ids if i is not None}
    if not ids:
        return {}
    return dict(session.execute(select(User.id, User.full_name).where(User.id.in_(ids))).all())


def _may(check) -> bool:
    try:
        check()
    except Forbidden:
        return False
    return True


def preview_form(schema_text: str, ui_text: str, max_bytes: int = 2_000_000) -> tuple[dict, dict, list[str]]:
    """A form being edited, read for its preview: (JSON Schema, UI schema, problems). A problem (JSON that does
    not parse, with line and column; a schema that is not one; a `$ref` outside the file) leaves no preview."""
    problems, documents = [], []
    for label, text in ((SCHEMA_LABEL, schema_text), (UI_LABEL, ui_text or "{}")):
        try:
            documents.append(read_json_text(label, text, max_bytes))
        except ValidationFailed as exc:
            problems += [f"{label}: {message}" for message in exc.errors[label]]
            documents.append({})
    schema, ui = documents
    if not problems:
        problems += _schema_problems(schema)
    return schema, ui, problems


def try_form(schema: dict, data: dict) -> dict[str, list[str]]:
    """The messages an official would see for this form data, by field ({} when it passes)."""
    try:
        validate_form(schema, data)
    except ValidationFailed as exc:
        return exc.errors
    except (Unresolvable, RecursionError) as exc:  # a "$ref" to a part of the file that is not there
        return {"_": [f"Không kiểm tra được theo biểu mẫu: {exc}"]}
    return {}


def _schema_problems(schema: dict) -> list[str]:
    remote = sorted({ref for ref in _refs(schema, 0) if not ref.startswith("#")})
    if remote:
        return [f"{SCHEMA_LABEL}: tham chiếu $ref ra ngoài tệp không được dùng ({', '.join(remote)}); hãy đặt định "
                "nghĩa trong \"$defs\" của chính tệp."]
    try:
        Draft202012Validator.check_schema(schema)
    except SchemaError as exc:
        return [f"{SCHEMA_LABEL}: không phải JSON Schema hợp lệ: {exc.message}"]
    except RecursionError:
        return [f"{SCHEMA_LABEL}: lồng nhau quá sâu."]
    if schema.get("type") != "object":
        return [f"{SCHEMA_LABEL}: biểu mẫu phải có \"type\": \"object\"."]
    return []


def _refs(node, depth: int):
    if depth > 200:
        return
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "$ref" and isinstance(value, str):
                yield value
            else:
                yield from _refs(value, depth + 1)
    elif isinstance(node, list):
        for value in node:
            yield from _refs(value, depth + 1)
