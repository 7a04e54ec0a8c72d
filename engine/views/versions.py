"""Read models of the version pages: procedures with their versions' states, one version with what it may become,
its diagrams and its differences from the version it would replace."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, defer

from engine.infra.errors import Forbidden, InvalidProcess, NotFound
from engine.models import Procedure, ProcessVersion, User
from engine.org import access
from engine.workflow.catalog import get_procedure
from engine.workflow.differences import Differences, version_differences
from engine.workflow.versions import get_version, list_versions

# The state each action starts from (engine.workflow.versions enforces it again on every POST).
ACTION_STATES = {"submit": {"draft", "rejected"}, "approve": {"submitted"}, "reject": {"submitted"},
                 "activate": {"approved"}, "retire": {"active"}}


@dataclass(frozen=True)
class ProcedureRow:
    code: str
    name: str
    level: str
    active: int | None  # the number of the active version
    waiting: tuple[int, ...]  # submitted, waiting for approval
    scheduled: tuple[tuple[int, datetime], ...]  # approved, with the instant it goes live
    others: int  # drafts, rejected, approved without schedule
    latest: int


@dataclass(frozen=True)
class Waiting:
    code: str
    name: str
    number: int
    submitted_at: datetime | None
    may_review: bool  # this user may approve or reject it


@dataclass(frozen=True)
class Overview:
    procedures: tuple[ProcedureRow, ...]
    waiting: tuple[Waiting, ...]  # every submitted version, oldest submission first


@dataclass(frozen=True)
class VersionPage:
    procedure: Procedure
    version: ProcessVersion
    compared: ProcessVersion | None  # the active version, or the previous one when this is the active one
    differences: Differences | None  # older of the two first
    diagrams: tuple[tuple[ProcessVersion, str], ...]  # (version, main BPMN file name), older first
    people: dict[int, str]  # user id -> full name, for author and approver
    actions: tuple[str, ...]  # what this user may do now: submit, approve, reject, activate, retire


def versions_overview(session: Session, user_id: int) -> Overview:
    grants = access.grants_of(session, user_id)
    access.check_catalogue(grants)
    rows = session.execute(select(Procedure.id, Procedure.code, Procedure.name, Procedure.level,
                                  Procedure.active_version_id).order_by(Procedure.name)).all()
    versions = session.scalars(select(ProcessVersion).options(defer(ProcessVersion.files),
                                                              defer(ProcessVersion.forms), defer(ProcessVersion.meta))
                               .order_by(ProcessVersion.number)).all()
    by_procedure: dict[int, list[ProcessVersion]] = {}
    for version in versions:
        by_procedure.setdefault(version.procedure_id, []).append(version)
    procedures, waiting = [], []
    for pid, code, name, level, active_id in rows:
        mine = by_procedure.get(pid, [])
        active = next((v.number for v in mine if v.id == active_id), None)
        submitted = [v for v in mine if v.status == "submitted"]
        scheduled = tuple((v.number, v.activate_at) for v in mine if v.status == "approved" and v.activate_at)
        procedures.append(ProcedureRow(
            code, name, level, active, tuple(v.number for v in submitted), scheduled,
            sum(1 for v in mine if v.status in {"draft", "rejected", "approved"}) - len(scheduled),
            max((v.number for v in mine), default=0)))
        waiting += [Waiting(code, name, v.number, v.submitted_at,
                            _may(lambda v=v: access.check_approve(session, grants, v))) for v in submitted]
    waiting.sort(key=lambda w: (w.submitted_at is None, w.submitted_at or datetime.min, w.code))
    return Overview(tuple(procedures), tuple(waiting))


def procedure_versions(session: Session, code: str, user_id: int) -> tuple[Procedure, list[ProcessVersion],
                                                                           dict[int, str]]:
    """A procedure, its versions newest first, and the names of their authors and approvers."""
    access.check_catalogue(access.grants_of(session, user_id))
    versions = list_versions(session, code)
    return get_procedure(session, code), versions, _names(session, versions)


def version_page(session: Session, code: str, number: int, user_id: int) -> VersionPage:
    grants = access.grants_of(session, user_id)
    access.check_catalogue(grants)
    version = get_version(session, code, number)
    procedure = version.procedure
    compared = _compared(session, procedure, version)
    pair = sorted([version, compared], key=lambda v: v.number) if compared is not None else [version]
    checks = {
        "submit": lambda: access.check_design(grants),
        "approve": lambda: access.check_approve(session, grants, version),
        "reject": lambda: access.check_approve(session, grants, version),
        "activate": lambda: access.check_approve(session, grants, version, author_may=True),
        "retire": lambda: access.check_approve(session, grants, version, author_may=True),
    }
    actions = tuple(action for action, check in checks.items()
                    if version.status in ACTION_STATES[action] and _may(check))
    return VersionPage(
        procedure=procedure, version=version, compared=compared,
        differences=_differences(session, pair) if compared is not None else None,
        diagrams=tuple((v, main_file(v)) for v in pair), people=_names(session, pair), actions=actions)


def version_file(session: Session, code: str, number: int, name: str, user_id: int) -> str:
    """One BPMN file of a version, for the diagram viewer."""
    access.check_catalogue(access.grants_of(session, user_id))
    xml = get_version(session, code, number).files.get(name)
    if xml is None:
        raise NotFound(f"Phiên bản {number} không có tệp {name}.")
    return xml


def main_file(version: ProcessVersion) -> str:
    """The file holding the version's top process (the others are shared sub-processes)."""
    marker = f'id="{version.process_id}"'
    return next((name for name, xml in version.files.items() if marker in xml), next(iter(version.files), ""))


def _compared(session: Session, procedure: Procedure, version: ProcessVersion) -> ProcessVersion | None:
    if procedure.active_version_id is not None and procedure.active_version_id != version.id:
        return session.get(ProcessVersion, procedure.active_version_id)
    return session.scalar(select(ProcessVersion).where(ProcessVersion.procedure_id == procedure.id,
                                                       ProcessVersion.number < version.number)
                          .order_by(ProcessVersion.number.desc()).limit(1))


def _differences(session: Session, pair: list[ProcessVersion]) -> Differences | None:
    """None when a side does not parse (a draft saved with errors in the studio): its diagram still shows."""
    try:
        return version_differences(session, pair[0], pair[1])
    except InvalidProcess:
        return None


def _may(check) -> bool:
    try:
        check()
    except Forbidden:
        return False
    return True


def _names(session: Session, versions) -> dict[int, str]:
    ids = {i for v in versions for i in (v.author_id, v.approver_id) if i is not None}
    if not ids:
        return {}
    return dict(session.execute(select(User.id, User.full_name).where(User.id.in_(ids))).all())
