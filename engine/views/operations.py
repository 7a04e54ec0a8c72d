"""Read models of the administrators' operations pages: what is stuck (instances in error or suspended, liên
thông messages and citizen notices not delivered, steps nobody can take), the counts of each, and one dossier's
processes as an administrator sees them (steps and history, without the citizen's personal data)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import exists, func, or_, select
from sqlalchemy.orm import Session, aliased

from engine.infra.errors import NotFound
from engine.models import (
    Delegation, Dossier, Membership, Message, Notification, Procedure, ProcessInstance, ProcessVersion, Role, Unit,
    User, WorkItem,
)
from engine.onestop.statuses import STATUS_LABELS
from engine.org import access
from engine.org.accounts import unit_officials
from engine.views.timeline import HistoryEntry, TimelineStep, dossier_history, dossier_timeline

LIST_LIMIT = 500  # rows per list: more than that waiting is an incident to solve at its cause, not to page through
TROUBLED = ("error", "suspended")


@dataclass(frozen=True)
class Counts:
    errored: int  # process instances in error
    suspended: int
    failed_messages: int  # liên thông messages given up after their attempts
    pending_messages: int
    failed_notifications: int
    unassignable: int  # open steps no member or delegate can take
    waiting_versions: int  # versions submitted for approval

    @property
    def problems(self) -> int:
        return self.errored + self.failed_messages + self.failed_notifications + self.unassignable


@dataclass(frozen=True)
class InstanceRow:
    id: int
    status: str
    error: str | None
    dossier_code: str
    procedure_code: str
    procedure_name: str
    unit_name: str
    version: int
    open_steps: tuple[str, ...]  # names of its steps waiting for an official
    updated_at: datetime


@dataclass(frozen=True)
class MessageRow:
    id: int
    name: str
    correlation: str  # the dossier code
    state: str
    attempts: int
    error: str | None
    next_attempt_at: datetime | None
    created_at: datetime
    from_unit: str | None


@dataclass(frozen=True)
class NoticeRow:
    id: int
    dossier_code: str | None
    kind: str
    channel: str
    recipient: str
    state: str
    attempts: int
    last_error: str | None
    next_attempt_at: datetime | None
    created_at: datetime


@dataclass(frozen=True)
class UnassignableRow:
    id: int
    dossier_code: str
    step: str
    unit_name: str
    role_key: str
    role_name: str | None  # None: the lane names a role that does not exist
    ready_at: datetime
    due_at: datetime | None
    officials: tuple[tuple[int, str], ...] = ()  # (user id, full name) of the unit's officials, to hand it to


@dataclass(frozen=True)
class DossierOperations:
    code: str
    procedure_name: str
    status_label: str
    received_at: datetime
    due_at: datetime | None
    instances: tuple[InstanceRow, ...]  # every process instance of the dossier, oldest first
    steps: tuple[TimelineStep, ...]
    history: tuple[HistoryEntry, ...]


def operations_overview(session: Session, user_id: int, now: datetime) -> Counts:
    """Every count of the operations landing page, in one statement."""
    _check(session, user_id)

    def count(model, *where):
        return select(func.count()).select_from(model).where(*where).scalar_subquery()

    row = session.execute(select(
        count(ProcessInstance, ProcessInstance.status == "error"),
        count(ProcessInstance, ProcessInstance.status == "suspended"),
        count(Message, Message.state == "error"),
        count(Message, Message.state == "pending"),
        count(Notification, Notification.state == "failed"),
        select(func.count()).select_from(_unassignable(now).subquery()).scalar_subquery(),
        count(ProcessVersion, ProcessVersion.status == "submitted"),
    )).one()
    return Counts(*row)


def troubled_instances(session: Session, user_id: int) -> list[InstanceRow]:
    """Instances in error, then suspended ones, longest stuck first."""
    _check(session, user_id)
    return _instances(session, ProcessInstance.status.in_(TROUBLED),
                      (ProcessInstance.status != "error", ProcessInstance.updated_at, ProcessInstance.id))


def queued_messages(session: Session, user_id: int) -> list[MessageRow]:
    """liên thông messages not delivered yet: those in error first, then the pending ones, oldest first."""
    _check(session, user_id)
    sender = aliased(ProcessInstance)
    rows = session.execute(
        select(Message.id, Message.name, Message.correlation, Message.state, Message.attempts, Message.error,
               Message.next_attempt_at, Message.created_at, Unit.name)
        .outerjoin(sender, sender.id == Message.sender_instance_id).outerjoin(Unit, Unit.id == sender.unit_id)
        .where(Message.state.in_(("pending", "error")))
        .order_by(Message.state != "error", Message.created_at, Message.id).limit(LIST_LIMIT))
    return [MessageRow(*row) for row in rows]


def queued_notifications(session: Session, user_id: int) -> list[NoticeRow]:
    """Citizen notices not sent yet: failed first, then those being sent and those waiting, oldest first."""
    _check(session, user_id)
    rows = session.execute(
        select(Notification.id, Dossier.code, Notification.kind, Notification.channel, Notification.recipient,
               Notification.state, Notification.attempts, Notification.last_error, Notification.next_attempt_at,
               Notification.created_at)
        .outerjoin(Dossier, Dossier.id == Notification.dossier_id)
        .where(Notification.state.in_(("pending", "sending", "failed")))
        .order_by(Notification.state != "failed", Notification.created_at, Notification.id).limit(LIST_LIMIT))
    return [NoticeRow(*row) for row in rows]


def unassignable_items(session: Session, user_id: int, now: datetime) -> list[UnassignableRow]:
    """Open steps whose role at their unit no active member holds and no valid delegation covers, oldest first."""
    _check(session, user_id)
    rows = session.execute(_unassignable(now).add_columns(
        Dossier.code, WorkItem.name, Unit.name, WorkItem.role_key, Role.name, WorkItem.ready_at, WorkItem.due_at,
        WorkItem.unit_id)
        .join(Unit, Unit.id == WorkItem.unit_id).outerjoin(Role, Role.key == WorkItem.role_key)
        .order_by(WorkItem.ready_at, WorkItem.id).limit(LIST_LIMIT)).all()
    officials = {unit_id: tuple((u.id, u.full_name) for u in unit_officials(session, unit_id))
                 for unit_id in {row[-1] for row in rows}}
    return [UnassignableRow(*row[:-1], officials=officials[row[-1]]) for row in rows]


def unassignable_ids(session: Session, item_ids, now: datetime) -> set[int]:
    """Which of these work items nobody can take (no holder, no delegate, no active assignee)."""
    return set(session.scalars(_unassignable(now).where(WorkItem.id.in_(list(item_ids))))) if item_ids else set()


def dossier_operations(session: Session, code: str, user_id: int) -> DossierOperations:
    """One dossier's processes, steps and history for an administrator: what ran, what is stuck, and why."""
    _check(session, user_id)
    row = session.execute(select(Dossier.id, Dossier.code, Procedure.name, Dossier.status, Dossier.received_at,
                                 Dossier.due_at)
                          .join(Procedure, Procedure.id == Dossier.procedure_id).where(Dossier.code == code)).first()
    if row is None:
        raise NotFound(f"Không có hồ sơ mã {code}.")
    dossier_id = row[0]
    instances = _instances(session, ProcessInstance.dossier_id == dossier_id, (ProcessInstance.id,))
    return DossierOperations(row[1], row[2], STATUS_LABELS.get(row[3], str(row[3])), row[4], row[5],
                             tuple(instances), tuple(dossier_timeline(session, dossier_id)),
                             tuple(dossier_history(session, dossier_id)))


