"""One unit of work per process instance: lock, load, advance, project work items, save."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session, contains_eager
from sqlalchemy.orm.exc import StaleDataError

from engine import spiff
from engine.infra.audit import record_event
from engine.org.calendar import budget_due, parse_budget
from engine.workflow import actions
from engine.workflow.helpers import helpers_for
from engine.workflow.catalog import VersionBundle, version_bundle
from engine.infra.db import is_postgresql
from engine.infra.errors import Conflict, NotFound, ScriptError
from engine.models import Dossier, Message, ProcessInstance, ProcessVersion, Unit, WorkItem
from engine.org.calendar import unit_calendar

TERMINAL_STATUSES = {3, 8, 10}


@dataclass
class InstanceRun:
    """An instance loaded for one unit of work; `finish` saves it."""

    session: Session
    instance: ProcessInstance
    dossier: Dossier
    bundle: VersionBundle
    workflow: object
    now: datetime
    actor_id: int | None
    completed_before: set[str] = field(default_factory=set)
    ready_before: set[str] = field(default_factory=set)


def script_engine(session: Session, dossier: Dossier, now: datetime):
    """The sandboxed engine with the helpers BPMN expressions may call, on the deciding unit's calendar."""
    def calendar_of():
        return unit_calendar(session, dossier.deciding_unit_id)

    return spiff.make_script_engine(helpers_for(calendar_of, now, dossier.due_at, dossier.code, dossier.status))


def start_instance(session: Session, dossier: Dossier, *, now: datetime, actor_id: int | None,
                   version_id: int | None = None, unit_id: int | None = None,
                   first_message: dict | None = None) -> ProcessInstance:
    """Start a process for the dossier: its own procedure's, or a partner agency's (liên thông) that a
    message starts, run in the partner's unit."""
    version_id = version_id or dossier.process_version_id
    bundle = version_bundle(session, version_id)
    workflow = spiff.new_workflow(bundle.parsed, script_engine(session, dossier, now))
    instance = ProcessInstance(
        dossier_id=dossier.id, process_version_id=version_id, unit_id=unit_id or dossier.deciding_unit_id,
        state="", status="running", created_at=now, updated_at=now,
    )
    session.add(instance)
    session.flush()
    run = InstanceRun(session, instance, dossier, bundle, workflow, now, actor_id)
    run_step(run, spiff.advance)
    if first_message is not None:
        run_step(run, spiff.deliver, first_message)
    finish(run)
    return instance


def open_instance(session: Session, instance_id: int, *, now: datetime, actor_id: int | None) -> InstanceRun:
    """Lock the instance (FOR UPDATE on PostgreSQL, the write lock on SQLite) and load it.

    The revision column is checked again when the instance is saved, so a stale copy can never win.
    """
    if not is_postgresql(session):
        # SQLite has no row locks: a no-op write takes the database write lock before the state is read.
        session.execute(update(ProcessInstance).where(ProcessInstance.id == instance_id)
                        .values(revision=ProcessInstance.revision))
    else:
        # The dossier first, then its instance: the order dossier actions of the pages take them in, so a
        # BPMN step and a page action on one dossier wait for each other instead of deadlocking.
        session.execute(select(Dossier.id).join(ProcessInstance, ProcessInstance.dossier_id == Dossier.id)
                        .where(ProcessInstance.id == instance_id).with_for_update(of=Dossier))
    statement = (
        select(ProcessInstance, ProcessVersion.checksum)
        .join(ProcessVersion, ProcessVersion.id == ProcessInstance.process_version_id)
        .join(ProcessInstance.dossier)
        .options(contains_eager(ProcessInstance.dossier))
        .where(ProcessInstance.id == instance_id)
        .with_for_update(of=ProcessInstance)
        .execution_options(populate_existing=True)
    )
    row = session.execute(statement).first()
    if row is None:
        raise NotFound(f"Không có tiến trình #{instance_id}.")
    instance, digest = row
    if instance.status != "running":
        raise Conflict(f"Tiến trình của hồ sơ {instance.dossier.code} không còn chạy ({instance.status}).")
    bundle = version_bundle(session, instance.process_version_id, digest)
    try:
        workflow = spiff.load(instance.state, bundle.parsed, script_engine(session, instance.dossier, now))
    except (ValueError, KeyError, TypeError, AttributeError) as exc:  # JSON or serializer-format damage
        raise ScriptError(f"Không đọc được trạng thái tiến trình của hồ sơ {instance.dossier.code}: {exc}") from exc
    completed, _ = spiff.reached_properties(workflow, set())
    ready = {task.task_id for task in spiff.ready_user_tasks(workflow)}
    return InstanceRun(session, instance, instance.dossier, bundle, workflow, now, actor_id, completed, ready)


def finish(run: InstanceRun, completing: WorkItem | None = None) -> None:
    project(run, completing)
    save(run)


def project(run: InstanceRun, completing: WorkItem | None = None) -> None:
    """Bring the dossier status and the work items in line with the advanced workflow."""
    _, reached = spiff.reached_properties(run.workflow, run.completed_before)
    for props, data in reached:
        if not props.get("dossier_action"):
            _apply_status(run, props.get("dossier_status"))
        else:
            apply_action(run, props["dossier_action"], props, data)
    _project_work_items(run, completing)


