"""Moving running dossiers onto their procedure's active version, by an administrator: a dry run per dossier
first (can it move, where would it stand), then each move in a unit of work of its own, audited. A dossier
whose changed or removed part has already run stays on its version."""
from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from engine import spiff
from engine.infra.db import unit_of_work
from engine.infra.errors import Conflict, MotcuaError, NotFound
from engine.models import Dossier, ProcessInstance, ProcessVersion, WorkItem
from engine.org import access
from engine.workflow import runtime
from engine.workflow.catalog import get_procedure, version_bundle

log = logging.getLogger(__name__)
CHANGES = {"changed": "đã thay đổi", "removed": "đã bị bỏ"}


@dataclass(frozen=True)
class MigrationCheck:
    """What moving one dossier would do: whether it can, why not, and the steps it stands at before and after."""

    dossier_code: str
    from_version: int
    to_version: int
    movable: bool
    reasons: list[str]
    steps_now: list[str]
    steps_after: list[str]


@dataclass(frozen=True)
class MigrationResult:
    dossier_code: str
    moved: bool
    message: str


def migration_candidates(session: Session, code: str, user_id: int, now: datetime) -> list[MigrationCheck]:
    """The dry run: every dossier of the procedure still running on an older version, checked against the
    active one; nothing is written or locked."""
    target = _target(session, code, user_id)
    rows = session.execute(
        select(ProcessInstance, Dossier).join(Dossier, Dossier.id == ProcessInstance.dossier_id)
        .join(ProcessVersion, ProcessVersion.id == ProcessInstance.process_version_id)
        .where(ProcessVersion.procedure_id == target.procedure_id, ProcessInstance.status == "running",
               ProcessInstance.process_version_id != target.id)
        .order_by(Dossier.received_at, Dossier.id)).all()
    numbers = dict(session.execute(select(ProcessVersion.id, ProcessVersion.number)
                                   .where(ProcessVersion.procedure_id == target.procedure_id)).all())
    new = version_bundle(session, target.id).parsed
    checks = []
    for instance, dossier in rows:
        bundle = version_bundle(session, instance.process_version_id)
        workflow = spiff.load(instance.state, bundle.parsed, runtime.script_engine(session, dossier, now))
        checks.append(_check(workflow, new, dossier.code, numbers[instance.process_version_id], target.number, now))
    return checks


def migrate_dossier(session: Session, code: str, dossier_code: str, user_id: int, now: datetime) -> MigrationCheck:
    """Move one dossier's running instance onto the procedure's active version: its open steps are replaced
    by those of the new version (new due times from now), the move is audited on the dossier."""
    target = _target(session, code, user_id)
    instance_id, from_id = _running_instance(session, target, dossier_code)
    run = runtime.open_instance(session, instance_id, now=now, actor_id=user_id)
    new = version_bundle(session, target.id)
    from_number = session.scalar(select(ProcessVersion.number).where(ProcessVersion.id == from_id))
    blockers = spiff.migration_blockers(run.workflow, new.parsed)
    if blockers:
        raise Conflict(f"Hồ sơ {dossier_code} không chuyển được: " + "; ".join(_reasons(blockers)) + ".")
    steps_now = [task.name for task in spiff.ready_user_tasks(run.workflow)]
    spiff.migrate(run.workflow, new.parsed)
    run.bundle = new
    runtime.run_step(run, spiff.advance)
    run.record(action="instance_migrated", at=now, actor_id=user_id, dossier_id=run.facts.id,
               instance_id=instance_id, detail={"from_version": from_number, "to_version": target.number,
                                                "steps_before": steps_now})
    runtime.finish(run)  # steps gone from the new version are cancelled, new ones become work items
    _restate_open_items(run)
    session.execute(update(ProcessInstance).where(ProcessInstance.id == instance_id)
                    .values(process_version_id=target.id).execution_options(synchronize_session=False))
    session.execute(update(Dossier).where(Dossier.id == run.facts.id, Dossier.process_version_id == from_id)
                    .values(process_version_id=target.id).execution_options(synchronize_session=False))
    steps_after = [task.name for task in spiff.ready_user_tasks(run.workflow)]
    return MigrationCheck(dossier_code, from_number, target.number, True, [], steps_now, steps_after)


