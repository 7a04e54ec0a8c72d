"""One unit of work per process instance: lock, load, advance, project work items, save."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from engine import spiff
from engine.infra.errors import Conflict, NotFound, ScriptError
from engine.models import Dossier, ProcessInstance, Unit
from engine.org.calendar import budget_due, parse_budget, unit_calendar
from engine.workflow import actions, store
from engine.workflow.catalog import VersionBundle, version_bundle
from engine.workflow.helpers import helpers_for
from engine.workflow.run import InstanceRun
from engine.workflow.store import DossierFacts, InstanceRow, Loaded

TERMINAL_STATUSES = {3, 8, 10}
WITHDRAWAL_REQUESTED = 7
FINAL_STATUSES = {8, 9, 10}  # stopped, result ready, returned: what a withdrawal request gives way to


def script_engine(session: Session, dossier, now: datetime):
    """The sandboxed engine with the helpers BPMN expressions may call, on the deciding unit's calendar."""
    calendar_of = lambda: unit_calendar(session, dossier.deciding_unit_id)  # noqa: E731 - read only if a script asks
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
    row = InstanceRow(instance.id, dossier.id, version_id, instance.unit_id, "running", instance.revision, "")
    facts = DossierFacts(dossier.id, dossier.code, dossier.procedure_id, dossier.status, dossier.due_at,
                         dossier.receiving_unit_id, dossier.deciding_unit_id, dossier.finished_at,
                         dossier.returned_at, dossier.paused_at)
    run = InstanceRun(session, row, facts, bundle, workflow, now, actor_id, mapped=dossier, through=True)
    run_step(run, spiff.advance)
    if first_message is not None:
        run_step(run, spiff.deliver, first_message)
    finish(run)
    return instance


def open_instance(session: Session, instance_id: int, *, now: datetime, actor_id: int | None) -> InstanceRun:
    """Lock the instance (FOR UPDATE on PostgreSQL, the write lock on SQLite) and load it.

    The revision column is checked again when the instance is saved, so a stale copy can never win.
    """
    loaded = store.lock_and_load_instance(session, instance_id)
    if loaded is None:
        raise NotFound(f"Không có tiến trình #{instance_id}.")
    return begin(session, loaded, now=now, actor_id=actor_id)


def begin(session: Session, loaded: Loaded, *, now: datetime, actor_id: int | None) -> InstanceRun:
    """A run of a locked and loaded instance; it must still be running."""
    instance, facts = loaded.instance, loaded.dossier
    if instance.status != "running":
        raise Conflict(f"Tiến trình của hồ sơ {facts.code} không còn chạy ({instance.status}).")
    bundle = version_bundle(session, instance.process_version_id, loaded.checksum)
    try:
        workflow = spiff.load(instance.state, bundle.parsed, script_engine(session, facts, now))
    except (ValueError, KeyError, TypeError, AttributeError) as exc:  # JSON or serializer-format damage
        raise ScriptError(f"Không đọc được trạng thái tiến trình của hồ sơ {facts.code}: {exc}") from exc
    completed, _ = spiff.reached_properties(workflow, set())
    ready = {task.task_id for task in spiff.ready_user_tasks(workflow)}
    return InstanceRun(session, instance, facts, bundle, workflow, now, actor_id, completed, ready)


def finish(run: InstanceRun, completing: str | None = None) -> None:
    project(run, completing)
    save(run)


def project(run: InstanceRun, completing: str | None = None) -> None:
    """Bring the dossier status and the work items in line with the advanced workflow (`completing`: the
    task id of the item the caller completes itself)."""
    _, reached = spiff.reached_properties(run.workflow, run.completed_before)
    for props, data in reached:
        if not props.get("dossier_action"):
            _apply_status(run, props.get("dossier_status"))
        else:
            apply_action(run, props["dossier_action"], props, data)
    _project_work_items(run, completing)


def save(run: InstanceRun) -> None:
    """Queue thrown messages, store the state and next timer under the revision read, with the new rows."""
    session, instance, workflow = run.session, run.instance, run.workflow
    for event in spiff.drain_events(workflow):  # drained before dumping, or they would be stored twice
        name = event["event_definition"]["name"]
        run.messages.append({"name": name, "correlation": run.facts.code, "payload": event, "state": "pending",
                             "attempts": 0, "sender_instance_id": instance.id, "created_at": run.now})
        run.record(action="message_sent", at=run.now, actor_id=run.actor_id, dossier_id=run.facts.id,
                   instance_id=instance.id, detail={"message": name, "from_unit_id": instance.unit_id})
    instance.waiting_for = spiff.waiting_message_names(workflow) or None
    try:
        instance.next_timer_at = spiff.next_timer_due(workflow)
    except spiff.EngineStepError as exc:
        raise ScriptError(f"Lỗi hẹn giờ trong quy trình của hồ sơ {run.facts.code}: {exc.message}",
                          element=exc.element) from exc
    if spiff.is_completed(workflow):
        instance.status = "completed"
        instance.next_timer_at = None
    instance.state = spiff.dump(workflow)
    _store(run, lambda: store.save_with_rows(
        session, instance, run.now, dossier=run.facts if run.status_changed else None,
        completed=run.completed_item, items=run.new_items, events=run.events, messages=run.messages))
    run.status_changed, run.completed_item = False, None
    run.new_items, run.events, run.messages = [], [], []


