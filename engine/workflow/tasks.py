"""People's work on a step: claiming, reassigning, and completing a user task with its form."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from engine import spiff
from engine.infra.audit import record_event
from engine.infra.clock import VN_TZ
from engine.infra.errors import Conflict, NotFound, ValidationFailed
from engine.models import Dossier, ProcessInstance, ProcessVersion, User, WorkItem
from engine.org import access
from engine.org.accounts import role_delegates, role_holders, unit_officials
from engine.workflow import runtime, store
from engine.workflow.catalog import version_bundle
from engine.workflow.forms import validate_form


EMPTY_FORM = {"type": "object", "properties": {}}


@dataclass(frozen=True)
class Completion:
    work_item_id: int
    dossier_code: str
    status_before: int
    status_after: int
    verdict: str | None
    dossier_id: int
    name: str  # the step's name
    signature_form: str | None = None  # TUQ. / KT. … when completed under a delegation
    on_behalf_of: str | None = None  # the delegator's full name


def get_work_item(session: Session, item_id: int, user_id: int, now: datetime | None = None) -> WorkItem:
    """A work item the user may see: they hold its role in its unit, or act in it under a valid delegation."""
    return _authorized_item(session, item_id, user_id, now)[0]


def _authorized_item(session: Session, item_id: int, user_id: int,
                     now: datetime | None) -> tuple[WorkItem, access.Delegated | None]:
    """The item and the delegation the user acts under (None: they hold its role themselves)."""
    item = session.get(WorkItem, item_id)
    if item is None:
        raise NotFound(f"Không có công việc #{item_id}.")
    grants = access.grants_of(session, user_id)
    procedure_id = None
    if not grants.holds(item.role_key, item.unit_id):  # a delegation may be limited to one procedure
        procedure_id = session.scalar(select(Dossier.procedure_id).where(Dossier.id == item.dossier_id))
    return item, access.check_work(grants, item, procedure_id, now)


def task_form(session: Session, item: WorkItem) -> tuple[dict | None, dict | None]:
    """The JSON Schema and UI schema of a work item's form, from its instance's process version."""
    return task_forms(session, [item])[item.id]


def task_forms(session: Session, items: list[WorkItem]) -> dict[int, tuple[dict | None, dict | None]]:
    """(JSON Schema, UI schema) of each item's form, by item id: one query for all their versions."""
    versions = {instance_id: (version_id, digest) for instance_id, version_id, digest in session.execute(
        select(ProcessInstance.id, ProcessVersion.id, ProcessVersion.checksum)
        .join(ProcessVersion, ProcessVersion.id == ProcessInstance.process_version_id)
        .where(ProcessInstance.id.in_({item.instance_id for item in items})))} if items else {}
    forms = {}
    for item in items:
        if not item.form:
            forms[item.id] = (None, None)
            continue
        bundle = version_bundle(session, *versions[item.instance_id])
        spec = bundle.parsed.user_tasks.get(item.bpmn_id)
        ui_name = spec.properties.get("formUiSchemaFilename") if spec else None
        forms[item.id] = (bundle.forms.get(item.form), bundle.forms.get(ui_name) if ui_name else None)
    return forms


def claim_task(session: Session, item_id: int, user_id: int, now: datetime) -> WorkItem:
    """Take an open item; the claim is one conditional UPDATE, so of two officials claiming at once one wins."""
    item = _open_item(session, item_id, user_id, now)
    if item.assignee_id == user_id:
        return item
    claimed = session.execute(
        update(WorkItem).where(WorkItem.id == item.id, WorkItem.state == "ready", WorkItem.assignee_id.is_(None))
        .values(assignee_id=user_id, claimed_at=now).execution_options(synchronize_session=False)).rowcount
    if not claimed:
        session.refresh(item)
        if item.state != "ready":
            raise Conflict(f"Công việc '{item.name}' không còn chờ xử lý.")
        raise Conflict(f"Công việc đã được {_name(session, item.assignee_id)} nhận xử lý.")
    store.claimed(item, user_id, now)
    record_event(session, action="task_claimed", at=now, actor_id=user_id, dossier_id=item.dossier_id,
                 instance_id=item.instance_id, work_item_id=item.id)
    session.flush()
    return item