def save(run: InstanceRun) -> None:
    """Queue thrown messages, store the state and next timer; flush so a stale revision surfaces here."""
    session, instance, workflow = run.session, run.instance, run.workflow
    for event in spiff.drain_events(workflow):  # drained before dumping, or they would be stored twice
        name = event["event_definition"]["name"]
        session.add(Message(
            name=name, correlation=run.dossier.code, payload=event,
            state="pending", attempts=0, sender_instance_id=instance.id, created_at=run.now,
        ))
        record_event(session, action="message_sent", at=run.now, actor_id=run.actor_id, dossier_id=run.dossier.id,
                     instance_id=instance.id, detail={"message": name, "from_unit_id": instance.unit_id})
    instance.waiting_for = spiff.waiting_message_names(workflow) or None
    try:
        instance.next_timer_at = spiff.next_timer_due(workflow)
    except spiff.EngineStepError as exc:
        raise ScriptError(f"Lỗi hẹn giờ trong quy trình của hồ sơ {run.dossier.code}: {exc.message}",
                          element=exc.element) from exc
    if spiff.is_completed(workflow):
        instance.status = "completed"
        instance.next_timer_at = None
    instance.state = spiff.dump(workflow)
    instance.updated_at = run.now
    code = run.dossier.code
    try:
        session.flush()
    except StaleDataError as exc:
        raise Conflict(f"Hồ sơ {code} vừa được người khác cập nhật; hãy tải lại và thử lại.") from exc


def shift_timers(run: InstanceRun, move) -> None:
    """Move every waiting timer of the instance by `move` (instant -> instant), e.g. when the due date moves."""
    spiff.shift_timers(run.workflow, move)


def run_step(run: InstanceRun, step, *args) -> None:
    try:
        step(run.workflow, run.now, *args)
    except spiff.EngineStepError as exc:
        raise ScriptError(f"Lỗi khi chạy quy trình của hồ sơ {run.dossier.code}: {exc.message}",
                          element=exc.element) from exc


def _project_work_items(run: InstanceRun, completing: WorkItem | None) -> None:
    session = run.session
    ready = spiff.ready_user_tasks(run.workflow)
    ready_ids = {task.task_id for task in ready}
    # Work items mirror the ready tasks of the state that was loaded, so only what changed is touched.
    known = run.ready_before
    gone = known - ready_ids - ({completing.task_id} if completing is not None else set())
    stale = session.scalars(
        select(WorkItem).where(WorkItem.instance_id == run.instance.id, WorkItem.task_id.in_(gone),
                               WorkItem.state == "ready")
    ).all() if gone else []
    for item in stale:
        item.state = "cancelled"
        record_event(session, action="task_cancelled", at=run.now, actor_id=run.actor_id,
                     dossier_id=run.dossier.id, instance_id=run.instance.id, work_item_id=item.id)
    for task in ready:
        if task.task_id in known:
            continue
        props = task.properties
        budget = props.get("step_budget")
        unit_id = _unit_for(run, task.lane, props.get("unit"))
        item = WorkItem(
            instance_id=run.instance.id, dossier_id=run.dossier.id, task_id=task.task_id, bpmn_id=task.bpmn_id,
            name=task.name, role_key=task.lane, unit_id=unit_id, form=props.get("formJsonSchemaFilename"),
            state="ready", ready_at=run.now,
            due_at=budget_due(unit_calendar(session, unit_id), run.now, budget) if _budgeted(budget) else None,
        )
        session.add(item)
        _apply_status(run, props.get("dossier_status"))


def apply_action(run: InstanceRun, action: str, props: dict, data: dict) -> None:
    """Dossier changes a BPMN node asks for through its `dossier_action` property (see workflow.actions)."""
    handler = actions.handler(action)
    if handler is None:
        names = ", ".join(sorted(actions.action_names()))
        raise ScriptError(f"Hành động hồ sơ '{action}' không được hỗ trợ; dùng: {names}.")
    handler(run, props, data)


def _budgeted(budget: str | None) -> bool:
    """A step with no budget, or a zero one (e.g. handing over at the desk), has no due time of its own."""
    return bool(budget) and parse_budget(budget)[0] > 0


def _apply_status(run: InstanceRun, value: str | None) -> None:
    if value is None:
        return
    dossier, status = run.dossier, int(value)
    if status == dossier.status:
        return
    before = dossier.status
    dossier.status = status
    if status == 9 and dossier.finished_at is None:
        dossier.finished_at = run.now
    if status == 10:
        dossier.returned_at = run.now
    record_event(run.session, action="status_changed", at=run.now, actor_id=run.actor_id, dossier_id=dossier.id,
                 instance_id=run.instance.id, status_before=before, status_after=status)


def _unit_for(run: InstanceRun, lane: str | None, override: str | None) -> int:
    """The unit whose role holders see a task: the lane's mapping in procedure.toml, deciding by default."""
    where = override or run.bundle.lane_unit(lane)
    if where == "receiving":
        return run.dossier.receiving_unit_id
    if where == "deciding":
        return run.instance.unit_id  # the dossier's deciding unit, or the partner agency running this part
    unit_id = run.session.scalar(select(Unit.id).where(Unit.code == where))
    if unit_id is None:
        raise NotFound(f"Làn {lane} trỏ tới đơn vị {where} không tồn tại.")
    return unit_id
