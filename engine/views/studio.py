"""Read models of the designer's studio: the procedures and their versions, and one version as the editor opens it
(its own files, forms, procedure.toml, the choices its properties panel offers, and its findings)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import tomli_w
from sqlalchemy import select
from sqlalchemy.orm import Session, defer

from engine.infra.errors import Forbidden
from engine.models import Procedure, ProcessVersion, Role, Unit, User
from engine.onestop.statuses import STATUS_LABELS
from engine.org import access
from engine.workflow.actions import action_names
from engine.workflow.drafts import EDITABLE_STATES, check_draft, own_files
from engine.workflow.helpers import probe_helpers
from engine.workflow.validation import Report
from engine.workflow.versions import get_version


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
    editable = version.status in EDITABLE_STATES and _may(lambda: access.check_edit_draft(grants, version.author_id))
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