def unclaim_task(session: Session, item_id: int, user_id: int, now: datetime) -> WorkItem:
    item = _open_item(session, item_id, user_id, now)
    if item.assignee_id != user_id:
        raise Conflict("Chỉ người đang nhận công việc mới trả lại được.")
    item.assignee_id, item.claimed_at = None, None
    record_event(session, action="task_unclaimed", at=now, actor_id=user_id, dossier_id=item.dossier_id,
                 instance_id=item.instance_id, work_item_id=item.id)
    session.flush()
    return item


def assign_task(session: Session, item_id: int, assignee_id: int | None, actor_id: int, now: datetime) -> WorkItem:
    """A leader of the item's unit hands an open item to an official holding its role there (or acting in it
    under a valid delegation), or back to the pool. A step nobody can take (no holder, no delegate) goes to any
    official of its unit, by a leader of the unit or an administrator."""
    item = _led_item(session, item_id, actor_id, now)
    if item.state != "ready":
        raise Conflict(f"Công việc '{item.name}' không còn chờ xử lý.")
    if assignee_id is not None and assignee_id not in {u.id for u in _candidates(session, item, now)[0]}:
        raise ValidationFailed("Không giao được công việc.", {
            "assignee_id": ["Người được giao phải giữ vai trò của bước này tại đơn vị (hoặc được ủy quyền); bước "
                            "không ai giữ vai trò thì giao cho một công chức của đơn vị."]})
    previous = item.assignee_id
    if previous == assignee_id:
        return item
    item.assignee_id, item.claimed_at = assignee_id, now if assignee_id is not None else None
    record_event(session, action="task_reassigned", at=now, actor_id=actor_id, dossier_id=item.dossier_id,
                 instance_id=item.instance_id, work_item_id=item.id,
                 detail={"from": previous, "to": assignee_id, "from_name": _name_or_none(session, previous),
                         "to_name": _name_or_none(session, assignee_id)})
    session.flush()
    return item


def assignable_users(session: Session, item_id: int, actor_id: int, now: datetime) -> list[User]:
    """Who a leader of the item's unit may hand it to: active holders of its role there and its delegates, by
    name; for a step nobody can take, the unit's officials."""
    return _candidates(session, _led_item(session, item_id, actor_id, now), now)[0]


def nobody_can_take(session: Session, item: WorkItem, now: datetime) -> bool:
    """No active official holds the item's role at its unit and no valid delegation covers it."""
    return _candidates(session, item, now)[1]


def may_assign(session: Session, item: WorkItem, user_id: int) -> bool:
    return access.grants_of(session, user_id).leads(item.unit_id)


def _led_item(session: Session, item_id: int, actor_id: int, now: datetime) -> WorkItem:
    """The item, if the actor leads its unit, or is an administrator and nobody can take it."""
    item = session.get(WorkItem, item_id)
    if item is None:
        raise NotFound(f"Không có công việc #{item_id}.")
    grants = access.grants_of(session, actor_id)
    if not (access.is_admin(grants) and nobody_can_take(session, item, now)):
        access.check_lead(grants, item.unit_id)
    return item


def _candidates(session: Session, item: WorkItem, now: datetime) -> tuple[list[User], bool]:
    procedure_id = session.scalar(select(Dossier.procedure_id).where(Dossier.id == item.dossier_id))
    return assignment_candidates(session, item.role_key, item.unit_id, procedure_id, now)