def stop(run: InstanceRun) -> None:
    """The dossier was stopped: the instance stops where it is, its timers with it."""
    run.instance.status, run.instance.next_timer_at = "stopped", None
    _store(run, lambda: store.save_instance_status(run.session, run.instance, run.now))


def _store(run: InstanceRun, write) -> None:
    """Write the instance after whatever the session holds (a dossier action's changes); a stale revision,
    here or in the session, is a conflict."""
    code = run.facts.code
    stale = Conflict(f"Hồ sơ {code} vừa được người khác cập nhật; hãy tải lại và thử lại.")
    try:
        run.session.flush()
    except StaleDataError as exc:
        raise stale from exc
    if not write():
        raise stale


def shift_timers(run: InstanceRun, move) -> None:
    """Move every waiting timer of the instance by `move` (instant -> instant), e.g. when the due date moves."""
    spiff.shift_timers(run.workflow, move)


def run_step(run: InstanceRun, step, *args) -> None:
    """Run one SpiffWorkflow step. While the dossier's clock stands still, its timers see the instant it stopped:
    a step that resumes it (the supplement received) fires nothing that fell due during the pause; the restart
    then moves those timers by the paused office time, as the worker never fires them meanwhile."""
    try:
        step(run.workflow, run.facts.paused_at or run.now, *args)
    except spiff.EngineStepError as exc:
        raise ScriptError(f"Lỗi khi chạy quy trình của hồ sơ {run.facts.code}: {exc.message}",
                          element=exc.element) from exc


def _project_work_items(run: InstanceRun, completing: str | None) -> None:
    ready = spiff.ready_user_tasks(run.workflow)
    ready_ids = {task.task_id for task in ready}
    # Work items mirror the ready tasks of the state that was loaded, so only what changed is touched.
    known = run.ready_before
    gone = known - ready_ids - ({completing} if completing is not None else set())
    for item_id in store.cancel_items(run.session, run.instance.id, gone) if gone else []:
        run.record(action="task_cancelled", at=run.now, actor_id=run.actor_id, dossier_id=run.facts.id,
                   instance_id=run.instance.id, work_item_id=item_id)
    for task in ready:
        if task.task_id in known:
            continue
        props = task.properties
        budget = props.get("step_budget")
        unit_id = unit_for(run, task.lane, props.get("unit"))
        run.new_items.append({
            "instance_id": run.instance.id, "dossier_id": run.facts.id, "task_id": task.task_id,
            "bpmn_id": task.bpmn_id, "name": task.name, "role_key": task.lane, "unit_id": unit_id,
            "form": props.get("formJsonSchemaFilename"), "state": "ready", "ready_at": run.now,
            "due_at": budget_due(unit_calendar(run.session, unit_id), run.now, budget) if _budgeted(budget) else None,
        })
        _apply_status(run, props.get("dossier_status"))


def apply_action(run: InstanceRun, action: str, props: dict, data: dict) -> None:
    """Dossier changes a BPMN node asks for through its `dossier_action` property (see workflow.actions)."""
    handler = actions.handler(action)
    if handler is None:
        names = ", ".join(sorted(actions.action_names()))
        raise ScriptError(f"Hành động hồ sơ '{action}' không được hỗ trợ; dùng: {names}.")
    run.write_through()  # an action works on the mapped dossier, through the session
    handler(run, props, data)


def _budgeted(budget: str | None) -> bool:
    """A step with no budget, or a zero one (e.g. handing over at the desk), has no due time of its own."""
    return bool(budget) and parse_budget(budget)[0] > 0


def _apply_status(run: InstanceRun, value: str | None) -> None:
    if value is None:
        return
    dossier, status = run.current, int(value)
    if status == dossier.status or (dossier.status == WITHDRAWAL_REQUESTED and status not in FINAL_STATUSES):
        return  # the citizen's withdrawal request stands until a leader stops processing (Mẫu 05) or it ends
    before, observed = dossier.status, actions.observe_status(run, dossier.status, status)
    run.set_status(status)  # the status observer may have loaded the mapped dossier: it shows the new status
    run.record(action="status_changed", at=run.now, actor_id=run.actor_id, dossier_id=run.facts.id,
               instance_id=run.instance.id, status_before=before, status_after=status)
    if observed is not None:
        observed()


def unit_for(run: InstanceRun, lane: str | None, override: str | None) -> int:
    """The unit whose role holders see a task: the lane's mapping in procedure.toml, deciding by default."""
    where = override or run.bundle.lane_unit(lane)
    if where == "receiving":
        return run.facts.receiving_unit_id
    if where == "deciding":
        return run.instance.unit_id  # the dossier's deciding unit, or the partner agency running this part
    unit_id = run.session.scalar(select(Unit.id).where(Unit.code == where))
    if unit_id is None:
        raise NotFound(f"Làn {lane} trỏ tới đơn vị {where} không tồn tại.")
    return unit_id