def migrate_dossiers(factory: sessionmaker[Session], code: str, dossier_codes: list[str], user_id: int,
                     now: datetime) -> list[MigrationResult]:
    """Move the chosen dossiers, each in a unit of work of its own: one that cannot move is reported and the
    others go on. A refusal of the administrator stops everything before any move."""
    with unit_of_work(factory) as session:
        _target(session, code, user_id)
    results = []
    for dossier_code in dict.fromkeys(dossier_codes):
        try:
            with unit_of_work(factory) as session:
                check = migrate_dossier(session, code, dossier_code, user_id, now)
            results.append(MigrationResult(dossier_code, True, "Đang ở: " + ", ".join(check.steps_after)))
        except MotcuaError as exc:
            results.append(MigrationResult(dossier_code, False, exc.message))
    return results


def _restate_open_items(run: runtime.InstanceRun) -> None:
    """A step open before and after the move keeps its work item, described as the new version has it; its
    official keeps it unless the step's role or unit changed."""
    session = run.session
    items = {item.task_id: item for item in session.scalars(
        select(WorkItem).where(WorkItem.instance_id == run.instance.id, WorkItem.state == "ready"))}
    for task in spiff.ready_user_tasks(run.workflow):
        item = items.get(task.task_id)
        if item is None:
            continue
        unit_id = runtime.unit_for(run, task.lane, task.properties.get("unit"))
        if (item.role_key, item.unit_id) != (task.lane, unit_id):
            item.assignee_id = item.claimed_at = None
        item.name, item.bpmn_id, item.role_key, item.unit_id = task.name, task.bpmn_id, task.lane, unit_id
        item.form = task.properties.get("formJsonSchemaFilename")
    session.flush()


def may_migrate(session: Session, code: str, user_id: int) -> bool:
    """Whether the user may move the procedure's running dossiers (the page offers the link only then)."""
    procedure = get_procedure(session, code)
    if procedure.active_version_id is None:
        return False
    return access.may_approve(session, access.grants_of(session, user_id),
                              session.get(ProcessVersion, procedure.active_version_id))


def _target(session: Session, code: str, user_id: int) -> ProcessVersion:
    """The procedure's active version, which only an administrator of its level moves dossiers onto."""
    procedure = get_procedure(session, code)
    if procedure.active_version_id is None:
        raise Conflict(f"Thủ tục {procedure.code} chưa có phiên bản đang áp dụng.")
    target = session.get(ProcessVersion, procedure.active_version_id)
    access.check_approve(session, access.grants_of(session, user_id), target, author_may=True)
    return target


def _running_instance(session: Session, target: ProcessVersion, dossier_code: str) -> tuple[int, int]:
    dossier_id = session.scalar(select(Dossier.id).where(Dossier.code == dossier_code))
    if dossier_id is None:
        raise NotFound(f"Không có hồ sơ mã {dossier_code}.")
    row = session.execute(
        select(ProcessInstance.id, ProcessInstance.process_version_id)
        .join(ProcessVersion, ProcessVersion.id == ProcessInstance.process_version_id)
        .where(ProcessInstance.dossier_id == dossier_id, ProcessInstance.status == "running",
               ProcessVersion.procedure_id == target.procedure_id)).first()
    if row is None:
        log.warning("refused to move dossier %s: no running instance of procedure #%s", dossier_code,
                    target.procedure_id)
        raise Conflict(f"Hồ sơ {dossier_code} không có tiến trình đang chạy của thủ tục này.")
    if row[1] == target.id:
        raise Conflict(f"Hồ sơ {dossier_code} đã ở phiên bản {target.number}.")
    return row[0], row[1]


def _check(workflow, new, dossier_code: str, from_number: int, to_number: int, now: datetime) -> MigrationCheck:
    steps_now = [task.name for task in spiff.ready_user_tasks(workflow)]
    blockers = spiff.migration_blockers(workflow, new)
    if blockers:
        return MigrationCheck(dossier_code, from_number, to_number, False, _reasons(blockers), steps_now, [])
    spiff.migrate(workflow, new)  # on a copy loaded for the dry run only: nothing is saved
    try:
        spiff.advance(workflow, now)
    except spiff.EngineStepError as exc:
        return MigrationCheck(dossier_code, from_number, to_number, False,
                              [f"phiên bản mới lỗi khi chạy tiếp: {exc.message}"], steps_now, [])
    return MigrationCheck(dossier_code, from_number, to_number, True, [], steps_now,
                          [task.name for task in spiff.ready_user_tasks(workflow)])


def _reasons(blockers) -> list[str]:
    return [f"bước \"{b.name}\" ({b.bpmn_id}) đã thực hiện nhưng {CHANGES[b.change]} ở phiên bản mới"
            for b in blockers]