def assignment_candidates(session: Session, role_key: str, unit_id: int, procedure_id: int | None,
                          now: datetime) -> tuple[list[User], bool]:
    """(whom a step of this role, unit and procedure may be handed to, whether nobody can take it by role or
    delegation): its holders and delegates, or else every official of the unit."""
    people = {u.id: u for u in role_holders(session, role_key, unit_id)}
    people.update({u.id: u for u in role_delegates(session, role_key, unit_id, procedure_id, now)})
    if people:
        return sorted(people.values(), key=lambda u: (u.full_name, u.id)), False
    return unit_officials(session, unit_id), True


def complete_task(session: Session, item_id: int, data: dict | Callable[[dict], dict], actor_id: int,
                  now: datetime) -> Completion:
    """Validate the form, complete the user task in its instance and save everything: a handful of statements.

    `data` is the form data, or a function that reads it given the form's JSON Schema (posted text needs the
    schema to become JSON values)."""
    loaded = store.lock_and_load_item(session, item_id, user_id=actor_id)
    if loaded is None:
        raise NotFound(f"Không có công việc #{item_id}.")
    grants = access.grants_of(session, actor_id)  # on PostgreSQL read with the locked row
    item = loaded.item
    delegation = access.check_work(grants, item, loaded.dossier.procedure_id, now)
    run = runtime.begin(session, loaded, now=now, actor_id=actor_id)
    if item.state != "ready" or not spiff.task_is_ready(run.workflow, item.task_id):
        who = _name(session, item.completed_by_id) if item.completed_by_id else "người khác"
        raise Conflict(f"Công việc '{item.name}' đã được {who} hoàn thành hoặc không còn chờ xử lý.")
    if item.assignee_id not in (None, actor_id):
        raise Conflict(f"Công việc đang được {_name(session, item.assignee_id)} xử lý.")
    schema = run.bundle.forms.get(item.form) if item.form else None
    data = validate_form(schema, data(schema or EMPTY_FORM) if callable(data) else data)
    status_before = run.current.status
    runtime.run_step(run, spiff.complete_user_task, item.task_id, data)
    done = verdict(item.due_at, now)
    signer = (delegation.from_user_id, delegation.signature_form) if delegation is not None else (None, None)
    claimer = (actor_id, now) if item.assignee_id is None else (item.assignee_id, item.claimed_at)
    run.complete_item(item.id, completed_by_id=actor_id, completed_at=now, verdict=done, data=data,
                      on_behalf_of_id=signer[0], signature_form=signer[1], assignee_id=claimer[0],
                      claimed_at=claimer[1])
    runtime.project(run, completing=item.task_id)
    run.record(action="task_completed", at=now, actor_id=actor_id, dossier_id=item.dossier_id,
               instance_id=item.instance_id, work_item_id=item.id, status_before=status_before,
               status_after=run.current.status, detail={"task": item.bpmn_id, "verdict": done})
    runtime.save(run)
    return Completion(item.id, run.facts.code, status_before, run.current.status, done, item.dossier_id, item.name,
                      signer[1], _name(session, signer[0]) if signer[0] else None)


def verdict(due_at: datetime | None, done_at: datetime) -> str | None:
    """Phiếu kiểm soát verdict: early (before the due day), on time (by the due instant), late."""
    if due_at is None:
        return None
    if done_at > due_at:
        return "late"
    if done_at.astimezone(VN_TZ).date() < due_at.astimezone(VN_TZ).date():
        return "early"
    return "on_time"


def _open_item(session: Session, item_id: int, user_id: int, now: datetime | None = None) -> WorkItem:
    item = get_work_item(session, item_id, user_id, now)
    if item.state != "ready":
        raise Conflict(f"Công việc '{item.name}' không còn chờ xử lý.")
    return item


def _name_or_none(session: Session, user_id: int | None) -> str | None:
    return _name(session, user_id) if user_id else None


def _name(session: Session, user_id: int | None) -> str:
    user = session.get(User, user_id) if user_id else None
    return user.full_name if user else "người khác"