def _check(session: Session, user_id: int) -> None:
    access.check_admin(access.grants_of(session, user_id))


def _instances(session: Session, where, order) -> list[InstanceRow]:
    rows = session.execute(
        select(ProcessInstance.id, ProcessInstance.status, ProcessInstance.error, Dossier.code, Procedure.code,
               Procedure.name, Unit.name, ProcessVersion.number, ProcessInstance.updated_at)
        .join(Dossier, Dossier.id == ProcessInstance.dossier_id)
        .join(ProcessVersion, ProcessVersion.id == ProcessInstance.process_version_id)
        .join(Procedure, Procedure.id == ProcessVersion.procedure_id)
        .join(Unit, Unit.id == ProcessInstance.unit_id)
        .where(where).order_by(*order).limit(LIST_LIMIT)).all()
    steps: dict[int, list[str]] = {}
    if rows:
        for instance_id, name in session.execute(
                select(WorkItem.instance_id, WorkItem.name)
                .where(WorkItem.instance_id.in_([r[0] for r in rows]), WorkItem.state == "ready")
                .order_by(WorkItem.id)):
            steps.setdefault(instance_id, []).append(name)
    return [InstanceRow(*row[:8], tuple(steps.get(row[0], ())), row[8]) for row in rows]


def _unassignable(now: datetime):
    """Open work items that no active member holding their role at their unit, and no active delegate under a
    delegation valid now (for their procedure or any), could take, and that no active official was handed by a
    leader or an administrator: one statement, three NOT EXISTS."""
    member, delegate, role = aliased(User), aliased(User), aliased(Role)  # never correlated with the outer query
    assignee = aliased(User)
    handed = select(assignee.id).where(assignee.id == WorkItem.assignee_id, assignee.is_active.is_(True))
    held = (select(Membership.id).join(role, role.id == Membership.role_id)
            .join(member, member.id == Membership.user_id)
            .where(role.key == WorkItem.role_key, Membership.unit_id == WorkItem.unit_id, member.is_active.is_(True)))
    delegated = (select(Delegation.id).join(delegate, delegate.id == Delegation.to_user_id)
                 .where(Delegation.role_key == WorkItem.role_key, Delegation.unit_id == WorkItem.unit_id,
                        Delegation.revoked_at.is_(None), Delegation.valid_from <= now, Delegation.valid_to > now,
                        or_(Delegation.procedure_id.is_(None), Delegation.procedure_id == Dossier.procedure_id),
                        delegate.is_active.is_(True)))
    return (select(WorkItem.id).join(Dossier, Dossier.id == WorkItem.dossier_id)
            .where(WorkItem.state == "ready", ~exists(held), ~exists(delegated), ~exists(handed)))
